"""Feedback from the PyPI stage to the conda stage.

When the PyPI requirements exclude a version the conda result installs (conda picked numpy 2.1,
a wheel needs ``numpy<2``), :func:`solver.api.solve` turns each excluding PEP 440 specifier into
a conda constraint on the conda package (it restricts without requiring), solves conda again and
PyPI on top, for a few rounds at most. This module holds the translation and the records and
messages of that loop; the loop itself is in :mod:`solver.api`.
"""

from __future__ import annotations

import msgspec

from .errors import UnsolvableError

MAX_ROUNDS = 3  # conda re-solves after the first one


class CondaFeedback(msgspec.Struct, kw_only=True, frozen=True):
    """A constraint added to a conda solve because PyPI needed it. ``constraint``: the conda
    MatchSpec added (``numpy <2dev0``); ``pypi_specifier``: the PEP 440 specifier it comes from
    (``<2``) on ``pypi_name``; ``required_by``: the PyPI package asking (``"oldlib 1.0"``, None:
    the manifest's own pypi-dependencies), ``chain``: the packages leading to it, ``required_by``
    last; ``replaced``: what conda had chosen before (``numpy 2.1.0``); ``round``: 1 for the first
    re-solve."""

    constraint: str
    conda_name: str
    pypi_name: str
    pypi_specifier: str
    required_by: str | None = None
    chain: list[str] = []
    replaced: str = ""
    round: int = 1

    def requirement_text(self) -> str:
        """``numpy<2 required by PyPI package oldlib 1.0 (app 1.0 -> oldlib 1.0)``."""
        who = f"PyPI package {self.required_by}" if self.required_by else "the manifest's pypi-dependencies"
        via = f" ({' -> '.join(self.chain)})" if len(self.chain) > 1 else ""
        return f"{self.pypi_name}{self.pypi_specifier} required by {who}{via}"

    def describe(self) -> str:
        """One line for people: ``conda re-solved with numpy <2 required by PyPI package oldlib 1.0
        (via app 1.0 -> oldlib 1.0; conda had chosen numpy 2.1.0; constraint `numpy <2dev0`)``."""
        named = "" if self.pypi_name == self.conda_name else f" (PyPI {self.pypi_name})"
        who = f"PyPI package {self.required_by}" if self.required_by else "the manifest's pypi-dependencies"
        via = f"via {' -> '.join(self.chain)}; " if len(self.chain) > 1 else ""
        return (f"conda re-solved with {self.conda_name} {self.pypi_specifier}{named} required by {who}"
                f" ({via}conda had chosen {self.replaced}; constraint `{self.constraint}`)")


class UntranslatableSpecifier(ValueError):
    """A PEP 440 specifier with no conda equivalent."""


def pep440_to_conda(specifier: str) -> str:
    """A conda version spec admitting the conda versions ``specifier`` (a PEP 440 specifier set,
    e.g. ``<2,>=1.20``) admits: ``""`` for any version. Raises :class:`UntranslatableSpecifier`.

    ``<V`` (V a final release) becomes ``<Vdev0``: PEP 440 excludes V's pre-releases there, and
    ``dev`` sorts first among conda's letters, so ``2.0.0rc1`` and ``2.0.0.dev0`` stay out as
    they should while ``1.99`` stays in. ``~=``, ``==V.*`` and ``!=V.*`` have conda forms of the
    same meaning; ``===V`` is ``==V``. Where the two differ and a simple form cannot tell (a
    public ``==V`` does not admit a conda ``V+local``; ``>V`` admits conda's ``Vpost1``), the
    PyPI stage checks the next conda result again, so a mismatch costs a round, never a wrong
    lock."""
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    text = specifier.strip()
    if text in ("", "*"):
        return ""
    try:
        parsed = SpecifierSet(text)
    except InvalidSpecifier as exc:
        raise UntranslatableSpecifier(f"invalid PEP 440 specifier {specifier!r}: {exc}") from None
    parts = [_one(s.operator, s.version, specifier) for s in sorted(parsed, key=str)]
    out = ",".join(p for p in parts if p)
    from .conda.version import InvalidVersionSpec, VersionSpec

    try:
        VersionSpec.parse(out)
    except InvalidVersionSpec as exc:
        raise UntranslatableSpecifier(f"{specifier!r} has no conda equivalent ({exc})") from None
    return out


def _one(op: str, version: str, whole: str) -> str:
    from packaging.version import InvalidVersion, Version

    if op == "===":
        return f"=={version}"
    prefix = version.endswith(".*")
    try:
        parsed = Version(version[:-2] if prefix else version)
    except InvalidVersion:
        raise UntranslatableSpecifier(f"{whole!r}: {version!r} is not a PEP 440 version") from None
    v = str(parsed)
    if prefix:
        if op == "==":
            return f"{v}.*"
        if op == "!=":
            return f"!={v}.*"
        raise UntranslatableSpecifier(f"{whole!r}: {op}{version} is not a valid specifier")
    if op == "<" and not (parsed.is_prerelease or parsed.is_postrelease or parsed.local):
        return f"<{v}dev0"
    if op in ("==", "!=", "<", "<=", ">", ">=", "~="):
        return f"{op}{v}"
    raise UntranslatableSpecifier(f"{whole!r}: unknown operator {op!r}")


def feedback_for(conflicts, round_no: int) -> list[CondaFeedback]:
    """Conda constraints for the conflicts a PyPI resolution reported (one per distinct
    constraint, in the conflicts' order); conflicts without a conda equivalent are left out."""
    from .conda.matchspec import MatchSpec

    out: list[CondaFeedback] = []
    seen: set[str] = set()
    for c in conflicts:
        try:
            spec = pep440_to_conda(c.specifier)
        except UntranslatableSpecifier:
            continue
        if not spec:
            continue
        constraint = f"{c.conda_name} {spec}"
        try:
            MatchSpec.parse(constraint)
        except Exception:  # noqa: BLE001 - an odd record name: nothing conda could use
            continue
        if constraint in seen:
            continue
        seen.add(constraint)
        out.append(CondaFeedback(
            constraint=constraint, conda_name=c.conda_name, pypi_name=c.pypi_name,
            pypi_specifier=c.specifier, required_by=c.required_by, chain=list(c.chain),
            replaced=f"{c.conda_name} {c.conda_version}", round=round_no,
        ))
    return out


def conda_refused(added: list[CondaFeedback], conda_error: UnsolvableError) -> UnsolvableError:
    """Conda cannot meet what PyPI needs: both sides in one message."""
    lines = ["the PyPI dependencies need conda packages the conda dependencies rule out:"]
    for f in added:
        lines.append(f"  PyPI: {f.requirement_text()}, but conda chose {f.replaced}")
    lines.append(f"  conda, asked for {', '.join(f'`{f.constraint}`' for f in added)} as well:")
    lines.extend("    " + line for line in str(conda_error).splitlines())
    return UnsolvableError("\n".join(lines), getattr(conda_error, "explanation", None))


def still_conflicting(added: list[CondaFeedback], pypi_error: UnsolvableError) -> UnsolvableError:
    """PyPI still fails after conda was re-solved with every constraint it asked for."""
    tried = ", ".join(f"`{f.constraint}`" for f in added)
    return UnsolvableError(
        f"{pypi_error}\n  (conda was re-solved {max(f.round for f in added)} time(s) with {tried} "
        f"for the PyPI dependencies, and they still conflict)",
        getattr(pypi_error, "explanation", None))
