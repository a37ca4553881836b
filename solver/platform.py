"""Everything the project knows about conda platforms (subdirs), in one place.

Every layer imports its platform facts from here: the manifest (which platforms and target
selectors exist), the conda stage (which path segment is a subdir), the PyPI stage (marker values
and wheel architectures of a target subdir), the lock (the order platforms are written in), and the
virtual packages a platform offers by default, which the command line, the rattler cross-check
tests and the benchmarks all build with :func:`virtual_packages`, so the oracle checks what the
command line sends.

The facts follow rattler (``rattler_conda_types::Platform``, ``rattler_virtual_packages``) and
pixi, whose locks we read and write.
"""

from __future__ import annotations

from typing import NamedTuple

from .conda.model import VirtualPackage

#: Every conda subdir, in rattler's platform enum order: the order a lock lists platforms in.
KNOWN_SUBDIRS: tuple[str, ...] = (
    "noarch",
    "linux-32",
    "linux-64",
    "linux-aarch64",
    "linux-armv6l",
    "linux-armv7l",
    "linux-loong64",
    "linux-ppc64le",
    "linux-ppc64",
    "linux-ppc",
    "linux-s390x",
    "linux-riscv32",
    "linux-riscv64",
    "freebsd-64",
    "osx-64",
    "osx-arm64",
    "win-32",
    "win-64",
    "win-arm64",
    "emscripten-wasm32",
    "wasi-wasm32",
    "zos-z",
)
_SUBDIR_RANK = {name: i for i, name in enumerate(KNOWN_SUBDIRS)}

#: Selectors of ``[target.<selector>]``: an OS family, ``unix``, or a platform.
FAMILY_SELECTORS: tuple[str, ...] = ("win", "osx", "linux", "unix")
KNOWN_SELECTORS: tuple[str, ...] = FAMILY_SELECTORS + KNOWN_SUBDIRS

# -- default system requirements -------------------------------------------------------------------
# What pixi assumes when a manifest states no [system-requirements] (its documented defaults, and
# rattler_virtual_packages' defaults.rs): RHEL 8's kernel and glibc.
DEFAULT_LINUX = "4.18"
DEFAULT_GLIBC = "2.28"
# macOS 13.0 on both subdirs. Older pixi releases assumed 10.15 on osx-64 and 11.0 on osx-arm64
# (the first macOS per architecture); current pixi and rattler assume 13.0 for both, and conda-forge
# builds for newer SDKs, so a lock made with the old floor picks builds pixi would not.
_DEFAULT_MACOS = {"osx-64": "13.0", "osx-arm64": "13.0"}

# The minimal microarchitecture per subdir, as rattler's ``Archspec::from_platform`` names it
# (names from archspec's microarchitectures.json). osx-arm64 is ``m1``, the first Apple Silicon
# generation: that is what rattler and pixi send, so a package asking for ``__archspec * m1`` (or
# newer) solves the same here. 32-bit ARM linux maps to aarch64, as in rattler.
_ARCHSPEC = {
    "linux-32": "x86",
    "win-32": "x86",
    "linux-64": "x86_64",
    "osx-64": "x86_64",
    "win-64": "x86_64",
    "linux-aarch64": "aarch64",
    "linux-armv6l": "aarch64",
    "linux-armv7l": "aarch64",
    "win-arm64": "aarch64",
    "osx-arm64": "m1",
    "linux-ppc64le": "ppc64le",
    "linux-ppc64": "ppc64",
    "linux-s390x": "s390x",
    "linux-riscv32": "riscv32",
    "linux-riscv64": "riscv64",
}


class PythonPlatform(NamedTuple):
    """What a Python interpreter on a subdir reports (PEP 508 markers) and its wheel architecture."""

    sys_platform: str
    platform_system: str
    os_name: str
    platform_machine: str
    wheel_arch: str


#: The subdirs a PyPI resolution can target.
PYTHON_PLATFORMS: dict[str, PythonPlatform] = {
    "linux-64": PythonPlatform("linux", "Linux", "posix", "x86_64", "x86_64"),
    "linux-32": PythonPlatform("linux", "Linux", "posix", "i686", "i686"),
    "linux-aarch64": PythonPlatform("linux", "Linux", "posix", "aarch64", "aarch64"),
    "linux-armv7l": PythonPlatform("linux", "Linux", "posix", "armv7l", "armv7l"),
    "linux-ppc64le": PythonPlatform("linux", "Linux", "posix", "ppc64le", "ppc64le"),
    "linux-s390x": PythonPlatform("linux", "Linux", "posix", "s390x", "s390x"),
    "linux-riscv64": PythonPlatform("linux", "Linux", "posix", "riscv64", "riscv64"),
    "osx-64": PythonPlatform("darwin", "Darwin", "posix", "x86_64", "x86_64"),
    "osx-arm64": PythonPlatform("darwin", "Darwin", "posix", "arm64", "arm64"),
    "win-64": PythonPlatform("win32", "Windows", "nt", "AMD64", "amd64"),
    "win-32": PythonPlatform("win32", "Windows", "nt", "x86", "win32"),
    "win-arm64": PythonPlatform("win32", "Windows", "nt", "ARM64", "arm64"),
}


def is_known_subdir(name: str) -> bool:
    return name in _SUBDIR_RANK


def subdir_sort_key(platform: str) -> tuple[int, str]:
    """Rattler's platform enum order; unknown names last, by name."""
    return (_SUBDIR_RANK.get(platform, len(_SUBDIR_RANK)), platform)


def family(platform: str) -> str:
    """``linux-64`` -> ``linux``; ``emscripten-wasm32`` -> ``emscripten``."""
    return platform.split("-", 1)[0]


def is_unix(platform: str) -> bool:
    """Linux and macOS; also emscripten and FreeBSD, as rattler has it (``__unix``)."""
    return family(platform) in ("linux", "osx", "freebsd") or platform == "emscripten-wasm32"


def selectors_for(platform: str) -> list[str]:
    """Target selectors that apply to ``platform``, least specific first (later ones win)."""
    out = []
    if is_unix(platform):
        out.append("unix")
    fam = family(platform)
    if fam in ("linux", "osx", "win"):
        out.append(fam)
    out.append(platform)
    return out


def archspec_for(platform: str) -> str | None:
    """The minimal ``__archspec`` build of a subdir; None where rattler gives none."""
    return _ARCHSPEC.get(platform)


def effective_glibc(platform: str, libc: str | None = None, libc_family: str | None = None) -> str | None:
    """The glibc a linux platform offers (stated or default); None off linux or for another libc."""
    if family(platform) != "linux" or (libc_family or "glibc") != "glibc":
        return None
    return libc or DEFAULT_GLIBC


def effective_macos(platform: str, macos: str | None = None) -> str | None:
    """The macOS version an osx platform offers (stated or default); None elsewhere."""
    if family(platform) != "osx":
        return None
    return macos or _DEFAULT_MACOS.get(platform, "13.0")


def virtual_packages(
    platform: str,
    *,
    linux: str | None = None,
    libc: str | None = None,
    libc_family: str | None = None,
    macos: str | None = None,
    cuda: str | None = None,
    archspec: str | None = None,
) -> list[VirtualPackage]:
    """The virtual packages a target platform offers: pixi's defaults, overridden by the stated
    system requirements (``None`` keeps the default). ``cuda`` counts on linux and windows only
    (pixi's documented scope for it)."""
    fam = family(platform)
    out: list[VirtualPackage] = []
    if is_unix(platform):
        out.append(VirtualPackage("__unix"))
    if fam == "linux":
        out.append(VirtualPackage("__linux", linux or DEFAULT_LINUX))
        out.append(VirtualPackage(f"__{(libc_family or 'glibc').lower()}", libc or DEFAULT_GLIBC))
    elif fam == "osx":
        out.append(VirtualPackage("__osx", effective_macos(platform, macos)))
    elif fam == "win":
        out.append(VirtualPackage("__win"))
    if cuda and fam in ("linux", "win"):
        out.append(VirtualPackage("__cuda", cuda))
    arch = archspec or archspec_for(platform)
    if arch and fam in ("linux", "osx", "win"):
        out.append(VirtualPackage("__archspec", "1", arch))
    return out
