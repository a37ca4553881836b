"""Loaded TOML (plain dicts) -> the typed ``Manifest``, validating every table and key.

Every check raises ``ManifestError`` at the offending key's line:column with a suggestion.
Relative paths (channels, find-links, mapping files) are made absolute against the manifest's
folder; PyPI ``path`` dependencies stay as written (the PyPI stage resolves them against
``project_root``, and the lock records them relative).
"""

from __future__ import annotations

import os
from pathlib import Path

from .checks import Context, check_keys, expect
from .dependencies import parse_conda_dependency
from .errors import ManifestError, did_you_mean
from .features import parse_environments, parse_feature, parse_pypi_indices, parse_pypi_options
from .keys import FEATURE_KEYS, ROOT_KEYS
from .model import (
    DEFAULT_ENVIRONMENT,
    DEFAULT_FEATURE,
    Environment,
    Feature,
    Manifest,
    NamedIndex,
    Project,
    environment_features,
    merge_platforms,
)
from .pyproject import apply_pyproject, check_pep621_types, pyproject_metadata
from .workspace import parse_project


def load_manifest_data(file: Path, text: str, data: dict, kind: str) -> Manifest:
    """The document (already TOML-decoded) -> ``Manifest``."""
    prefix: tuple = ("tool", "pixi") if kind == "pyproject" else ()
    ctx = Context(file, text, prefix)
    if kind == "pyproject":
        pixi = data.get("tool", {}).get("pixi", {})
        if not isinstance(pixi, dict):
            raise ctx.error((), "expected [tool.pixi] to be a table", "write [tool.pixi.workspace] ...")
        check_pep621_types(ctx, data)
        meta = pyproject_metadata(ctx, data.get("project", {}))
    else:
        pixi = data
        meta = None
    root = check_keys(ctx, (), pixi, ROOT_KEYS, "the manifest" if kind == "pixi" else "[tool.pixi]")
    if "project" in root and "workspace" in root:
        raise ctx.error(("workspace",), "both [project] and [workspace] are present", "keep one: [workspace] is the newer name of [project]")
    table_name = "workspace" if "workspace" in root else "project"
    if table_name not in root:
        # The reference's minimum is a workspace table with channels and platforms; without one
        # there is nothing to solve, and an empty lock would pass for success.
        where = "[tool.pixi.workspace]" if kind == "pyproject" else "[workspace]"
        raise ManifestError(
            f"no {where} table" + (": the file is empty" if not text.strip() else ""),
            file=str(file),
            suggestion=f'add {where} with channels = [...] and platforms = [...]',
        )
    if table_name in root:
        project, default_extra = parse_project(ctx, (table_name,), root[table_name], meta)
        ctx.platform_entries = project.platform_entries
    else:
        project, default_extra = Project(**(meta or {})), {}
    for key in ("channels", "platforms", "channel-priority", "solve-strategy"):
        if key in root:
            raise ctx.error((key,), f"`{key}` belongs in the [{table_name}] table", f"move it to [{table_name}].{key}")
    if table_name in root and isinstance(root[table_name], dict) and "channels" not in root[table_name]:
        # current pixi requires the key (an empty list is allowed); the private-indexes guide's
        # examples leave it out and must keep loading, so this is said, not refused
        ctx.warn((table_name,), f"[{table_name}] has no `channels` (pixi requires the key): write channels = [] "
                 "if the features bring them")
    default_table = {k: v for k, v in root.items() if k in FEATURE_KEYS}
    default = parse_feature(ctx, (), DEFAULT_FEATURE, default_table, is_default=True)
    if "pypi-options" in default_extra:  # the workspace base: every environment starts from it
        project.pypi_options = parse_pypi_options(ctx, (table_name, "pypi-options"), default_extra["pypi-options"])
    default.channels = list(project.channels)
    default.platforms = list(project.platforms)
    # Only an explicit project value belongs to the default feature: the built-in default must
    # not conflict with a feature that sets its own (see merge_environment.single_setting).
    project_table = root.get(table_name) if isinstance(root.get(table_name), dict) else {}
    default.channel_priority = project.channel_priority if "channel-priority" in project_table else None
    default.solve_strategy = project.solve_strategy if "solve-strategy" in project_table else None

    features: dict[str, Feature] = {DEFAULT_FEATURE: default}
    if "feature" in root:
        expect(ctx, ("feature",), root["feature"], (dict,), "a table of features")
        for name, table in root["feature"].items():
            if name == DEFAULT_FEATURE:
                raise ctx.error(("feature", name), "`default` is the name of the root tables' feature", "rename the feature")
            features[name] = parse_feature(ctx, ("feature", name), name, table)

    indices: list[NamedIndex] = []
    for where in ((table_name, "pypi-indices"), ("pypi-indices",)):
        node = root
        for part in where:
            node = node.get(part) if isinstance(node, dict) else None
        if node is not None:
            found = parse_pypi_indices(ctx, where, node)
            for idx in found:
                if any(x.name == idx.name for x in indices):
                    raise ctx.error(where, f"index `{idx.name}` is declared twice", "give each index its own name")
            indices.extend(found)

    if kind == "pyproject":
        apply_pyproject(ctx, data, project, features)

    known_index_names = [i.name for i in indices]
    for key_path, name in ctx.index_refs:
        if name not in known_index_names:
            guess = did_you_mean(name, known_index_names)
            hint = f"did you mean `{guess}`?" if guess else f'declare it: [[{table_name}.pypi-indices]] name = "{name}", url = "https://.../simple"'
            raise ctx.error(key_path, f"index `{name}` is not declared", hint)

    environments = parse_environments(ctx, ("environments",), root.get("environments", {}), features)
    if DEFAULT_ENVIRONMENT not in environments:
        environments = {DEFAULT_ENVIRONMENT: Environment(name=DEFAULT_ENVIRONMENT), **environments}
    used = {f for env in environments.values() for f in env.features}
    for name in features:
        if name != DEFAULT_FEATURE and name not in used and not name.startswith("_"):
            ctx.warn(("feature", name), f"feature `{name}` is not used by any environment")
    all_tasks = {n for f in features.values() for t in [f.base, *f.targets.values()] for n in t.tasks}
    for feature in features.values():
        _check_task_references(ctx, feature, all_tasks)
    _check_dependency_channels(ctx, project, features)
    if not project.platforms:
        ctx.warn((table_name,), "no platforms: nothing will be solved (add platforms = [\"linux-64\", ...])")
    manifest = Manifest(
        path=str(file),
        root=str(file.parent),
        kind=kind,
        project=project,
        features=features,
        environments=environments,
        pypi_indices=indices,
        package=_own_package(ctx, root),
        member_packages=(reached := _reached_packages(ctx, project, features)),
        dev_packages=_dev_packages(ctx, features, reached, root),
        warnings=ctx.warnings,
    )
    if project.platforms:
        for env in environments.values():
            if not merge_platforms(manifest, environment_features(manifest, env)):
                ctx.warn(("environments", env.name), f"environment `{env.name}` supports no platform: its features' platforms do not overlap")
    return manifest


def _own_package(ctx: Context, root: dict) -> dict | None:
    """The workspace's own ``[package]``, validated (see :mod:`solver.manifest.packages`)."""
    if "package" not in root:
        return None
    from .packages import PackageFile, check_package

    source = PackageFile(ctx.file, ctx.text, ctx.prefix)
    table = check_package(source, root["package"])
    ctx.warnings.extend(source.warnings)
    return table


def _reached_packages(ctx: Context, project: Project, features: dict[str, Feature]) -> dict[str, dict]:
    """The ``[package]`` manifests of the workspace members and of path source dependencies."""
    from .packages import member_packages

    folders: list[str] = list(project.member_paths)
    for feature in features.values():
        for target in [feature.base, *feature.targets.values()]:
            for table in (target.dependencies, target.host_dependencies, target.build_dependencies, target.dev):
                for dep in table.values():
                    path = (dep.source or {}).get("path")
                    if path and path not in folders:
                        folders.append(path)
    return member_packages(ctx.root, folders, ctx.warnings)


def _dev_packages(ctx: Context, features: dict[str, Feature], reached: dict[str, dict], root: dict) -> dict:
    """For each ``[dev]`` entry whose package manifest is known: its declared dependencies,
    parsed as dependencies of the manifest they are written in (errors located there); a
    ``{ workspace = true }`` one takes its spec from ``[workspace.dependencies]``."""
    from .discovery import read_toml
    from .packages import declared_dependencies

    packages = dict(reached)
    own = root.get("package") if isinstance(root.get("package"), dict) else None
    if own is not None:
        packages["."] = own
    table_name = "workspace" if "workspace" in root else "project"
    pool = (root.get(table_name) or {}).get("dependencies") or {} if isinstance(root.get(table_name), dict) else {}
    out: dict[str, list] = {}
    for feature in features.values():
        for target in [feature.base, *feature.targets.values()]:
            for dep in target.dev.values():
                path = (dep.source or {}).get("path")
                if not path:
                    continue
                rel = os.path.relpath(path, ctx.root).replace(os.sep, "/")
                if rel in out or rel not in packages:
                    continue
                folder = ctx.root if rel == "." else ctx.root / rel
                if rel == ".":
                    pctx = ctx
                else:
                    file = next((folder / n for n in ("pixi.toml", "pyproject.toml") if (folder / n).is_file()), None)
                    text = read_toml(file)[0] if file else ""
                    pctx = Context(file or folder, text, ("tool", "pixi") if file and file.name == "pyproject.toml" else ())
                    pctx.root = ctx.root if file is None else folder
                entries = []
                for key_path, name, spec, condition in declared_dependencies(packages[rel]):
                    if spec == {"workspace": True}:
                        spec = pool.get(name, "*")
                    entries.append((parse_conda_dependency(pctx, key_path, name, spec), condition))
                out[rel] = entries
    return out


def _check_task_references(ctx: Context, feature: Feature, names: set[str]) -> None:
    """A task depending on a task no feature defines: a warning (pixi reports it when run)."""
    base = ("feature", feature.name) if feature.name != DEFAULT_FEATURE else ()
    for target in [feature.base, *feature.targets.values()]:
        for task in target.tasks.values():
            for dep in task.depends_on:
                if dep.task not in names:
                    where = base + (("target", target.selector) if target.selector else ()) + ("tasks", task.name)
                    ctx.warn(where, f"task `{task.name}` depends on `{dep.task}`, which no task table defines")


def _check_dependency_channels(ctx: Context, project: Project, features: dict[str, Feature]) -> None:
    """``{ channel = "x" }`` on a dependency needs x among the channels (the reference says to add
    it to the project's): a warning, the solve reports it if no environment has the channel."""
    known = {c.channel for c in project.channels}
    for feature in features.values():
        known |= {c.channel for c in feature.channels or []}
    for feature in features.values():
        base = ("feature", feature.name) if feature.name != DEFAULT_FEATURE else ()
        for target in [feature.base, *feature.targets.values()]:
            where = base + (("target", target.selector) if target.selector else ())
            for table in ("dependencies", "host_dependencies", "build_dependencies"):
                for name, dep in getattr(target, table).items():
                    if "::" in dep.spec and not dep.is_source:
                        channel = dep.spec.split("::", 1)[0]
                        if channel not in known:
                            key = table.replace("_", "-")
                            ctx.warn(where + (key, name, "channel"), f"channel `{channel}` of `{name}` is not in any channels list; add it to the project's channels")


