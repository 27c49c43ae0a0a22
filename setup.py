"""Build hook: compiles the thin cffi binding to libdecaf (see docs/crypto-backend.md)."""

from setuptools import setup

setup(cffi_modules=["src/referendum/crypto/_build_decaf.py:ffibuilder"])
