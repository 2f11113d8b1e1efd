"""The read use cases: one project, a page of projects, a region's summary."""
from services.common.errors import ValidationFailed
from services.common.regions import is_region
from services.investments import domain
from services.investments.contract.rpc import ProjectOut

# One schema instance for every call: building ProjectOut builds its nested schemas and deep-copies
# their fields, ~15% of the investments process's time on the register path (py-spy). dump keeps
# no state on the instance, so sharing it is safe.
PROJECT_OUT = ProjectOut()


def dump_project(project: dict) -> dict:
    """A stored project in its API form (``ProjectOut``), with the stages it may move to next."""
    allowed = domain.allowed_next_stages(project["stage"], project.get("suspended_from"))
    return PROJECT_OUT.dump({**project, "allowed_next_stages": allowed})


def money_strings(value):
    """Decimals of a (nested) summary as decimal strings."""
    if isinstance(value, dict):
        return {k: money_strings(v) for k, v in value.items()}
    return str(value) if hasattr(value, "as_tuple") else value


class ProjectReads:
    def __init__(self, projects):
        self.projects = projects

    def get(self, project_id: str) -> dict:
        return dump_project(self.projects.get(project_id))

    def find_by_external_ref(self, external_ref: str) -> dict | None:
        project = self.projects.find_by_external_ref(external_ref)
        return None if project is None else dump_project(project)

    def query(self, query: dict) -> dict:
        normalised = domain.normalise_query(query)
        stored = self.projects.stored_first_page(normalised, dump_project)
        if stored is not None:  # a region + stage first page, kept by the writes' marks
            return stored
        page = self.projects.query(normalised)
        return {"items": [dump_project(p) for p in page["items"]],
                "next_cursor": page["next_cursor"]}

    def region_summary(self, region_code: str) -> dict:
        if not is_region(region_code):
            raise ValidationFailed("unknown region", {"region_code": ["unknown region code"]})
        summary = self.projects.region_totals().summary(region_code)
        if summary is None:  # no stored totals yet (a fold makes them): add up the projects
            summary = domain.region_summary(self.projects.summary_rows(region_code))
        return {"region_code": region_code, **money_strings(summary)}
