"""The manifest's vocabulary: which keys each table accepts (unknown ones get a located
did-you-mean), as current pixi's schema has them."""

from __future__ import annotations

INDEX_PRIORITIES = ("primary", "supplemental", "explicit")

DEPENDENCY_TABLES = ("dependencies", "host-dependencies", "build-dependencies", "constraints")
TARGET_KEYS = DEPENDENCY_TABLES + ("pypi-dependencies", "activation", "tasks", "dev", "exclude-newer", "pypi-exclude-newer",
                                   "pypi-options")
FEATURE_KEYS = TARGET_KEYS + (
    "channels",
    "platforms",
    "channel-priority",
    "solve-strategy",
    "system-requirements",
    "pypi-options",
    "target",
)
# An environment's own table may hold what a feature holds (pixi's inline environments).
ENVIRONMENT_KEYS = ("features", "solve-group", "no-default-feature") + FEATURE_KEYS
PROJECT_KEYS = (
    "name",
    "version",
    "description",
    "authors",
    "channels",
    "platforms",
    "license",
    "license-file",
    "readme",
    "homepage",
    "repository",
    "documentation",
    "conda-pypi-map",
    "channel-priority",
    "solve-strategy",
    "exclude-newer",
    "preview",
    "requires-pixi",
    "build-variants",
    "build-variants-files",
    "members",
    "pypi-indices",
    "pypi-options",
    "s3-options",
    "target",  # [workspace.target.<platform>.build-variants]
    "dependencies",  # [workspace.dependencies]: the pool members' packages inherit from (pixi-build)
    "audit",
)
ROOT_KEYS = FEATURE_KEYS + (
    "project",
    "workspace",
    "package",
    "feature",
    "environments",
    "pypi-indices",
    "tool",
    "$schema",
)
CONDA_DEP_KEYS = (
    "version",
    "build",
    "build-number",
    "channel",
    "subdir",
    "md5",
    "sha256",
    "file-name",
    "license",
    "url",
    "path",
    "git",
    "branch",
    "tag",
    "rev",
    "subdirectory",
    "extras",
    "flags",
    "when",
    "package",  # an inline package manifest of a source dependency (pixi-build)
)
PYPI_DEP_KEYS = (
    "version",
    "extras",
    "index",
    "git",
    "rev",
    "branch",
    "tag",
    "subdirectory",
    "path",
    "editable",
    "url",
    "env-markers",
    "marker",
)
TASK_KEYS = (
    "cmd",
    "depends-on",
    "cwd",
    "env",
    "inputs",
    "outputs",
    "clean-env",
    "description",
    "args",
    "default-environment",
)
SYSREQ_KEYS = ("linux", "libc", "macos", "cuda", "archspec", "unix")
PYPI_OPTION_KEYS = (
    "index-url",
    "extra-index-urls",
    "find-links",
    "no-build-isolation",
    "index-strategy",
    "prerelease-mode",
    "no-build",
    "no-binary",
    "dependency-overrides",
    "skip-wheel-filename-check",
)

