"""Default settings of the forensics methods (a light module: the command line reads it)."""

__all__ = ["DEFAULT_MIN_SIZE", "DEFAULT_WINDOW"]

DEFAULT_WINDOW = 0.05
"""Half-width of the window around each whole percentage, in percentage points."""
DEFAULT_MIN_SIZE = 100
"""Stations with fewer voters (in the percentage's denominator) are not tested."""
