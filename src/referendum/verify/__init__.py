"""``referendum verify``: checks a published election record, trusting no one.

Reads records only (never a database or the web layer).  See docs/spec/verification.md.
"""

__all__: list[str] = []
