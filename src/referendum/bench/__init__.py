"""Benchmarks: large records generated in parallel, and timings of every stage."""
