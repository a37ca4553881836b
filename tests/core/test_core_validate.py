"""The independent validator catches every kind of broken solution."""

from support.memory import InMemoryProvider
from solver.core.validate import validate

PK = {
    "a": [{"version": "1", "depends": ["b >=2"], "constrains": ["c <2"]}, {"version": "2", "excluded": "yanked"}],
    "b": [{"version": "1"}, {"version": "2"}],
    "c": [{"version": "1"}, {"version": "2"}],
    "d": [{"version": "1"}],
}


def check(requirements, picks, constraints=()):
    p = InMemoryProvider(PK)
    problem = p.problem(requirements, constraints)
    return validate(p, problem, [p.solvable(n, v) for n, v in picks])


def test_valid_solution_has_no_problems():
    assert check(["a"], [("a", "1"), ("b", "2")]) == []


def test_unmet_requirement_and_dependency():
    assert check(["a"], []) == ["requirement a is not met"]
    found = check(["a"], [("a", "1"), ("b", "1")])
    assert found == ["a 1 requires b >=2, which is not met", "b 1 is chosen but nothing requires it"]


def test_two_versions_of_one_name():
    found = check(["b"], [("b", "1"), ("b", "2")])
    assert len(found) == 1 and found[0].startswith("more than one candidate of b:")
    assert "b 1" in found[0] and "b 2" in found[0]


def test_excluded_candidate():
    assert check(["a >=2"], [("a", "2")]) == ["a 2 was chosen but is excluded (yanked)"]


def test_constrains_and_problem_constraints():
    assert check(["a", "c"], [("a", "1"), ("b", "2"), ("c", "2")]) == ["a 1 constrains c <2, which is violated"]
    assert check(["b"], [("b", "2")], ["b <2"]) == ["constraint b <2 is violated"]


def test_unneeded_package():
    assert check(["b"], [("b", "2"), ("d", "1")]) == ["d 1 is chosen but nothing requires it"]
