"""Platform errors cross RPC as themselves, not as nameko's generic RemoteError.

nameko serialises an exception as (type path, args) and rebuilds it on the caller's side when the
type is registered; our errors' args are ``(message, details)``, so the gateway receives a
``NotFound`` with its details and maps it in its one error table.
"""
from nameko.exceptions import registry

from services.common.errors import ALL_ERRORS


def _path(cls) -> str:
    return f"{cls.__module__}.{cls.__name__}"


def register_platform_errors() -> None:
    for cls in ALL_ERRORS:
        registry[_path(cls)] = cls


register_platform_errors()
