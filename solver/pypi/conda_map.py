"""Which PyPI distributions a conda solution already installs: conda records mapped to PyPI names.

One mapping for the whole engine: the PyPI stage resolves on top of it and the lock check
(``solver.lock.satisfy``) judges a lock with it, so both agree on what conda provides.
Order of evidence per record: its ``pkg:pypi/`` purls, else the manifest's ``conda-pypi-map`` for
its channel, else (a record depending on python, without purls) its own normalised name.
"""

from __future__ import annotations

from pathlib import Path

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from ..errors import InputError

# ``.index`` (HTML/JSON page parsing) and ``.auth`` are imported where a mapping file is read:
# the lock check (``solver.lock.satisfy``) uses this module and should not pay for them.


def is_remote_mapping(source: str) -> bool:
    return "://" in source and not source.startswith("file:")


def load_mapping(source: str, http) -> dict[str, str | None]:
    """A conda-pypi-map JSON object (conda name -> PyPI name or null) from a path, file: or http URL.
    A remote one that does not read is not kept in the cache: a later run asks the server again
    (and one the cache gave is asked for at once)."""
    from .index import file_url_path

    if not is_remote_mapping(source):
        try:
            data = (file_url_path(source) if source.startswith("file:") else Path(source)).read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read conda-pypi-map {_shown(source)}: {exc.strerror or exc}") from None
        return _parse_mapping(data, source)
    resp = http.get(source)
    try:
        return _parse_mapping(resp.body, source)
    except InputError:
        http.invalidate(source)
        if not resp.from_cache:
            raise
    try:
        return _parse_mapping(http.get(source).body, source)
    except InputError:
        http.invalidate(source)
        raise


def _parse_mapping(data: bytes, source: str) -> dict[str, str | None]:
    import orjson

    try:
        mapping = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise InputError(f"cannot read conda-pypi-map {_shown(source)}: {exc}") from None
    if not isinstance(mapping, dict):
        raise InputError(f"conda-pypi-map {_shown(source)}: expected a JSON object of conda name -> PyPI name")
    wrong = next((name for name, value in mapping.items() if value is not None and not isinstance(value, str)), None)
    if wrong is not None:
        raise InputError(f"conda-pypi-map {_shown(source)}: the entry for `{wrong}` must be a PyPI name "
                         f"(a string) or null, not {mapping[wrong]!r}")
    return mapping


def _shown(source: str) -> str:
    from ..redact import strip_credentials

    return strip_credentials(source)


def _channel_key(channel: str, mappings: dict) -> str | None:
    """The key of ``mappings`` that names ``channel`` (by URL or by name)."""
    ch = (channel or "").rstrip("/")
    for key in mappings:
        k = key.rstrip("/")
        if k == ch or ch.endswith("/" + k) or k.endswith("/" + ch):
            return key
    return None


def mapping_for(channel: str, mappings: dict[str, dict | bool]) -> dict | bool | None:
    key = _channel_key(channel, mappings) if mappings else None
    return None if key is None else mappings[key]


def conda_distributions(
    conda_records, conda_pypi_map: dict[str, str], http=None, *, offline: bool = False
) -> dict[str, tuple[Version, str]]:
    """PyPI name (canonical) -> (version, conda record as ``name-version-build``) for the conda
    records that are Python distributions.

    ``offline``: mappings behind http(s) URLs are not fetched; records of their channels fall back
    to purls and their own name (the lock check decides without network)."""
    mappings: dict[str, dict | bool] = {}
    replace: set[str] = set()  # channels whose mapping replaces the purls (mapping-mode "replace")
    for ch, src in conda_pypi_map.items():
        if src is False:
            mappings[ch] = False
            continue
        if isinstance(src, dict):  # inline entries over an optional file
            location = src.get("location")
            base = load_mapping(location, http) if location and not (offline and is_remote_mapping(location)) else {}
            mappings[ch] = {**base, **src.get("mapping", {})}
            if src.get("mode") == "replace":
                replace.add(ch)
        elif not (offline and is_remote_mapping(src)):
            mappings[ch] = load_mapping(src, http)
    out: dict[str, tuple[Version, str]] = {}
    for rec in conda_records:
        if rec.name in ("python", "python_abi"):
            continue
        label = f"{rec.name}-{rec.version}-{rec.build}"
        names: list[tuple[str, str]] = []
        mapping = mapping_for(rec.channel, mappings)
        if mapping is False:
            continue  # conda-pypi-map = { channel = false }: none of its packages is a PyPI distribution
        if rec.purls and not (mapping is not None and _channel_key(rec.channel, mappings) in replace):
            for purl in rec.purls:
                if purl.startswith("pkg:pypi/"):
                    body = purl[len("pkg:pypi/"):].split("?", 1)[0].split("#", 1)[0]
                    name, _, ver = body.partition("@")
                    names.append((name, ver or rec.version))
        if not names:
            if mapping is not None and rec.name in mapping:
                mapped = mapping[rec.name]
                if mapped:
                    names.append((mapped, rec.version))
                else:
                    continue  # mapped to nothing: not a Python distribution
        if not names and rec.purls is None and any(d.split()[0] == "python" for d in rec.depends if d.strip()):
            names.append((rec.name, rec.version))
        for name, ver in names:
            try:
                out[canonicalize_name(name)] = (Version(ver), label)
            except InvalidVersion:
                continue  # not a PEP 440 version: cannot stand in for a PyPI distribution
    return out
