"""Test support shared by the test folders and the benchmarks (which put ``tests/`` on
``sys.path``): oracles and fixtures that are not part of the shipped package.

- :mod:`support.memory`: ``InMemoryProvider``, a core provider over plain data (core tests,
  ``benchmarks/bench_core.py``).
- :mod:`support.conda_validate`: ``validate_conda``, an independent check of a conda solution
  against its request (every conda solve test runs it).
"""
