"""The only personnel code that touches MongoDB: one repository per collection
(``repositories``) and the pending multi-document effects (``effects``)."""
from services.personnel.repository.repositories import (  # noqa: F401
    PENDING_FIELDS,
    OrganisationRepository,
    PositionRepository,
    RotationRepository,
    SeedBatchRepository,
    ServantRepository,
    doc_key,
)
