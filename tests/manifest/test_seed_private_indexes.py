"""Every manifest example of the private-indexes guide (seed 000), as the requests it yields.

The guide's private host and credentials are replaced by loopback URLs and dummy credentials.
Several examples name `index = "cloudrepo"` without declaring it (the guide shows the declaration
once, separately): such an example is tested as written (a clear error naming the index) and with
the guide's own declaration added.
"""

from __future__ import annotations

import textwrap

import pytest

from solver.manifest import ManifestError, build_requests, load_manifest
from solver.manifest.inspect import collect, render_text
from solver.manifest.merge_platform import platform_view

CLOUDREPO = "http://127.0.0.1:9/repositories/repo-id/simple"
CLOUDREPO_ML = "http://127.0.0.1:9/repositories/ml-repo-id/simple"
PUBLIC = "https://registry.example.invalid/simple"

DECLARE_CLOUDREPO = f"""
[[project.pypi-indices]]
name = "cloudrepo"
url = "{CLOUDREPO}"
priority = "supplemental"
"""

BASIC = f"""
[project]
name = "my-project"
version = "0.1.0"
description = "Project using CloudRepo for private packages"
authors = ["Your Team <team@example.com>"]
channels = ["conda-forge"]
platforms = ["win-64", "linux-64", "osx-64", "osx-arm64"]

[dependencies]
python = ">=3.8,<3.12"

[pypi-dependencies]
# Public packages from PyPI
requests = ">=2.28.0"
pandas = "*"

# Private packages from CloudRepo
my-private-package = {{ version = ">=1.0.0", index = "cloudrepo" }}
company-utils = {{ version = "*", index = "cloudrepo" }}

[[project.pypi-indices]]
name = "cloudrepo"
url = "{CLOUDREPO}"
priority = "supplemental"
"""


def test_basic_configuration(manifest_at, h):
    m = manifest_at(BASIC)
    assert [(i.name, i.url, i.priority) for i in m.pypi_indices] == [("cloudrepo", CLOUDREPO, "supplemental")]
    units = build_requests(m)
    assert [u.platform for u in units] == ["win-64", "linux-64", "osx-64", "osx-arm64"]
    unit = h.one(units, "default", "linux-64")
    assert unit.conda.specs == ["python >=3.8,<3.12"]
    reqs = {r.name: r for r in unit.pypi.requirements}
    assert reqs["requests"].index is None and reqs["requests"].specifier == ">=2.28.0"
    assert reqs["my-private-package"].index == "cloudrepo"
    assert reqs["company-utils"].index == "cloudrepo" and reqs["company-utils"].specifier == ""
    # the supplemental index is consulted after the (environment-configured) default index
    assert [(i.name, i.priority) for i in unit.pypi.indexes] == [("cloudrepo", "supplemental")]


def test_url_authentication_is_kept_for_the_stage_but_never_shown(manifest_at, h):
    m = manifest_at(
        """
        [project]
        name = "p"
        channels = ["conda-forge"]
        platforms = ["linux-64"]
        [pypi-dependencies]
        my-private-package = { version = ">=1.0.0", index = "cloudrepo" }

        [[project.pypi-indices]]
        name = "cloudrepo"
        url = "http://user%40example.com:s3cret@127.0.0.1:9/repositories/repo-id/simple"
        """
    )
    unit = h.one(build_requests(m), "default", "linux-64")
    (idx,) = unit.pypi.indexes
    assert idx.priority == "primary"  # no priority given: a primary index
    assert "s3cret" in idx.url  # the PyPI stage needs it to authenticate
    doc = collect(m)
    assert "s3cret" not in str(doc) and "s3cret" not in render_text(doc)
    assert "****@127.0.0.1:9" in render_text(doc)


MULTI_INDEX = f"""
[project]
name = "multi-index-project"
channels = ["conda-forge"]
platforms = ["win-64", "linux-64", "osx-64", "osx-arm64"]

# Define multiple PyPI indices
[[project.pypi-indices]]
name = "pypi"
url = "{PUBLIC}"
priority = "primary" # Check PyPI first for public packages

[[project.pypi-indices]]
name = "cloudrepo"
url = "{CLOUDREPO}"
priority = "supplemental" # Check for packages not on PyPI

[[project.pypi-indices]]
name = "cloudrepo-ml" # Specialized ML package repository
url = "{CLOUDREPO_ML}"
priority = "explicit" # Only use when explicitly specified

[pypi-dependencies]
# From PyPI (primary index)
numpy = ">=1.24.0"
scipy = "*"

# From CloudRepo (found via supplemental)
company-core = ">=2.0.0"

# Explicitly from specific index
ml-toolkit = {{ version = ">=1.0.0", index = "cloudrepo-ml" }}
"""


def test_multiple_indices_with_priorities(manifest_at, h):
    m = manifest_at(MULTI_INDEX)
    pypi = h.one(build_requests(m), "default", "osx-arm64").pypi
    assert [(i.name, i.url, i.priority) for i in pypi.indexes] == [
        ("pypi", PUBLIC, "primary"),
        ("cloudrepo", CLOUDREPO, "supplemental"),
        ("cloudrepo-ml", CLOUDREPO_ML, "explicit"),
    ]
    reqs = {r.name: r for r in pypi.requirements}
    assert reqs["ml-toolkit"].index == "cloudrepo-ml"
    assert reqs["company-core"].index is None and reqs["numpy"].index is None


def test_explicit_index_is_left_out_when_nothing_names_it(manifest_at, h):
    m = manifest_at(MULTI_INDEX.replace('ml-toolkit = { version = ">=1.0.0", index = "cloudrepo-ml" }', ""))
    pypi = h.one(build_requests(m), "default", "linux-64").pypi
    assert [i.name for i in pypi.indexes] == ["pypi", "cloudrepo"]


PACKAGE_PYPROJECT = """
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "my-package"
version = "1.0.0"
description = "Private package for our team"
authors = [{name = "Your Team", email = "team@example.com"}]
requires-python = ">=3.8"
dependencies = [
 "requests>=2.28.0",
]

[project.optional-dependencies]
dev = [
 "pytest>=7.0.0",
 "black>=22.0.0",
]
"""


def test_package_pyproject_without_tool_pixi_is_not_a_manifest(tmp_path):
    (tmp_path / "pyproject.toml").write_text(PACKAGE_PYPROJECT)
    with pytest.raises(ManifestError) as info:
        load_manifest(tmp_path / "pyproject.toml")
    assert "[tool.pixi]" in str(info.value)
    assert "help:" in str(info.value)


def test_package_pyproject_with_tool_pixi(manifest_at, h, tmp_path):
    m = manifest_at(
        PACKAGE_PYPROJECT
        + """
[tool.pixi.workspace]
channels = ["conda-forge"]
platforms = ["linux-64"]

[tool.pixi.environments]
dev = ["dev"]
""",
        name="pyproject.toml",
    )
    assert m.kind == "pyproject"
    assert (m.project.name, m.project.version, m.project.authors) == ("my-package", "1.0.0", ["Your Team <team@example.com>"])
    units = build_requests(m)
    default = h.one(units, "default", "linux-64")
    assert default.conda.specs == ["python >=3.8"]  # from requires-python
    reqs = {r.name: r for r in default.pypi.requirements}
    assert reqs["requests"].specifier == ">=2.28.0"
    assert reqs["my-package"].path == "." and reqs["my-package"].editable  # the project itself
    dev = h.one(units, "dev", "linux-64")
    assert {r.name: r.specifier for r in dev.pypi.requirements} == {
        "requests": ">=2.28.0",
        "my-package": "",
        "pytest": ">=7.0.0",
        "black": ">=22.0.0",
    }


NATIVE = """
[project]
name = "native-extension"
platforms = ["win-64", "linux-64", "osx-64", "osx-arm64"]

[dependencies]
python = "3.11.*"
cython = ">=3.0.0"
numpy = ">=1.24.0"

[tasks]
build-extension = "python setup.py build_ext --inplace"
build-wheel = { cmd = "python -m build --wheel", depends_on = ["build-extension"] }

# Platform-specific build tasks
[target.win-64.tasks]
build-wheel = "python -m build --wheel --plat-name win_amd64"

[target.linux-64.tasks]
build-wheel = "python -m build --wheel --plat-name manylinux2014_x86_64"

[target.osx-arm64.tasks]
build-wheel = "python -m build --wheel --plat-name macosx_11_0_arm64"
"""


def test_platform_specific_tasks(manifest_at, h):
    m = manifest_at(NATIVE)
    units = build_requests(m)
    assert h.one(units, "default", "win-64").conda.specs == ["python 3.11.*", "cython >=3.0.0", "numpy >=1.24.0"]
    assert h.one(units, "default", "win-64").conda.channels == []  # the example names no channel
    env = m.environments["default"]
    base = m.default_feature.base.tasks["build-wheel"]
    assert [d.task for d in base.depends_on] == ["build-extension"]  # depends_on spelling accepted
    assert platform_view(m, env, "linux-64").tasks["build-wheel"].cmd.endswith("manylinux2014_x86_64")
    assert platform_view(m, env, "osx-64").tasks["build-wheel"].cmd == "python -m build --wheel"


ADD_SNIPPET = """
[project]
name = "p"
channels = ["conda-forge"]
platforms = ["linux-64"]

[pypi-dependencies]
# Simple private dependency
my-private-lib = { version = "*", index = "cloudrepo" }

# With version constraints
company-framework = { version = ">=2.0,<3.0", index = "cloudrepo" }

# With extras
ml-toolkit = { version = ">=1.0.0", extras = ["gpu", "viz"], index = "cloudrepo" }

# Pre-release versions
experimental-lib = { version = ">=1.0.0a1", index = "cloudrepo" }
"""


def test_manual_private_dependencies(manifest_at, h):
    m = manifest_at(ADD_SNIPPET + DECLARE_CLOUDREPO)
    reqs = {r.name: r for r in h.one(build_requests(m), "default", "linux-64").pypi.requirements}
    assert reqs["company-framework"].specifier in (">=2.0,<3.0", "<3.0,>=2.0")
    assert reqs["ml-toolkit"].extras == ["gpu", "viz"] and reqs["ml-toolkit"].index == "cloudrepo"
    assert reqs["experimental-lib"].specifier == ">=1.0.0a1"
    assert all(r.index == "cloudrepo" for r in reqs.values())


def test_undeclared_index_as_written_is_an_error(manifest_error, h):
    err = manifest_error(ADD_SNIPPET)
    line = h.line_of(ADD_SNIPPET, "my-private-lib")
    assert (err.line, err.key) == (line, "pypi-dependencies.my-private-lib.index")
    assert "index `cloudrepo` is not declared" in str(err)
    assert "pypi-indices" in err.suggestion


MIXED = """
[project]
name = "mixed-dependencies"
channels = ["conda-forge", "pytorch"]
platforms = ["linux-64", "win-64", "osx-64", "osx-arm64"]

# Conda dependencies (from conda-forge/pytorch)
[dependencies]
python = "3.11.*"
pytorch = ">=2.0.0"
cudatoolkit = "11.8.*" # Platform-specific, managed by conda

# PyPI dependencies
[pypi-dependencies]
# Public packages (from PyPI)
transformers = ">=4.30.0"
datasets = "*"

# Private packages (from CloudRepo)
company-ml-utils = { version = ">=2.0.0", index = "cloudrepo" }
internal-datasets = { version = "*", index = "cloudrepo" }

# Mixed - public package with private plugin
fastapi = ">=0.100.0" # From PyPI
fastapi-company-auth = { version = ">=1.0.0", index = "cloudrepo" } # Private auth plugin
"""


def test_mixing_public_and_private(manifest_at, h):
    m = manifest_at(MIXED + DECLARE_CLOUDREPO)
    unit = h.one(build_requests(m), "default", "osx-64")
    assert unit.conda.channels == ["conda-forge", "pytorch"]
    assert unit.conda.specs == ["python 3.11.*", "pytorch >=2.0.0", "cudatoolkit 11.8.*"]
    pinned = [r.name for r in unit.pypi.requirements if r.index == "cloudrepo"]
    assert pinned == ["company-ml-utils", "internal-datasets", "fastapi-company-auth"]


MULTI_ENV = """
[project]
name = "multi-env-project"
channels = ["conda-forge"]
platforms = ["linux-64", "win-64", "osx-64"]

# Default environment dependencies
[dependencies]
python = "3.11.*"

[pypi-dependencies]
requests = "*"
my-core-lib = { version = ">=1.0.0", index = "cloudrepo" }

# Development environment
[feature.dev.dependencies]
pytest = ">=7.0.0"
black = ">=22.0.0"

[feature.dev.pypi-dependencies]
my-test-utils = { version = "*", index = "cloudrepo" }
pytest-cov = "*"

# Production environment
[feature.prod.dependencies]
gunicorn = "*"

[feature.prod.pypi-dependencies]
my-prod-monitor = { version = ">=2.0.0", index = "cloudrepo" }

# Data science environment
[feature.datascience.dependencies]
jupyter = "*"
scikit-learn = "*"

[feature.datascience.pypi-dependencies]
company-ml-lib = { version = ">=3.0.0", index = "cloudrepo" }

# Define environment combinations
[environments]
dev = ["dev"]
prod = ["prod"]
datascience = ["dev", "datascience"]
"""


def test_environment_specifications(manifest_at, h):
    m = manifest_at(MULTI_ENV + DECLARE_CLOUDREPO)
    assert list(m.environments) == ["default", "dev", "prod", "datascience"]
    units = build_requests(m)
    assert len(units) == 4 * 3
    ds = h.one(units, "datascience", "win-64")
    assert ds.conda.specs == ["python 3.11.*", "pytest >=7.0.0", "black >=22.0.0", "jupyter", "scikit-learn"]
    assert [r.name for r in ds.pypi.requirements] == [
        "requests",
        "my-core-lib",
        "my-test-utils",
        "pytest-cov",
        "company-ml-lib",
    ]
    prod = h.one(units, "prod", "linux-64")
    assert prod.conda.specs == ["python 3.11.*", "gunicorn"]
    assert [r.name for r in prod.pypi.requirements] == ["requests", "my-core-lib", "my-prod-monitor"]


WORKSPACE = f'''
[workspace]
name = "my-workspace"
channels = ["conda-forge"]
platforms = ["linux-64", "win-64", "osx-64"]

# Workspace members
members = [
 "packages/core-lib",
 "packages/web-api",
 "packages/cli-tool",
]

# Shared dependencies across workspace
[dependencies]
python = "3.11.*"

[[pypi-indices]]
name = "cloudrepo"
url = "{CLOUDREPO}"

# Workspace-wide tasks
[tasks]
test-all = "pytest packages/*/tests"
build-all = "python -m build packages/*"
publish-all = """
for pkg in packages/*; do
 cd $pkg && pixi run twine upload -r cloudrepo dist/*
 cd ../..
done
"""
'''


def test_workspace_with_members_and_top_level_indices(manifest_at, h, tmp_path):
    for member in ("core-lib", "web-api", "cli-tool"):  # the guide's layout: each member a project
        (tmp_path / "packages" / member / "src").mkdir(parents=True)
        (tmp_path / "packages" / member / "pyproject.toml").write_text(f'[project]\nname = "{member}"\n')
    m = manifest_at(WORKSPACE)
    assert m.project.name == "my-workspace"
    assert m.project.members == ["packages/core-lib", "packages/web-api", "packages/cli-tool"]
    assert m.project.member_paths == m.project.members
    assert m.warnings == []
    assert [(i.name, i.priority) for i in m.pypi_indices] == [("cloudrepo", "primary")]
    assert m.default_feature.base.tasks["publish-all"].cmd.startswith("for pkg in packages/*; do")
    unit = h.one(build_requests(m), "default", "osx-64")
    assert unit.conda.specs == ["python 3.11.*"] and unit.pypi is None


CROSS = """
[project]
name = "cross-platform-app"
platforms = ["linux-64", "win-64", "osx-64", "osx-arm64"]

# Shared dependencies
[dependencies]
python = "3.11.*"

# Platform-specific dependencies
[target.linux-64.dependencies]
gtk = "*" # Linux-only GUI toolkit

[target.win-64.dependencies]
pywin32 = "*" # Windows-specific APIs

[target.osx-64.dependencies]
pyobjc = "*" # macOS framework bindings

[target.osx-arm64.dependencies]
pyobjc = "*"
tensorflow-metal = "*" # Apple Silicon acceleration

# Platform-specific PyPI packages from CloudRepo
[target.linux-64.pypi-dependencies]
company-linux-drivers = { version = "*", index = "cloudrepo" }

[target.win-64.pypi-dependencies]
company-windows-utils = { version = "*", index = "cloudrepo" }

# Platform-specific build tasks
[target.linux-64.tasks]
build = "gcc -shared -fPIC -o lib.so src/native.c"

[target.win-64.tasks]
build = "cl /LD src\\\\native.c /Fe:lib.dll"

[target.osx-64.tasks]
build = "clang -shared -o lib.dylib src/native.c"
"""


def test_cross_platform_builds(manifest_at, h):
    m = manifest_at(CROSS + DECLARE_CLOUDREPO)
    units = build_requests(m)
    assert h.one(units, "default", "linux-64").conda.specs == ["python 3.11.*", "gtk"]
    assert h.one(units, "default", "win-64").conda.specs == ["python 3.11.*", "pywin32"]
    assert h.one(units, "default", "osx-arm64").conda.specs == ["python 3.11.*", "pyobjc", "tensorflow-metal"]
    assert [r.name for r in h.one(units, "default", "linux-64").pypi.requirements] == ["company-linux-drivers"]
    assert h.one(units, "default", "osx-64").pypi is None  # no PyPI dependency on osx
    env = m.environments["default"]
    assert platform_view(m, env, "win-64").tasks["build"].cmd == "cl /LD src\\native.c /Fe:lib.dll"
    assert "build" not in platform_view(m, env, "osx-arm64").tasks


def test_cross_platform_as_written_names_the_undeclared_index(manifest_error, h):
    err = manifest_error(CROSS)
    assert err.line == h.line_of(CROSS, "company-linux-drivers")
    assert err.key == "target.linux-64.pypi-dependencies.company-linux-drivers.index"


SCIENTIFIC = """
[project]
name = "scientific-computing"
channels = ["conda-forge", "bioconda", "pytorch"]
platforms = ["linux-64", "osx-64"]

# Complex binary dependencies from conda
[dependencies]
python = "3.11.*"
numpy = ">=1.24.0" # Optimized builds from conda
scipy = "*"
pytorch = ">=2.0.0"
cudatoolkit = "11.8.*"
mkl = "*" # Intel Math Kernel Library
gdal = "*" # Geospatial libraries
r-base = ">=4.0" # R language support

# Python-only packages from PyPI/CloudRepo
[pypi-dependencies]
# Public PyPI packages
pandas = ">=2.0.0"
scikit-learn = "*"

# Private CloudRepo packages
company-ml-models = { version = ">=3.0.0", index = "cloudrepo" }
internal-bio-tools = { version = "*", index = "cloudrepo" }

# Use conda for system dependencies, PyPI for Python packages
[feature.bioinfo.dependencies]
blast = "*" # NCBI BLAST from bioconda
samtools = "*"
bedtools = "*"

[feature.bioinfo.pypi-dependencies]
biopython = "*"
company-genomics = { version = ">=1.0.0", index = "cloudrepo" }
"""


def test_conda_alongside_pypi(manifest_at, h):
    m = manifest_at(SCIENTIFIC + DECLARE_CLOUDREPO)
    units = build_requests(m)
    assert [u.environment for u in units] == ["default", "default"]  # bioinfo is in no environment
    assert any("feature `bioinfo` is not used" in w for w in m.warnings)
    unit = h.one(units, "default", "linux-64")
    assert unit.conda.channels == ["conda-forge", "bioconda", "pytorch"]
    assert unit.conda.specs[-1] == "r-base >=4.0" and len(unit.conda.specs) == 8
    assert "bedtools" in m.features["bioinfo"].base.dependencies


TASK_RUNNER = '''
[project]
name = "task-runner-example"

[tasks]
# Simple tasks
test = "pytest tests/"
lint = "ruff check src/"
format = "black src/ tests/"

# Complex multi-step tasks
ci = { depends_on = ["lint", "test", "build"] }

# Tasks with arguments
test-verbose = "pytest -vvs tests/"
test-coverage = "pytest --cov=src --cov-report=html"

# Shell scripts
deploy = """
echo "Building package..."
python -m build
echo "Uploading to CloudRepo..."
twine upload -r cloudrepo dist/*
echo "Deployment complete!"
"""

# Python scripts
process-data = { cmd = "python scripts/process.py", inputs = ["data/*.csv"], outputs = ["processed/"] }

# Platform-specific tasks
[target.linux-64.tasks]
system-info = "uname -a && lscpu"

[target.win-64.tasks]
system-info = "systeminfo"

# Environment-specific tasks
[feature.dev.tasks]
watch = "watchdog src/ --command='pixi run test'"
debug = "python -m pdb src/main.py"

[feature.prod.tasks]
start-server = "gunicorn app:main --bind 0.0.0.0:8000"
health-check = "curl http://localhost:8000/health"
'''


def test_task_runner_example(manifest_at):
    m = manifest_at(TASK_RUNNER)
    tasks = m.default_feature.base.tasks
    assert tasks["ci"].cmd is None and [d.task for d in tasks["ci"].depends_on] == ["lint", "test", "build"]
    assert tasks["process-data"].inputs == ["data/*.csv"] and tasks["process-data"].outputs == ["processed/"]
    assert tasks["deploy"].cmd.count("\n") == 5
    assert m.default_feature.targets["win-64"].tasks["system-info"].cmd == "systeminfo"
    assert set(m.features["prod"].base.tasks) == {"start-server", "health-check"}
    # "build" is no task of this manifest: a warning, not an error (pixi reports it when run)
    assert any("depends on `build`" in w for w in m.warnings)
    assert build_requests(m) == []  # the example names no platform


FEATURES = """
[project]
name = "feature-example"

# Base dependencies
[dependencies]
python = "3.11.*"

[pypi-dependencies]
core-lib = { version = ">=1.0.0", index = "cloudrepo" }

# Testing feature
[feature.test.dependencies]
pytest = ">=7.0.0"

[feature.test.pypi-dependencies]
pytest-cov = "*"
test-fixtures = { version = "*", index = "cloudrepo" }

[feature.test.tasks]
test = "pytest"
test-ci = "pytest --junitxml=report.xml"

# Documentation feature
[feature.docs.dependencies]
sphinx = ">=5.0.0"

[feature.docs.pypi-dependencies]
company-sphinx-theme = { version = ">=1.0.0", index = "cloudrepo" }

[feature.docs.tasks]
build-docs = "sphinx-build docs/ docs/_build"
serve-docs = "python -m http.server --directory docs/_build"

# GPU feature
[feature.gpu.dependencies]
cuda = "11.8.*"
cudnn = "8.9.*"

[feature.gpu.pypi-dependencies]
torch = { version = ">=2.0.0", index = "pytorch" }
company-gpu-utils = { version = "*", index = "cloudrepo" }

# CPU-only feature (mutual exclusive with gpu)
[feature.cpu.pypi-dependencies]
torch = { version = ">=2.0.0+cpu", index = "pytorch-cpu" }

# Define environment combinations
[environments]
default = []
test = ["test"]
docs = ["docs"]
dev = ["test", "docs"]
gpu-dev = ["test", "gpu"]
cpu-dev = ["test", "cpu"]
prod-gpu = ["gpu"]
prod-cpu = ["cpu"]
"""

FEATURES_DECLARED = """
[[project.pypi-indices]]
name = "cloudrepo"
url = "http://127.0.0.1:9/repositories/repo-id/simple"
priority = "supplemental"

[[project.pypi-indices]]
name = "pytorch"
url = "http://127.0.0.1:9/whl/cu118"
priority = "explicit"

[[project.pypi-indices]]
name = "pytorch-cpu"
url = "http://127.0.0.1:9/whl/cpu"
priority = "explicit"
"""


def test_features_example_as_written_reports_the_local_version_specifier(manifest_error, h):
    # ">=2.0.0+cpu": PEP 440 allows a local label only with == and !=
    err = manifest_error(FEATURES)
    assert err.line == h.line_of(FEATURES, 'torch = { version = ">=2.0.0+cpu"')
    assert err.key == "feature.cpu.pypi-dependencies.torch.version"
    assert "local version label" in err.suggestion


def test_features_and_environments(tmp_path, h):
    text = FEATURES.replace('">=2.0.0+cpu"', '"==2.0.0+cpu"').replace(
        '[project]\nname = "feature-example"', '[project]\nname = "feature-example"\nplatforms = ["linux-64"]'
    )
    path = tmp_path / "pixi.toml"
    path.write_text(textwrap.dedent(text + FEATURES_DECLARED))
    m = load_manifest(path)
    assert list(m.environments) == ["default", "test", "docs", "dev", "gpu-dev", "cpu-dev", "prod-gpu", "prod-cpu"]
    units = build_requests(m)
    assert [u.environment for u in units] == list(m.environments)
    gpu = h.one(units, "gpu-dev", "linux-64")
    assert gpu.conda.specs == ["python 3.11.*", "pytest >=7.0.0", "cuda 11.8.*", "cudnn 8.9.*"]
    torch = next(r for r in gpu.pypi.requirements if r.name == "torch")
    assert torch.index == "pytorch"
    assert [(i.name, i.priority) for i in gpu.pypi.indexes] == [("cloudrepo", "supplemental"), ("pytorch", "explicit")]
    cpu = h.one(units, "cpu-dev", "linux-64")
    assert [(i.name, i.priority) for i in cpu.pypi.indexes] == [("cloudrepo", "supplemental"), ("pytorch-cpu", "explicit")]
    assert next(r for r in cpu.pypi.requirements if r.name == "torch").specifier == "==2.0.0+cpu"
    view = platform_view(m, m.environments["dev"], "linux-64")
    assert set(view.tasks) == {"test", "test-ci", "build-docs", "serve-docs"}


INDEX_PRIORITY = f"""
[project]
name = "p"
channels = ["conda-forge"]
platforms = ["linux-64"]

[pypi-dependencies]
internal = "*"

# Ensure correct priority order
[[project.pypi-indices]]
name = "cloudrepo"
url = "{CLOUDREPO}"
priority = "primary" # Check CloudRepo first
[[project.pypi-indices]]
name = "pypi"
url = "{PUBLIC}"
priority = "supplemental" # Fallback to PyPI
"""


def test_index_priority_issue_example(manifest_at, h):
    pypi = h.one(build_requests(manifest_at(INDEX_PRIORITY)), "default", "linux-64").pypi
    assert [(i.name, i.priority) for i in pypi.indexes] == [("cloudrepo", "primary"), ("pypi", "supplemental")]
