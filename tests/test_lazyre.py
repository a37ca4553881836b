"""Patterns compiled on first use answer exactly as compiled ones."""

from __future__ import annotations

import re

import pytest

from solver.lazyre import lazy

CASES = [
    (r"^[A-Za-z]:[\\/]", 0, "C:\\Users\\x"),
    (r"\s*(==|!=|<=|>=|<|>|=)?\s*(\d+)\s*\Z", 0, " >= 12 "),
    (r"(.*[^=!<>~,|])=([^=,|<>~]+)\Z", re.S, "1.2=py_0"),
    (r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE, "requests"),
    (r"(?P<scheme>[a-z]+://)[^/@\s]+@", 0, "https://user:secret@host/x and http://a@b/"),
]


@pytest.mark.parametrize("pattern, flags, text", CASES)
def test_lazy_pattern_answers_as_the_compiled_one(pattern, flags, text):
    eager, late = re.compile(pattern, flags), lazy(pattern, flags)
    assert late.pattern == eager.pattern
    for method in ("match", "fullmatch", "search"):
        got, want = getattr(late, method)(text), getattr(eager, method)(text)
        assert (got and got.groups(), got and got.span()) == (want and want.groups(), want and want.span())
    assert late.findall(text) == eager.findall(text)
    assert late.sub("<>", text) == eager.sub("<>", text)
    assert late.split(text) == eager.split(text)
    assert [m.span() for m in late.finditer(text)] == [m.span() for m in eager.finditer(text)]
