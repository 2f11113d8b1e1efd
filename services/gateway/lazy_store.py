"""The gateway's ``Store``: a worker's repository is built when the worker first uses it.

nameko injects every dependency into every worker, and the gateway declares some twenty stores:
building each repository (a pymongo ``Collection`` per store) for every request was ~10% of the
gateway's CPU on GET one project (py-spy), where one store is used. Built on first use, a worker
pays only for the stores it touches; what it gets behaves as the repository itself.
"""
from services.common.mongo import Store


class LazyRepository:
    """Stands for the repository ``build()`` returns, built on the first attribute access."""

    __slots__ = ("_build", "_built")

    def __init__(self, build):
        self._build = build
        self._built = None

    def _repository(self):
        if self._built is None:
            self._built = self._build()
        return self._built

    def __getattr__(self, name):
        return getattr(self._repository(), name)


class LazyStore(Store):
    def get_dependency(self, worker_ctx):
        return LazyRepository(lambda: super(LazyStore, self).get_dependency(worker_ctx))
