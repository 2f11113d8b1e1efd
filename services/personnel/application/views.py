"""What the personnel RPC answers: documents shaped by the output schemas (JSON values only).

The IIN goes out in full: the gateway's ``policy.redact`` is the one place that masks it, for the
roles ``FIELD_RULES`` names, in the one style of the platform.
"""
from services.personnel.contract.outputs import (
    CivilServantSchema,
    DueRotationSchema,
    MobilityFiguresSchema,
    OrganisationSchema,
    PositionSchema,
    RotationSchema,
)
from services.personnel.domain.settings import DEFAULT_SETTINGS
from services.personnel.domain.terms import rotation_due_date

_organisation, _position = OrganisationSchema(), PositionSchema()
_servant, _rotation, _due, _figures = (CivilServantSchema(), RotationSchema(), DueRotationSchema(),
                                       MobilityFiguresSchema())


def organisation(doc: dict) -> dict:
    return _organisation.dump(doc)


def position(doc: dict) -> dict:
    return _position.dump(doc)


def servant(doc: dict, settings=DEFAULT_SETTINGS) -> dict:
    doc = dict(doc)
    if doc.get("position_id") and doc.get("post_start"):
        doc["rotation_due_date"] = rotation_due_date(doc, settings)
    else:
        doc["rotation_due_date"] = None
    dumped = _servant.dump(doc)
    dumped.pop("iin_masked", None)  # masking is the gateway's business, not a flag of ours
    return dumped


def rotation(doc: dict) -> dict:
    return _rotation.dump(doc)


def due(case) -> dict:
    return _due.dump(case)


def figures(values: dict) -> dict:
    return _figures.dump(values)


def page(items, total: int, query: dict, dump) -> dict:
    return {"items": [dump(i) for i in items], "total": total, "page": query["page"],
            "page_size": query["page_size"]}
