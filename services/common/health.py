"""The answer of every domain service's ``health`` RPC."""


def health_report(service: str, repository) -> dict:
    store_up = repository.ping()
    report = {"service": service, "store": "up" if store_up else "down"}
    if store_up:
        report["outbox_backlog"] = repository.relay.backlog(repository.db)
    return report
