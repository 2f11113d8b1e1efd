"""Use cases of the investments service: commands, reads, exports and the demo seed. Each is a
plain object built from the service's repositories; it lets the domain decide and the repository
store."""
