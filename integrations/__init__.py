"""Channel adapters: provider signature checks, payload parsing and outbound clients (no models)."""
