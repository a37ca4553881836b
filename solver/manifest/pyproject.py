"""``pyproject.toml`` manifests: PEP 621 metadata, optional dependencies and dependency groups
merged into the pixi tables, as pixi reads them."""

from __future__ import annotations

import re

from ..pypi.model import PyPIRequirement
from .checks import Context, type_name
from .dependencies import pep508_requirement, validate_matchspec
from .model import (
    DEFAULT_FEATURE,
    CondaDependency,
    Feature,
    Project,
)

# -- pyproject.toml extras ----------------------------------------------------------------------------


def pyproject_metadata(ctx: Context, project: dict) -> dict:
    """PEP 621 ``[project]`` fields the pixi project table would otherwise hold."""
    meta: dict = {}
    if not isinstance(project, dict):
        return meta
    for key in ("name", "version", "description"):
        if isinstance(project.get(key), str):
            meta[key] = project[key]
    authors = []
    for author in project.get("authors", []) or []:
        if isinstance(author, dict):
            name, email = author.get("name"), author.get("email")
            authors.append(f"{name} <{email}>" if name and email else (name or email or ""))
        elif isinstance(author, str):
            authors.append(author)
    if authors:
        meta["authors"] = [a for a in authors if a]
    lic = project.get("license")
    if isinstance(lic, str):
        meta["license"] = lic
    elif isinstance(lic, dict):
        if isinstance(lic.get("text"), str):
            meta["license"] = lic["text"]
        if isinstance(lic.get("file"), str):
            meta["license_file"] = lic["file"]
    readme = project.get("readme")
    if isinstance(readme, str):
        meta["readme"] = readme
    elif isinstance(readme, dict) and isinstance(readme.get("file"), str):
        meta["readme"] = readme["file"]
    urls = project.get("urls") or {}
    if isinstance(urls, dict):
        lower = {str(k).lower(): v for k, v in urls.items() if isinstance(v, str)}
        for field, keys in (("homepage", ("homepage", "home", "home-page")), ("repository", ("repository", "source", "source code")), ("documentation", ("documentation", "docs"))):
            for k in keys:
                if k in lower:
                    meta[field] = lower[k]
                    break
    if isinstance(project.get("requires-python"), str):
        meta["requires_python"] = project["requires-python"]
    return meta


def normalize_group_name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def expand_self_references(ctx: Context, project_name: str | None, groups: dict[str, list[PyPIRequirement]]) -> dict[str, list[PyPIRequirement]]:
    """``all = ["me[dev,docs]"]`` in the project's own optional dependencies -> those groups' requirements."""
    if not project_name:
        return groups
    from packaging.utils import canonicalize_name

    me = canonicalize_name(project_name)

    def expand(group: str, seen: set) -> list[PyPIRequirement]:
        out = []
        for req in groups.get(group, []):
            if canonicalize_name(req.name) == me and not (req.path or req.url or req.git):
                for extra in req.extras:
                    key = normalize_group_name(extra)
                    if key not in seen and key in groups:
                        out.extend(expand(key, seen | {key}))
            else:
                out.append(req)
        return out

    return {g: expand(g, {g}) for g in groups}


def apply_pyproject(ctx: Context, data: dict, project: Project, features: dict[str, Feature]) -> None:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet
    from packaging.utils import canonicalize_name

    """pixi's pyproject.toml extras: PEP 621 dependencies, optional dependencies and dependency
    groups as features, ``requires-python`` as the python dependency, the project itself editable."""
    pep621 = data.get("project", {}) if isinstance(data.get("project"), dict) else {}
    default = features[DEFAULT_FEATURE]
    base_pypi = dict(default.base.pypi_dependencies)
    deps = pep621.get("dependencies", [])
    if deps:
        if not isinstance(deps, list):
            raise ctx.error(("project", "dependencies"), "expected an array of PEP 508 strings", 'write dependencies = ["requests>=2"]', absolute=True)
        merged = {}
        for i, text in enumerate(deps):
            req = _pep508_abs(ctx, ("project", "dependencies", i), text)
            merged[req.name] = req
        # [tool.pixi.pypi-dependencies] entries win over the PEP 621 ones of the same name.
        tool_names = {canonicalize_name(n) for n in base_pypi}
        for name, req in merged.items():
            if canonicalize_name(name) not in tool_names:
                base_pypi[name] = req
    if project.name and isinstance(data.get("build-system"), dict):
        if canonicalize_name(project.name) not in {canonicalize_name(n) for n in base_pypi}:
            base_pypi[project.name] = PyPIRequirement(name=project.name, path=".", editable=True)
    default.base.pypi_dependencies = base_pypi
    if project.requires_python and "python" not in default.base.dependencies:
        try:
            spec = str(SpecifierSet(project.requires_python))
        except InvalidSpecifier:
            raise ctx.error(("project", "requires-python"), f"invalid requires-python `{project.requires_python}`", 'write e.g. ">=3.10"', absolute=True) from None
        python_spec = f"python {spec}" if spec else "python"
        ctx.prefix, ctx.locator.prefix = (), ()  # the error belongs to PEP 621 [project]
        try:
            validate_matchspec(ctx, ("project", "requires-python"), python_spec)
        finally:
            ctx.prefix, ctx.locator.prefix = ("tool", "pixi"), ("tool", "pixi")
        python = CondaDependency(name="python", spec=python_spec)
        default.base.dependencies = {"python": python, **default.base.dependencies}

    groups: dict[str, list[PyPIRequirement]] = {}
    origin: dict[str, tuple] = {}
    opt = pep621.get("optional-dependencies", {}) or {}
    if isinstance(opt, dict):
        for gname, reqs in opt.items():
            if not isinstance(reqs, list):
                raise ctx.error(("project", "optional-dependencies", gname), "expected an array of PEP 508 strings", 'write dev = ["pytest"]', absolute=True)
            key = normalize_group_name(gname)
            groups[key] = [_pep508_abs(ctx, ("project", "optional-dependencies", gname, i), r) for i, r in enumerate(reqs)]
            origin[key] = ("project", "optional-dependencies", gname)
    dg = data.get("dependency-groups", {}) or {}
    if isinstance(dg, dict):
        raw = {normalize_group_name(k): (k, v) for k, v in dg.items()}

        def resolve(key: str, stack: tuple) -> list[PyPIRequirement]:
            gname, reqs = raw[key]
            if not isinstance(reqs, list):
                raise ctx.error(("dependency-groups", gname), "expected an array", 'write test = ["pytest"]', absolute=True)
            out = []
            for i, item in enumerate(reqs):
                if isinstance(item, dict) and "include-group" in item:
                    inc = normalize_group_name(str(item["include-group"]))
                    if inc not in raw or inc in stack:
                        raise ctx.error(("dependency-groups", gname, i), f"cannot include group `{item['include-group']}`", "name an existing group, without cycles", absolute=True)
                    out.extend(resolve(inc, stack + (inc,)))
                else:
                    out.append(_pep508_abs(ctx, ("dependency-groups", gname, i), item))
            return out

        for key in raw:
            reqs = resolve(key, (key,))
            groups.setdefault(key, [])
            groups[key] = groups[key] + reqs
            origin.setdefault(key, ("dependency-groups", raw[key][0]))
    groups = expand_self_references(ctx, project.name, groups)
    for key, reqs in groups.items():
        if key == DEFAULT_FEATURE:
            raise ctx.error(origin[key], "a group named `default` clashes with the default feature", "rename the group", absolute=True)
        feature = features.get(key)
        if feature is None:
            feature = Feature(name=key)
            features[key] = feature
        pypi = dict(feature.base.pypi_dependencies)
        for req in reqs:
            pypi.setdefault(req.name, req)
        feature.base.pypi_dependencies = pypi


def check_pep621_types(ctx: Context, data: dict) -> None:
    """The PEP 621 / PEP 735 tables a solve reads must have their types: a wrong one would
    otherwise be skipped without a word (``requires-python = 3``, ``dependency-groups = "x"``)."""
    checks = [
        (("project",), dict, "a table"),
        (("project", "name"), str, "a string"),
        (("project", "version"), str, "a string"),
        (("project", "requires-python"), str, "a string"),
        (("project", "dynamic"), list, "an array of field names"),
        (("project", "optional-dependencies"), dict, "a table of extra = [requirements]"),
        (("build-system",), dict, "a table"),
        (("dependency-groups",), dict, "a table of group = [requirements]"),
    ]
    for path, kind, what in checks:
        node = data
        for part in path[:-1]:
            node = node.get(part) if isinstance(node, dict) else None
        if not isinstance(node, dict) or path[-1] not in node:
            continue
        value = node[path[-1]]
        if not isinstance(value, kind) or isinstance(value, bool):
            raise ctx.error(path, f"expected {what}, found {type_name(value)}", f"write {path[-1]} as {what}", absolute=True, value=True)


def _pep508_abs(ctx: Context, path, text) -> PyPIRequirement:
    saved = ctx.prefix
    ctx.prefix = ()
    ctx.locator.prefix = ()
    try:
        return pep508_requirement(ctx, path, text)
    finally:
        ctx.prefix = saved
        ctx.locator.prefix = saved
