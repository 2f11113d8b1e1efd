"""Checks a service passes before it starts serving (a DependencyProvider every service declares).

nameko runs ``setup`` of every extension before any entrypoint starts, and a failing setup stops
the container: so a deployment with a known secret never answers a single request.
"""
from nameko.extensions import DependencyProvider

from services.common.config import check_deployment_secrets, load_settings


class SecretsCheck(DependencyProvider):
    """Refuses to start on a missing, empty, default or short token secret or a default broker
    or Grafana password, unless ``PLATFORM_ENV=local`` (``config.secret_problems``)."""

    def setup(self):
        check_deployment_secrets(load_settings())

    def get_dependency(self, worker_ctx):
        return None
