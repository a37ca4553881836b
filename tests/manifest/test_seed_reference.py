"""Every example manifest of the pixi manifest reference (seed 002), as the requests it yields.

Hosts of the examples are replaced by placeholders (``*.example.invalid``) or loopback URLs;
snippets that are not complete manifests get the smallest ``[project]`` table around them.
"""

from __future__ import annotations

import json
from pathlib import Path

from solver.manifest import build_requests
from solver.manifest.inspect import collect
from solver.manifest.merge_platform import platform_view

PROJECT = """
[project]
name = "project-name"
channels = ["conda-forge"]
platforms = ["linux-64"]
"""


def test_minimal_project_table(manifest_at, h):
    m = manifest_at(
        """
        [project]
        channels = ["conda-forge"]
        name = "project-name"
        platforms = ["linux-64"]
        """
    )
    units = build_requests(m)
    assert len(units) == 1
    unit = h.one(units, "default", "linux-64")
    assert unit.environment == "default" and unit.solve_group is None
    assert unit.conda.specs == []
    assert unit.conda.channels == ["conda-forge"]
    assert unit.conda.channel_priority == "strict"
    assert h.vpkgs(unit) == {
        "__unix": ("0", "0"),
        "__linux": ("4.18", "0"),
        "__glibc": ("2.28", "0"),
        "__archspec": ("1", "x86_64"),
    }
    assert unit.pypi is None  # nothing needs PyPI


def test_channel_forms(manifest_at):
    m = manifest_at(
        """
        [project]
        name = "p"
        platforms = ["linux-64"]
        channels = ["conda-forge", "robostack", "bioconda", "nvidia", "pytorch",
                    "file:///home/user/staged-recipes/build_artifacts",
                    "https://conda.example.invalid/channel-name"]
        """
    )
    (unit,) = build_requests(m)
    assert unit.conda.channels == [
        "conda-forge",
        "robostack",
        "bioconda",
        "nvidia",
        "pytorch",
        "file:///home/user/staged-recipes/build_artifacts",
        "https://conda.example.invalid/channel-name",
    ]


def test_relative_channel_paths_become_absolute_file_urls(manifest_at, tmp_path):
    m = manifest_at(
        """
        [project]
        name = "p"
        platforms = ["linux-64"]
        channels = ["./local-channel", "../shared/channel", {channel = "sub/dir", priority = 0}]
        """
    )
    (unit,) = build_requests(m)
    assert unit.conda.channels[0] == (tmp_path / "local-channel").as_uri()
    assert unit.conda.channels[1] == (tmp_path.parent / "shared" / "channel").as_uri()
    # "sub/dir" is a channel name with a label, not a path (it does not start like one)
    assert unit.conda.channels[2] == "sub/dir"


def test_platforms_and_their_virtual_packages(manifest_at, h):
    m = manifest_at(
        """
        [project]
        name = "p"
        channels = ["conda-forge"]
        platforms = ["win-64", "linux-64", "osx-64", "osx-arm64"]
        """
    )
    units = build_requests(m)
    assert [u.platform for u in units] == ["win-64", "linux-64", "osx-64", "osx-arm64"]
    assert h.vpkgs(h.one(units, "default", "win-64")) == {"__win": ("0", "0"), "__archspec": ("1", "x86_64")}
    osx = h.vpkgs(h.one(units, "default", "osx-arm64"))
    assert osx == {"__unix": ("0", "0"), "__osx": ("13.0", "0"), "__archspec": ("1", "m1")}
    assert h.vpkgs(h.one(units, "default", "osx-64"))["__osx"] == ("13.0", "0")
    linux = h.one(units, "default", "linux-64")
    assert "__glibc" in h.vpkgs(linux) and "__osx" not in h.vpkgs(linux)


def test_optional_project_keys(manifest_at, tmp_path, h):
    m = manifest_at(
        """
        [project]
        name = "project-name"
        channels = ["conda-forge"]
        platforms = ["linux-64"]
        version = "1.2.3"
        authors = ["John Doe <j.doe@example.com>", "Marie Curie <m.curie@example.com>"]
        description = "A simple description"
        license = "MIT"
        license-file = "LICENSE.md"
        readme = "README.md"
        homepage = "https://docs.example.invalid"
        repository = "https://git.example.invalid/prefix-dev/pixi"
        documentation = "https://docs.example.invalid"
        conda-pypi-map = { "conda-forge" = "https://example.com/mapping", "https://conda.example.invalid/robostack" = "local/robostack_mapping.json"}
        channel-priority = "disabled"

        [pypi-dependencies]
        boltons = "*"
        """
    )
    p = m.project
    assert (p.name, p.version, p.description, p.license) == ("project-name", "1.2.3", "A simple description", "MIT")
    assert p.authors == ["John Doe <j.doe@example.com>", "Marie Curie <m.curie@example.com>"]
    assert (p.license_file, p.readme) == ("LICENSE.md", "README.md")
    assert (p.homepage, p.repository, p.documentation) == (
        "https://docs.example.invalid",
        "https://git.example.invalid/prefix-dev/pixi",
        "https://docs.example.invalid",
    )
    unit = h.one(build_requests(m), "default", "linux-64")
    assert unit.conda.channel_priority == "disabled"
    assert unit.pypi.conda_pypi_map == {
        "conda-forge": "https://example.com/mapping",
        "https://conda.example.invalid/robostack": str(tmp_path / "local" / "robostack_mapping.json"),
    }


def test_dependency_with_its_own_channel(manifest_at, h):
    m = manifest_at(
        """
        [project]
        name = "p"
        platforms = ["linux-64"]
        # Putting conda-forge first solves most issues
        channels = ["conda-forge", "channel-name"]
        [dependencies]
        package = {version = "*", channel = "channel-name"}
        """
    )
    unit = h.one(build_requests(m), "default", "linux-64")
    assert unit.conda.specs == ["channel-name::package"]
    assert unit.conda.channels == ["conda-forge", "channel-name"]


TASKS = PROJECT + """
[tasks]
simple = "echo This is a simple task"
cmd = { cmd="echo Same as a simple task but now more verbose"}
depending = { cmd="echo run after simple", depends-on="simple"}
alias = { depends-on=["depending"]}
download = { cmd="curl -o file.txt https://example.com/file.txt" , outputs=["file.txt"]}
build = { cmd="npm build", cwd="frontend", inputs=["frontend/package.json", "frontend/*.js"]}
run = { cmd="python run.py $ARGUMENT", env={ ARGUMENT="value" }}
format = { cmd="black $INIT_CWD" } # runs black where you run pixi run format
clean-env = { cmd = "python isolated.py", clean-env = true} # Only on Unix!
_depending = { cmd = "echo hidden" }
"""


def test_task_forms(manifest_at):
    m = manifest_at(TASKS)
    tasks = m.default_feature.base.tasks
    assert tasks["simple"].cmd == "echo This is a simple task"
    assert tasks["cmd"].cmd == "echo Same as a simple task but now more verbose"
    assert [d.task for d in tasks["depending"].depends_on] == ["simple"]
    assert tasks["alias"].cmd is None and [d.task for d in tasks["alias"].depends_on] == ["depending"]
    assert tasks["download"].outputs == ["file.txt"]
    assert tasks["build"].cwd == "frontend" and tasks["build"].inputs == ["frontend/package.json", "frontend/*.js"]
    assert tasks["run"].env == {"ARGUMENT": "value"}
    assert tasks["clean-env"].clean_env is True
    assert tasks["_depending"].hidden and not tasks["simple"].hidden
    assert m.warnings == []  # every depends-on names a defined task
    # tasks are not part of a solve request
    (unit,) = build_requests(m)
    assert unit.conda.specs == []


def test_system_requirements(manifest_at, h):
    m = manifest_at(
        PROJECT.replace('["linux-64"]', '["linux-64", "osx-arm64", "win-64"]')
        + """
        [system-requirements]
        libc = "2.28"
        cuda = "12"
        """.replace("        ", "")
    )
    units = build_requests(m)
    linux = h.vpkgs(h.one(units, "default", "linux-64"))
    assert linux["__glibc"] == ("2.28", "0") and linux["__cuda"] == ("12", "0")
    assert h.vpkgs(h.one(units, "default", "win-64"))["__cuda"] == ("12", "0")
    assert "__cuda" not in h.vpkgs(h.one(units, "default", "osx-arm64"))


def test_system_requirements_all_options(manifest_at, h):
    m = manifest_at(
        PROJECT.replace('["linux-64"]', '["linux-64", "osx-64"]')
        + """
[system-requirements]
linux = "5.10"
libc = { family="glibc", version="2.17" }
macos = "12.0"
[pypi-dependencies]
rich = "*"
"""
    )
    units = build_requests(m)
    linux = h.one(units, "default", "linux-64")
    assert h.vpkgs(linux)["__linux"] == ("5.10", "0") and h.vpkgs(linux)["__glibc"] == ("2.17", "0")
    assert linux.pypi.glibc == "2.17" and linux.pypi.macos is None
    osx = h.one(units, "default", "osx-64")
    assert h.vpkgs(osx)["__osx"] == ("12.0", "0") and osx.pypi.macos == "12.0" and osx.pypi.glibc is None


def test_pypi_options_alternative_registries(manifest_at, tmp_path, h):
    m = manifest_at(
        PROJECT
        + """
[pypi-options]
index-url = "http://127.0.0.1:8001/simple"
extra-index-urls = ["http://127.0.0.1:8002/simple"]
find-links = [{path = './links'}]

[pypi-dependencies]
requests = "*"
"""
    )
    pypi = h.one(build_requests(m), "default", "linux-64").pypi
    # extra-index-urls are consulted before the index-url
    assert [(i.url, i.priority) for i in pypi.indexes] == [
        ("http://127.0.0.1:8002/simple", "extra"),
        ("http://127.0.0.1:8001/simple", "primary"),
    ]
    assert pypi.find_links == [str(tmp_path / "links")]
    assert pypi.index_strategy == "first-index"


def test_no_build_isolation(manifest_at, h):
    m = manifest_at(
        PROJECT
        + """
[dependencies]
pytorch = "2.4.0"

[pypi-options]
no-build-isolation = ["detectron2"]

[pypi-dependencies]
detectron2 = { git = "https://git.example.invalid/facebookresearch/detectron2.git", rev = "5b72c27ae39f99db75d43f18fd1312e1ea934e60"}
"""
    )
    unit = h.one(build_requests(m), "default", "linux-64")
    assert unit.conda.specs == ["pytorch 2.4.0"]
    assert unit.pypi.no_build_isolation == ["detectron2"]
    (req,) = unit.pypi.requirements
    assert (req.name, req.git, req.rev) == (
        "detectron2",
        "https://git.example.invalid/facebookresearch/detectron2.git",
        "5b72c27ae39f99db75d43f18fd1312e1ea934e60",
    )


def test_index_strategy_values(manifest_at, h):
    for strategy in ("first-index", "unsafe-first-match", "unsafe-best-match"):
        m = manifest_at(PROJECT + f'[pypi-options]\nindex-strategy = "{strategy}"\n[pypi-dependencies]\na = "*"\n')
        assert h.one(build_requests(m), "default", "linux-64").pypi.index_strategy == strategy


def test_version_spec_examples(manifest_at, h):
    m = manifest_at(
        PROJECT
        + """
[dependencies]
# Use this exact package version
package0 = "1.2.3"
# Use 1.2.3 up to 1.3.0
package1 = "~=1.2.3"
# Use larger than 1.2 lower and equal to 1.4
package2 = ">1.2,<=1.4"
# Bigger or equal than 1.2.3 or lower not including 1.0.0
package3 = ">=1.2.3|<1.0.0"
"""
    )
    assert h.one(build_requests(m), "default", "linux-64").conda.specs == [
        "package0 1.2.3",
        "package1 ~=1.2.3",
        "package2 >1.2,<=1.4",
        "package3 >=1.2.3|<1.0.0",
    ]


def test_matchspec_table_examples(manifest_at, h):
    m = manifest_at(
        PROJECT
        + """
[dependencies]
package0 = { version = ">=1.2.3", channel="conda-forge" }
package1 = { version = ">=1.2.3", build="py34_0" }
package2 = { version = "1.0", build-number = 3, md5 = "0123456789abcdef0123456789abcdef", subdir = "linux-64" }
package3 = { build = "cuda*" }
package4 = { version = ">=2", sha256 = "aa", file-name = "package4-2.0-0.conda", license = "MIT" }
"""
    )
    assert h.one(build_requests(m), "default", "linux-64").conda.specs == [
        "conda-forge::package0 >=1.2.3",
        "package1 >=1.2.3 py34_0",
        "package2 1.0[build_number=3,subdir=linux-64,md5=0123456789abcdef0123456789abcdef]",
        "package3 * cuda*",
        "package4 >=2[sha256=aa,fn=package4-2.0-0.conda,license=MIT]",
    ]


def test_dependencies_section_example(manifest_at, h):
    m = manifest_at(
        PROJECT.replace('["conda-forge"]', '["conda-forge", "pytorch"]')
        + """
[dependencies]
python = ">3.9,<=3.11"
rust = "1.72"
pytorch-cpu = { version = "~=1.1", channel = "pytorch" }
"""
    )
    assert h.one(build_requests(m), "default", "linux-64").conda.specs == [
        "python >3.9,<=3.11",
        "rust 1.72",
        "pytorch::pytorch-cpu ~=1.1",
    ]


PYPI_EXAMPLE = """
[dependencies]
# When using pypi-dependencies, python is needed to resolve pypi dependencies
# make sure to include this
python = ">=3.6"

[pypi-dependencies]
fastapi = "*"  # This means any version (the wildcard `*` is a pixi addition, not part of the specification)
pre-commit = "~=3.5.0" # This is a single version specifier
# Using the toml map allows the user to add `extras`
pandas = { version = ">=1.0.0", extras = ["dataframe", "sql"]}

# git dependencies
# With ssh
flask = { git = "ssh://git@git.example.invalid/pallets/flask" }
# With https and a specific revision
requests = { git = "https://git.example.invalid/psf/requests.git", rev = "0106aced5faa299e6ede89d1230bd6784f2c3660" }
# TODO: will support later -> branch = '' or tag = '' to specify a branch or tag

# You can also directly add a source dependency from a path, tip keep this relative to the root of the project.
minimal-project = { path = "./minimal-project", editable = true}

# You can also use a direct url, to either a `.tar.gz` or `.zip`, or a `.whl` file
click = { url = "https://files.example.invalid/click/releases/download/8.1.7/click-8.1.7-py3-none-any.whl" }

# You can also just the default git repo, it will checkout the default branch
pytest = { git = "https://git.example.invalid/pytest-dev/pytest.git"}
"""


def test_pypi_dependencies_example(manifest_at, h, tmp_path):
    m = manifest_at(PROJECT + PYPI_EXAMPLE)
    unit = h.one(build_requests(m), "default", "linux-64")
    assert unit.conda.specs == ["python >=3.6"]
    reqs = {r.name: r for r in unit.pypi.requirements}
    assert list(reqs) == ["fastapi", "pre-commit", "pandas", "flask", "requests", "minimal-project", "click", "pytest"]
    assert reqs["fastapi"].specifier == ""
    assert reqs["pre-commit"].specifier == "~=3.5.0"
    assert reqs["pandas"].specifier == ">=1.0.0" and reqs["pandas"].extras == ["dataframe", "sql"]
    assert reqs["flask"].git == "ssh://git@git.example.invalid/pallets/flask" and reqs["flask"].rev is None
    assert reqs["requests"].rev == "0106aced5faa299e6ede89d1230bd6784f2c3660"
    assert reqs["minimal-project"].path == "./minimal-project" and reqs["minimal-project"].editable
    assert reqs["click"].url.endswith("click-8.1.7-py3-none-any.whl")
    assert reqs["pytest"].git.endswith("pytest.git")
    assert unit.pypi.project_root == str(tmp_path)


def test_pypi_full_specification_fields(manifest_at, h):
    m = manifest_at(
        PROJECT
        + """
[pypi-dependencies]
pandas = { version = ">=1.0.0", extras = ["dataframe", "sql"]}
pytest = { git = "https://git.example.invalid/pytest-dev/pytest.git", extras = ["dev"]}
black = { url = "https://files.example.invalid/black-24.1.0.tar.gz", extras = ["cli"]}
minimal-project = { path = "./minimal-project", editable = true, extras = ["dev"]}
py-rattler = "*"
ruff = "~=1.0.0"
torch = { version = "*", index = "http://127.0.0.1:8003/whl/cu118" }
py-rattler2 = { git = "ssh://git@git.example.invalid/mamba-org/rattler.git", subdirectory = "py-rattler" }
polars = {url = "https://files.example.invalid/packages/3d/59/polars-0.20.0.tar.gz"}
"""
    )
    pypi = h.one(build_requests(m), "default", "linux-64").pypi
    reqs = {r.name: r for r in pypi.requirements}
    assert reqs["pytest"].extras == ["dev"] and reqs["black"].extras == ["cli"]
    assert reqs["minimal-project"].extras == ["dev"]
    assert reqs["ruff"].specifier == "~=1.0.0"
    assert reqs["torch"].index == "http://127.0.0.1:8003/whl/cu118"
    assert reqs["py-rattler2"].subdirectory == "py-rattler"
    assert reqs["polars"].url.endswith("polars-0.20.0.tar.gz")
    # a per-requirement index URL is consulted only for that requirement
    assert [(i.url, i.priority) for i in pypi.indexes] == [("http://127.0.0.1:8003/whl/cu118", "explicit")]


def test_host_and_build_dependencies_are_part_of_the_environment(manifest_at, h):
    m = manifest_at(
        PROJECT
        + """
[host-dependencies]
python = "~=3.10.3"

[build-dependencies]
cmake = "~=3.24"
"""
    )
    assert m.default_feature.base.host_dependencies["python"].spec == "python ~=3.10.3"
    assert m.default_feature.base.build_dependencies["cmake"].spec == "cmake ~=3.24"
    assert h.one(build_requests(m), "default", "linux-64").conda.specs == ["python ~=3.10.3", "cmake ~=3.24"]


ACTIVATION = """
[project]
name = "p"
channels = ["conda-forge"]
platforms = ["linux-64", "osx-64", "win-64"]

[activation]
scripts = ["env_setup.sh"]
env = { ENV_VAR = "value" }

# To support windows platforms as well add the following
[target.win-64.activation]
scripts = ["env_setup.bat"]

[target.linux-64.activation.env]
ENV_VAR = "linux-value"

# You can also reference existing environment variables, but this has
# to be done separately for unix-like operating systems and Windows
[target.unix.activation.env]
ENV_VAR = "$OTHER_ENV_VAR/unix-value"

[target.win.activation.env]
ENV_VAR = "%OTHER_ENV_VAR%\\\\windows-value"
"""


def test_activation_with_targets(manifest_at):
    m = manifest_at(ACTIVATION)
    env = m.environments["default"]
    linux = platform_view(m, env, "linux-64").activation
    assert linux.scripts == ["env_setup.sh"] and linux.env == {"ENV_VAR": "linux-value"}  # most specific wins
    osx = platform_view(m, env, "osx-64").activation
    assert osx.env == {"ENV_VAR": "$OTHER_ENV_VAR/unix-value"}
    win = platform_view(m, env, "win-64").activation
    assert win.scripts == ["env_setup.sh", "env_setup.bat"]
    assert win.env == {"ENV_VAR": "%OTHER_ENV_VAR%\\windows-value"}


def test_target_overrides_dependencies(manifest_at, h):
    m = manifest_at(
        PROJECT.replace('["linux-64"]', '["linux-64", "osx-64", "osx-arm64"]')
        + """
[dependencies]
cmake = "3.26.4"
python = "3.10"

[target.osx.dependencies]
python = "3.11"
"""
    )
    units = build_requests(m)
    assert h.one(units, "default", "linux-64").conda.specs == ["cmake 3.26.4", "python 3.10"]
    assert h.one(units, "default", "osx-64").conda.specs == ["cmake 3.26.4", "python 3.11"]
    assert h.one(units, "default", "osx-arm64").conda.specs == ["cmake 3.26.4", "python 3.11"]


def test_more_target_examples(manifest_at, h):
    m = manifest_at(
        PROJECT.replace('["linux-64"]', '["linux-64", "osx-64", "win-64"]')
        + """
[target.win-64.activation]
scripts = ["setup.bat"]

[target.win-64.dependencies]
msmpi = "~=10.1.1"

[target.win-64.build-dependencies]
vs2022_win-64 = "19.36.32532"

[target.win-64.tasks]
tmp = "echo $TEMP"

[target.osx-64.dependencies]
clang = ">=16.0.6"
"""
    )
    units = build_requests(m)
    assert h.one(units, "default", "win-64").conda.specs == ["msmpi ~=10.1.1", "vs2022_win-64 19.36.32532"]
    assert h.one(units, "default", "osx-64").conda.specs == ["clang >=16.0.6"]
    assert h.one(units, "default", "linux-64").conda.specs == []
    env = m.environments["default"]
    assert list(platform_view(m, env, "win-64").tasks) == ["tmp"]
    assert platform_view(m, env, "linux-64").tasks == {}


def test_simplest_feature_environment(manifest_at, h):
    m = manifest_at(
        PROJECT
        + """
[dependencies]
python = "3.12.*"

[feature.test.dependencies]
pytest = "*"

[environments]
test = ["test"]
"""
    )
    units = build_requests(m)
    assert [u.environment for u in units] == ["default", "test"]
    assert h.one(units, "default", "linux-64").conda.specs == ["python 3.12.*"]
    assert h.one(units, "test", "linux-64").conda.specs == ["python 3.12.*", "pytest"]


CUDA_PROJECT = """
[project]
name = "p"
channels = ["conda-forge"]
platforms = ["linux-64", "osx-arm64", "win-64"]

[environments]
cuda = ["cuda"]
"""

CUDA_INLINE = """
[feature.cuda]
activation = {scripts = ["cuda_activation.sh"]}
# Results in:  ["nvidia", "conda-forge"] when the default is `conda-forge`
channels = ["nvidia"]
dependencies = {cuda = "x.y.z", cudnn = "12.0"}
pypi-dependencies = {torch = "==1.9.0"}
platforms = ["linux-64", "osx-arm64"]
system-requirements = {cuda = "12"}
tasks = { warmup = "python warmup.py" }
target.osx-arm64 = {dependencies = {mlx = "x.y.z"}}
"""

CUDA_TABLES = """
[feature.cuda.activation]
scripts = ["cuda_activation.sh"]

[feature.cuda.dependencies]
cuda = "x.y.z"
cudnn = "12.0"

[feature.cuda.pypi-dependencies]
torch = "==1.9.0"

[feature.cuda.system-requirements]
cuda = "12"

[feature.cuda.tasks]
warmup = "python warmup.py"

[feature.cuda.target.osx-arm64.dependencies]
mlx = "x.y.z"

# Channels and Platforms are not available as separate tables as they are implemented as lists
[feature.cuda]
channels = ["nvidia"]
platforms = ["linux-64", "osx-arm64"]
"""


def test_cuda_feature_inline_and_table_forms_are_the_same(manifest_at, h):
    inline = manifest_at(CUDA_PROJECT + CUDA_INLINE)
    tables = manifest_at(CUDA_PROJECT + CUDA_TABLES)
    assert inline.features["cuda"] == tables.features["cuda"]
    units = build_requests(inline)
    assert units == build_requests(tables)
    # platform intersection: the feature limits cuda to linux-64 and osx-arm64
    assert [u.platform for u in units if u.environment == "cuda"] == ["linux-64", "osx-arm64"]
    assert [u.platform for u in units if u.environment == "default"] == ["linux-64", "osx-arm64", "win-64"]
    linux = h.one(units, "cuda", "linux-64")
    assert linux.conda.channels == ["nvidia", "conda-forge"]
    assert linux.conda.specs == ["cuda x.y.z", "cudnn 12.0"]
    assert h.vpkgs(linux)["__cuda"] == ("12", "0")
    assert [r.specifier for r in linux.pypi.requirements] == ["==1.9.0"]
    assert h.one(units, "cuda", "osx-arm64").conda.specs == ["cuda x.y.z", "cudnn 12.0", "mlx x.y.z"]
    view = platform_view(inline, inline.environments["cuda"], "linux-64")
    assert view.activation.scripts == ["cuda_activation.sh"] and "warmup" in view.tasks


def test_full_environments_table(manifest_at, h):
    m = manifest_at(
        PROJECT
        + """
[dependencies]
python = "3.12.*"
[feature.test.dependencies]
pytest = "*"
[feature.prod.dependencies]
gunicorn = "*"
[feature.lint.dependencies]
ruff = "*"

[environments]
test = {features = ["test"], solve-group = "test"}
prod = {features = ["prod"], solve-group = "test"}
lint = {features = ["lint"], no-default-feature = true}
"""
    )
    assert m.environments["lint"].feature_names() == ["lint"]
    units = build_requests(m)
    group = [u for u in units if u.solve_group == "test"]
    assert len(group) == 1 and group[0].environment is None
    unit = group[0]
    assert unit.environments == ["test", "prod"]
    assert unit.conda.specs == ["python 3.12.*", "pytest", "gunicorn"]  # the union, solved together
    own = {mr.environment: mr.conda_specs for mr in unit.members}
    assert own == {"test": ["python 3.12.*", "pytest"], "prod": ["python 3.12.*", "gunicorn"]}
    assert h.one(units, "lint", "linux-64").conda.specs == ["ruff"]  # no default feature


def test_list_and_table_environment_forms_are_equivalent(manifest_at):
    a = manifest_at(PROJECT + '[feature.test.dependencies]\npytest = "*"\n[environments]\ntest = ["test"]\n')
    b = manifest_at(PROJECT + '[feature.test.dependencies]\npytest = "*"\n[environments]\ntest = {features = ["test"]}\n')
    assert a.environments == b.environments
    assert build_requests(a) == build_requests(b)


def test_preview_features(manifest_at):
    m = manifest_at(
        """
        [project]
        name = "foo"
        channels = []
        platforms = []
        preview = ["new-resolve"]
        """
    )
    assert m.project.preview == ["new-resolve"]
    assert build_requests(m) == []  # no platforms: nothing to solve
    assert any("no platforms" in w for w in m.warnings)
    m2 = manifest_at('[project]\nname = "foo"\nchannels = []\nplatforms = []\npreview = true\n')
    assert m2.project.preview is True


def test_inspect_json_of_reference_example(manifest_at):
    m = manifest_at(CUDA_PROJECT + CUDA_INLINE)
    doc = collect(m)
    json.dumps(doc)  # serialisable
    env = next(e for e in doc["environments"] if e["name"] == "cuda")
    assert env["features"] == ["cuda", "default"]
    assert env["channels"] == ["nvidia", "conda-forge"]
    assert [d["platform"] for d in env["platform_details"]] == ["linux-64", "osx-arm64"]
    linux = env["platform_details"][0]
    assert {"name": "__cuda", "version": "12", "build": "0"} in linux["virtual_packages"]
    assert linux["system_requirements"]["cuda"] == "12" and linux["system_requirements"]["libc"] == "2.28"
    assert [t["name"] for t in linux["tasks"]] == ["warmup"]
    assert Path(doc["manifest"]["path"]).name == "pixi.toml"
