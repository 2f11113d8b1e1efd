"""Error types shared by every service.

Pure Python (no nameko), so domain modules raise them freely. Each carries a machine-readable
``error`` code, a human message and JSON-serialisable ``details``; ``args`` is exactly
``(message, details)`` so nameko can rebuild the same type on the caller's side
(see ``services.common.remote_errors``). The gateway maps the types to HTTP codes in one table.
"""


class PlatformError(Exception):
    error = "platform_error"

    def __init__(self, message: str, details: dict | None = None):
        super().__init__(message, details or {})
        self.message = message
        self.details = details or {}

    def __str__(self) -> str:
        return self.message


class ValidationFailed(PlatformError):
    """Input is malformed. ``details`` maps each invalid field to a list of reasons."""
    error = "validation_failed"


class NotFound(PlatformError):
    error = "not_found"


class Conflict(PlatformError):
    """The request is well-formed but collides with the stored state."""
    error = "conflict"


class DuplicateKey(Conflict):
    error = "duplicate"


class StaleVersion(Conflict):
    error = "stale_version"


class RuleViolation(Conflict):
    """A business rule refused the command; ``details['rule']`` names the rule."""
    error = "rule_violation"

    def __init__(self, message: str, details: dict | None = None):
        super().__init__(message, details)
        if "rule" not in self.details:
            raise ValueError("RuleViolation needs details['rule']")


class Forbidden(PlatformError):
    error = "forbidden"


class Unauthenticated(PlatformError):
    error = "unauthenticated"


class ServiceUnavailable(PlatformError):
    """A dependency (another service, the store, the broker) did not answer in time."""
    error = "service_unavailable"


ALL_ERRORS = (PlatformError, ValidationFailed, NotFound, Conflict, DuplicateKey, StaleVersion,
              RuleViolation, Forbidden, Unauthenticated, ServiceUnavailable)


def require(condition: bool, field: str, reason: str, problems: dict) -> None:
    """Collect a field problem when ``condition`` is false (used to report every bad field at once)."""
    if not condition:
        problems.setdefault(field, []).append(reason)


def raise_if_problems(problems: dict, message: str = "invalid input") -> None:
    if problems:
        raise ValidationFailed(message, problems)
