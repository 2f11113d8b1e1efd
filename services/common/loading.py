"""One loader for every schema at every edge: ``ValidationFailed`` with one shape of details.

Details are ``{dotted.path: [reasons]}``: marshmallow's nested messages
(``{"investor": {"bin": [...]}}``, ``{"items": {0: {"amount_kzt": [...]}}}``) become
``investor.bin`` and ``items.0.amount_kzt``, the same paths the domain rules report, so a client
reads one form whether a schema or a rule refused its input.
"""
from marshmallow import Schema, ValidationError

from services.common.errors import ValidationFailed


def flatten_errors(messages, prefix: str = "") -> dict:
    """marshmallow's nested error messages as ``{dotted.path: [reasons]}``."""
    flat: dict = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            path = prefix if key == "_schema" and prefix else (f"{prefix}.{key}" if prefix else str(key))
            for sub_path, reasons in flatten_errors(value, path).items():
                flat.setdefault(sub_path, []).extend(reasons)
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        flat[prefix or "_schema"] = list(messages)
    elif isinstance(messages, list):
        for item in messages:
            for sub_path, reasons in flatten_errors(item, prefix).items():
                flat.setdefault(sub_path, []).extend(reasons)
    else:
        flat[prefix or "_schema"] = [str(messages)]
    return flat


def load(schema: Schema | type[Schema], data, *, message: str = "invalid input", **kwargs) -> dict:
    """``schema.load(data)``, or ``ValidationFailed(message, {dotted.path: [reasons]})``.

    Anything but an object where an object is expected is refused as ``_body``."""
    if isinstance(schema, type):
        schema = schema()
    if not getattr(schema, "many", False) and not isinstance(data, dict):
        raise ValidationFailed(message, {"_body": ["must be an object"]})
    try:
        return schema.load(data, **kwargs)
    except ValidationError as exc:
        raise ValidationFailed(message, flatten_errors(exc.messages)) from None


def load_query(schema: Schema | type[Schema], args, *, message: str = "invalid query parameters"
               ) -> dict:
    """A query string (werkzeug ``MultiDict`` or a plain dict) loaded like a body."""
    data = args.to_dict(flat=True) if hasattr(args, "to_dict") else dict(args)
    return load(schema, data, message=message)
