"""The System of Regional Standards (SRS, СРС): the closed list of infrastructure standards a
settlement is assessed against. Shared reference data: the hub assesses settlements against these
standards and an investment project names the standard whose gap it closes.

The six groups are the ones the Concept names for basic infrastructure (Government decree of
25 August 2025 approving the Regional Development Concept 2025-2030, section on the System of
Regional Standards): education, health, culture, sport, engineering and transport infrastructure.
"""
SRS_STANDARDS: tuple[str, ...] = ("education", "health", "culture", "sport", "engineering",
                                  "transport")

# KATO (classifier of administrative-territorial objects) codes are nine digits: AB oblast,
# CD district, EF rural district or town, HIJ settlement. The first two are the region's digits
# of its ISO 3166-2:KZ code (see services.common.regions).
KATO_PATTERN = r"^\d{9}$"


def kato_region(kato: str) -> str:
    """The ISO 3166-2:KZ code a KATO code belongs to (not checked against the region list)."""
    return f"KZ-{kato[:2]}"
