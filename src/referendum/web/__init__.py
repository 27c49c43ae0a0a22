"""The web application: JSON API, public board pages, the voting booth, organiser and
trustee pages (``referendum serve``).  A thin shell over :mod:`referendum.services`."""

__all__: list[str] = []
