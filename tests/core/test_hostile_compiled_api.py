"""The compiled modules' public functions reject bad arguments with Python exceptions (issue 15,
item 1): None where an object is expected, indexes out of range, arrays that do not fit
together. Each case used to read or write outside memory (a segfault, or a heap overflow under
ASan); a regression crashes the test process, which CI reports as loudly as a failure."""

from __future__ import annotations

import numpy as np
import pytest

from solver._ext import clauses, conda_version
from solver._ext.conda_version import Version, program_filter, program_matches, program_select
from solver._ext.repodata_scan import RepodataScanner, RowReader, scan_buffer
from solver.conda.version import VersionSpec


def test_version_programs_reject_none_instead_of_reading_through_it():
    prog = VersionSpec.parse(">=1")._prog
    for call in (lambda: VersionSpec.parse(">=1").filter([None]),
                 lambda: VersionSpec.parse(">=1").select([None]),
                 lambda: program_matches(prog, None),
                 lambda: program_filter(prog, [Version("1"), None]),
                 lambda: program_select(prog, [None]),
                 lambda: program_matches(None, Version("1")),
                 lambda: program_matches(((None,),), Version("1"))):
        with pytest.raises(TypeError):
            call()
    assert program_filter(prog, [Version("0.5"), Version("2")]) == [False, True]


@pytest.mark.parametrize("method", ["starts_with", "compatible_with"])
def test_version_comparisons_reject_none(method):
    with pytest.raises(TypeError):
        getattr(Version("1.2"), method)(None)
    assert getattr(Version("1.2.3"), method)(Version("1.2")) is True


@pytest.mark.parametrize("call", [
    lambda: conda_version.version_key(None),
    lambda: conda_version.version_keys(None),
    lambda: conda_version.parse_leaf(None),
    lambda: conda_version.compile_flat_spec(None),
    lambda: conda_version.split_simple_matchspec(None),
    lambda: conda_version.parse_simple_matchspec(None, {}, str, conda_version.MatchSpecData),
    lambda: conda_version.parse_simple_matchspec("a", None, str, conda_version.MatchSpecData),
], ids=["version_key", "version_keys", "parse_leaf", "compile_flat_spec", "split", "parse-text", "parse-cache"])
def test_spec_functions_reject_none(call):
    with pytest.raises(TypeError):
        call()


def _formula():
    # (1 or 2), (not 1 or 3): three variables
    return clauses.Formula(np.array([1, 2, -1, 3], dtype=np.int32), np.array([0, 2, 4], dtype=np.int64), 3)


@pytest.mark.parametrize("var", [0, 4, -1, 2**31 - 1])
def test_formula_value_of_is_range_checked(var):
    with pytest.raises(IndexError):
        _formula().value_of(var)


def test_formula_checks_its_arrays_and_the_models_it_is_given():
    f = _formula()
    for lit in (0, 4, -4, -2**31):
        with pytest.raises(ValueError, match="outside variables"):
            f.assume([lit])
    assert f.assume([1]) and f.value_of(3) == 1
    with pytest.raises(ValueError):
        f.backtrack(99)
    with pytest.raises(ValueError):
        f.backtrack(-1)
    short = np.zeros(2, dtype=np.int8)
    for call in (lambda: f.patch(short), lambda: f.satisfied_by(short), lambda: f.absorb([1], short)):
        with pytest.raises(ValueError, match="model has 2 entries"):
            call()
    for lits, offs in (([1, 2], [0, 5]), ([1, 2], [1, 0]), ([1, 2], [-1, 2]), ([1], [])):
        with pytest.raises(ValueError, match="offsets"):
            clauses.Formula(np.array(lits, dtype=np.int32), np.array(offs, dtype=np.int64), 3)
    with pytest.raises(ValueError, match="offsets"):
        clauses.to_lists(np.array([1], dtype=np.int32), np.array([0, 3], dtype=np.int64))


def _i32(*v):
    return np.array(v, dtype=np.int32)


def test_encode_rejects_inconsistent_offsets_instead_of_overflowing_its_buffer():
    empty = _i32()
    good = clauses.encode(_i32(2), _i32(1), np.array([0, 1], dtype=np.int64), _i32(2), empty, empty, empty, 8)
    assert clauses.to_lists(good[0], good[1]) == [[-1, -2], [-1, 2]]
    bad_offsets = [np.array([0, 5], dtype=np.int64),  # past the targets
                   np.array([0], dtype=np.int64),  # one entry short
                   np.array([1, 0], dtype=np.int64)]  # decreasing
    for offs in bad_offsets:
        with pytest.raises(ValueError):
            clauses.encode(_i32(2), _i32(1), offs, _i32(2), empty, empty, empty, 8)
    with pytest.raises(ValueError, match="forbid"):
        clauses.encode(_i32(2), empty, np.array([0], dtype=np.int64), empty, _i32(1, 2), _i32(1), empty, 8)
    with pytest.raises(ValueError, match="negative"):
        clauses.encode(_i32(-5), empty, np.array([0], dtype=np.int64), empty, empty, empty, empty, 8)


def test_scanner_with_only_empty_names_and_bad_arguments():
    # Every name empty: the name arena is never allocated (memchr/memcpy on NULL was UB).
    sc = scan_buffer(b'{"packages": {"a.conda": {"name": ""}, "b.conda": {"name": ""}}}')
    assert sc.raw_names() == [b""]
    assert sc.sorted_names() == (b"", b"\x00\x00\x00\x00")
    with pytest.raises(TypeError):
        RepodataScanner().absorb(None, b"{}")
    with pytest.raises(ValueError):
        RepodataScanner().feed(b"{}", -1, 0, True)
    with pytest.raises(ValueError):
        RepodataScanner().feed(b"{}", 3, 0, True)
    starts = memoryview(bytes(16)).cast("q")
    with pytest.raises(ValueError, match="differ in length"):
        RowReader(0, starts, memoryview(bytes(4)).cast("I"), memoryview(bytes(8)).cast("I"),
                  memoryview(bytes(2)).cast("B"), None, Exception, "c", "u", "s")
