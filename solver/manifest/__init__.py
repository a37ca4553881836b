"""The manifest layer: ``pixi.toml`` / ``pyproject.toml [tool.pixi]`` -> typed ``Manifest`` ->
one ``SolveUnit`` (a conda request and a PyPI request) per environment or solve group and platform.

    from solver.manifest import load_manifest, build_requests
    manifest = load_manifest()              # discovery as pixi does it
    for unit in build_requests(manifest):   # every environment x platform
        unit.conda, unit.pypi
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import ManifestError
from .model import Environment, Feature, Manifest, MemberRequest, SolveUnit
from .requests import build_requests

__all__ = [
    "Environment",
    "Feature",
    "Manifest",
    "ManifestError",
    "MemberRequest",
    "SolveUnit",
    "build_requests",
    "load_manifest",
    "parse_manifest",
]


def load_manifest(path: str | os.PathLike | None = None, cwd: str | os.PathLike | None = None, env=None) -> Manifest:
    """Find (``path``: a manifest or a folder; else discovery from ``cwd``), read and validate."""
    from .discovery import discover, manifest_kind, read_toml
    from .parse import load_manifest_data

    file = discover(path, cwd, env)
    text, data = read_toml(file)
    return load_manifest_data(file, text, data, manifest_kind(file, data))


def parse_manifest(text: str, path: str | os.PathLike = "pixi.toml") -> Manifest:
    """A manifest from text (``path`` names it in messages and anchors relative paths)."""
    import tomli

    from .discovery import manifest_kind
    from .parse import load_manifest_data

    file = Path(path).absolute()
    try:
        data = tomli.loads(text)
    except RecursionError:  # tomli's nesting limit is not a TOMLDecodeError
        from .discovery import deepest_nesting

        depth, line, col = deepest_nesting(text)
        raise ManifestError(f"invalid TOML: arrays and inline tables nested {depth} levels deep", file=str(file),
                            line=line, column=col, suggestion="nest arrays and tables less deeply") from None
    except tomli.TOMLDecodeError as exc:
        raise ManifestError(
            f"invalid TOML: {getattr(exc, 'msg', exc)}",
            file=str(file),
            line=getattr(exc, "lineno", None),
            column=getattr(exc, "colno", None),
            suggestion="fix the TOML syntax at this position",
        ) from None
    return load_manifest_data(file, text, data, manifest_kind(file, data))
