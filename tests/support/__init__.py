"""Test support shared by the test folders and the benchmarks (which put ``tests/`` on
``sys.path``): oracles and fixtures that are not part of the shipped package.

- :mod:`support.memory`: ``InMemoryProvider``, a core provider over plain data (core tests,
  ``benchmarks/bench_core.py``).
- :mod:`support.conda_validate`: ``validate_conda``, an independent check of a conda solution
  against its request (every conda solve test runs it).
- :mod:`support.netfault`: a loopback server that writes raw bytes (the network faults no server
  library would send: bodies cut short, unrequested encodings, a byte at a time, redirects to
  port 99999), a loopback HTTP proxy (``CONNECT`` included) and a throwaway TLS CA.
"""
