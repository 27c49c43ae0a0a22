"""Benchmarks: large records generated in parallel, and timings of every stage."""

__all__: list[str] = []
