"""Conda MatchSpec: the query language of ``depends``, ``constrains`` and user specs.

API
---
``MatchSpec.parse(text) -> MatchSpec`` (cached: depends strings repeat a lot)
    Accepts the full conda syntax: ``name``, ``name 1.2.*``, ``name 1.2 py*_0``,
    ``name=1.2=py*``, ``name==1.2``, ``name>=1.2,<2``, ``name >=1.2``, ``channel::name``,
    ``channel/subdir::name``, ``name[version='>=1.0', build=py*]``, a ``# comment``; bracket keys
    ``version``, ``build``, ``build_number``, ``channel``, ``subdir``, ``md5``, ``sha256``,
    ``license``, ``license_family``, ``track_features``, ``features``, ``fn``, ``url``; values
    quoted with ``'`` or ``"``. Names are case-insensitive (lowercased); ``*`` is accepted as name.
Attributes
    ``name``, ``version: VersionSpec | None``, ``build: str | None`` (glob, ``^...$`` regex),
    ``build_number: BuildNumberSpec | None``, ``channel``, ``subdir``, ``md5``, ``sha256``,
    ``license``, ``license_family``, ``track_features``, ``features``, ``fn``, ``url``
    (``str | None``). A version or build of ``*`` is stored as ``None`` (it matches everything).
``.matches(record: PackageRecord) -> bool``, ``.filter(records) -> list[bool]``
    A channel given as a bare name matches a record whose channel is that name or a URL ending
    in it; ``track_features``/``features`` compare as sets; ``md5``/``sha256`` ignore case.
``MatchSpec(name, version=None, build=None, **fields)`` builds one directly (name as given).
``clear_caches()`` forgets parsed specs and versions (benchmarks, tests).
``str(spec)``: canonical, ``[channel[/subdir]::]name[ version[ build]][[key="value", ...]]``;
    ``MatchSpec.parse(str(s)) == s``. ``==``/``hash`` compare every field.
``InvalidMatchSpec`` (an ``InputError``) names the spec text and what is wrong.

Semantics follow conda/rattler: a bare version (``foo 1.2``) is exact (``==1.2``); ``foo=1.2`` is
``1.2.*``; ``foo=1.2=build`` and ``foo 1.2 build`` pin the version exactly.
"""

from __future__ import annotations

import re
from functools import lru_cache, partial

from solver.conda.version import (
    InvalidVersion,
    InvalidVersionSpec,
    VersionSpec,
    _SPEC_CACHE,
    _MatchSpecData,
    _parse_simple_matchspec,
)
from solver._ext.conda_version import glob_match
from solver.conda.pattern import PatternError, compile_regex
from solver.errors import InputError, cut_long_values
from solver.lazyre import lazy
from solver.platform import is_known_subdir

__all__ = ["BuildNumberSpec", "InvalidMatchSpec", "MatchSpec"]


class InvalidMatchSpec(InputError):
    """A MatchSpec string that cannot be parsed; ``text`` is the spec as given."""

    def __init__(self, text: str, reason: str):
        super().__init__(cut_long_values(f"invalid match spec {text!r}: {reason}"))
        self.text = text
        self.reason = reason


# ---------------------------------------------------------------------------------------------
# Build numbers and string globs

_BN_RE = lazy(r"\s*(==|!=|<=|>=|<|>|=)?\s*(\d+)\s*\Z")


class BuildNumberSpec:
    """``3``, ``==3``, ``>=3``, ``<3``, ``!=3``... against an integer build number."""

    __slots__ = ("op", "value")

    def __init__(self, op: str, value: int):
        self.op = op
        self.value = value

    @classmethod
    def parse(cls, text: str) -> "BuildNumberSpec":
        m = _BN_RE.match(text)
        if m is None:
            raise ValueError(f"invalid build number spec {text!r}")
        op = m.group(1) or "=="
        return cls("==" if op == "=" else op, int(m.group(2)))

    def matches(self, n: int) -> bool:
        v, op = self.value, self.op
        if op == "==":
            return n == v
        if op == ">=":
            return n >= v
        if op == "<=":
            return n <= v
        if op == ">":
            return n > v
        if op == "<":
            return n < v
        return n != v

    def __str__(self) -> str:
        return f"{self.op}{self.value}"

    def __repr__(self) -> str:
        return f"BuildNumberSpec({str(self)!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, BuildNumberSpec) and (self.op, self.value) == (other.op, other.value)

    def __hash__(self) -> int:
        return hash((self.op, self.value))


def _is_regex(pattern: str) -> bool:
    return pattern.startswith("^") and pattern.endswith("$")


@lru_cache(maxsize=4096)
def _string_matcher(pattern: str):
    """Exact string, ``*`` glob or ``^...$`` regex -> ``str -> bool``, in linear time (the
    patterns come from channels: see ``solver.conda.pattern``). Raises ``PatternError``."""
    if _is_regex(pattern):
        return compile_regex(pattern)
    if "*" in pattern:
        return partial(glob_match, pattern)
    return pattern.__eq__


# ---------------------------------------------------------------------------------------------
# Parsing

_NAME_RE = lazy(r"[A-Za-z0-9_.\-]+\Z|\*\Z")
_BRACKET_KEYS = (
    "version", "build", "build_number", "channel", "subdir", "md5", "sha256", "license",
    "license_family", "track_features", "features", "fn", "url",
)
_KEY_ALIASES = {"build_string": "build"}
_KV_RE = lazy(r"""\s*([A-Za-z_][A-Za-z0-9_\-]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^,\s\]]*))\s*(?:,|\s|\Z)""")
_OPSTART = "=<>!~"
_SPLIT_BUILD_RE = lazy(r"(.*[^=!<>~,|])=([^=,|<>~]+)\Z", re.S)
_PKG_EXT = (".conda", ".tar.bz2")


def _parse_brackets(body: str, text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    pos = 0
    body = body.strip()
    while pos < len(body):
        m = _KV_RE.match(body, pos)
        if m is None or m.end() == pos:
            raise InvalidMatchSpec(text, f"cannot read key=value in brackets at {body[pos:]!r}")
        key = m.group(1).lower()
        key = _KEY_ALIASES.get(key, key)
        value = next(g for g in m.group(2, 3, 4) if g is not None)
        if key not in _BRACKET_KEYS:
            raise InvalidMatchSpec(text, f"unknown bracket key {key!r}")
        if value == "":
            raise InvalidMatchSpec(text, f"empty value for bracket key {key!r}")
        out[key] = value
        pos = m.end()
        while pos < len(body) and body[pos] in ", ":
            pos += 1
    return out


def _split_channel(chan: str) -> tuple[str | None, str | None]:
    """``conda-forge/linux-64`` -> (``conda-forge``, ``linux-64``); ``*`` -> (None, None)."""
    chan = chan.strip().rstrip("/")
    if not chan or chan == "*":
        return None, None
    head, _, tail = chan.rpartition("/")
    if head and is_known_subdir(tail):
        return (head if head != "*" else None), tail
    return chan, None


def _split_version_build(rest: str) -> tuple[str | None, str | None]:
    """``>=1.0 , <2 py_0`` -> (``>=1.0,<2``, ``py_0``); ``1.0=py_0`` -> (``1.0``, ``py_0``)."""
    groups: list[str] = []
    for tok in rest.split():
        if groups and (groups[-1][-1] in _OPSTART + ",|" or tok[0] in _OPSTART + ",|"):
            groups[-1] += tok
        else:
            groups.append(tok)
    if not groups:
        return None, None
    version, build = groups[0], (" ".join(groups[1:]) or None)
    if build is None:
        m = _SPLIT_BUILD_RE.match(version)
        if m is not None:
            version, build = m.group(1), m.group(2)
    # conda: '=1.2' means '1.2.*' unless a build pins it, '==1.2' is exact
    if version.startswith("=") and not version.startswith("=="):
        body = version[1:]
        if body and not any(c in body for c in "=,|"):
            version = body + "*" if build is None and not body.endswith("*") else body
    return version, build


def _from_package_url(text: str) -> dict[str, str | None]:
    """``https://host/chan/linux-64/foo-1.0-py_0.conda`` -> channel, subdir, name, version..."""
    url = text.strip()
    path = url.split("?", 1)[0].split("#", 1)[0]
    fn = path.rsplit("/", 1)[-1]
    stem = fn[: -len(".conda")] if fn.endswith(".conda") else fn[: -len(".tar.bz2")]
    try:
        name, version, build = stem.rsplit("-", 2)
    except ValueError:
        raise InvalidMatchSpec(text, "package file name is not NAME-VERSION-BUILD") from None
    parts = path.rsplit("/", 2)
    fields: dict[str, str | None] = {"name": name, "fn": fn, "url": url}
    if len(parts) == 3 and is_known_subdir(parts[1]):
        fields["channel"], fields["subdir"] = parts[0], parts[1]
    fields["version"] = "==" + version
    fields["build"] = build
    return fields


def _check_build(text: str, build: str) -> None:
    """A build regex must compile (linear-time matcher); a build must be writable back as text."""
    if _is_regex(build):
        try:
            _string_matcher(build)
        except PatternError as exc:
            raise InvalidMatchSpec(text, f"invalid build regular expression {build!r}: {exc}") from None
    if "'" in build and '"' in build and _POSITIONAL_UNSAFE.search(build):
        # Brackets would need a quote character the value does not hold: str() could not give it back.
        raise InvalidMatchSpec(text, "a build string holding both quote characters cannot also hold "
                                     "spaces, ',', '=', ':', brackets or operators")


def _parse(text: str) -> "MatchSpec":
    if not isinstance(text, str):
        raise InvalidMatchSpec(repr(text), "a match spec must be a string")
    try:
        simple = _parse_simple_matchspec(text, _SPEC_CACHE, VersionSpec.parse, MatchSpec)
    except InvalidVersionSpec as exc:
        raise InvalidMatchSpec(text, exc.reason) from None
    if simple is not None:
        if simple.build is not None:
            _check_build(text, simple.build)
        return simple
    spec = text.split("#", 1)[0].strip()
    if not spec:
        raise InvalidMatchSpec(text, "empty spec")
    if spec.endswith(_PKG_EXT) and "/" in spec and "[" not in spec:
        return _build(text, _from_package_url(spec))

    brackets: dict[str, str] = {}
    if "[" in spec:
        i = spec.index("[")
        if not spec.endswith("]"):
            raise InvalidMatchSpec(text, "text after the closing ']' or ']' missing")
        body = spec[i + 1 : -1]
        if re.search(r"\]\s*\[", body):
            raise InvalidMatchSpec(text, "more than one bracket section")
        brackets = _parse_brackets(body, text)
        spec = spec[:i].strip()

    fields: dict[str, str | None] = {}
    if "::" in spec:
        chan, spec = spec.rsplit("::", 1)
        fields["channel"], fields["subdir"] = _split_channel(chan)

    m = re.match(r"([^\s=<>!~]+)(.*)\Z", spec.strip(), re.S)
    if m is None:
        raise InvalidMatchSpec(text, "no package name")
    name, rest = m.group(1), m.group(2).strip()
    if not _NAME_RE.match(name):
        raise InvalidMatchSpec(text, f"invalid package name {name!r}")
    fields["name"] = name
    if rest:
        fields["version"], fields["build"] = _split_version_build(rest)

    if "channel" in brackets:
        chan, sub = _split_channel(brackets.pop("channel"))
        fields["channel"] = chan
        if sub:
            fields["subdir"] = sub
    fields.update(brackets)
    return _build(text, fields)


def _build(text: str, f: dict[str, str | None]) -> "MatchSpec":
    version = None
    if f.get("version") is not None:
        try:
            version = VersionSpec.parse(f["version"].strip())  # type: ignore[union-attr]
        except (InvalidVersionSpec, InvalidVersion) as exc:
            raise InvalidMatchSpec(text, exc.reason) from None
        if version.is_any:
            version = None
    build = f.get("build")
    if build is not None:
        build = build.strip()
        if build in ("", "*"):
            build = None
        else:
            _check_build(text, build)
    build_number = None
    if f.get("build_number") is not None:
        bn = f["build_number"].strip()  # type: ignore[union-attr]
        if bn != "*":
            try:
                build_number = BuildNumberSpec.parse(bn)
            except ValueError:
                raise InvalidMatchSpec(text, f"invalid build_number {bn!r}") from None
    lower = lambda v: v.lower() if v is not None else None  # noqa: E731
    return MatchSpec(
        name=f["name"].lower(),  # type: ignore[union-attr]
        version=version,
        build=build,
        build_number=build_number,
        channel=f.get("channel"),
        subdir=f.get("subdir"),
        md5=lower(f.get("md5")),
        sha256=lower(f.get("sha256")),
        license=f.get("license"),
        license_family=f.get("license_family"),
        track_features=f.get("track_features"),
        features=f.get("features"),
        fn=f.get("fn"),
        url=f.get("url"),
    )


def _feature_set(value: str | None) -> frozenset[str]:
    return frozenset(value.replace(",", " ").split()) if value else frozenset()


def _channel_matches(spec_channel: str, record_channel: str) -> bool:
    """A spec channel (name or URL) against the record's channel (name or URL)."""
    a = spec_channel.rstrip("/")
    b = record_channel.rstrip("/")
    if a == b:
        return True
    if "/" not in a:  # a bare name: compare to the last path part of the record's channel URL
        return b.rsplit("/", 1)[-1] == a
    if "/" not in b:
        return a.rsplit("/", 1)[-1] == b
    return False


# A build holding any of these is written in brackets (``[build="..."]``): as a positional word
# it would be split, glued to the version, read as a channel (``::``) or as brackets.
_POSITIONAL_UNSAFE = lazy(r"[\s,=\[\]<>|!~:]")


def _quote(v: str) -> str:
    return f"'{v}'" if '"' in v else f'"{v}"'



class MatchSpec(_MatchSpecData):
    """One parsed match spec (see module docstring). Build with ``MatchSpec.parse(text)``.

    The fields live in a compiled, immutable base class (read-only attributes)."""

    __slots__ = ()  # no instance dict: every field is in the compiled base

    def __init__(
        self,
        name: str,
        version: VersionSpec | None = None,
        build: str | None = None,
        **fields,
    ):
        self._set_fields(name, version, build, dict(fields))

    @staticmethod
    def parse(text: str) -> "MatchSpec":
        """Parse (cached) a MatchSpec string; raises ``InvalidMatchSpec``."""
        spec = _PARSE_CACHE.get(text) if type(text) is str else None
        if spec is None:
            spec = _parse(text)
            if len(_PARSE_CACHE) >= 200_000:
                _PARSE_CACHE.clear()
            _PARSE_CACHE[text] = spec
        return spec

    # -- matching -------------------------------------------------------------------------

    # ``matches(record)`` and ``filter(records)`` are compiled (name, version, build); the
    # fields below are checked here, only for specs that set them.

    def _match_build_regex(self, build: str) -> bool:
        build_match = self._build_match
        if build_match is None:
            build_match = self._build_match = _string_matcher(self.build)
        return bool(build_match(build))

    def _match_rare(self, record) -> bool:
        if self.build_number is not None and not self.build_number.matches(record.build_number):
            return False
        if self.channel is not None and not _channel_matches(self.channel, record.channel or ""):
            return False
        if self.subdir is not None and record.subdir != self.subdir:
            return False
        if self.md5 is not None and (record.md5 or "").lower() != self.md5:
            return False
        if self.sha256 is not None and (record.sha256 or "").lower() != self.sha256:
            return False
        if self.license is not None and record.license != self.license:
            return False
        if self.license_family is not None and record.license_family != self.license_family:
            return False
        if self.track_features is not None and _feature_set(record.track_features) != _feature_set(
            self.track_features
        ):
            return False
        if self.features is not None and _feature_set(record.features) != _feature_set(self.features):
            return False
        if self.fn is not None and record.fn != self.fn:
            return False
        if self.url is not None and record.url != self.url:
            return False
        return True

    # -- text -----------------------------------------------------------------------------

    def __str__(self) -> str:
        if self._str is None:
            self._str = self._format()
        return self._str

    def _format(self) -> str:
        out = []
        brackets: list[tuple[str, str]] = []
        if self.channel is not None:
            out.append(self.channel)
            if self.subdir is not None:
                out.append("/" + self.subdir)
            out.append("::")
        elif self.subdir is not None:
            brackets.append(("subdir", self.subdir))
        out.append(self.name)
        build_positional = self.build is not None and not _POSITIONAL_UNSAFE.search(self.build)
        if self.version is not None or build_positional:
            out.append(" " + (str(self.version) if self.version is not None else "*"))
            if build_positional:
                out.append(" " + self.build)  # type: ignore[operator]
        if self.build is not None and not build_positional:
            brackets.append(("build", self.build))
        for key in ("build_number", "md5", "sha256", "license", "license_family",
                    "track_features", "features", "fn", "url"):
            value = getattr(self, key)
            if value is not None:
                brackets.append((key, str(value)))
        if brackets:
            out.append("[" + ", ".join(f"{k}={_quote(v)}" for k, v in brackets) + "]")
        return "".join(out)

    def __repr__(self) -> str:
        return f"MatchSpec({str(self)!r})"

    def __eq__(self, other) -> bool:
        if isinstance(other, MatchSpec):
            return self._fields() == other._fields()
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._fields())

    def _fields(self) -> tuple:
        if self._key is None:
            v, bn = self.version, self.build_number
            self._key = (
                self.name, str(v) if v is not None else None, self.build,
                str(bn) if bn is not None else None, self.channel, self.subdir, self.md5,
                self.sha256, self.license, self.license_family,
                _feature_set(self.track_features) or None, _feature_set(self.features) or None,
                self.fn, self.url,
            )
        return self._key


_PARSE_CACHE: dict[str, MatchSpec] = {}


def clear_caches() -> None:
    """Forget cached specs (and the version caches they rely on); for benchmarks and tests."""
    from solver.conda.version import clear_caches as clear_version_caches

    _PARSE_CACHE.clear()
    _string_matcher.cache_clear()
    clear_version_caches()
