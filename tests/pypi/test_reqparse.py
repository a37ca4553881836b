"""Requires-Dist entries parsed through the shared cache read exactly as packaging reads them,
errors included."""

import pytest
from packaging.requirements import InvalidRequirement, Requirement

from solver.pypi.reqparse import parse_marker, parse_requirement

TEXTS = [
    "requests",
    "requests>=2.0,<3",
    "Requests_OAuthlib (>=1.0)",
    "numpy>=1.22.4; python_version < '3.11'",
    'typing-extensions>=4.0 ; python_version < "3.11" and extra == "Test"',
    "celery[redis,msgpack]>=5.3; extra == 'redis'",
    "pywin32>=1.0;sys_platform=='win32'",
    "pkg @ https://files.example.invalid/pkg-1.0.tar.gz#sha256=00;x=1 ; python_version >= '3.8'",
    "pkg @ https://files.example.invalid/pkg-1.0.tar.gz",
    "name[extra] ; (os_name == 'nt' or os_name == 'posix') and extra == 'a-b'",
    "  Foo.Bar_baz  [ Sec , Other_Extra ]  ( >= 1.0 , != 1.5.* , < 2 )  ",
    "foo===1.0+local.7",
    "foo~=1.4.2,!=1.4.5",
    "foo[]",
    "foo[a]==1.0;python_version>='3.8'",
    "zope.interface>=5;platform_python_implementation!='PyPy'",
    "foo (==1.0)",
    "foo >=1,",
]
BAD = ["requests >= ; python_version < '3'", "requests;", "requests; python_version <", "requests; bogus == '1'",
       "requests (>=1.0 ; python_version < '3'", "[x] ; python_version < '3'", "foo>=1.0 bar", "foo ~= 1",
       "foo==1.0.*.post1", "foo[a,]", "foo(>=1", "foo>=1)", "-foo", "foo>==1"]


@pytest.mark.parametrize("text", TEXTS)
def test_same_as_packaging(text):
    ours, theirs = parse_requirement(text), Requirement(text)
    assert (ours.name, ours.url, ours.extras, ours.specifier, str(ours.marker)) == \
        (theirs.name, theirs.url, theirs.extras, theirs.specifier, str(theirs.marker))
    assert str(ours) == str(theirs)
    assert parse_requirement(text) is not ours  # callers may change what they get
    ours.extras.add("changed")
    assert "changed" not in parse_requirement(text).extras


@pytest.mark.parametrize("text", BAD)
def test_errors_are_packagings(text):
    with pytest.raises(InvalidRequirement) as theirs:
        Requirement(text)
    with pytest.raises(InvalidRequirement) as ours:
        parse_requirement(text)
    assert str(ours.value) == str(theirs.value)


def test_markers_evaluate_per_environment():
    marker = parse_marker('python_version < "3.11" and extra == "test"')
    assert marker.evaluate({"python_version": "3.10", "extra": "test"})
    assert not marker.evaluate({"python_version": "3.12", "extra": "test"})
    assert not marker.evaluate({"python_version": "3.10", "extra": ""})
