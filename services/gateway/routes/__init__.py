"""HTTP route handlers of the gateway, one module per area."""
