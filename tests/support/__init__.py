"""Test support shared by the test folders and the benchmarks (which put ``tests/`` on
``sys.path``): oracles and fixtures that are not part of the shipped package.

- :mod:`support.memory`: ``InMemoryProvider``, a core provider over plain data (core tests,
  ``benchmarks/bench_core.py``).
- :mod:`support.conda_validate`: ``validate_conda``, an independent check of a conda solution
  against its request (every conda solve test runs it).
- :mod:`support.loopback`: ``LoopbackServer``, the one loopback HTTP server (records requests).
- :mod:`support.pypi_index`: wheels, sdists, simple indexes and find-links folders generated on the
  fly, and the index handlers (content negotiation, ranges, Basic auth).
- :mod:`support.uv_scenarios`: resolver scenarios in uv's ``test/scenarios`` format as loopback
  indexes.
- :mod:`support.netfault`: a loopback server that writes raw bytes (the network faults no server
  library would send: bodies cut short, unrequested encodings, a byte at a time, redirects to
  port 99999), a loopback HTTP proxy (``CONNECT`` included) and a throwaway TLS CA.
- :mod:`support.shard_channel`: a channel's subdirs written as CEP-16 sharded repodata, for
  loopback servers (``tests/conda/test_shards.py``, ``benchmarks/bench_shards.py``).
"""
