"""The gateway's own read models of other services' aggregates, answered without an RPC hop."""
