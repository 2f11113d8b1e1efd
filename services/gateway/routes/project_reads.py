"""GET one project from the gateway's own copy, without the RPC hop (reads/project_views.py),
and the commands' write-through that keeps read-your-writes across gateway replicas.

The policy answers are the service path's: a project in a region the caller may not read is the
same 404 as an unknown id, and the copy's region is the project's (a project never changes
region), so who sees what does not depend on where the answer came from.
"""
import logging

from pymongo.errors import PyMongoError

from services.common.errors import NotFound, StaleVersion
from services.common.mongo import utcnow
from services.gateway.access import policy
from services.gateway.hub.reactions import PROJECT_EVENTS
from services.gateway.reads import project_views

log = logging.getLogger(__name__)


def reach(principal, project_id: str, project: dict, action: str) -> dict:
    """The caller may ``action`` the project: else 404 when it may not even read its region
    ("elsewhere" looks like "nowhere"), 403 when it may read but not ``action``."""
    if not policy.can(principal, "projects", "read", project["region_code"]):
        # the answer the service gives for an unknown id
        raise NotFound(f"project {project_id} not found", {"id": str(project_id)})
    policy.authorize(principal, "projects", action, project["region_code"])
    return project


def _stored_copy(svc, project_id: str) -> tuple[dict | None, bool]:
    """The stored copy (None when there is none), and whether the store answered."""
    try:
        return svc.project_views.read(project_id), True
    except PyMongoError as exc:  # the copy is an optimisation: the service still answers
        log.warning("project copy %s not read (%s); asking the service", project_id, exc)
        return None, False


def read_project(svc, project_id: str) -> tuple[dict, dict]:
    """The project and the headers that say where it came from and as of when."""
    doc, store_answered = _stored_copy(svc, project_id)
    project = project_views.servable(doc)
    if project is not None:
        return project, project_views.answer_headers(project_views.FROM_COPY, doc["stored_at"])
    asked_at = utcnow()
    project = svc.investments.get(project_id)  # NotFound for an unknown id, as before
    try:
        # not when the store just failed to answer: a second wait for it would only delay this
        if store_answered:
            svc.project_views.keep(project, asked_at)
    except (PyMongoError, StaleVersion) as exc:  # the next read asks the service again
        log.warning("project copy %s not stored (%s)", project_id, exc)
    return project, project_views.answer_headers(project_views.FROM_SERVICE, asked_at)


def projects_get(svc, request, project_id):
    project, headers = read_project(svc, project_id)
    reach(request.principal, project_id, project, "read")
    return 200, headers, policy.redact(request.principal, "projects", project)


def keep_written(svc, project: dict) -> dict:
    """A command's answer, stored before the command answers (read-your-writes on any replica).
    When it cannot be stored, the copy's floor is raised to its version, so an older copy is not
    served; when that fails too, the error reaches the caller (a 5xx, never a 2xx that the next
    read could contradict)."""
    try:
        svc.project_views.keep(project, utcnow())
    except (PyMongoError, StaleVersion) as exc:
        log.warning("project copy %s v%s not stored (%s); raising its floor", project["id"],
                    project["version"], exc)
        svc.project_views.raise_floor(project["id"], project["version"])
    return project


def note_event(svc, envelope: dict) -> None:
    """The hub's hook: a project event names the project's version, and an older copy is no
    longer served (a change made outside the gateway reaches reads this way)."""
    if envelope["event_type"] in PROJECT_EVENTS:
        payload = envelope["payload"]
        svc.project_views.raise_floor(payload["project_id"], payload["version"])
