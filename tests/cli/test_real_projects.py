"""Realistic pixi projects over the real channels in ../shared/data/conda, end to end through
``solver solve`` in-process: a ROS workspace (robostack-humble over conda-forge, a solve group)
and a data-science project (conda-forge, two python versions). Each lock is checked the way a user
would: py-rattler reads it, every environment's records are a consistent set for its request,
rattler's own solver picks the same records, re-solving changes nothing, ``--locked`` and
``--update`` behave, and an impossible request fails in a few readable lines.

Skipped when the shared data is absent (``shared_conda``) or py-rattler (``bench`` extra) is not
installed."""

from __future__ import annotations

import asyncio
from pathlib import Path

import msgspec
import pytest

from solver.cli import main
from solver.lock import read_lock, write_lock
from support.isolation import isolate

pytestmark = pytest.mark.oracle
rattler = pytest.importorskip("rattler")

ROBOT_PLATFORMS = ["linux-64", "osx-arm64", "win-64"]
DS_PLATFORMS = ["linux-64", "osx-arm64", "win-64"]


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    isolate(tmp_path, monkeypatch)


def robot_manifest(conda: Path) -> str:
    # the shape of a robostack workspace: the ROS channel first, conda-forge underneath; tests in a
    # feature sharing a solve group with the default environment so both see the same versions
    return f"""\
[workspace]
name = "robot-ws"
channels = ["{(conda / 'robostack-humble').as_uri()}", "{(conda / 'conda-forge').as_uri()}"]
platforms = {ROBOT_PLATFORMS!r}

[dependencies]
ros-humble-desktop = "*"
python = "*"

[target.unix.dependencies]
make = "*"

[target.win-64.dependencies]
ninja = "*"

[feature.test.dependencies]
pytest = "*"

[environments]
default = {{ solve-group = "robot" }}
test = {{ features = ["test"], solve-group = "robot" }}
"""


def data_science_manifest(conda: Path) -> str:
    # Features *combine* their specs for a name (the manifest reference: "both requirements will be
    # combined"), so a py311 environment cannot override a ``python = "3.12.*"`` of the default
    # feature; each python pin lives in its own feature, as multi-python pixi projects do.
    return f"""\
[workspace]
name = "analysis"
channels = ["{(conda / 'conda-forge').as_uri()}"]
platforms = {DS_PLATFORMS!r}

[dependencies]
python = ">=3.11"
numpy = "*"
pandas = "*"

[feature.py312.dependencies]
python = "3.12.*"

[feature.py311.dependencies]
python = "3.11.*"

[environments]
default = ["py312"]
py311 = ["py311"]
"""


class Project:
    def __init__(self, root: Path, text: str):
        self.root = root
        self.manifest = root / "pixi.toml"
        self.lock = root / "pixi.lock"
        root.mkdir(parents=True, exist_ok=True)
        self.manifest.write_text(text)

    def edit(self, old: str, new: str) -> None:
        text = self.manifest.read_text()
        assert old in text, old
        self.manifest.write_text(text.replace(old, new, 1))

    def solve(self, *args: str) -> int:
        return main(["solve", str(self.root), "-q", *args])

    def units(self):
        import solver

        return solver.build_requests(solver.load_manifest(self.manifest))


def by_name(records) -> dict[str, tuple[str, str]]:
    return {r.name: (r.version, r.build) for r in records}


def rattler_solve(request) -> dict[str, tuple[str, str]]:
    """What py-rattler's solver picks for the same specs, channels, virtual packages and platform."""
    from support.rattler_inputs import rattler_inputs

    sparse, virtual = rattler_inputs(request)
    records = asyncio.run(rattler.solve_with_sparse_repodata(
        list(request.specs), sparse, virtual_packages=virtual, constraints=list(request.constraints) or None))
    return {r.name.normalized: (str(r.version), str(r.build)) for r in records}


def check_lock_is_consistent(project: Project) -> None:
    """Every (environment, platform) of the lock is a valid solution of its own request (specs met,
    dependencies and constraints honoured, strict channel priority kept, nothing unrequired), the
    lock reads in py-rattler with the same shape, and solve-group members agree on versions."""
    from solver.conda.gateway import Gateway
    from support.conda_validate import validate_conda

    lock = read_lock(project.lock)
    theirs = rattler.LockFile.from_path(str(project.lock))
    their_envs = dict(theirs.environments())
    assert sorted(their_envs) == sorted(lock.environments)
    for name, env in lock.environments.items():
        their_env = their_envs[name]
        their_platforms = {str(p): p for p in their_env.platforms()}
        assert sorted(their_platforms) == env.platforms()
        for platform in env.platforms():
            their_records = their_env.conda_repodata_records_for_platform(their_platforms[platform]) or []
            assert sorted((r.name.normalized, str(r.version), str(r.build)) for r in their_records) == sorted(
                (r.name, r.version, r.build) for r in env.conda_records(platform))

    for unit in project.units():
        with Gateway(unit.conda.channels, unit.platform) as gateway:
            for member in unit.members:
                records = lock.environments[member.environment].conda_records(unit.platform)
                assert records, (member.environment, unit.platform)
                request = msgspec.structs.replace(unit.conda, specs=list(member.conda_specs), locked=[], update=None)
                problems = validate_conda(request, records, available=gateway.records)
                assert problems == [], (member.environment, unit.platform, problems[:5])
        if unit.solve_group is not None:
            members = [by_name(lock.environments[m].conda_records(unit.platform)) for m in unit.environments]
            for one in members[1:]:
                for pkg in set(one) & set(members[0]):
                    assert one[pkg] == members[0][pkg], (unit.platform, pkg)


# -- 1. a ROS workspace ---------------------------------------------------------------------------------


def test_robotics_workspace_end_to_end(shared_conda, tmp_path, capsys):
    project = Project(tmp_path / "robot", robot_manifest(shared_conda))
    assert project.solve() == 0
    assert project.lock.is_file()
    lock = read_lock(project.lock)
    assert sorted(lock.environments) == ["default", "test"]
    for env in lock.environments.values():
        assert env.platforms() == sorted(ROBOT_PLATFORMS)
    default, test = lock.environments["default"], lock.environments["test"]
    for platform in ROBOT_PLATFORMS:
        records = by_name(default.conda_records(platform))
        assert "ros-humble-desktop" in records
        # target dependencies land on their platforms only
        assert ("make" in records) == (platform != "win-64") and ("ninja" in records) == (platform == "win-64")
        assert "pytest" in by_name(test.conda_records(platform))
    check_lock_is_consistent(project)

    # the same units solved by rattler give the same records (the group's solution is the union of
    # its members' records)
    for unit in project.units():
        ours: dict[str, tuple[str, str]] = {}
        for member in unit.environments:
            ours.update(by_name(lock.environments[member].conda_records(unit.platform)))
        assert ours == rattler_solve(unit.conda), unit.platform

    before = project.lock.read_bytes()
    assert project.solve("--locked") == 0
    assert project.solve() == 0
    assert project.lock.read_bytes() == before  # no churn

    # every ROS humble build in the channel is for python 3.11: a python 3.12 pin is a change the
    # lock does not satisfy; --locked says so, naming the spec, and leaves the lock alone
    project.edit('python = "*"', 'python = "3.12.*"')
    capsys.readouterr()
    assert project.solve("--locked") == 1
    err = capsys.readouterr().err
    assert "python 3.12.*" in err and "Traceback" not in err
    assert project.lock.read_bytes() == before


# -- 2. a data-science project ----------------------------------------------------------------------------


@pytest.fixture
def data_science(shared_conda, tmp_path) -> Project:
    project = Project(tmp_path / "analysis", data_science_manifest(shared_conda))
    assert project.solve() == 0
    return project


def test_data_science_lock_matches_rattler(data_science):
    project = data_science
    check_lock_is_consistent(project)
    lock = read_lock(project.lock)
    for unit in project.units():
        (env,) = unit.environments
        ours = by_name(lock.environments[env].conda_records(unit.platform))
        assert ours["python"][0].startswith("3.12." if env == "default" else "3.11."), (env, unit.platform)
        # no documented difference (channel_priority=disabled, a locked record, a channel-qualified
        # spec) applies to a fresh strict solve from one channel: rattler must pick exactly these
        assert ours == rattler_solve(unit.conda), (env, unit.platform)
    before = project.lock.read_bytes()
    assert project.solve() == 0
    assert project.lock.read_bytes() == before


# -- 3. --update NAME ---------------------------------------------------------------------------------


def _with_numpy(project: Project, version: str, build_tag: str = "py312") -> None:
    """Rewrites the default environment's numpy (every platform) to the channel's ``version`` record
    built for ``build_tag``, through our lock API."""
    from solver.conda.gateway import Gateway

    lock = read_lock(project.lock)
    env = lock.environments["default"]
    for platform in DS_PLATFORMS:
        with Gateway(env.channels, platform) as gateway:
            older = [r for _, r in gateway.records("numpy") if r.version == version and build_tag in r.build]
        assert older, (platform, version)
        records = [older[0] if r.name == "numpy" else r for r in env.conda[platform]]
        assert records != env.conda[platform]
        env.conda[platform] = records
    write_lock(lock, project.lock)


def test_update_moves_only_the_named_package(data_science):
    project = data_science
    fresh = read_lock(project.lock)
    newest = {p: by_name(fresh.environments["default"].conda_records(p))["numpy"] for p in DS_PLATFORMS}
    assert all(v[0] != "1.26.4" for v in newest.values())  # the channel has newer numpy for 3.12 everywhere
    _with_numpy(project, "1.26.4")
    check_lock_is_consistent(project)  # the older numpy is a valid solution too
    old = read_lock(project.lock)

    # nothing asks for a change: the lock stays as it is
    assert project.solve() == 0
    assert read_lock(project.lock).environments == old.environments
    # a new dependency forces a re-solve; the locked numpy is still preferred over the newest
    project.edit('pandas = "*"', 'pandas = "*"\nclick = "*"')
    assert project.solve() == 0
    kept = read_lock(project.lock)
    for platform in DS_PLATFORMS:
        records = by_name(kept.environments["default"].conda_records(platform))
        assert "click" in records  # re-solved, not kept as it was
        assert records["numpy"][0] == "1.26.4"
    check_lock_is_consistent(project)

    assert project.solve("--update", "numpy") == 0
    new = read_lock(project.lock)
    for platform in DS_PLATFORMS:
        before = by_name(kept.environments["default"].conda_records(platform))
        after = by_name(new.environments["default"].conda_records(platform))
        assert after["numpy"] == newest[platform]
        moved = {n for n in set(before) | set(after) if before.get(n) != after.get(n)}
        assert moved == {"numpy"}, (platform, moved)
        # the other environment was not asked about
        assert new.environments["py311"].conda_records(platform) == kept.environments["py311"].conda_records(platform)
    check_lock_is_consistent(project)


# -- 4. an impossible request ---------------------------------------------------------------------------


def test_unsatisfiable_project_explains_in_a_few_lines(shared_conda, tmp_path, capsys):
    # every numpy >=2.2 in the channel is built for python 3.12 or newer
    project = Project(tmp_path / "old-python", f"""\
[workspace]
name = "old-python"
channels = ["{(shared_conda / 'conda-forge').as_uri()}"]
platforms = ["linux-64"]

[dependencies]
python = "3.10.*"
numpy = ">=2.2"
""")
    capsys.readouterr()
    assert project.solve() == 1
    err = capsys.readouterr().err.strip()
    assert "python 3.10.*" in err and "numpy >=2.2" in err, err
    # one headline naming the environment and platform, then an explanation of at most 6 lines
    assert len(err.splitlines()) <= 7, err
    assert "Traceback" not in err
    assert not project.lock.exists()
