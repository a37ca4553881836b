"""Unsat explanations: rooted at the requirements, short, naming the conflict and its chain."""

import msgspec
import pytest

from solver.core.explanation import Explanation, ExplanationNode
from support.memory import InMemoryProvider
from solver.core.solve import solve
from solver.errors import UnsolvableError


def unsat(packages, requirements, constraints=(), backend="native"):
    provider = InMemoryProvider(packages)
    with pytest.raises(UnsolvableError) as err:
        solve(provider, provider.problem(requirements, constraints), backend=backend)
    assert isinstance(err.value.explanation, Explanation)
    assert str(err.value) == err.value.explanation.render()
    return err.value.explanation


def kinds(node: ExplanationNode) -> list[str]:
    out = [node.kind]
    for child in node.children:
        out += kinds(child)
    return out


def test_missing_package():
    exp = unsat({"a": [{"version": "1"}]}, ["a", "nothere >=1"])
    assert "missing" in kinds(exp.root)
    assert exp.requirements == ["nothere >=1"]  # the satisfiable requirement is not blamed
    assert "there is no package named nothere" in exp.render()


def test_version_that_does_not_exist_lists_available_ones():
    exp = unsat({"a": [{"version": v} for v in ("1.0", "1.1", "2.0")]}, ["a >=3"])
    text = exp.render()
    assert "no version of a matches a >=3" in text
    assert "2.0, 1.1, 1.0" in text


def test_two_requirements_that_cannot_both_hold(backend):
    exp = unsat({"a": [{"version": "1"}, {"version": "2"}]}, ["a >=2", "a <2"], backend=backend)
    text = exp.render()
    assert exp.requirements == ["a >=2", "a <2"]
    assert "conflict" in kinds(exp.root)
    assert "a 2 conflicts with a <2, which you also require" in text


def test_classic_diamond_conflict_reads_as_a_derivation():
    pk = {
        "foo": [{"version": "2.0", "depends": ["bar <1"]}, {"version": "2.1", "depends": ["bar <1"]},
                {"version": "1.0"}],
        "bar": [{"version": "0.9"}, {"version": "2.0"}, {"version": "2.5"}],
        "baz": [{"version": "1.0", "depends": ["bar >=2"]}],
    }
    text = unsat(pk, ["foo >=2", "baz"]).render()
    # sibling candidates failing the same way are merged
    assert "foo 2.1 | 2.0 depend on bar <1" in text
    assert "conflicts with bar >=2, which baz 1.0 depends on" in text
    assert "foo >=2 and baz cannot all be satisfied" in text
    assert "foo 1.0" not in text  # not in range: not part of the story
    assert len(text.splitlines()) <= 4


def test_conflict_three_levels_down_names_the_chain():
    pk = {
        "a": [{"version": "1", "depends": ["b", "e"]}],
        "b": [{"version": "1", "depends": ["c"]}],
        "c": [{"version": "1", "depends": ["d ==1"]}, {"version": "2", "depends": ["d ==1"]}],
        "e": [{"version": "1", "depends": ["d >=2"]}],
        "d": [{"version": "1"}, {"version": "2"}, {"version": "3"}],
    }
    text = unsat(pk, ["a"]).render()
    for step in ("a 1 depends on b", "b 1 depends on c", "c 2 | 1 depend on d ==1",
                 "conflicts with d >=2, which e 1"):
        assert step in text


def test_excluded_reason_from_the_provider_is_shown():
    pk = {
        "app": [{"version": "1", "depends": ["__glibc >=2.28"]}],
        "__glibc": [{"version": "2.17"}, {"version": "2.28", "excluded": "virtual package __glibc 2.17 too old"}],
        "lib": [{"version": "1", "excluded": "hidden by channel priority"}],
    }
    assert "virtual package __glibc 2.17 too old" in unsat(pk, ["app"]).render()
    exp = unsat(pk, ["lib"])
    assert "excluded" in kinds(exp.root)
    assert "lib 1 cannot be used (hidden by channel priority)" in exp.render()


def test_constrains_and_user_constraints_are_named():
    pk = {
        "a": [{"version": "1", "depends": ["b"], "constrains": ["c <2"]}],
        "b": [{"version": "1", "depends": ["c >=2"]}],
        "c": [{"version": "2"}, {"version": "3"}],
    }
    text = unsat(pk, ["a"]).render()
    assert "a 1 constrains c <2, but b 1 (pulled in by a) depends on c >=2" in text
    assert len(text.splitlines()) == 3  # headline, the one reason, the summary
    assert "ruled out by your constraint c <2" in unsat(pk, ["c"], ["c <2"]).render()


def test_long_version_lists_and_many_failing_versions_are_capped():
    pk = {
        "a": [{"version": str(v), "depends": [f"b =={v}"]} for v in range(1, 40)],
        "b": [{"version": str(v), "depends": ["c <1"]} for v in range(1, 40)],
        "c": [{"version": str(v)} for v in range(1, 40)],
    }
    text = unsat(pk, ["a"]).render()
    assert len(text.splitlines()) <= 10
    assert "more candidates cannot be used either" in text
    assert "(available: 39, 38, 37, 36, …, 1)" in text


def test_explanation_is_a_plain_tree_that_serialises():
    exp = unsat({"a": [{"version": "1", "depends": ["b >=2"]}], "b": [{"version": "1"}]}, ["a"])
    data = msgspec.json.decode(msgspec.json.encode(exp))
    assert data["root"]["kind"] == "root"
    req = data["root"]["children"][0]
    assert (req["kind"], req["text"]) == ("requirement", "a")
    assert req["children"][0]["kind"] == "candidates"
    assert msgspec.convert(data, Explanation) == exp


def test_builds_of_one_version_are_counted_not_listed():
    class WithBuilds(InMemoryProvider):
        def display_version(self, s):
            return f"{super().display_version(s)} (build{s})"

        def display_release(self, s):
            return super().display_version(s)

    pk = {
        "app": [{"version": "1", "depends": ["lib >=2"]}],
        "lib": [{"version": "2", "excluded": "hidden by channel priority"} for _ in range(3)] + [{"version": "1"}],
    }
    provider = WithBuilds(pk)
    with pytest.raises(UnsolvableError) as err:
        solve(provider, provider.problem(["app"]))
    assert "app 1 (build0) depends on lib >=2, and lib 2 (3 builds) cannot be used (hidden by channel priority)" in str(
        err.value
    )
    with pytest.raises(UnsolvableError) as err:
        solve(provider, provider.problem(["lib <1"]))
    assert "no version of lib matches lib <1 (available: 2, 1)" in str(err.value)


def test_abi_pin_story_is_one_sentence_without_false_conflicts():
    # numpy 2.4 is only built for py 3.14 (through an abi package that constrains py), the user
    # wants py 3.10: one line should say so; an unversioned "py" dependency is no conflict
    minor = {"3.14": "py >=3.14,<3.15", "3.12": "py >=3.12,<3.13", "3.10": "py >=3.10,<3.11"}
    pk = {
        "py": [{"version": v, "constrains": [f"abi =={v[:4]}"]} for v in ("3.14.0", "3.12.0", "3.10.2", "3.10.0")],
        "abi": [{"version": v, "constrains": [minor[v]]} for v in ("3.14", "3.12", "3.10")],
        "np": [{"version": "2.4.6", "depends": ["py", "abi ==3.14"]}, {"version": "1.26.0", "depends": ["py"]}],
    }
    exp = unsat(pk, ["py >=3.10,<3.11", "np >=2.4,<2.5"])
    text = exp.render()
    assert exp.requirements == ["py >=3.10,<3.11", "np >=2.4,<2.5"]
    assert ("np 2.4.6 depends on abi ==3.14, and abi 3.14 constrains py >=3.14,<3.15, but you require "
            "py >=3.10,<3.11") in text
    assert "conflict" not in text  # nothing here is "py conflicts with py"
    assert len(text.splitlines()) == 3  # headline, the reason, the summary


def test_the_shortest_chain_to_the_users_spec_is_told():
    # app pins lib directly and also through a five-step chain: only the direct pin is told
    pk = {
        "app": [{"version": "1", "depends": ["s1", "lib ==1"]}],
        "s1": [{"version": "1", "depends": ["s2"]}],
        "s2": [{"version": "1", "depends": ["s3"]}],
        "s3": [{"version": "1", "depends": ["s4"]}],
        "s4": [{"version": "1", "depends": ["lib ==1"]}],
        "lib": [{"version": "1"}, {"version": "2"}],
    }
    text = unsat(pk, ["app", "lib >=2"]).render()
    assert "app 1 depends on lib ==1" in text
    assert "lib >=2" in text
    assert "s1" not in text and "s4" not in text
    assert len(text.splitlines()) == 3


def test_long_chains_keep_their_ends_and_count_the_middle():
    pk = {f"p{i}": [{"version": "1", "depends": [f"p{i + 1}"]}] for i in range(9)}
    pk["p9"] = [{"version": "1", "depends": ["lib <1"]}]
    pk["lib"] = [{"version": "1"}, {"version": "2"}]
    text = unsat(pk, ["p0"]).render()
    assert "p0 1 depends on p1" in text  # where it starts
    assert "p9 1 depends on lib <1" in text  # and the step that fails
    assert "more steps" in text
    assert "p5" not in text
    assert len(text.splitlines()) == 3


def test_a_conflict_through_a_required_package_names_who_pulls_it_in():
    pk = {
        "app": [{"version": "1", "depends": ["mid"]}],
        "mid": [{"version": "1", "depends": ["lib <2"]}],
        "lib": [{"version": "1"}, {"version": "2"}],
        "other": [{"version": "1", "depends": ["lib >=2"]}],
    }
    exp = unsat(pk, ["other", "app"])
    text = exp.render()
    assert set(exp.requirements) == {"other", "app"}  # both specs are named
    assert "lib <2" in text and "lib >=2" in text
    assert "(pulled in by app)" in text or "mid 1 depends on lib <2" in text
    assert len(text.splitlines()) <= 4
