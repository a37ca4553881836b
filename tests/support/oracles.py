"""Oracle tests made visible: tests marked ``@pytest.mark.oracle`` check our answers against an
independent implementation (py-rattler: same solutions, locks rattler reads and writes byte for
byte). They skip when the oracle or the real data is missing, and a skipped oracle must not pass
unnoticed: the run ends with one line saying how many oracle tests ran and, for those skipped, why.

With ``SOLVER_REQUIRE_ORACLES=1`` (CI sets it) a skipped oracle test fails the run.

The hooks are imported by ``tests/conftest.py``.
"""

from __future__ import annotations

import os
from collections import Counter

REQUIRE_ENV = "SOLVER_REQUIRE_ORACLES"

_ran: set[str] = set()
_failed: set[str] = set()
_skipped: dict[str, str] = {}


def pytest_configure(config) -> None:
    config.addinivalue_line(
        "markers", "oracle: compares with an independent implementation (py-rattler, uv); counted in the summary"
    )


def pytest_runtest_logreport(report) -> None:
    if "oracle" not in report.keywords:
        return
    if report.skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        _skipped[report.nodeid] = reason.removeprefix("Skipped: ")
    elif report.failed:
        _failed.add(report.nodeid)
    elif report.when == "call":
        _ran.add(report.nodeid)


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    ran = len(_ran | _failed)
    if not ran and not _skipped:
        return
    terminalreporter.section("oracles")
    line = f"oracle tests (py-rattler, uv): {ran} ran ({len(_failed)} failed), {len(_skipped)} skipped"
    terminalreporter.write_line(line, red=bool(_skipped or _failed), green=not (_skipped or _failed))
    for reason, count in Counter(_skipped.values()).most_common():
        terminalreporter.write_line(f"  skipped {count}: {reason}", yellow=True)
    if _skipped and os.environ.get(REQUIRE_ENV) == "1":
        terminalreporter.write_line(f"  {REQUIRE_ENV}=1: skipped oracle tests fail the run", red=True)


def pytest_sessionfinish(session, exitstatus) -> None:
    if _skipped and os.environ.get(REQUIRE_ENV) == "1" and exitstatus == 0:
        session.exitstatus = 1  # reported in the "oracles" section above
