"""Personnel service: civil servants and "region–centre–region" mobility (entrypoints only).

Every entrypoint delegates: commands to ``application.commands`` (the multi-document protocol in
``repository.effects``), reads to ``application.queries``, the periodic scan and inbound changes
to ``application.jobs``, the demo seed to ``application.seeding``, the crash reconciler to
``application.reconciling``.
"""
import logging
from datetime import date

from nameko.timer import timer

from services.common.config import load_settings
from services.common.consuming import subscribe
from services.common.errors import ValidationFailed
from services.common.events import register
from services.common.health import health_report
from services.common.metrics import Metrics
from services.common.mongo import Store
from services.common.rpc import rpc
from services.common.startup import SecretsCheck
from services.personnel.application.commands import PersonnelCommands
from services.personnel.application.jobs import PersonnelJobs
from services.personnel.application.queries import PersonnelQueries
from services.personnel.application.reconciling import reconcile
from services.personnel.application.seeding import PersonnelSeeding
from services.personnel.contract import EVENTS
from services.personnel.repository import (
    OrganisationRepository,
    PositionRepository,
    RotationRepository,
    SeedBatchRepository,
    ServantRepository,
)
from services.personnel.repository.effects import PendingEffects

log = logging.getLogger(__name__)

# Read at import: nameko's @timer needs its interval when the class is defined.
#  ROTATION_DUE_SCAN_SECONDS (3600): how often servants due for mandatory rotation are looked for;
#  PERSONNEL_RECONCILE_SECONDS (30): how often effects left behind by a crash are re-applied.
_RUNTIME = load_settings()
ROTATION_DUE_SCAN_SECONDS = _RUNTIME.rotation_due_scan_seconds
RECONCILE_SECONDS = _RUNTIME.personnel_reconcile_seconds


def _day(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValidationFailed("invalid date", {"today": ["an ISO date, YYYY-MM-DD"]}) from None


# what this process publishes, and the inbound organisation_changed it consumes
register(*EVENTS)


class PersonnelService:
    name = "personnel"
    secrets_check = SecretsCheck()  # refuses to start on a known secret (outside local)
    metrics = Metrics()
    organisations = Store(OrganisationRepository)
    positions = Store(PositionRepository)
    servants = Store(ServantRepository)
    rotations = Store(RotationRepository)
    seed_batches = Store(SeedBatchRepository)  # carriers of the demo seed's events

    def _repos(self) -> dict:
        return {"organisations": self.organisations, "positions": self.positions,
                "servants": self.servants, "rotations": self.rotations}

    @property
    def commands(self) -> PersonnelCommands:
        return PersonnelCommands(**self._repos())

    @property
    def queries(self) -> PersonnelQueries:
        return PersonnelQueries(**self._repos())

    @property
    def jobs(self) -> PersonnelJobs:
        return PersonnelJobs(**self._repos())

    @property
    def seeding(self) -> PersonnelSeeding:
        return PersonnelSeeding(**self._repos(), seed_batches=self.seed_batches)

    @property
    def effects(self) -> PendingEffects:
        return PendingEffects(self.positions, self.servants, self.rotations)

    @rpc
    def health(self):
        return health_report(self.name, self.rotations)

    # -- organisations and posts ---------------------------------------------------------------
    @rpc
    def create_organisation(self, data, by):
        return self.commands.create_organisation(data)

    @rpc
    def list_organisations(self, query=None):
        return self.queries.organisations_page(query)

    @rpc
    def get_organisation(self, org_id):
        return self.queries.organisation(org_id)

    @rpc
    def create_position(self, data, by):
        return self.commands.create_position(data)

    @rpc
    def list_positions(self, query=None):
        return self.queries.positions_page(query)

    @rpc
    def get_position(self, position_id):
        return self.queries.position(position_id)

    # -- civil servants ------------------------------------------------------------------------
    @rpc
    def register_civil_servant(self, data, by):
        return self.commands.register_civil_servant(data)

    @rpc
    def update_civil_servant(self, servant_id, changes, by):
        return self.commands.update_civil_servant(servant_id, changes)

    @rpc
    def extend_mandatory_term(self, servant_id, data, by):
        return self.commands.extend_mandatory_term(servant_id, data, by)

    @rpc
    def get_civil_servant(self, servant_id):
        return self.queries.servant(servant_id)

    @rpc
    def list_civil_servants(self, query=None, regions=None):
        return self.queries.servants_page(query, regions)

    # -- rotations -----------------------------------------------------------------------------
    @rpc
    def request_rotation(self, data, by):
        return self.commands.request_rotation(data, by)

    @rpc
    def approve_rotation(self, rotation_id, data, by):
        return self.commands.approve_rotation(rotation_id, data, by)

    @rpc
    def reject_rotation(self, rotation_id, data, by):
        return self.commands.reject_rotation(rotation_id, data, by)

    @rpc
    def start_rotation(self, rotation_id, data, by):
        return self.commands.start_rotation(rotation_id, data, by)

    @rpc
    def extend_rotation(self, rotation_id, data, by):
        return self.commands.extend_rotation(rotation_id, data, by)

    @rpc
    def return_from_rotation(self, rotation_id, data, by):
        return self.commands.return_from_rotation(rotation_id, data, by)

    @rpc
    def complete_rotation(self, rotation_id, data, by):
        return self.commands.complete_rotation(rotation_id, data, by)

    @rpc
    def cancel_rotation(self, rotation_id, data, by):
        return self.commands.cancel_rotation(rotation_id, data, by)

    @rpc
    def record_incentive(self, rotation_id, data, by):
        return self.commands.record_incentive(rotation_id, data, by)

    @rpc
    def reserve_return_post(self, rotation_id, data, by):
        return self.commands.reserve_return_post(rotation_id, data, by)

    @rpc
    def get_rotation(self, rotation_id):
        return self.queries.rotation(rotation_id)

    @rpc
    def list_rotations(self, query=None, regions=None):
        return self.queries.rotations_page(query, regions)

    # -- mandatory rotation and mobility figures -----------------------------------------------
    @rpc
    def due_rotations(self, query=None, regions=None):
        return self.queries.due_page(query, regions)

    @rpc
    def mobility_statistics(self, query=None, regions=None):
        return self.queries.statistics(query, regions)

    @rpc
    def scan_due_rotations(self, today=None):
        return self.jobs.scan_due_rotations(_day(today))

    @timer(interval=ROTATION_DUE_SCAN_SECONDS)
    def scan_due_rotations_periodically(self):
        self.jobs.scan_due_rotations()

    # -- multi-document effects left behind by a crash ----------------------------------------
    @rpc
    def reconcile(self):
        return reconcile(self.effects)

    @timer(interval=RECONCILE_SECONDS, eager=True)
    def reconcile_periodically(self):
        report = reconcile(self.effects)
        if report["batches"]:
            log.warning("reconciler applied pending effects: %s", report)

    # -- inbound: organisation changes from the civil service agency ---------------------------
    @subscribe()
    def on_organisation_changed(self, envelope):
        outcome = self.jobs.apply_organisation_change(envelope)
        log.info("organisation %s: %s (event %s)", envelope["payload"]["org_id"], outcome,
                 envelope["event_id"])

    # -- demo seed (regionctl seed) -------------------------------------------------------------
    @rpc
    def seed_info(self):
        return self.seeding.seed_info()

    @rpc
    def begin_seed(self, meta):
        return self.seeding.begin_seed(meta)

    @rpc
    def load_seed(self, batch):
        return self.seeding.load_seed(batch)
