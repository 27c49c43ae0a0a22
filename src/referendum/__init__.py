"""referendum: verifiable referendums, legitimacy reports, forensics and risk-limiting audits.

The package is layered; dependencies point one way:

    crypto -> record -> board -> services -> cli / web
    rules (outcome rules) is used by services, verify, standards and audit.
    verify, standards, forensics and audit read records or tables only.
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
