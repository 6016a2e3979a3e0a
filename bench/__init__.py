"""Benchmarks that print ratios. `python -m bench` runs them all.

A benchmark is a module of this package whose name does not start with an underscore;
it runs as `python -m bench.NAME` and ends its output with exactly one line
`NAME: ratio R (goal G)`. Modules named `_...` are helpers.
"""
