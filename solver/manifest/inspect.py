"""``solver inspect``: what each environment resolves to, without solving (like ``pixi info``).

JSON schema (``--json``; stable, additive changes only; documented in docs/inspect-json.md)::

    {
      "schema": "solver-inspect/1",
      "manifest": {"path": str, "root": str, "kind": "pixi" | "pyproject"},
      "project": {"name": str|null, "version": str|null, "description": str|null,
                  "channels": [str], "platforms": [str], "channel_priority": str,
                  "solve_strategy": str, "exclude_newer": int|null, "requires_pixi": str|null,
                  "preview": [str] | bool,
                  "members": [str], "member_paths": [str]},  # members as written; the folders they name
      "pypi_indices": [{"name": str, "url": str, "priority": str}],
      "packages": {FOLDER: {"name", "version", "build_backend"}},  # [package]s: own ("."), members', sources'
      "warnings": [str],
      "environments": [{
          "name": str, "features": [str], "solve_group": str|null, "no_default_feature": bool,
          "channels": [str], "platforms": [str], "channel_priority": str, "solve_strategy": str,
          "exclude_newer": int|null,
          "system_requirements": {"linux"?, "libc"?, "libc_family"?, "macos"?, "cuda"?, "archspec"?},
          "pypi_options": {"index_url": str|null, "extra_index_urls": [str], "find_links": [str],
                           "index_strategy": str, "prerelease_mode": str,
                           "no_build_isolation": [str] | bool, "no_build": [str] | bool,
                           "no_binary": [str] | bool},
          "platform_details": [{
              "platform": str,
              "conda_specs": [str], "conda_constraints": [str],
              "conda_sources": [{"name": str, "source": {...}}],
              "pypi_requirements": [{"name": str, "requirement": str, ...PyPIRequirement fields}],
              "pypi_indexes": [{"url": str, "name": str|null, "priority": str,
                                "exclude_newer": ms|null (only for an index with its own cutoff; null: none)}],
              "virtual_packages": [{"name": str, "version": str, "build": str}],
              "system_requirements": {...as above, with the platform's defaults filled in},
              "tasks": [{"name": str, "feature": str, "cmd": str|[str]|null, "depends_on": [str],
                         "hidden": bool}],
              "activation": {"scripts": [str], "env": {str: str}}
          }]
      }],
      "solve_units": [{"environment": str|null, "solve_group": str|null, "platform": str,
                       "members": [str], "conda": CondaRequest, "pypi": PyPIRequest|null}],
      "configuration": {"files": [str],            # pixi config.toml files read, lowest first
                        "settings": {KEY: {"value": ..., "source": "default" | FILE | "$VAR" | "--flag"}},
                        "warnings": [str]}
    }

URLs never show credentials (``user:password@`` becomes ``****@``).
"""

from __future__ import annotations

import sys

import msgspec

from ..redact import mask_credentials

SCHEMA = "solver-inspect/1"




def _is_archive(source: dict | None) -> bool:
    """A package archive named by path or URL (``foo-1.0-0.conda``) is installed as it is: no build."""
    from ..conda.archive import is_archive_path

    return any(is_archive_path(str(source.get(k, ""))) for k in ("path", "url")) if source else False

def _index_entry(index) -> dict:
    """An index as --json shows it; ``exclude_newer`` only where the index has its own cutoff."""
    out = {"url": index.url, "name": index.name, "priority": index.priority}
    if index.own_cutoff:
        out["exclude_newer"] = index.exclude_newer
    return out


def _iso(ms: int) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(ms / 1000, tz=dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

def _redact_tree(value):
    if isinstance(value, str):
        return mask_credentials(value)
    if isinstance(value, list):
        return [_redact_tree(v) for v in value]
    if isinstance(value, dict):
        return {k: _redact_tree(v) for k, v in value.items()}
    return value


def requirement_string(req) -> str:
    """A PyPI requirement as one readable line (PEP 508 where it can be)."""
    text = req.name
    if req.extras:
        text += "[" + ",".join(req.extras) + "]"
    if req.git:
        ref = req.rev or req.branch or req.tag
        text += f" @ git+{req.git}" + (f"@{ref}" if ref else "")
        if req.subdirectory:
            text += f"#subdirectory={req.subdirectory}"
    elif req.path:
        text += f" @ {req.path}" + (" (editable)" if req.editable else "")
    elif req.url:
        text += f" @ {req.url}"
    elif req.specifier:
        text += f" {req.specifier}"
    if req.marker:
        text += f"; {req.marker}"
    if req.index:
        text += f"  [index: {req.index}]"
    return mask_credentials(text)


def _sysreq_dict(sr) -> dict:
    return msgspec.to_builtins(sr)


def _effective_sysreq(platform: str, sr) -> dict:
    from ..platform import DEFAULT_GLIBC, DEFAULT_LINUX, archspec_for, effective_macos, family

    out = _sysreq_dict(sr)
    fam = family(platform)
    if fam == "linux":
        out.setdefault("linux", DEFAULT_LINUX)
        out.setdefault("libc", DEFAULT_GLIBC)
        out.setdefault("libc_family", "glibc")
    elif fam == "osx":
        out.setdefault("macos", effective_macos(platform))
    if fam in ("linux", "osx", "win") and archspec_for(platform):
        out.setdefault("archspec", archspec_for(platform))
    if fam not in ("linux", "win"):
        out.pop("cuda", None)
    return out


def _package_summary(table: dict) -> dict:
    """A ``[package]`` (pixi-build) as inspect shows it: what it is and how it would be built."""
    backend = (table.get("build") or {}).get("backend") or {}
    return {"name": table.get("name"), "version": table.get("version"),
            "build_backend": backend.get("name") if isinstance(backend, dict) else None}


def collect(manifest, environments=None, platforms=None) -> dict:
    """The JSON document (see the module docstring) for the selection."""
    from .merge_environment import resolve_environment
    from .merge_platform import platform_view, platform_virtual_packages
    from .requests import (
        build_requests,
        PIXI_PRERELEASE_DEFAULT,
        pypi_indexes,
        select_environments,
        select_platforms,
    )

    units = build_requests(manifest, environments, platforms)  # validates the selection, too
    env_names = select_environments(manifest, environments)
    wanted = select_platforms(manifest, platforms)
    envs = []
    for name in env_names:
        env = manifest.environments[name]
        view = resolve_environment(manifest, env)
        opts = view.pypi_options
        details = []
        for platform in view.platforms:
            if wanted is not None and platform not in wanted:
                continue
            pv = platform_view(manifest, env, platform)
            details.append(
                {
                    "platform": platform,
                    "conda_specs": pv.conda_specs,
                    "conda_constraints": pv.constraints,
                    "conda_sources": [{"name": d.name, "source": d.source, "needs_build": not _is_archive(d.source)}
                                      for d in pv.conda_sources],
                    "pypi_requirements": [
                        {"requirement": requirement_string(r), **msgspec.to_builtins(r)} for r in pv.pypi_requirements
                    ],
                    "pypi_indexes": [_index_entry(i) for i in pypi_indexes(manifest, opts, pv.pypi_requirements)]
                    if pv.pypi_requirements
                    else [],
                    "subdir": manifest.subdir(platform),
                    "virtual_packages": [
                        {"name": v.name, "version": v.version, "build": v.build}
                        for v in platform_virtual_packages(manifest, platform, view.system_requirements)
                    ],
                    "system_requirements": _effective_sysreq(manifest.subdir(platform), view.system_requirements),
                    "tasks": [
                        {
                            "name": t.name,
                            "feature": pv.task_features[t.name],
                            "cmd": t.cmd,
                            "depends_on": [d.task for d in t.depends_on],
                            "hidden": t.hidden,
                        }
                        for t in pv.tasks.values()
                    ],
                    "activation": {"scripts": pv.activation.scripts, "env": pv.activation.env},
                }
            )
        envs.append(
            {
                "name": name,
                "features": view.features,
                "solve_group": view.solve_group,
                "no_default_feature": env.no_default_feature,
                "channels": view.channels,
                "platforms": view.platforms,
                "channel_priority": view.channel_priority,
                "solve_strategy": view.solve_strategy,
                "exclude_newer": view.exclude_newer,
                "system_requirements": _sysreq_dict(view.system_requirements),
                "pypi_options": {
                    "index_url": opts.index_url,
                    "extra_index_urls": opts.extra_index_urls,
                    "find_links": [link.url or link.path for link in opts.find_links],
                    "index_strategy": opts.index_strategy or "first-index",
                    "prerelease_mode": opts.prerelease_mode or PIXI_PRERELEASE_DEFAULT,
                    "no_build_isolation": opts.no_build_isolation,
                    "no_build": opts.no_build,
                    "no_binary": opts.no_binary,
                },
                "platform_details": details,
            }
        )
    p = manifest.project
    doc = {
        "schema": SCHEMA,
        "manifest": {"path": manifest.path, "root": manifest.root, "kind": manifest.kind},
        "project": {
            "name": p.name,
            "version": p.version,
            "description": p.description,
            "channels": [c.channel for c in p.channels],
            "platforms": p.platforms,
            "channel_priority": p.channel_priority,
            "solve_strategy": p.solve_strategy,
            "exclude_newer": p.exclude_newer,
            "exclude_newer_relative": p.exclude_newer_relative,
            "platform_entries": [msgspec.to_builtins(e) for e in p.platform_entries.values()],
            "requires_pixi": p.requires_pixi,
            "preview": p.preview,
            "members": p.members,
            "member_paths": p.member_paths,
        },
        "pypi_indices": [msgspec.to_builtins(i) for i in manifest.pypi_indices],
        "packages": {folder: _package_summary(table) for folder, table in
                     (({".": manifest.package} if manifest.package is not None else {}) | manifest.member_packages).items()},
        "warnings": manifest.warnings,
        "environments": envs,
        "solve_units": [
            {
                "environment": u.environment,
                "solve_group": u.solve_group,
                "platform": u.platform,
                "members": u.environments,
                "conda": msgspec.to_builtins(u.conda),
                "pypi": msgspec.to_builtins(u.pypi) if u.pypi is not None else None,
            }
            for u in units
        ],
    }
    return _redact_tree(doc)


def render_text(doc: dict) -> str:
    lines = []
    m, p = doc["manifest"], doc["project"]
    lines.append(f"Manifest: {m['path']} ({m['kind']})")
    title = p["name"] or "(unnamed)"
    if p["version"]:
        title += f" {p['version']}"
    lines.append(f"Project: {title}")
    if p["member_paths"]:
        lines.append("Workspace members: " + ", ".join(p["member_paths"]))
    if doc["pypi_indices"]:
        lines.append("PyPI indices: " + ", ".join(f"{i['name']} ({i['priority']}) {i['url']}" for i in doc["pypi_indices"]))
    for w in doc["warnings"]:
        lines.append(f"warning: {w}")
    for env in doc["environments"]:
        lines.append("")
        lines.append(f"Environment: {env['name']}")
        lines.append(f"  Features: {', '.join(env['features'])}")
        lines.append(f"  Solve group: {env['solve_group'] or '-'}")
        lines.append(f"  Channels: {', '.join(env['channels']) or '(none)'}")
        lines.append(f"  Platforms: {', '.join(env['platforms']) or '(none)'}")
        lines.append(f"  Channel priority: {env['channel_priority']}, solve strategy: {env['solve_strategy']}")
        if env["exclude_newer"] is not None:
            lines.append(f"  Exclude newer: {env['exclude_newer']} (ms)")
        for d in env["platform_details"]:
            subdir = f" (subdir {d['subdir']})" if d.get("subdir", d["platform"]) != d["platform"] else ""
            lines.append(f"  Platform {d['platform']}{subdir}:")
            sr = ", ".join(f"{k}={v}" for k, v in d["system_requirements"].items())
            lines.append(f"    System requirements: {sr or '(none)'}")
            vps = ", ".join(
                v["name"] + (f"={v['version']}" if v["version"] != "0" else "") + (f"={v['build']}" if v["build"] != "0" else "")
                for v in d["virtual_packages"]
            )
            lines.append(f"    Virtual packages: {vps or '(none)'}")
            lines.append("    Conda specs:" + ("" if d["conda_specs"] else " (none)"))
            lines.extend(f"      {s}" for s in d["conda_specs"])
            if d["conda_constraints"]:
                lines.append("    Conda constraints:")
                lines.extend(f"      {s}" for s in d["conda_constraints"])
            if d["conda_sources"]:
                lines.append("    Conda source dependencies (not solved from channels):")
                lines.extend(f"      {s['name']} {s['source']}" for s in d["conda_sources"])
            if d["pypi_requirements"]:
                lines.append("    PyPI requirements:")
                lines.extend(f"      {r['requirement']}" for r in d["pypi_requirements"])
                lines.append(f"    PyPI indexes (index-strategy {env['pypi_options']['index_strategy']}):")
                if not d["pypi_indexes"]:
                    lines.append("      (none in the manifest: the default index comes from the environment / pip.conf)")
                for i in d["pypi_indexes"]:
                    cut = ""
                    if "exclude_newer" in i:
                        cut = "  exclude-newer: " + (_iso(i["exclude_newer"]) if i["exclude_newer"] is not None else "none")
                    lines.append(f"      {i['priority']:<12} {i['url']}" + (f"  ({i['name']})" if i.get("name") else "") + cut)
                if env["pypi_options"]["find_links"]:
                    lines.append("    Find links: " + ", ".join(env["pypi_options"]["find_links"]))
            visible = [t for t in d["tasks"] if not t["hidden"]]
            if visible:
                lines.append("    Tasks: " + ", ".join(t["name"] for t in visible))
            act = d["activation"]
            if act["scripts"] or act["env"]:
                lines.append("    Activation: " + ", ".join(act["scripts"] + [f"{k}={v}" for k, v in act["env"].items()]))
    return "\n".join(lines) + "\n"


def render_configuration(conf: dict) -> list[str]:
    """The configuration block of the text form: every setting, its value and where it came from."""
    import json

    lines = ["", "Configuration (" + (", ".join(conf["files"]) if conf["files"] else "no config.toml found") + "):"]
    width = max(len(k) for k in conf["settings"])
    for key, entry in conf["settings"].items():
        value = entry["value"]
        text = "-" if value is None or value == {} or value == [] else value if isinstance(value, str) else json.dumps(value)
        lines.append(f"  {key:<{width}}  {text}  ({entry['source']})")
    lines.extend(f"warning: {w}" for w in conf["warnings"])
    return lines


def inspect_command(args) -> int:
    from ..config import describe, load_config
    from . import load_manifest

    manifest = load_manifest(args.manifest)
    doc = collect(manifest, args.environment or None, args.platform or None)
    doc["configuration"] = describe(load_config(manifest.root))
    if args.json:
        import json

        sys.stdout.write(json.dumps(doc, indent=2) + "\n")
    else:
        sys.stdout.write(render_text(doc) + "\n".join(render_configuration(doc["configuration"])) + "\n")
    return 0
