"""The tables a feature (or target, or inline environment) holds besides its dependencies:
system requirements, pypi-options, activation, tasks, targets, pypi-indices, environments."""

from __future__ import annotations

import os
import re
from pathlib import Path

from ..options import CHANNEL_PRIORITIES, INDEX_STRATEGIES, PRERELEASE_MODES, SOLVE_STRATEGIES
from ..platform import KNOWN_SELECTORS
from ..pypi.model import PyPIRequirement
from .checks import (
    ENV_NAME,
    Context,
    check_keys,
    check_url,
    enum,
    expect,
    is_url,
    parse_channels,
    string_list,
    user_path,
    version_like,
)
from .dependencies import parse_conda_table, parse_pypi_table, pep508_requirement
from .errors import did_you_mean
from .keys import (
    DEPENDENCY_TABLES,
    ENVIRONMENT_KEYS,
    FEATURE_KEYS,
    INDEX_PRIORITIES,
    PYPI_OPTION_KEYS,
    SYSREQ_KEYS,
    TARGET_KEYS,
    TASK_KEYS,
)
from .model import (
    DEFAULT_FEATURE,
    Activation,
    CondaDependency,
    Environment,
    Feature,
    FindLink,
    NamedIndex,
    PyPIOptions,
    SystemRequirements,
    Target,
    Task,
    TaskDependency,
)
from .workspace import parse_exclude_newer, parse_exclude_newer_table, parse_platforms

# -- the other feature tables --------------------------------------------------------------------------


def parse_system_requirements(ctx: Context, path, value) -> SystemRequirements:
    expect(ctx, path, value, (dict,), "a table")
    t = check_keys(ctx, path, value, SYSREQ_KEYS, "[system-requirements]")
    p = tuple(path)
    kw: dict = {}
    for key in ("linux", "macos", "cuda"):
        if key in t:
            kw[key] = version_like(ctx, p + (key,), t[key], key)
    if "libc" in t:
        libc = t["libc"]
        if isinstance(libc, dict):
            libc = check_keys(ctx, p + ("libc",), libc, ("family", "version"), "the libc table")
            if "version" not in libc:
                raise ctx.error(p + ("libc",), "libc needs a version", 'write libc = { family = "glibc", version = "2.28" }')
            kw["libc"] = version_like(ctx, p + ("libc", "version"), libc["version"], "libc")
            if "family" in libc:
                kw["libc_family"] = expect(ctx, p + ("libc", "family"), libc["family"], (str,), "a string").lower()
        else:
            kw["libc"] = version_like(ctx, p + ("libc",), libc, "libc")
    if "archspec" in t:
        kw["archspec"] = expect(ctx, p + ("archspec",), t["archspec"], (str,), "a microarchitecture name")
    if "unix" in t:
        # pixi's schema has `unix = true`: a unix platform has __unix already, so it adds nothing
        expect(ctx, p + ("unix",), t["unix"], (bool, str), "true or false")
    return SystemRequirements(**kw)


def parse_name_list_or_bool(ctx: Context, path, value) -> list[str] | bool:
    if isinstance(value, bool):
        return value
    return string_list(ctx, path, value, "true, false or an array of package names")


def parse_pypi_options(ctx: Context, path, value) -> PyPIOptions:
    expect(ctx, path, value, (dict,), "a table")
    t = check_keys(ctx, path, value, PYPI_OPTION_KEYS, "[pypi-options]")
    p = tuple(path)
    kw: dict = {}
    if "index-url" in t:
        url = expect(ctx, p + ("index-url",), t["index-url"], (str,), "a URL")
        if not is_url(url):
            raise ctx.error(p + ("index-url",), f"`{url}` is not a URL", "write https://host/simple")
        kw["index_url"] = check_url(ctx, p + ("index-url",), url)
    if "extra-index-urls" in t:
        entries = expect(ctx, p + ("extra-index-urls",), t["extra-index-urls"], (list,), "an array of URLs")
        urls = []
        cutoffs: dict[str, int | None] = {}
        for i, entry in enumerate(entries):  # a URL, or { url = ..., exclude-newer = ... | false }
            if isinstance(entry, dict):
                entry = check_keys(ctx, p + ("extra-index-urls", i), entry, ("url", "exclude-newer"), "an extra-index-urls entry")
                if "url" not in entry:
                    raise ctx.error(p + ("extra-index-urls", i), "an extra-index-urls table needs `url`", 'write { url = "https://host/simple" }')
                url = expect(ctx, p + ("extra-index-urls", i, "url"), entry["url"], (str,), "a URL")
                if "exclude-newer" in entry:  # this index's own cutoff; false: none for it
                    cutoffs[url] = parse_exclude_newer(ctx, p + ("extra-index-urls", i, "exclude-newer"), entry["exclude-newer"],
                                                       allow_false=True)[0]
                urls.append(url)
            else:
                urls.append(expect(ctx, p + ("extra-index-urls", i), entry, (str,), "a URL or { url = ... }"))
        for i, url in enumerate(urls):
            if not is_url(url):
                raise ctx.error(p + ("extra-index-urls", i), f"`{url}` is not a URL", "write https://host/simple")
            check_url(ctx, p + ("extra-index-urls", i), url)
        kw["extra_index_urls"] = urls
        if cutoffs:
            kw["index_exclude_newer"] = cutoffs
    if "find-links" in t:
        links = expect(ctx, p + ("find-links",), t["find-links"], (list,), "an array of {path = ...} or {url = ...}")
        out = []
        for i, link in enumerate(links):
            lp = p + ("find-links", i)
            if isinstance(link, str):  # be liberal: a bare string is a URL or a path
                link = {"url": link} if is_url(link) else {"path": link}
            expect(ctx, lp, link, (dict,), "{path = ...} or {url = ...}")
            link = check_keys(ctx, lp, link, ("path", "url"), "a find-links entry")
            if len(link) != 1:
                raise ctx.error(lp, "a find-links entry needs exactly one of `path` and `url`", "write {path = './links'} or {url = 'https://...'}")
            if "path" in link:
                expect(ctx, lp + ("path",), link["path"], (str,), "a path")
                fp = user_path(ctx, lp + ("path",), link["path"])
                out.append(FindLink(path=os.path.normpath(fp if fp.is_absolute() else ctx.root / fp)))
            else:
                expect(ctx, lp + ("url",), link["url"], (str,), "a URL")
                check_url(ctx, lp + ("url",), link["url"])
                out.append(FindLink(url=link["url"]))
        kw["find_links"] = out
    if "no-build-isolation" in t:
        kw["no_build_isolation"] = parse_name_list_or_bool(ctx, p + ("no-build-isolation",), t["no-build-isolation"])
    if "no-build" in t:
        kw["no_build"] = parse_name_list_or_bool(ctx, p + ("no-build",), t["no-build"])
    if "no-binary" in t:
        kw["no_binary"] = parse_name_list_or_bool(ctx, p + ("no-binary",), t["no-binary"])
    if "index-strategy" in t:
        kw["index_strategy"] = enum(ctx, p + ("index-strategy",), t["index-strategy"], INDEX_STRATEGIES, "index-strategy")
    if "prerelease-mode" in t:
        kw["prerelease_mode"] = enum(ctx, p + ("prerelease-mode",), t["prerelease-mode"], PRERELEASE_MODES, "prerelease-mode")
    if "dependency-overrides" in t:
        kw["dependency_overrides"] = list(parse_pypi_table(ctx, p + ("dependency-overrides",), t["dependency-overrides"]).values())
    if "skip-wheel-filename-check" in t:
        expect(ctx, p + ("skip-wheel-filename-check",), t["skip-wheel-filename-check"], (bool,), "true or false")
    return PyPIOptions(**kw)


def parse_activation(ctx: Context, path, value) -> Activation:
    expect(ctx, path, value, (dict,), "a table")
    t = check_keys(ctx, path, value, ("scripts", "env"), "[activation]")
    kw: dict = {}
    if "scripts" in t:
        kw["scripts"] = string_list(ctx, tuple(path) + ("scripts",), t["scripts"], "an array of script paths")
    if "env" in t:
        env = expect(ctx, tuple(path) + ("env",), t["env"], (dict,), "a table of NAME = value")
        for k, v in env.items():
            expect(ctx, tuple(path) + ("env", k), v, (str,), "a string")
        kw["env"] = dict(env)
    return Activation(**kw)


def _task_args(ctx: Context, path, value) -> list[str]:
    """Arguments passed to a task: positional strings, or ``{ name = value }`` named ones (kept
    as ``name=value``)."""
    expect(ctx, path, value, (list,), "an array of arguments")
    out = []
    for i, arg in enumerate(value):
        if isinstance(arg, dict):
            if len(arg) != 1:
                raise ctx.error(tuple(path) + (i,), "a named argument is one `name = value` pair", 'write { path = "/custom/path" }')
            (key, v), = arg.items()
            out.append(f"{key}={expect(ctx, tuple(path) + (i, key), v, (str,), 'a string')}")
        else:
            out.append(expect(ctx, tuple(path) + (i,), arg, (str,), "an argument string or { name = value }"))
    return out


def _task_dependency(ctx: Context, path, item) -> TaskDependency:
    """One entry of ``depends-on`` (or of an alias list): a task name, or a table naming it in
    ``task``. pixi's own docs also name it in ``cmd`` (``{ cmd = "_git-clone", args = [...] }``,
    which pixi loads): read as the task's name too; both at once is ambiguous."""
    if isinstance(item, str):
        return TaskDependency(item)
    expect(ctx, path, item, (dict,), "a task name or { task = ..., args = [...] }")
    t = check_keys(ctx, path, item, ("task", "cmd", "args", "environment"), "a task dependency")
    named = [k for k in ("task", "cmd") if k in t]
    if not named:
        raise ctx.error(path, "a task dependency needs `task`", 'write { task = "name" }')
    if len(named) > 1:
        raise ctx.error(tuple(path) + ("cmd",), "a task dependency names its task twice (`task` and `cmd`)", "keep `task`")
    task = expect(ctx, tuple(path) + (named[0],), t[named[0]], (str,), "a task name")
    args = _task_args(ctx, tuple(path) + ("args",), t["args"]) if "args" in t else []
    env = expect(ctx, tuple(path) + ("environment",), t["environment"], (str,), "an environment name") if "environment" in t else None
    return TaskDependency(task, args, env)


def parse_task(ctx: Context, path, name: str, value) -> Task:
    p = tuple(path)
    if isinstance(value, str):
        return Task(name=name, cmd=value)
    if isinstance(value, list):  # an alias: the tasks to run, by name or { task, args, environment }
        deps = [_task_dependency(ctx, p + (i,), d) for i, d in enumerate(value)]
        if not deps:
            raise ctx.error(p, f"task `{name}` is an empty list", 'list the tasks to run: ["lint", "test"]')
        return Task(name=name, depends_on=deps)
    expect(ctx, p, value, (dict,), "a command string or a task table")
    t = check_keys(ctx, p, value, TASK_KEYS, f"task `{name}`")
    kw: dict = {"name": name}
    if "cmd" in t:
        cmd = t["cmd"]
        kw["cmd"] = string_list(ctx, p + ("cmd",), cmd) if isinstance(cmd, list) else expect(ctx, p + ("cmd",), cmd, (str,), "a command string")
    if "depends-on" in t:
        deps = t["depends-on"]
        dp = p + ("depends_on",) if "depends_on" in value else p + ("depends-on",)
        if isinstance(deps, str):
            kw["depends_on"] = [TaskDependency(deps)]
        else:
            # a lone table is not a list of them: pixi says "expected a string or array" too
            expect(ctx, dp, deps, (list,), "a task name or an array of task names and tables")
            kw["depends_on"] = [_task_dependency(ctx, dp + (i,), d) for i, d in enumerate(deps)]
    if "cmd" not in kw and not kw.get("depends_on"):
        # pixi loads this as an alias that runs nothing; every key but these belongs to a command
        stray = [k for k in t if k not in ("depends-on", "description", "args")]
        if stray:
            raise ctx.error(p + (stray[0],), f"task `{name}` has `{stray[0]}` but no `cmd` to apply it to",
                            'add cmd = "..." (a task without one only runs its depends-on)')
        ctx.warn(p, f"task `{name}` has neither `cmd` nor `depends-on`: it runs nothing")
    for key in ("cwd", "description", "default-environment"):
        if key in t:
            kw[key.replace("-", "_")] = expect(ctx, p + (key,), t[key], (str,), "a string")
    for key in ("inputs", "outputs"):
        if key in t:
            kw[key] = string_list(ctx, p + (key,), t[key], "an array of glob patterns")
    if "env" in t:
        env = expect(ctx, p + ("env",), t["env"], (dict,), "a table of NAME = value")
        for k, v in env.items():
            expect(ctx, p + ("env", k), v, (str,), "a string")
        kw["env"] = dict(env)
    if "clean-env" in t:
        kw["clean_env"] = expect(ctx, p + ("clean-env",), t["clean-env"], (bool,), "true or false")
    if "args" in t:
        args = expect(ctx, p + ("args",), t["args"], (list,), "an array of argument names or tables")
        for i, arg in enumerate(args):
            if isinstance(arg, dict):
                check_keys(ctx, p + ("args", i), arg, ("arg", "default", "choices"), "a task argument")
                if "arg" not in arg:
                    raise ctx.error(p + ("args", i), "a task argument needs `arg`", 'write { arg = "name", default = "value" }')
                name_path, arg_name = p + ("args", i, "arg"), arg["arg"]
            else:
                expect(ctx, p + ("args", i), arg, (str,), "an argument name or a table")
                name_path, arg_name = p + ("args", i), arg
            if arg_name == "pixi":  # {{ pixi }} is pixi's own template variable
                raise ctx.error(name_path, "the task argument name `pixi` is reserved", "choose another name", value=True)
        kw["args"] = list(args)
    return Task(**kw)


def parse_tasks(ctx: Context, path, value) -> dict[str, Task]:
    expect(ctx, path, value, (dict,), "a table of task = command")
    return {name: parse_task(ctx, tuple(path) + (name,), name, v) for name, v in value.items()}


def parse_target_tables(ctx: Context, path, t: dict, selector: str | None) -> Target:
    """The dependency/activation/task tables of ``t`` (already key-checked)."""
    p = tuple(path)
    kw: dict = {"selector": selector}
    from_txt: list[PyPIRequirement] = []
    if isinstance(t.get("dependencies"), dict) and "pypi-txt" in t["dependencies"]:
        # `pypi-txt` in [dependencies] is not a conda package: requirements files whose
        # requirements join the PyPI dependencies (pixi's phased migration from pip)
        conda = dict(t["dependencies"])
        from_txt = parse_pypi_txt(ctx, p + ("dependencies", "pypi-txt"), conda.pop("pypi-txt"))
        t = {**t, "dependencies": conda}
    for key in DEPENDENCY_TABLES:
        if key in t:
            kw[key.replace("-", "_")] = parse_conda_table(ctx, p + (key,), t[key])
    if "pypi-dependencies" in t:
        kw["pypi_dependencies"] = parse_pypi_table(ctx, p + ("pypi-dependencies",), t["pypi-dependencies"])
    if from_txt:
        pypi = dict(kw.get("pypi_dependencies", {}))
        named = {n.lower().replace("_", "-").replace(".", "-") for n in pypi}
        for req in from_txt:  # the manifest's own entry for a name wins over a file's
            if req.name.lower().replace("_", "-").replace(".", "-") not in named:
                pypi[req.name] = req
        kw["pypi_dependencies"] = pypi
    if "activation" in t:
        kw["activation"] = parse_activation(ctx, p + ("activation",), t["activation"])
    if "tasks" in t:
        kw["tasks"] = parse_tasks(ctx, p + ("tasks",), t["tasks"])
    if "dev" in t:
        kw["dev"] = parse_dev_table(ctx, p + ("dev",), t["dev"])
    if "pypi-options" in t and selector is not None:  # a feature's own are Feature.pypi_options
        kw["pypi_options"] = parse_pypi_options(ctx, p + ("pypi-options",), t["pypi-options"])
    if "exclude-newer" in t:
        kw["exclude_newer"] = parse_exclude_newer_table(ctx, p + ("exclude-newer",), t["exclude-newer"], pypi=False)
    if "pypi-exclude-newer" in t:
        kw["pypi_exclude_newer"] = parse_exclude_newer_table(ctx, p + ("pypi-exclude-newer",), t["pypi-exclude-newer"], pypi=True)
    return Target(**kw)


def parse_pypi_txt(ctx: Context, path, value) -> list[PyPIRequirement]:
    """``pypi-txt = "requirements.txt"`` (or a list of files, relative to the manifest): the
    requirements they hold, ``-r`` includes followed (relative to the including file). Other pip
    options are errors naming the file and line: they would change how everything resolves."""
    if isinstance(value, str):
        files = [value]
    else:
        expect(ctx, path, value, (list,), "a requirements file path or a list of them")
        files = value
    out: list[PyPIRequirement] = []
    seen: set[Path] = set()

    def read(file: Path, index: int) -> None:
        file = file.resolve()
        if file in seen:
            return
        seen.add(file)
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ctx.error(path + ((index,) if not isinstance(value, str) else ()), f"cannot read the requirements file {file}: {exc}",
                            "give a path relative to the manifest's folder", value=True) from None
        lines = text.replace("\\\n", "").splitlines()
        for number, raw in enumerate(lines, 1):
            line = re.sub(r"(^|\s)#.*$", "", raw).strip()
            if not line:
                continue
            if line.startswith("-"):
                option, _, rest = line.partition(" ") if " " in line else line.partition("=")
                if option in ("-r", "--requirement") and rest.strip():
                    read(file.parent / rest.strip(), index)
                    continue
                raise ctx.error(path, f"{file}:{number}: `{line}` is not supported in a pypi-txt file",
                                "list requirements (and -r includes) only; set indexes in [pypi-options]", value=True)
            from packaging.requirements import InvalidRequirement, Requirement

            try:
                Requirement(line)
            except InvalidRequirement as exc:
                raise ctx.error(path, f"{file}:{number}: invalid requirement `{line}`: {exc}", 'write e.g. "requests>=2.28"', value=True) from None
            out.append(pep508_requirement(ctx, path, line))

    for index, name in enumerate(files):
        expect(ctx, path + ((index,) if not isinstance(value, str) else ()), name, (str,), "a requirements file path")
        read(ctx.root / name, index)
    return out


def parse_dev_table(ctx: Context, path, value) -> dict[str, CondaDependency]:
    """``[dev]``: source packages (``{ path = ... }`` / git / url) whose build, host and run
    dependencies the environment wants, without the package itself."""
    out = parse_conda_table(ctx, path, value)
    for name, dep in out.items():
        if not dep.is_source:
            raise ctx.error(tuple(path) + (name,), f"`{name}` in [dev] needs a source", 'write { path = "src/my-package" } (or git / url)')
    return out


def parse_targets(ctx: Context, path, value) -> dict[str, Target]:
    expect(ctx, path, value, (dict,), "a table of <platform> = { ... }")
    out = {}
    for selector, tables in value.items():
        sp = tuple(path) + (selector,)
        # a selector: an OS family, a subdir, a rich platform's name, or a `*` pattern of names
        if selector not in KNOWN_SELECTORS and selector not in ctx.platform_entries and "*" not in selector:
            choices = list(KNOWN_SELECTORS) + list(ctx.platform_entries)
            guess = did_you_mean(selector, choices)
            hint = f"did you mean `{guess}`?" if guess else "use win, osx, linux, unix or a platform such as linux-64"
            raise ctx.error(sp, f"unknown target platform `{selector}`", hint)
        expect(ctx, sp, tables, (dict,), "a table")
        t = check_keys(ctx, sp, tables, TARGET_KEYS, f"[target.{selector}]")
        out[selector] = parse_target_tables(ctx, sp, t, selector)
    return out


def parse_feature(ctx: Context, path, name: str, table: dict, is_default: bool = False) -> Feature:
    p = tuple(path)
    kw: dict = {"name": name}
    if not is_default:
        expect(ctx, p, table, (dict,), "a table")
        table = check_keys(ctx, p, table, FEATURE_KEYS, f"[feature.{name}]")
    if "channels" in table:
        kw["channels"] = parse_channels(ctx, p + ("channels",), table["channels"])
    if "platforms" in table:
        kw["platforms"] = parse_platforms(ctx, p + ("platforms",), table["platforms"], ctx.platform_entries)
    if "channel-priority" in table:
        kw["channel_priority"] = enum(ctx, p + ("channel-priority",), table["channel-priority"], CHANNEL_PRIORITIES, "channel-priority")
    if "solve-strategy" in table:
        kw["solve_strategy"] = enum(ctx, p + ("solve-strategy",), table["solve-strategy"], SOLVE_STRATEGIES, "solve-strategy")
    if "system-requirements" in table:
        kw["system_requirements"] = parse_system_requirements(ctx, p + ("system-requirements",), table["system-requirements"])
        ctx.warn(p + ("system-requirements",), "[system-requirements] is deprecated: declare the virtual packages on "
                 'workspace.platforms entries instead, e.g. { platform = "linux-64", cuda = "12.0" }')
    if "pypi-options" in table:
        kw["pypi_options"] = parse_pypi_options(ctx, p + ("pypi-options",), table["pypi-options"])
    kw["base"] = parse_target_tables(ctx, p, table, None)
    if "target" in table:
        kw["targets"] = parse_targets(ctx, p + ("target",), table["target"])
    return Feature(**kw)


def parse_pypi_indices(ctx: Context, path, value) -> list[NamedIndex]:
    expect(ctx, path, value, (list,), "an array of tables ([[pypi-indices]])")
    out: list[NamedIndex] = []
    for i, item in enumerate(value):
        ip = tuple(path) + (i,)
        expect(ctx, ip, item, (dict,), "a table with name, url and priority")
        t = check_keys(ctx, ip, item, ("name", "url", "priority"), "a pypi-indices entry")
        for key in ("name", "url"):
            if key not in t:
                raise ctx.error(ip, f"a pypi-indices entry needs `{key}`", 'write name = "...", url = "https://.../simple"')
        name = expect(ctx, ip + ("name",), t["name"], (str,), "a string")
        url = expect(ctx, ip + ("url",), t["url"], (str,), "a URL")
        if not is_url(url):
            raise ctx.error(ip + ("url",), f"`{url}` is not a URL", "write https://host/simple")
        check_url(ctx, ip + ("url",), url)
        priority = enum(ctx, ip + ("priority",), t["priority"], INDEX_PRIORITIES, "index priority") if "priority" in t else "primary"
        if any(x.name == name for x in out):
            raise ctx.error(ip + ("name",), f"index `{name}` is declared twice", "give each index its own name")
        out.append(NamedIndex(name=name, url=url, priority=priority))
    return out


def inline_feature_name(environment: str) -> str:
    """The feature an environment's own tables form (``[environments.dev.dependencies]``)."""
    return f"environments.{environment}"


def parse_environments(ctx: Context, path, value, feature_names) -> dict[str, Environment]:
    """``[environments]``; ``feature_names`` is the features dict: an environment's own
    dependencies, channels, tasks... (pixi's inline environments) are added to it as the
    environment's first feature."""
    expect(ctx, path, value, (dict,), "a table of environment = [features]")
    out: dict[str, Environment] = {}
    for name, spec in value.items():
        ep = tuple(path) + (name,)
        if not ENV_NAME.match(name):
            raise ctx.error(ep, f"invalid environment name `{name}`", "use lowercase letters, digits and `-`")
        if isinstance(spec, list):
            features = string_list(ctx, ep, spec, "an array of feature names")
            fpath = ep
            env = Environment(name=name, features=features)
        else:
            expect(ctx, ep, spec, (dict,), "an array of features or a table")
            t = check_keys(ctx, ep, spec, ENVIRONMENT_KEYS, f"environment `{name}`")
            features = string_list(ctx, ep + ("features",), t.get("features", []), "an array of feature names")
            inline = {k: v for k, v in t.items() if k in FEATURE_KEYS}
            if inline:
                own = inline_feature_name(name)
                feature_names[own] = parse_feature(ctx, ep, own, inline, is_default=True)
                features = [own] + features
            fpath = ep + ("features",)
            sg = expect(ctx, ep + ("solve-group",), t["solve-group"], (str,), "a string") if "solve-group" in t else None
            ndf = expect(ctx, ep + ("no-default-feature",), t["no-default-feature"], (bool,), "true or false") if "no-default-feature" in t else False
            env = Environment(name=name, features=features, solve_group=sg, no_default_feature=ndf)
        for i, feat in enumerate(features):
            if feat == DEFAULT_FEATURE:
                continue
            if feat not in feature_names:
                guess = did_you_mean(feat, [f for f in feature_names if f != DEFAULT_FEATURE])
                hint = f"did you mean `{guess}`?" if guess else f"define it with [feature.{feat}]"
                raise ctx.error(fpath + (i,), f"environment `{name}` uses feature `{feat}` which is not defined", hint)
            if features.index(feat) != i:
                raise ctx.error(fpath + (i,), f"feature `{feat}` is listed twice", "list each feature once")
        out[name] = env
    return out


