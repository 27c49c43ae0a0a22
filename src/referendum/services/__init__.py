"""The referendum's phases over a bulletin board: create, credentials, keys, open, cast,
close, tally, decrypt, publish.  Each step reads the board, checks the phase, appends."""

__all__: list[str] = []
