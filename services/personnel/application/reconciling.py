"""The reconciler: finishes multi-document commands that a crash stopped between their commit and
their effects (the protocol is described in ``repository.effects``).

It runs on a timer, once at the start of every instance, and on the ``reconcile`` RPC. Each run
applies every announced batch whose owner committed it, drops announcements whose command died
before its commit (after the grace period), and now and then looks on the owners themselves for
batches whose announcement was lost.
"""
from datetime import datetime, timedelta

from prometheus_client import Counter

from services.common import clock
from services.personnel.repository.effects import APPLIED, CONFLICT, MERGED, RETRY, PendingEffects

EFFECTS_REAPPLIED = Counter("personnel_effects_reconciled_total",
                            "Pending effect batches applied by the reconciler", ["owner"])

# The owners themselves are scanned for pending batches (in case an announcement was lost) at the
# reconciler's first run in a process and then every BACKSTOP_EVERY: a full scan, so rarely.
BACKSTOP_EVERY = timedelta(minutes=15)
_recovered: dict[str, datetime] = {}  # database name -> when this process last scanned its owners


def reconcile(effects: PendingEffects, *, limit: int = 500) -> dict:
    """One run over the oldest ``limit`` announcements; what it did, counted."""
    report = {"batches": 0, "applied": 0, "conflicts": 0, "deferred": 0, "dropped": 0}
    last = _recovered.get(effects.db.name)
    if last is None or clock.now_utc() - last > BACKSTOP_EVERY:
        effects.recover_unannounced()
        _recovered[effects.db.name] = clock.now_utc()
    for entry in effects.announcements(limit):
        owner, raw = effects.committed_owner(entry)
        if raw is None:
            report["dropped"] += effects.drop_if_never_committed(entry)
            continue
        outcomes = effects.try_apply(owner, raw)
        if outcomes is None:
            report["deferred"] += 1
            continue
        report["batches"] += 1
        EFFECTS_REAPPLIED.labels(owner.collection_name).inc()
        values = list(outcomes.values())
        report["applied"] += sum(v in (APPLIED, MERGED) for v in values)
        report["conflicts"] += values.count(CONFLICT)
        report["deferred"] += RETRY in values
    return report
