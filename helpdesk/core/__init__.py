"""Cross-cutting pieces: the application error type, API conventions, service auth, health."""
