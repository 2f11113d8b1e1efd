"""Checks a service passes before it starts serving (a DependencyProvider every service declares).

nameko runs ``setup`` of every extension before any entrypoint starts, and a failing setup stops
the container: so a deployment with a known secret never answers a single request.
"""
from nameko.extensions import DependencyProvider

from services.common import topology
from services.common.config import check_deployment_secrets, load_settings


class SecretsCheck(DependencyProvider):
    """Refuses to start on a missing, empty, default or short token secret or a default broker
    or Grafana password, unless ``PLATFORM_ENV=local`` (``config.secret_problems``); then waits
    until the shared bus topology exists (``topology.await_shared_exchanges``)."""

    def setup(self):
        settings = load_settings()
        check_deployment_secrets(settings)
        # The shared exchanges are the administrator's (`regionctl topology`): the service only
        # looks them up, and waits for them here, before any consumer binds a queue to them.
        topology.await_shared_exchanges(settings.amqp_uri)

    def get_dependency(self, worker_ctx):
        return None
