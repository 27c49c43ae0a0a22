"""Command-line shells over the services; no logic of their own."""

__all__: list[str] = []
