"""pixi's configuration: its ``config.toml`` files, environment variables and command-line flags,
merged in pixi's order, each effective value recorded with where it came from.

Files, lowest precedence first (pixi's documented order; on Linux):

1. ``/etc/rattler/config.toml``, ``/etc/pixi/config.toml`` (system-wide)
2. ``$HOME/.config/rattler/config.toml``, ``$XDG_CONFIG_HOME/rattler/config.toml``,
   ``$RATTLER_HOME/config.toml`` (shared with other rattler-based tools)
3. ``$HOME/.config/pixi/config.toml``, ``$XDG_CONFIG_HOME/pixi/config.toml`` (user)
4. ``$HOME/.pixi/config.toml``, ``$PIXI_HOME/config.toml`` (global)
5. ``<project>/.pixi/config.toml`` (the workspace's own)

``PIXI_NO_CONFIG`` skips 1-4; ``PIXI_CONFIG_FILE`` replaces them with one file. The workspace file
is always read. A later file overrides the scalars and lists of an earlier one; tables of URLs
(``mirrors``, per-channel ``repodata-config``) merge entry by entry.

Then the environment (``PIXI_SSL_NO_VERIFY``, ``PIXI_REQUEST_TIMEOUT``, ``PIXI_MAX_WORKERS``,
``SSL_CERT_FILE``, ``REQUESTS_CA_BUNDLE``, ``PIP_TRUSTED_HOST``, the proxy variables, and this
tool's ``SOLVER_*``), then the command line. Network settings end up in
:class:`solver.api.HttpSettings` (:func:`http_settings`); the HTTP client honours them.

Keys pixi knows that do not change a solve (``shell``, ``detached-environments``, ``cache``, ...)
are accepted and ignored; unknown keys are warnings (as in pixi); a known key with a wrong type is
an error at its file:line:column.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Literal, Mapping

import msgspec

from .conda.channel import CHANNEL_ALIAS_ENV, DEFAULT_CHANNEL_ALIAS
from .manifest.errors import ManifestError, did_you_mean, format_key

DEFAULT = "default"

KeyringProvider = Literal["disabled", "subprocess"]
TlsRootCerts = Literal["webpki", "system", "native", "all"]


class ConfigError(ManifestError):
    """A configuration file or variable holds a value of the wrong kind."""

    def _render(self) -> str:
        if self.file:
            return super()._render()
        text = f"{self.key}: {self.message}" if self.key else self.message
        return text + (f"\n  help: {self.suggestion}" if self.suggestion else "")


class RepodataOptions(msgspec.Struct, kw_only=True, omit_defaults=True, frozen=True):
    """``repodata-config`` (globally or for channels under a URL prefix)."""

    disable_bzip2: bool | None = None
    disable_jlap: bool | None = None
    disable_sharded: bool | None = None
    disable_zstd: bool | None = None


class Config(msgspec.Struct, kw_only=True):
    """The effective configuration. ``sources`` maps a field name to where its value came from: a
    file path, ``$VARIABLE``, ``--flag`` (fields absent from it have their default)."""

    default_channels: list[str] = msgspec.field(default_factory=lambda: ["conda-forge"])
    channel_alias: str = DEFAULT_CHANNEL_ALIAS
    mirrors: dict[str, list[str]] = {}
    pypi_index_url: str | None = None
    pypi_extra_index_urls: list[str] = []
    keyring_provider: KeyringProvider | None = None
    allow_insecure_host: list[str] = []
    concurrency_downloads: int | None = None
    concurrency_solves: int | None = None
    tls_no_verify: bool = False
    tls_root_certs: TlsRootCerts | None = None
    ca_bundle: str | None = None
    proxy_https: str | None = None
    proxy_http: str | None = None
    non_proxy_hosts: list[str] = []
    authentication_override_file: str | None = None
    repodata_config: RepodataOptions = RepodataOptions()
    repodata_config_channels: dict[str, RepodataOptions] = {}
    request_timeout: float | None = None
    sources: dict[str, str] = {}
    files: list[str] = []  # the files read, lowest precedence first
    warnings: list[str] = []

    def source(self, field: str) -> str:
        return self.sources.get(field, DEFAULT)


# -- what each key of a config.toml sets ---------------------------------------------------------

# (key path in config.toml, field, kind). ``kind``: "str", "bool", "int", "strs" (array of
# strings), "url-map" (table of URL -> array of URLs), a tuple of allowed strings.
_KEYS: tuple[tuple[tuple[str, ...], str, Any], ...] = (
    (("default-channels",), "default_channels", "strs"),
    (("channel-config", "default-channel-alias"), "channel_alias", "str"),
    (("mirrors",), "mirrors", "url-map"),
    (("pypi-config", "index-url"), "pypi_index_url", "str"),
    (("pypi-config", "extra-index-urls"), "pypi_extra_index_urls", "strs"),
    (("pypi-config", "keyring-provider"), "keyring_provider", ("disabled", "subprocess")),
    (("pypi-config", "allow-insecure-host"), "allow_insecure_host", "strs"),
    (("concurrency", "downloads"), "concurrency_downloads", "int"),
    (("concurrency", "solves"), "concurrency_solves", "int"),
    (("tls-no-verify",), "tls_no_verify", "bool"),
    (("tls-root-certs",), "tls_root_certs", ("webpki", "system", "native", "all")),
    (("proxy-config", "https"), "proxy_https", "str"),
    (("proxy-config", "http"), "proxy_http", "str"),
    (("proxy-config", "non-proxy-hosts"), "non_proxy_hosts", "strs"),
    (("authentication-override-file",), "authentication_override_file", "path"),
)
_REPODATA_KEYS = ("disable-bzip2", "disable-jlap", "disable-sharded", "disable-zstd")

# Keys pixi accepts that change nothing here (how environments are installed, shells, caches...).
_IGNORED_TOP = (
    "change-ps1", "shell", "detached-environments", "pinning-strategy", "s3-options", "experimental",
    "cache", "build", "index-config", "offline", "run-post-link-scripts", "tool-platform",
    "allow-symbolic-links", "allow-hard-links", "allow-ref-links", "virtual-package-detectors",
    "repodata-config",  # read by _read_repodata
)
_TABLES = {path[0] for path, _, _ in _KEYS if len(path) > 1}
_KNOWN_TOP = tuple(sorted({path[0] for path, _, _ in _KEYS} | set(_IGNORED_TOP)))
_SUB_KEYS = {table: tuple(p[1] for p, _, _ in _KEYS if p[0] == table and len(p) > 1) for table in _TABLES}
_SUB_KEYS["channel-config"] = ("default-channel-alias", "channel-alias")


def _norm(key: str) -> str:
    """pixi still accepts the snake_case spellings of its older releases."""
    return key.replace("_", "-")


# -- where the files are ---------------------------------------------------------------------------


def config_files(project_root: str | os.PathLike | None, env: Mapping[str, str] | None = None) -> list[Path]:
    """Every configuration file pixi would read, lowest precedence first (existing or not)."""
    env = os.environ if env is None else env
    home = Path(env.get("HOME") or env.get("USERPROFILE") or str(Path.home()))
    files: list[Path] = []
    if env.get("PIXI_CONFIG_FILE"):
        files.append(Path(env["PIXI_CONFIG_FILE"]).expanduser())
    elif not _truthy(env.get("PIXI_NO_CONFIG")):
        if sys.platform == "win32":
            program_data = Path(env.get("PROGRAMDATA", r"C:\ProgramData"))
            appdata = Path(env.get("APPDATA", str(home / "AppData" / "Roaming")))
            files += [program_data / "rattler" / "config.toml", program_data / "pixi" / "config.toml",
                      appdata / "rattler" / "config.toml"]
            if env.get("RATTLER_HOME"):
                files.append(Path(env["RATTLER_HOME"]) / "config.toml")
            files.append(appdata / "pixi" / "config.toml")
        else:
            xdg = Path(env["XDG_CONFIG_HOME"]) if env.get("XDG_CONFIG_HOME") else home / ".config"
            files += [Path("/etc/rattler/config.toml"), Path("/etc/pixi/config.toml")]
            if sys.platform == "darwin":
                support = home / "Library" / "Application Support"
                files += [xdg / "rattler" / "config.toml", support / "rattler" / "config.toml"]
                if env.get("RATTLER_HOME"):
                    files.append(Path(env["RATTLER_HOME"]) / "config.toml")
                files += [xdg / "pixi" / "config.toml", support / "pixi" / "config.toml"]
            else:
                files += [home / ".config" / "rattler" / "config.toml", xdg / "rattler" / "config.toml"]
                if env.get("RATTLER_HOME"):
                    files.append(Path(env["RATTLER_HOME"]) / "config.toml")
                files += [home / ".config" / "pixi" / "config.toml", xdg / "pixi" / "config.toml"]
        files.append(home / ".pixi" / "config.toml")
        if env.get("PIXI_HOME"):
            files.append(Path(env["PIXI_HOME"]).expanduser() / "config.toml")
    if project_root is not None:
        files.append(Path(project_root) / ".pixi" / "config.toml")
    out: list[Path] = []
    for f in files:  # one file twice (XDG_CONFIG_HOME unset) counts once, at its later place
        if f in out:
            out.remove(f)
        out.append(f)
    return out


# -- reading ------------------------------------------------------------------------------------


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


class _File:
    def __init__(self, path: Path, text: str):
        from .manifest.locate import Locator

        self.path = path
        self.locator = Locator(text)

    def error(self, key_path, message: str, suggestion: str | None = None) -> ConfigError:
        pos = self.locator.find(tuple(key_path), value=True)
        return ConfigError(message, file=str(self.path), line=pos[0] if pos else None,
                           column=pos[1] if pos else None, key=format_key(key_path) or None, suggestion=suggestion)


def _kind_name(kind) -> str:
    if isinstance(kind, tuple):
        return "one of " + ", ".join(f'"{k}"' for k in kind)
    return {"str": "a string", "path": "a path", "bool": "true or false", "int": "a positive whole number",
            "strs": "an array of strings", "url-map": "a table of URL = [mirror URLs]"}[kind]


def _check(f: _File, key_path, value, kind):
    bad = False
    if kind in ("str", "path"):
        bad = not isinstance(value, str)
    elif kind == "bool":
        bad = not isinstance(value, bool)
    elif kind == "int":
        bad = isinstance(value, bool) or not isinstance(value, int) or value < 1
    elif kind == "strs":
        bad = not isinstance(value, list) or not all(isinstance(v, str) for v in value)
    elif kind == "url-map":
        bad = not isinstance(value, dict) or not all(
            isinstance(v, list) and all(isinstance(u, str) for u in v) for v in value.values())
    elif isinstance(kind, tuple):
        if not isinstance(value, str) or value not in kind:
            guess = did_you_mean(str(value), kind)
            raise f.error(key_path, f"unknown value `{value}`", f"did you mean `{guess}`?" if guess else f"use {_kind_name(kind)}")
    if bad:
        raise f.error(key_path, f"expected {_kind_name(kind)}", f"write {format_key(key_path[-1:])} as {_kind_name(kind)}")
    if kind == "path":
        return str(Path(value).expanduser())
    if kind == "url-map":
        return {k.rstrip("/"): [u.rstrip("/") for u in v] for k, v in value.items()}
    return list(value) if kind == "strs" else value


def _read_repodata(f: _File, table) -> tuple[RepodataOptions | None, dict[str, RepodataOptions]]:
    if not isinstance(table, dict):
        raise f.error(("repodata-config",), "expected a table", "write [repodata-config] with disable-zstd = true, ...")
    flags: dict[str, bool] = {}
    per_channel: dict[str, RepodataOptions] = {}
    for key, value in table.items():
        norm = _norm(key)
        if norm in _REPODATA_KEYS:
            flags[norm.replace("-", "_")] = _check(f, ("repodata-config", key), value, "bool")
        elif "://" in key or key.startswith("/"):
            if not isinstance(value, dict):
                raise f.error(("repodata-config", key), "expected a table of disable-* = true/false")
            sub = {}
            for k, v in value.items():
                if _norm(k) not in _REPODATA_KEYS:
                    raise f.error(("repodata-config", key, k), f"unknown key `{k}`", f"use one of {', '.join(_REPODATA_KEYS)}")
                sub[_norm(k).replace("-", "_")] = _check(f, ("repodata-config", key, k), v, "bool")
            per_channel[key.rstrip("/")] = RepodataOptions(**sub)
        else:
            guess = did_you_mean(norm, _REPODATA_KEYS)
            raise f.error(("repodata-config", key), f"unknown key `{key}`",
                          f"did you mean `{guess}`?" if guess else "a channel URL prefix or one of " + ", ".join(_REPODATA_KEYS))
    return (RepodataOptions(**flags) if flags else None), per_channel


def _read_file(path: Path, values: dict, sources: dict, warnings: list[str]) -> None:
    import tomli

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the configuration file: {exc}", file=str(path)) from None
    try:
        data = tomli.loads(text)
    except tomli.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML: {getattr(exc, 'msg', exc)}", file=str(path), line=getattr(exc, "lineno", None),
                          column=getattr(exc, "colno", None), suggestion="fix the TOML syntax at this position") from None
    f = _File(path, text)
    where = str(path)
    for key, value in data.items():
        norm = _norm(key)
        if norm not in _KNOWN_TOP:
            guess = did_you_mean(norm, _KNOWN_TOP)
            warnings.append(f"{where}: unknown configuration key `{key}`" + (f" (did you mean `{guess}`?)" if guess else ""))
            continue
        if norm == "repodata-config":
            flags, per_channel = _read_repodata(f, value)
            if flags is not None:
                merged = msgspec.structs.replace(values.get("repodata_config", RepodataOptions()),
                                                 **{k: v for k, v in msgspec.structs.asdict(flags).items() if v is not None})
                values["repodata_config"], sources["repodata_config"] = merged, where
            if per_channel:
                values["repodata_config_channels"] = {**values.get("repodata_config_channels", {}), **per_channel}
                sources["repodata_config_channels"] = where
            continue
        if norm in _SUB_KEYS:
            if not isinstance(value, dict):
                raise f.error((key,), "expected a table", f"write [{norm}] with its keys")
            for sub, subvalue in value.items():
                subnorm = _norm(sub)
                if subnorm not in _SUB_KEYS[norm]:
                    guess = did_you_mean(subnorm, _SUB_KEYS[norm])
                    warnings.append(f"{where}: unknown configuration key `{key}.{sub}`" + (f" (did you mean `{guess}`?)" if guess else ""))
                    continue
                if norm == "channel-config":
                    subnorm = "default-channel-alias"
                _set(f, (key, sub), (norm, subnorm), subvalue, values, sources, where)
            continue
        if norm in _IGNORED_TOP:
            continue
        _set(f, (key,), (norm,), value, values, sources, where)


def _set(f: _File, written, path, value, values: dict, sources: dict, where: str) -> None:
    for key_path, field, kind in _KEYS:
        if key_path == tuple(path):
            checked = _check(f, written, value, kind)
            if kind == "url-map":  # merged entry by entry across files
                checked = {**values.get(field, {}), **checked}
            if field == "channel_alias":
                checked = _check_alias(f, written, checked)
            values[field] = checked
            sources[field] = where
            return


def _check_alias(f: _File, key_path, alias: str) -> str:
    if not alias.lower().startswith(("http://", "https://", "file://")):
        raise f.error(key_path, f"channel alias `{alias}` is not a URL", 'write e.g. "https://conda.anaconda.org"')
    return alias.rstrip("/")


# -- the environment and the command line --------------------------------------------------------


def _env_number(env: Mapping[str, str], name: str, kind):
    text = env.get(name, "").strip()
    if not text:
        return None
    try:
        value = kind(text)
    except ValueError:
        value = None
    if value is None or not 0 < value < float("inf"):
        what = "a positive whole number" if kind is int else "a positive number of seconds"
        raise ConfigError(f"{name}={text!r} is not {what}", key=f"${name}")
    return value


def _apply_env(values: dict, sources: dict, env: Mapping[str, str]) -> None:
    """The environment over the files. Among variables for the same setting, the later in each
    list wins: this tool's own ``SOLVER_*`` over pixi's ``PIXI_*``."""
    for name in ("PIXI_TLS_NO_VERIFY", "PIXI_SSL_NO_VERIFY"):
        if env.get(name, "").strip():
            values["tls_no_verify"], sources["tls_no_verify"] = _truthy(env[name]), f"${name}"
    for name, kind, field in (("PIXI_REQUEST_TIMEOUT", float, "request_timeout"), ("SOLVER_TIMEOUT", float, "request_timeout"),
                              ("PIXI_MAX_WORKERS", int, "concurrency_downloads"), ("SOLVER_CONCURRENCY", int, "concurrency_downloads")):
        value = _env_number(env, name, kind)
        if value is not None:
            values[field], sources[field] = value, f"${name}"
    # SSL_CERT_FILE is what OpenSSL (and pixi, over tls-root-certs) reads; REQUESTS_CA_BUNDLE is
    # what the private-indexes guide sets next to it: SSL_CERT_FILE wins when both are set.
    for name in ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"):
        if env.get(name, "").strip():
            values["ca_bundle"], sources["ca_bundle"] = env[name].strip(), f"${name}"
    if env.get("PIP_TRUSTED_HOST", "").strip():
        hosts = list(values.get("allow_insecure_host", []))
        hosts += [h for h in env["PIP_TRUSTED_HOST"].split() if h not in hosts]
        values["allow_insecure_host"] = hosts
        previous = sources.get("allow_insecure_host")
        sources["allow_insecure_host"] = f"{previous} + $PIP_TRUSTED_HOST" if previous else "$PIP_TRUSTED_HOST"
    # pixi: the proxy variables take precedence over proxy-config
    for scheme in ("http", "https"):
        for name in (f"{scheme.upper()}_PROXY", f"{scheme}_proxy"):
            if env.get(name, "").strip():
                values[f"proxy_{scheme}"], sources[f"proxy_{scheme}"] = env[name].strip(), f"${name}"
                break
    for name in ("NO_PROXY", "no_proxy"):
        if env.get(name, "").strip():
            values["non_proxy_hosts"] = [h.strip() for h in env[name].split(",") if h.strip()]
            sources["non_proxy_hosts"] = f"${name}"
            break
    if env.get(CHANNEL_ALIAS_ENV, "").strip():
        values["channel_alias"], sources["channel_alias"] = env[CHANNEL_ALIAS_ENV].strip().rstrip("/"), f"${CHANNEL_ALIAS_ENV}"
    if env.get("RATTLER_AUTH_FILE", "").strip() and "authentication_override_file" not in sources:
        values["authentication_override_file"] = env["RATTLER_AUTH_FILE"].strip()
        sources["authentication_override_file"] = "$RATTLER_AUTH_FILE"


def load_config(
    project_root: str | os.PathLike | None = None,
    env: Mapping[str, str] | None = None,
    *,
    tls_no_verify: bool | None = None,
    timeout: float | None = None,
    concurrency: int | None = None,
) -> Config:
    """The effective configuration for a project (``project_root``: the manifest's folder, or
    None outside a project): files, then environment, then the command-line values given."""
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    warnings: list[str] = []
    read: list[str] = []
    for path in config_files(project_root, env):
        if path.is_file():
            _read_file(path, values, sources, warnings)
            read.append(str(path))
        elif env.get("PIXI_CONFIG_FILE") and path == Path(env["PIXI_CONFIG_FILE"]).expanduser():
            raise ConfigError(f"PIXI_CONFIG_FILE names {path}, which is not a file", key="$PIXI_CONFIG_FILE")
    _apply_env(values, sources, env)
    for field, value, flag in (("tls_no_verify", tls_no_verify, "--tls-no-verify"), ("request_timeout", timeout, "--timeout"),
                               ("concurrency_downloads", concurrency, "--concurrency")):
        if value is not None and value is not False:
            values[field], sources[field] = value, flag
    for prefix, mirrors in values.get("mirrors", {}).items():
        for m in mirrors:
            if not _fetchable_mirror(m):
                from .redact import mask_credentials  # an s3:// mirror may hold its access key

                kind = f"{m.split('://')[0]}:// mirrors are" if "://" in m else "a mirror without http(s):// or file:// is"
                warnings.append(f"{sources.get('mirrors', 'mirrors')}: mirror {mask_credentials(m)} of "
                                f"{mask_credentials(prefix)} is skipped: {kind} not supported by this solver")
    return Config(**values, sources=sources, files=read, warnings=warnings)


def _fetchable_mirror(url: str) -> bool:
    """pixi also mirrors to OCI registries (``oci://``) and S3 buckets (``s3://``); the HTTP
    client reads http(s) and file URLs only."""
    return url.split("://", 1)[0].lower() in ("http", "https", "file")


# -- what the configuration means for a solve -----------------------------------------------------

DEFAULT_TIMEOUT = 30.0
DEFAULT_CONCURRENCY = 8


def http_settings(config: Config):
    """The :class:`solver.api.HttpSettings` the configuration asks for."""
    from .api import HttpSettings

    timeout = config.request_timeout if config.request_timeout is not None else DEFAULT_TIMEOUT
    if not 0 < timeout < float("inf"):
        raise ConfigError("--timeout must be a positive number of seconds")
    concurrency = config.concurrency_downloads if config.concurrency_downloads is not None else DEFAULT_CONCURRENCY
    if concurrency < 1:
        raise ConfigError("--concurrency must be at least 1")
    proxies = {scheme: url for scheme, url in (("http", config.proxy_http), ("https", config.proxy_https)) if url}
    return HttpSettings(
        timeout=timeout,
        concurrency=concurrency,
        verify=not config.tls_no_verify,
        proxies=proxies,
        no_proxy=tuple(config.non_proxy_hosts),
        ca_bundle=config.ca_bundle,
        auth_file=config.authentication_override_file,
        # a prefix whose every mirror is unsupported is read from its own URL
        mirrors={k: tuple(m for m in v if _fetchable_mirror(m)) for k, v in config.mirrors.items()
                 if any(_fetchable_mirror(m) for m in v)},
        insecure_hosts=tuple(config.allow_insecure_host),
        use_keyring=config.keyring_provider != "disabled",
        repodata_disabled=repodata_disabled(config),
    )


def repodata_disabled(config: Config) -> dict[str, dict[str, bool]]:
    """``repodata-config`` as the conda gateway reads it: "" (every channel) or a channel URL
    prefix -> {variant: disabled?}, only the variants a table sets."""
    out = {}
    for prefix, opts in [("", config.repodata_config), *config.repodata_config_channels.items()]:
        flags = {f.removeprefix("disable_"): v for f, v in msgspec.structs.asdict(opts).items() if v is not None}
        if flags:
            out[prefix] = flags
    return out


# The settings ``solver inspect`` lists, in this order, with the config.toml key that sets them.
SHOWN = (
    ("default_channels", "default-channels"),
    ("channel_alias", "channel-config.default-channel-alias"),
    ("mirrors", "mirrors"),
    ("pypi_index_url", "pypi-config.index-url"),
    ("pypi_extra_index_urls", "pypi-config.extra-index-urls"),
    ("keyring_provider", "pypi-config.keyring-provider"),
    ("allow_insecure_host", "pypi-config.allow-insecure-host"),
    ("concurrency_downloads", "concurrency.downloads"),
    ("concurrency_solves", "concurrency.solves"),
    ("request_timeout", "request timeout (seconds)"),
    ("tls_no_verify", "tls-no-verify"),
    ("tls_root_certs", "tls-root-certs"),
    ("ca_bundle", "CA bundle"),
    ("proxy_https", "proxy-config.https"),
    ("proxy_http", "proxy-config.http"),
    ("non_proxy_hosts", "proxy-config.non-proxy-hosts"),
    ("authentication_override_file", "authentication-override-file"),
    ("repodata_config", "repodata-config"),
    ("repodata_config_channels", "repodata-config.<channel prefix>"),
)


def describe(config: Config) -> dict:
    """``{"files": [...], "settings": {key: {"value": ..., "source": ...}}, "warnings": [...]}``:
    every setting ``solver inspect`` shows, its effective value and where it came from."""
    from .redact import mask_credentials

    def show(value):
        value = msgspec.to_builtins(value)
        if isinstance(value, str):
            return mask_credentials(value)
        if isinstance(value, list):
            return [show(v) for v in value]
        if isinstance(value, dict):
            return {mask_credentials(k): show(v) for k, v in value.items()}
        return value

    settings = {}
    for field, key in SHOWN:
        value = getattr(config, field)
        if field == "request_timeout" and value is None:
            value = DEFAULT_TIMEOUT
        if field == "concurrency_downloads" and value is None:
            value = DEFAULT_CONCURRENCY
        settings[key] = {"value": show(value), "source": config.source(field)}
    return {"files": list(config.files), "settings": settings, "warnings": list(config.warnings)}
