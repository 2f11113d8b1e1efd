"""Work the personnel service does besides answering people: the periodic "rotation due" scan and
organisation changes from the civil service agency (loading the demo seed is ``seeding``).

Both are idempotent: the scan publishes ``rotation_due`` once per case (the case key is kept on the
servant in the same write as the event), and an agency change applied twice changes nothing.
"""
import logging
from datetime import date

import eventlet

from services.common import clock as platform_clock
from services.common.errors import StaleVersion
from services.personnel import domain
from services.personnel.application.multi_document import facts_with_region
from services.personnel.domain.ministry import apply_organisation_change
from services.personnel.repository.effects import PendingEffects

log = logging.getLogger(__name__)
SCAN_CONCURRENCY = 8  # rotation-due writes in flight at once (the service runs 10 workers)

class PersonnelJobs:
    def __init__(self, *, organisations, positions, servants, rotations,
                 clock=platform_clock.now_utc, settings: domain.PersonnelSettings = domain.DEFAULT_SETTINGS):
        self.repos = {"organisations": organisations, "positions": positions,
                      "servants": servants, "rotations": rotations}
        self.organisations, self.servants = organisations, servants
        self.clock, self.settings = clock, settings

    # -- the periodic job ----------------------------------------------------------------------
    def scan_due_rotations(self, today: date | None = None) -> dict:
        """Publish ``rotation_due`` for every new case due on ``today`` (default: today)."""
        now = self.clock()
        today = today or platform_clock.civil_date(now)
        report = {"today": today.isoformat(), "due": 0, "published": 0, "raced": 0, "busy": 0}
        # a servant a multi-document command is changing right now waits for the next run
        busy = PendingEffects(*self.repos.values()).busy()
        cases = []
        for servant in self.servants.due_candidates(today):
            case = domain.due_rotation(servant, today, self.settings)
            if case is None:
                continue
            report["due"] += 1
            if self.servants.key(servant["servant_id"]) in busy:
                report["busy"] += 1
                continue
            cases.append((servant, case))

        def publish(item) -> str | None:
            servant, case = item
            new, facts = domain.record_rotation_due(servant, case, now=now)
            if not facts:
                return None  # this case went out already
            try:
                # the key and the event are one write: a second run, or a second instance,
                # finds the key or loses the version race, and publishes nothing
                self.servants.save_versioned(new, servant["version"], facts_with_region(facts))
                return "published"
            except StaleVersion:
                return "raced"  # changed meanwhile; the next run looks again

        # each case is one servant's own write: several go at once, so the scan waits on the
        # store and the broker's confirms side by side (one at a time, the demo seed's 600 cases
        # took 16 s of its run)
        for outcome in eventlet.GreenPool(SCAN_CONCURRENCY).imap(publish, cases):
            if outcome:
                report[outcome] += 1
        log.info("rotation due scan for %s: %s", today, report)
        return report

    # -- inbound: the civil service agency's organisation changes ------------------------------
    def apply_organisation_change(self, envelope: dict) -> str:
        """Apply ``organisation_changed`` (payload already validated); returns what happened."""
        payload = envelope["payload"]
        current = self.organisations.find(payload["org_id"])
        new = apply_organisation_change(current, payload, event_id=envelope["event_id"],
                                        occurred_at=envelope["occurred_at"], now=self.clock())
        if new is None:
            return "unchanged"
        if current is None:
            self.organisations.save_new(new)  # DuplicateKey on a race: the redelivery settles it
            return "created"
        self.organisations.save_versioned(new, current["version"])
        return payload["change"]
