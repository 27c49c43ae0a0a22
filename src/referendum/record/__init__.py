"""The election record: canonical encoding, events, the hash chain and record files.

Nothing here touches a database; only :mod:`referendum.record.io` reads or writes files.
Import from the submodules (``referendum.record.event`` ...); this package re-exports nothing.
"""

__all__: list[str] = []
