"""The bulletin board: an append-only, hash-chained event log behind one protocol.

:mod:`~referendum.board.protocol` defines :class:`BulletinBoard`; the backends are
:mod:`~referendum.board.memory`, :mod:`~referendum.board.sqlite` (the default) and
:mod:`~referendum.board.postgres`; :func:`~referendum.board.open.open_board` picks one from a URL.
This package re-exports nothing.
"""

__all__: list[str] = []
