"""Protocol logic over record payloads, pure (no I/O): state, ceremony, tally, results.

Shared by ``services`` (which read and append through a board) and ``verify`` (which reads a
published record), so that the organiser and every verifier apply the same definitions.
"""

__all__: list[str] = []
