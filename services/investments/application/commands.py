"""The write use cases: read the project, let the domain decide, write it back with its facts.

Commands on a stored project write only if nobody wrote in between: ``save_versioned`` refuses a
stale version with ``StaleVersion`` (409). Input arrives loaded by the contract schemas.
"""
import uuid

from services.common.clock import now_utc
from services.investments import domain
from services.investments.application.reads import dump_project


class ProjectCommands:
    def __init__(self, projects):
        self.projects = projects

    def register(self, data: dict, by: str) -> dict:
        """A new project (stage proposed); ``DuplicateKey`` when its external_ref is taken."""
        project, facts = domain.register_project(data, project_id=str(uuid.uuid4()),
                                                 now=now_utc(), by=by)
        return dump_project(self.projects.save_new(project, facts))

    def update(self, project_id: str, data: dict, by: str) -> dict:
        return self._apply(domain.update_project, project_id, data, by)

    def change_stage(self, project_id: str, data: dict, by: str) -> dict:
        return self._apply(domain.change_stage, project_id, data, by)

    def report_progress(self, project_id: str, data: dict, by: str) -> dict:
        return self._apply(domain.report_progress, project_id, data, by)

    def _apply(self, command, project_id: str, data: dict, by: str) -> dict:
        project = self.projects.get(project_id)
        new, facts = command(project, data, now=now_utc(), by=by)
        return dump_project(self.projects.save_versioned(new, project["version"], facts))
