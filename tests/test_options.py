"""The typed joins between layers: option vocabularies checked once, errors carrying their parts."""

from __future__ import annotations

import msgspec
import pytest

from solver.conda.model import CondaRequest
from solver.errors import InputError, LockOutdatedError, UnsolvableError
from solver.options import BACKENDS, SOLVE_STRATEGIES, Backend, PrereleaseMode, SolveStrategy, check_choice
from solver.pypi.model import PyPIRequest


@pytest.mark.parametrize("vocabulary,value", [(SolveStrategy, "lowest-direct"), (Backend, "pycosat"),
                                              (PrereleaseMode, "if-necessary-or-explicit")])
def test_known_words_pass(vocabulary, value):
    assert check_choice(value, vocabulary, "option") == value


def test_unknown_word_is_an_input_error_naming_the_choices():
    with pytest.raises(InputError) as info:
        check_choice("newest", SolveStrategy, "strategy")
    assert str(info.value) == "unknown strategy 'newest' (expected one of: highest, lowest, lowest-direct)"
    assert SOLVE_STRATEGIES == ("highest", "lowest", "lowest-direct") and BACKENDS == ("native", "pycosat")


@pytest.mark.parametrize("record,fields", [
    (CondaRequest, {"platform": "linux-64", "specs": [], "channels": [], "strategy": "newest"}),
    (CondaRequest, {"platform": "linux-64", "specs": [], "channels": [], "channel_priority": "loose"}),
    (PyPIRequest, {"platform": "linux-64", "requirements": [], "prerelease_mode": "sometimes"}),
    (PyPIRequest, {"platform": "linux-64", "requirements": [], "index_strategy": "best"}),
])
def test_records_reject_unknown_words_when_decoded(record, fields):
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert(fields, record)


def test_solve_conda_rejects_an_unknown_backend():
    from solver.conda.solve import solve_conda

    req = CondaRequest(platform="linux-64", specs=["x"], channels=["file:///nowhere"])
    with pytest.raises(InputError, match="unknown solver backend 'fast'"):
        solve_conda(req, object(), backend="fast")


def test_unsolvable_error_keeps_headline_and_details_apart():
    err = UnsolvableError("Cannot solve the requirements", "EXPLANATION", details="- you require a\nSo no.")
    assert str(err) == "Cannot solve the requirements:\n- you require a\nSo no."
    again = err.retitled("cannot solve the conda environment for linux-64", stage="conda")
    assert (again.headline, again.details, again.explanation, again.stage) == (
        "cannot solve the conda environment for linux-64", "- you require a\nSo no.", "EXPLANATION", "conda")
    # an error that is only a headline keeps it, as the details of the new one
    bare = UnsolvableError("The requirements are unsatisfiable.").retitled("cannot solve X")
    assert str(bare) == "cannot solve X:\nThe requirements are unsatisfiable."


def test_lock_outdated_error_lists_reasons_once_first_up_front():
    err = LockOutdatedError(["b missing", "a changed", "b missing"] + [f"r{i}" for i in range(12)])
    assert err.reasons[:2] == ["b missing", "a changed"] and len(err.reasons) == 14
    lines = str(err).splitlines()
    assert lines[0] == "the lock file is out of date: b missing"
    assert lines[1] == "  - a changed" and lines[-1] == "  ... and 4 more"
    assert err.exit_code == 1
