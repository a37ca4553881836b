"""Which sources (indexes and find-links) a resolution reads. No index host is built in: with
nothing configured the user gets an error that says how to configure one.

The rule follows pixi, for which the manifest is the complete, reproducible description of a
project and which reads neither pip.conf nor ``PIP_*`` variables. Where pixi falls back to its
built-in default index, we take the user's configured default instead:

* The main index is the manifest's (``index-url`` or a primary ``pypi-indices`` entry). Only
  when it declares none (pixi would then use its default; ``extra-index-urls`` *add* to it) does
  the environment give it: ``UV_DEFAULT_INDEX`` / ``UV_INDEX_URL`` / ``PIP_INDEX_URL``, else
  pip.conf's ``index-url``.
* Extra indexes and find-links from the environment (``UV_EXTRA_INDEX_URL`` /
  ``PIP_EXTRA_INDEX_URL``, ``UV_FIND_LINKS`` / ``PIP_FIND_LINKS``, else pip.conf's
  ``extra-index-url`` / ``find-links``) are used only when the manifest declares no index at
  all (no ``index-url``, ``extra-index-urls`` or ``pypi-indices``); find-links only when it has
  none of its own either. So a machine's ``PIP_FIND_LINKS`` or a pip.conf ``extra-index-url``
  never changes what a project with its own indexes resolves to.

pip run to install build requirements (build isolation) gets the same sources on its command
line and an environment in which no other index or find-links can reach it
(:func:`pip_subprocess_env`)."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Mapping

import msgspec

from ..errors import InputError
from ..options import IndexStrategy, check_choice
from ..redact import strip_credentials
from .model import PyPIIndex, PyPIRequest

PRIORITIES = ("primary", "extra", "supplemental", "explicit")


class IndexSource(msgspec.Struct, frozen=True, kw_only=True):
    """A place distributions come from. ``kind``: ``simple`` (PEP 503/691) or ``flat``
    (find-links: a directory or an HTML page of links). ``url`` may carry credentials; ``display``
    never does."""

    url: str
    kind: str = "simple"
    name: str | None = None
    priority: str = "primary"  # primary | supplemental | explicit (extra indexes count as primary)

    @property
    def display(self) -> str:
        return strip_credentials(self.url)


def pip_config_files(env: Mapping[str, str]) -> list[Path]:
    """pip's configuration files in the order pip reads them (later ones override earlier)."""
    if "PIP_CONFIG_FILE" in env:
        value = env["PIP_CONFIG_FILE"]
        return [] if value == os.devnull else [Path(value)]
    files: list[Path] = []
    xdg_dirs = env.get("XDG_CONFIG_DIRS", "/etc/xdg").split(os.pathsep)
    files += [Path(d) / "pip" / "pip.conf" for d in xdg_dirs if d]
    files.append(Path("/etc/pip.conf"))
    home = Path(env.get("HOME", str(Path.home())))
    files.append(home / ".pip" / "pip.conf")
    files.append(Path(env.get("XDG_CONFIG_HOME", str(home / ".config"))) / "pip" / "pip.conf")
    files.append(Path(sys.prefix) / "pip.conf")
    return files


def _read_pip_sections(env: Mapping[str, str]) -> dict[str, str]:
    """Every key of the [global] then [install] sections of pip's configuration files (later
    files and [install] override)."""
    values: dict[str, str] = {}
    for path in pip_config_files(env):
        if not path.is_file():
            continue
        import configparser  # only when there is a pip configuration file to read

        parser = configparser.RawConfigParser()
        try:
            parser.read(path, encoding="utf-8")
        except (configparser.Error, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read pip configuration {path}: {exc}") from None
        for section in ("global", "install"):
            if parser.has_section(section):
                values.update(parser.items(section))
    return values


_PIP_SOURCE_KEYS = ("index-url", "extra-index-url", "find-links", "no-index")


def read_pip_config(env: Mapping[str, str]) -> dict[str, str]:
    """index-url / extra-index-url / find-links from pip.conf files ([global] then [install])."""
    return {k: v for k, v in _read_pip_sections(env).items() if k in _PIP_SOURCE_KEYS[:3]}


def pip_subprocess_env(env: Mapping[str, str]) -> dict[str, str]:
    """The whole environment of a pip that installs build requirements from sources given on its
    command line: no index, extra index or find-links of the environment or of pip's
    configuration files can add to them; pip's other settings (cert, trusted-host, timeout, proxy,
    ...) from its configuration files are carried over as ``PIP_*`` variables."""
    out = {k: v for k, v in env.items()
           if k not in {"PIP_" + key.upper().replace("-", "_") for key in _PIP_SOURCE_KEYS}}
    for key, value in _read_pip_sections(env).items():
        if key not in _PIP_SOURCE_KEYS:
            out.setdefault("PIP_" + key.upper().replace("-", "_"), value)
    out["PIP_CONFIG_FILE"] = os.devnull
    return out


def configured_default_index(env: Mapping[str, str] | None = None, conf: dict[str, str] | None = None) -> str | None:
    """The index the machine's configuration names as the default (``UV_DEFAULT_INDEX`` /
    ``UV_INDEX_URL`` / ``PIP_INDEX_URL``, else pip.conf's ``index-url``): what stands in for
    pixi's built-in default index. None when nothing is configured."""
    env = os.environ if env is None else env
    default = env.get("UV_DEFAULT_INDEX") or env.get("UV_INDEX_URL") or env.get("PIP_INDEX_URL")
    if not default:
        default = (read_pip_config(env) if conf is None else conf).get("index-url")
    return default.strip() if default and default.strip() else None


def _split(value: str) -> list[str]:
    return [v for v in value.split() if v]


def effective_sources(request: PyPIRequest, env: Mapping[str, str] | None = None) -> list[IndexSource]:
    """Every source in the order of consultation: extra indexes (in order), then the primary
    index, then supplemental ones; then find-links; explicit indexes last (used only by name).
    Where they come from: see the module docstring (the environment gives the main index when
    the manifest has none, and extra indexes and find-links only when it declares no index)."""
    env = os.environ if env is None else env
    check_choice(request.index_strategy, IndexStrategy, "index-strategy")
    for idx in request.indexes:
        if idx.priority not in PRIORITIES:
            raise InputError(
                f"index {idx.name or strip_credentials(idx.url)!r}: unknown priority {idx.priority!r} "
                f"(expected one of {', '.join(PRIORITIES)})"
            )
    primary = [i for i in request.indexes if i.priority == "primary"]
    extra = [i for i in request.indexes if i.priority == "extra"]
    supplemental = [i for i in request.indexes if i.priority == "supplemental"]
    explicit = [i for i in request.indexes if i.priority == "explicit"]
    find_links = list(request.find_links)

    conf: dict[str, str] = {}
    if not primary or not request.indexes:
        conf = read_pip_config(env)
    if not primary:
        default = configured_default_index(env, conf)
        if default:
            primary = [PyPIIndex(url=default, priority="primary")]
    if not request.indexes:
        env_extra = env.get("UV_EXTRA_INDEX_URL") or env.get("PIP_EXTRA_INDEX_URL") or conf.get("extra-index-url")
        if env_extra:
            known = {i.url for i in primary}
            extra = [PyPIIndex(url=u, priority="extra") for u in dict.fromkeys(_split(env_extra)) if u not in known]
        if not find_links:
            env_links = env.get("UV_FIND_LINKS") or env.get("PIP_FIND_LINKS") or conf.get("find-links")
            if env_links:
                find_links = _split(env_links.replace(",", " "))

    sources = [IndexSource(url=i.url, name=i.name, priority="primary") for i in extra + primary]
    sources += [IndexSource(url=i.url, name=i.name, priority="supplemental") for i in supplemental]
    sources += [
        IndexSource(url=_link_url(u, request.project_root), kind="flat", priority="primary")
        for u in find_links
    ]
    sources += [IndexSource(url=i.url, name=i.name, priority="explicit") for i in explicit]
    for source in sources:
        _check_source_url(source.url, env, conf)
    if not any(s.priority != "explicit" for s in sources) and not explicit:
        raise InputError(
            "no PyPI index configured: set `index-url` (or `extra-index-urls` / `find-links`) in "
            "[pypi-options], or the environment variable PIP_INDEX_URL / UV_DEFAULT_INDEX, or "
            "`index-url` in pip.conf"
        )
    return sources


_SOURCE_ENV = ("UV_DEFAULT_INDEX", "UV_INDEX_URL", "PIP_INDEX_URL", "UV_EXTRA_INDEX_URL", "PIP_EXTRA_INDEX_URL",
               "UV_FIND_LINKS", "PIP_FIND_LINKS")


def _check_source_url(url: str, env: Mapping[str, str], conf: dict[str, str]) -> None:
    """A source URL that cannot be fetched from (``not a url``, ``http://h:99999``) is named with
    where it came from, here, rather than failing inside the HTTP client."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        parts.port
    except ValueError as exc:
        reason = str(exc)
    else:
        if parts.scheme == "file" or (parts.scheme in ("http", "https") and parts.hostname):
            return
        reason = "expected an http://, https:// or file:// URL"
    origin = next((f"${name}" for name in _SOURCE_ENV if url in env.get(name, "")), None)
    if origin is None:
        origin = "pip configuration" if any(url in v for v in conf.values()) else "the manifest"
    from ..redact import mask_credentials

    raise InputError(f"PyPI index {mask_credentials(url)!r} (from {origin}) is not a valid URL: {reason}")


def _link_url(value: str, project_root: str | None) -> str:
    if "://" in value or re.match(r"^[A-Za-z][A-Za-z0-9+.-]+:(?!//)", value):
        return value  # a URL, or one missing its // (checked, and reported masked, as a URL)
    path = Path(value).expanduser()
    if not path.is_absolute() and project_root:
        path = Path(project_root) / path
    return path.resolve().as_uri()
