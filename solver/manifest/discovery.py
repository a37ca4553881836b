"""Finding and reading the manifest, in the order of the reference's priority table:

1. an explicit path (a manifest file, or a folder holding one),
2. ``pixi.toml`` in the working directory,
3. ``pyproject.toml`` there, only when it has a ``[tool.pixi]`` table,
4. the same two, in that order, in each parent directory (the first found wins),
5. ``$PIXI_PROJECT_MANIFEST`` when ``$PIXI_IN_SHELL`` is set (inside ``pixi shell``/``pixi run``).
"""

from __future__ import annotations

import os
from pathlib import Path

import tomli

from ..errors import line_col
from .errors import ManifestError

PIXI_TOML = "pixi.toml"
PYPROJECT_TOML = "pyproject.toml"


def read_toml(path: Path) -> tuple[str, dict]:
    """The text and the decoded document; syntax errors become ``ManifestError`` with the file."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ManifestError(f"cannot read the manifest: {exc.strerror or exc}", file=str(path)) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = line_col(raw, exc.start)
        raise ManifestError(f"the manifest is not UTF-8 ({exc.reason} at byte {exc.start})", file=str(path),
                            line=line, column=col, suggestion="save the file as UTF-8") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        return text, tomli.loads(text)
    except RecursionError:  # tomli's nesting limit is not a TOMLDecodeError
        depth, line, col = deepest_nesting(text)
        raise ManifestError(f"invalid TOML: arrays and inline tables nested {depth} levels deep", file=str(path),
                            line=line, column=col, suggestion="nest arrays and tables less deeply") from None
    except tomli.TOMLDecodeError as exc:
        msg = getattr(exc, "msg", None) or str(exc).split(" (at ")[0]
        raise ManifestError(
            f"invalid TOML: {msg}",
            file=str(path),
            line=getattr(exc, "lineno", None),
            column=getattr(exc, "colno", None),
            suggestion="fix the TOML syntax at this position",
        ) from None


def deepest_nesting(text: str) -> tuple[int, int, int]:
    """``(depth, line, column)`` of the most deeply nested '[' or '{' of a TOML text (strings and
    comments skipped): where a parser that gave up on the depth was."""
    depth = best = 0
    best_line = best_col = line = 1
    line_start = 0
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
            line_start = i + 1
        elif c == "#":
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        elif c in "\"'":
            triple = text.startswith(c * 3, i)
            end_mark = c * 3 if triple else c
            j = i + len(end_mark)
            while j < n and not text.startswith(end_mark, j) and (triple or text[j] != "\n"):
                j += 2 if c == '"' and text[j] == "\\" else 1
            for k in range(i, min(j, n)):
                if text[k] == "\n":
                    line += 1
                    line_start = k + 1
            i = j + len(end_mark)
            continue
        elif c in "[{":
            depth += 1
            if depth > best:
                best, best_line, best_col = depth, line, i - line_start + 1
        elif c in "]}":
            depth = max(0, depth - 1)
        i += 1
    return best, best_line, best_col


def has_tool_pixi(path: Path) -> bool:
    """Whether a pyproject.toml holds ``[tool.pixi]`` (cheap text check first, then a parse)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    if "tool.pixi" not in text and "pixi" not in text:
        return False
    try:
        data = tomli.loads(text)
    except (tomli.TOMLDecodeError, RecursionError):
        return "[tool.pixi" in text  # let the real read report the syntax error
    tool = data.get("tool")
    return isinstance(tool, dict) and "pixi" in tool


def _in_folder(folder: Path) -> Path | None:
    pixi = folder / PIXI_TOML
    if pixi.is_file():
        return pixi
    pyproject = folder / PYPROJECT_TOML
    if pyproject.is_file() and has_tool_pixi(pyproject):
        return pyproject
    return None


def discover(path: str | os.PathLike | None = None, cwd: str | os.PathLike | None = None, env=None) -> Path:
    """The manifest file to use (absolute). Raises ``ManifestError`` when there is none."""
    env = os.environ if env is None else env
    try:
        base = Path(cwd) if cwd is not None else Path.cwd()
    except FileNotFoundError:
        raise ManifestError("the current directory no longer exists", suggestion="cd to the project, or pass the manifest path") from None
    if path is not None:
        target = Path(path).expanduser()
        if not target.is_absolute():
            target = base / target
        if target.is_dir():
            found = _in_folder(target)
            if found is None:
                if (target / PYPROJECT_TOML).is_file():
                    read_toml(target / PYPROJECT_TOML)  # unreadable or not TOML: say that, not "no manifest"
                raise ManifestError(
                    f"no {PIXI_TOML} (or {PYPROJECT_TOML} with [tool.pixi]) in {target}",
                    file=str(target),
                    suggestion="pass the manifest file itself, or create pixi.toml there",
                )
            return found.resolve()
        if not target.is_file():
            raise ManifestError("the manifest does not exist", file=str(target), suggestion="check the path")
        if target.name == PYPROJECT_TOML and not has_tool_pixi(target):
            raise ManifestError(
                "this pyproject.toml has no [tool.pixi] table",
                file=str(target),
                suggestion="add [tool.pixi.workspace] with channels and platforms",
            )
        return target.resolve()
    folder = base.resolve()
    for candidate in (folder, *folder.parents):
        found = _in_folder(candidate)
        if found is not None:
            return found
    if env.get("PIXI_IN_SHELL") and env.get("PIXI_PROJECT_MANIFEST"):
        shell_manifest = Path(env["PIXI_PROJECT_MANIFEST"])
        if shell_manifest.is_file():
            return shell_manifest.resolve()
    raise ManifestError(
        f"no {PIXI_TOML} or {PYPROJECT_TOML} with [tool.pixi] in {folder} or its parents",
        file=str(folder),
        suggestion="run in a project folder or pass the manifest path",
    )


def manifest_kind(path: Path, data: dict) -> str:
    """``pyproject`` for a pyproject.toml with [tool.pixi]; ``pixi`` otherwise."""
    if path.name == PYPROJECT_TOML:
        return "pyproject"
    return "pixi"
