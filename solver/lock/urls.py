"""URL helpers of the lock layer: credentials out, and the fields a conda URL already says."""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

# One implementation each (solver.redact): PyPI URLs lose ``user:password@``; conda URLs also
# lose a ``/t/<token>`` path segment (conda's token auth), which a PyPI path may hold.
from ..redact import strip_conda_credentials, strip_credentials  # noqa: F401

from ..platform import is_known_subdir

_ARCHIVE_SUFFIXES = (".conda", ".tar.bz2")


def file_name_of(location: str) -> str:
    path = urlsplit(location).path if "://" in location else location
    return path.rstrip("/").rsplit("/", 1)[-1]


def split_archive_name(file_name: str) -> tuple[str, str, str] | None:
    """``python-3.12.1-h1234_0.conda`` -> ``("python", "3.12.1", "h1234_0")``; None if not an archive name."""
    for suffix in _ARCHIVE_SUFFIXES:
        if file_name.endswith(suffix):
            stem = file_name[: -len(suffix)]
            parts = stem.rsplit("-", 2)
            if len(parts) == 3 and all(parts):
                return parts[0], parts[1], parts[2]
            return None
    return None


def derive_subdir(location: str, include_file: bool = False) -> str | None:
    """The subdir named by the folder holding the archive, when it is one (``.../linux-64/x-1-0.conda``).

    Only for http(s) URLs: readers turn ``file://`` locations into paths and derive nothing from
    a path's folders, so for those the subdir (and channel) are written out."""
    if not location.startswith(("http://", "https://", "file://") if include_file else ("http://", "https://")):
        return None
    segments = urlsplit(location).path.split("/")
    if len(segments) < 2 or split_archive_name(segments[-1]) is None:
        return None
    subdir = segments[-2]
    return subdir if is_known_subdir(subdir) else None


def derive_channel(location: str) -> str | None:
    """The channel URL a package URL lives under: everything before ``/<subdir>/<file>``."""
    if not location.startswith(("http://", "https://")):
        return None
    parts = urlsplit(location)
    segments = parts.path.split("/")
    if len(segments) < 3:
        return None
    return urlunsplit((parts.scheme, parts.netloc, "/".join(segments[:-2]), "", ""))


def derive_build_number(build: str) -> int | None:
    """The number a build string ends in (``py312h1234_0`` -> 0), which readers take as its build
    number when the lock leaves it out; None when it ends in no digit."""
    digits = len(build) - len(build.rstrip("0123456789"))
    return int(build[-digits:]) if digits else None


def derive_noarch(subdir: str, build: str) -> str | None:
    """What a reader assumes when ``noarch`` is absent: noarch packages with "py" in the build are python."""
    if subdir != "noarch":
        return None
    return "python" if "py" in build else "generic"


def normalize_pypi_name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()
