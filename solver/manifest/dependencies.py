"""Conda and PyPI dependency tables: match specs, source and conditional dependencies, PEP 440
specifiers, PEP 508 markers and requirement strings."""

from __future__ import annotations

import os
import re

# ``packaging`` (~20 ms of imports: its marker grammar compiles at import) is imported by the
# functions that read PyPI dependencies, so a conda-only manifest never loads it.
from ..pypi.model import PyPIRequirement
from .checks import (
    CONDA_VERSION_CHARS,
    LIST_SPACE,
    OP_SPACE,
    PYPI_NAME,
    Context,
    check_keys,
    check_url,
    expect,
    is_conda_name,
    is_url,
    parse_channel,
    string_list,
    type_name,
    user_path,
)
from .keys import CONDA_DEP_KEYS, PYPI_DEP_KEYS
from .model import CondaDependency

# -- conda dependencies ------------------------------------------------------------------------------


def normalize_version(text: str) -> str:
    """``>= 1.2 , < 2`` -> ``>=1.2,<2``: no blanks inside a version spec (a blank starts the build)."""
    text = text.strip()
    if not any(ch.isspace() for ch in text):  # the usual spec: nothing to take out
        return text
    text = OP_SPACE.sub(r"\1", text)
    return LIST_SPACE.sub(r"\1", text)


def _bracket_value(value: str) -> str:
    return value if re.fullmatch(r"[A-Za-z0-9_.\-]+", value) else '"' + value.replace('"', '\\"') + '"'


def validate_matchspec(ctx: Context, path, spec: str) -> str:
    """Check with the conda MatchSpec parser when it is there; a light check otherwise."""
    try:
        from ..conda.matchspec import MatchSpec  # noqa: PLC0415 - optional until written
    except ImportError:
        MatchSpec = None
    if MatchSpec is not None:
        try:
            MatchSpec.parse(spec)
        except Exception as exc:  # InvalidMatchSpec (an InputError) or a ValueError from the parser
            reason = str(exc)
            if reason.startswith("invalid match spec") and "': " in reason:
                reason = reason.split("': ", 1)[1]
            raise ctx.error(path, f"invalid conda spec `{spec}`: {reason}", value=True, suggestion="see the VersionSpec examples: \">=1.2,<2\", \"1.2.*\", \"~=1.2.3\"") from None
        return spec
    name, _, rest = spec.partition(" ")
    if "[" in rest:
        rest = rest.split("[", 1)[0]
    if rest and not CONDA_VERSION_CHARS.match(rest):
        raise ctx.error(path, f"invalid conda spec `{spec}`", value=True, suggestion="see the VersionSpec examples: \">=1.2,<2\", \"1.2.*\", \"~=1.2.3\"")
    version = rest.split(" ")[0] if rest else ""
    if version and (version.endswith((",", "|")) or version.startswith((",", "|")) or ",," in version or "||" in version):
        raise ctx.error(path, f"invalid conda spec `{spec}`", "remove the dangling `,` or `|`", value=True)
    return spec


def parse_conda_dependency(ctx: Context, path, name: str, value) -> CondaDependency:
    if not is_conda_name(name):
        raise ctx.error(path, f"invalid package name `{name}`", "conda package names use letters, digits, `_`, `-` and `.`")
    lname = name.lower()
    if isinstance(value, str):
        text = normalize_version(value)
        if not text:
            raise ctx.error(path, f"empty version for `{name}`", 'write "*" for any version')
        spec = lname if text == "*" else f"{lname} {text}"
        return CondaDependency(name=lname, spec=validate_matchspec(ctx, path, spec))
    if isinstance(value, dict):
        t = check_keys(ctx, path, value, CONDA_DEP_KEYS, f"the dependency table of `{name}`")
        p = tuple(path)
        v3 = {}  # repodata v3 fields: carried beside the spec
        for key in ("extras", "flags"):
            if key in t:
                v3[key] = string_list(ctx, p + (key,), t.pop(key))
        if v3.get("flags"):
            from ..conda.flags import parse_flag_matcher
        for i, text in enumerate(v3.get("flags", [])):
            if parse_flag_matcher(text) is None:
                raise ctx.error(p + ("flags", i), f"invalid variant flag `{text}`",
                                'write a flag ("blas:mkl"), "~flag" (not it), "?flag", "name:*" or "name:>=3"', value=True)
        if "when" in t:
            v3["when"] = parse_condition(ctx, p + ("when",), t.pop("when"))
        inline_package = t.pop("package", None)
        if inline_package is not None:
            expect(ctx, p + ("package",), inline_package, (dict,), "an inline package table")
        for key, v in t.items():
            if key == "build-number":
                expect(ctx, p + (key,), v, (int, str), "an integer or a version spec")
            else:
                expect(ctx, p + (key,), v, (str,), "a string")
        if inline_package is not None and not any(k in t for k in ("path", "git", "url")):
            raise ctx.error(p + ("package",), "an inline package needs a source (path, git or url)", "add git = \"...\" or path = \"...\"")
        source_keys = [k for k in ("path", "git", "url") if k in t]
        if len(source_keys) > 1:
            raise ctx.error(p + (source_keys[1],), f"`{name}` names more than one source ({', '.join(source_keys)})", "keep one of path, git or url")
        if source_keys:
            kind = source_keys[0]
            for key in ("branch", "tag", "rev"):
                if key in t and kind != "git":
                    raise ctx.error(p + (key,), f"`{key}` only applies to a git source", "add `git = \"...\"` or remove it")
            source = {k: v for k, v in t.items() if k in ("path", "git", "url", "branch", "tag", "rev", "subdirectory")}
            archive = str(source.get("path") or source.get("url") or "").endswith((".conda", ".tar.bz2"))
            if archive:  # a package archive: its checksums are checked when it is read
                source.update({k: t[k].lower() for k in ("sha256", "md5") if k in t})
            if "path" in source:
                src = user_path(ctx, p + ("path",), source["path"])
                source["path"] = os.path.normpath(src if src.is_absolute() else (ctx.root / src))
            extra = [k for k in t if k not in source]
            if archive:
                extra = [k for k in extra if k not in ("version", "build", "build-number", "channel", "subdir", "file-name", "license")]
            spec = lname
            if "version" in t:
                spec = f"{lname} {normalize_version(t['version'])}"
            if archive and "build" in t:  # an archive's record is checked against it when read
                spec = f"{spec if 'version' in t else lname + ' *'} {t['build']}"
            if extra and extra != ["version"]:
                ctx.warn(p, f"{', '.join(k for k in extra if k != 'version')} ignored for a source dependency")
            if inline_package is not None:
                source["package"] = inline_package
            return CondaDependency(name=lname, spec=spec, source=source, **v3)
        for key in ("branch", "tag", "rev", "subdirectory"):
            if key in t:
                raise ctx.error(p + (key,), f"`{key}` only applies to a git source", "add `git = \"...\"` or remove it")
        version = normalize_version(t.get("version", "")) or None
        build = t.get("build")
        spec = lname
        if version and version != "*":
            spec += f" {version}"
        if build:
            spec += f" {build}" if version and version != "*" else f" * {build}"
        brackets = []
        if "build-number" in t:
            brackets.append(f"build_number={_bracket_value(str(t['build-number']))}")
        for key, field in (("subdir", "subdir"), ("md5", "md5"), ("sha256", "sha256"), ("file-name", "fn"), ("license", "license"), ("url", "url")):
            if key in t:
                brackets.append(f"{field}={_bracket_value(t[key])}")
        if brackets:
            spec += "[" + ",".join(brackets) + "]"
        if "channel" in t:
            channel = parse_channel(ctx, p + ("channel",), t["channel"]).channel
            spec = f"{channel}::{spec}"
        return CondaDependency(name=lname, spec=validate_matchspec(ctx, p + ("version",) if "version" in t else p, spec), **v3)
    raise ctx.error(path, f"expected a version string or a table, found {type_name(value)}", f'write {name} = ">=1.0" or {name} = {{ version = ">=1.0" }}')


def parse_condition(ctx: Context, path, value):
    """A conditional dependency's ``when``: a MatchSpec string (``"__win"``, ``"python >=3.12"``),
    a MatchSpec table, or ``{ all = [...] }`` / ``{ any = [...] }`` of conditions."""
    p = tuple(path)
    if isinstance(value, str):
        return validate_matchspec(ctx, p, normalize_version(value))
    expect(ctx, p, value, (dict,), "a MatchSpec string or a table")
    if len(value) == 1 and next(iter(value)) in ("all", "any"):
        key = next(iter(value))
        items = expect(ctx, p + (key,), value[key], (list,), "an array of conditions")
        return {key: [parse_condition(ctx, p + (key, i), c) for i, c in enumerate(items)]}
    t = check_keys(ctx, p, value, ("name", "version", "build", "build-number"), "a condition table")
    if "name" not in t:
        raise ctx.error(p, "a condition table needs `name`", 'write when = { name = "python", version = ">=3.12" }')
    dep = parse_conda_dependency(ctx, p, expect(ctx, p + ("name",), t["name"], (str,), "a package name"),
                                 {k: v for k, v in t.items() if k != "name"})
    return dep.spec


def condition_holds(condition, virtual: dict) -> bool | None:
    """Whether a condition is met by the platform's virtual packages (name -> record): True or
    False when it names only virtual packages, None when it depends on what the solve installs."""
    from ..conda.conditions import condition_met, condition_names

    if not all(name.startswith("__") for name in condition_names(condition)):
        return None
    return condition_met(condition, virtual)


def parse_conda_table(ctx: Context, path, value) -> dict[str, CondaDependency]:
    expect(ctx, path, value, (dict,), "a table of package = spec")
    out: dict[str, CondaDependency] = {}
    for name, spec in value.items():
        dep = parse_conda_dependency(ctx, tuple(path) + (name,), name, spec)
        out[dep.name] = dep
    return out


# -- PyPI dependencies --------------------------------------------------------------------------------


def parse_specifier(ctx: Context, path, text: str) -> str:
    text = text.strip()
    if text in ("*", ""):
        return ""
    from packaging.specifiers import InvalidSpecifier, SpecifierSet
    from packaging.version import InvalidVersion, Version

    long_number = re.search(r"[0-9]{1000,}", text)
    if long_number:  # Python converts at most 4300 digits to an int; no release needs 1000
        raise ctx.error(path, f"a number in `{text}` has {len(long_number.group())} digits",
                        "version numbers have at most 999 digits", value=True)
    try:
        return str(SpecifierSet(text)) if text else ""
    except InvalidSpecifier:
        pass
    try:  # be liberal: a bare version means exactly that version
        Version(text)
        return f"=={text}"
    except InvalidVersion:
        pass
    hint = 'write a PEP 440 specifier such as ">=1.0,<2", "~=1.4" or "*"'
    if "+" in text and re.search(r"(>=|<=|>|<|~=)[^,]*\+", text):
        hint = "a local version label (+...) is only allowed with == or !=; drop it or use =="
    raise ctx.error(path, f"invalid PEP 440 specifier `{text}`", hint, value=True)


def parse_marker(ctx: Context, path, text) -> str:
    expect(ctx, path, text, (str,), "a PEP 508 marker string")
    from packaging.markers import InvalidMarker, Marker

    try:
        return str(Marker(text))
    except InvalidMarker as exc:
        raise ctx.error(path, f"invalid environment marker `{text}`: {exc}", "write e.g. sys_platform == 'linux'", value=True) from None


def check_pypi_name(ctx: Context, path, name: str) -> None:
    if not PYPI_NAME.match(name):
        raise ctx.error(path, f"invalid PyPI package name `{name}`", "names are letters, digits, and . _ - (not at the ends)")


def parse_pypi_dependency(ctx: Context, path, name: str, value) -> PyPIRequirement:
    p = tuple(path)
    check_pypi_name(ctx, p, name)
    if isinstance(value, str):
        return PyPIRequirement(name=name, specifier=parse_specifier(ctx, p, value))
    if not isinstance(value, dict):
        raise ctx.error(p, f"expected a version string or a table, found {type_name(value)}", f'write {name} = "*" or {name} = {{ version = ">=1.0" }}')
    t = check_keys(ctx, p, value, PYPI_DEP_KEYS, f"the PyPI dependency table of `{name}`")
    kw: dict = {"name": name}
    for key in ("git", "rev", "branch", "tag", "subdirectory", "path", "url", "index", "version"):
        if key in t:
            expect(ctx, p + (key,), t[key], (str,), "a string")
    sources = [k for k in ("git", "path", "url") if k in t]
    if "version" in t:
        if sources:
            raise ctx.error(p + ("version",), f"`{name}` has both a version and a {sources[0]} source", f"remove `version` or `{sources[0]}`")
        kw["specifier"] = parse_specifier(ctx, p + ("version",), t["version"])
    if len(sources) > 1:
        raise ctx.error(p + (sources[1],), f"`{name}` names more than one source ({', '.join(sources)})", "keep one of git, path or url")
    for key in ("rev", "branch", "tag"):
        if key in t and "git" not in t:
            raise ctx.error(p + (key,), f"`{key}` only applies to a git source", "add `git = \"...\"` or remove it")
    refs = [k for k in ("rev", "branch", "tag") if k in t]
    if len(refs) > 1:
        raise ctx.error(p + (refs[1],), f"`{name}` names more than one of rev, branch and tag", f"keep only `{refs[0]}`")
    if "subdirectory" in t and not ("git" in t or "url" in t or "path" in t):
        raise ctx.error(p + ("subdirectory",), "`subdirectory` applies to git, url or path sources", "add `git`, `url` or `path`, or remove it")
    if "editable" in t:
        expect(ctx, p + ("editable",), t["editable"], (bool,), "true or false")
        if "path" not in t and t["editable"]:
            raise ctx.error(p + ("editable",), "`editable` only applies to a path source", "add `path = \"./...\"` or remove it")
        kw["editable"] = t["editable"]
    if "index" in t:
        if sources:
            raise ctx.error(p + ("index",), f"`index` applies to version requirements, not to a {sources[0]} source", "remove `index`")
        index = t["index"].strip()
        if not is_url(index):
            ctx.index_refs.append((p + ("index",), index))
        kw["index"] = index
    if "extras" in t:
        extras = string_list(ctx, p + ("extras",), t["extras"])
        for i, extra in enumerate(extras):
            if not PYPI_NAME.match(extra):
                raise ctx.error(p + ("extras", i), f"invalid extra name `{extra}`", "extras are names like `dev` or `sql`")
        kw["extras"] = extras
    for key in ("env-markers", "marker"):
        if key in t:
            kw["marker"] = parse_marker(ctx, p + (key,), t[key])
    for key in ("git", "rev", "branch", "tag", "subdirectory", "path", "url"):
        if key in t:
            kw[key] = t[key]
    if "url" in t and not is_url(t["url"]):
        raise ctx.error(p + ("url",), f"`{t['url']}` is not a URL", "write https://... (or use `path` for a local file)")
    for key in ("url", "git"):
        if isinstance(t.get(key), str) and is_url(t[key]):
            check_url(ctx, p + (key,), t[key])
    return PyPIRequirement(**kw)


def parse_pypi_table(ctx: Context, path, value) -> dict[str, PyPIRequirement]:
    expect(ctx, path, value, (dict,), "a table of package = spec")
    out: dict[str, PyPIRequirement] = {}
    for name, spec in value.items():
        out[name] = parse_pypi_dependency(ctx, tuple(path) + (name,), name, spec)
    return out


def pep508_requirement(ctx: Context, path, text) -> PyPIRequirement:
    """A PEP 508 string (``[project.dependencies]`` and friends) -> a requirement."""
    expect(ctx, path, text, (str,), "a PEP 508 requirement string")
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        req = Requirement(text)
    except InvalidRequirement as exc:
        raise ctx.error(path, f"invalid requirement `{text}`: {exc}", 'write e.g. "requests>=2.28"', value=True) from None
    kw: dict = {"name": req.name}
    if req.specifier:
        kw["specifier"] = str(req.specifier)
    if req.extras:
        kw["extras"] = sorted(req.extras)
    if req.marker is not None:
        kw["marker"] = str(req.marker)
    if req.url:
        url = req.url
        if url.startswith("git+"):
            base = url[4:]
            fragment = ""
            if "#" in base:
                base, fragment = base.split("#", 1)
            # A rev follows the last @ of the path (not the user@ of the authority).
            scheme, _, rest = base.partition("://")
            host_path, at, rev = rest.rpartition("@")
            if at and "/" in host_path:
                base, kw["rev"] = f"{scheme}://{host_path}", rev
            kw["git"] = base
            for part in fragment.split("&"):
                if part.startswith("subdirectory="):
                    kw["subdirectory"] = part.split("=", 1)[1]
        elif url.startswith("file:"):
            from urllib.parse import unquote, urlparse

            kw["path"] = unquote(urlparse(url).path)
        else:
            kw["url"] = url
    return PyPIRequirement(**kw)


