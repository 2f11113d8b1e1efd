"""A minimal XLSX workbook built in memory (standard library), for the register import tests."""
import io
import zipfile

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"


def workbook(rows: list[list], shared: list[str]) -> bytes:
    """A minimal workbook: a str cell is a shared string (its index), an int a number, a tuple
    ``("inline", text)`` an inline string, None a missing cell."""
    def cell(column: int, row: int, value) -> str:
        ref = f"{chr(65 + column)}{row}"
        if value is None:
            return ""
        if isinstance(value, tuple):
            return f'<c r="{ref}" t="inlineStr"><is><t>{value[1]}</t></is></c>'
        if isinstance(value, str):
            return f'<c r="{ref}" t="s"><v>{shared.index(value)}</v></c>'
        return f'<c r="{ref}"><v>{value}</v></c>'
    sheet_rows = "".join(
        f'<row r="{r}">' + "".join(cell(c, r, v) for c, v in enumerate(values)) + "</row>"
        for r, values in enumerate(rows, start=1))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>'
                                            '<sheet name="KATO" sheetId="1" r:id="rId1"/>'
                                            '</sheets></workbook>')
        archive.writestr("xl/_rels/workbook.xml.rels",
                         f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" '
                         'Target="worksheets/sheet1.xml"/></Relationships>')
        archive.writestr("xl/sharedStrings.xml", f'<sst xmlns="{MAIN}">' + "".join(
            f"<si><t>{s}</t></si>" for s in shared) + "</sst>")
        archive.writestr("xl/worksheets/sheet1.xml",
                         f'<worksheet xmlns="{MAIN}"><sheetData>{sheet_rows}</sheetData>'
                         "</worksheet>")
    return buffer.getvalue()
