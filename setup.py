"""Build hook: compiles the thin cffi binding to libdecaf (see docs/crypto-backend.md) where
libdecaf's headers are found, so that the wheel carries the fast group backend; elsewhere the
wheel is pure Python and the package runs on the portable backend (libsodium through PyNaCl).

``REFERENDUM_BUILD_DECAF``: ``1`` requires the extension (the build fails without libdecaf's
headers), ``0`` builds a pure wheel even where they exist; unset, the headers decide.
``REFERENDUM_DECAF_INCLUDE`` names the folder of ``decaf.h`` when it is not the default.
"""

import os
from pathlib import Path

from setuptools import setup

_INCLUDE = Path(os.environ.get("REFERENDUM_DECAF_INCLUDE", "/usr/include/decaf"))
_WANTED = os.environ.get("REFERENDUM_BUILD_DECAF", "").strip()
if _WANTED not in ("", "0", "1"):
    raise SystemExit(f"REFERENDUM_BUILD_DECAF: expected 0 or 1, got {_WANTED[:20]!r}")
_HEADERS = (_INCLUDE / "decaf.h").is_file()
if _WANTED == "1" and not _HEADERS:
    raise SystemExit(
        f"REFERENDUM_BUILD_DECAF=1, but {_INCLUDE / 'decaf.h'} is missing "
        "(Debian, Ubuntu: apt install libdecaf-dev gcc)"
    )

if _WANTED == "1" or (_WANTED == "" and _HEADERS):
    setup(cffi_modules=["src/referendum/crypto/_build_decaf.py:ffibuilder"])
else:
    setup()
