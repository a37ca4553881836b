"""Platform names, target selectors and the virtual packages a platform offers by default."""

from __future__ import annotations

KNOWN_PLATFORMS = (
    "noarch",
    "linux-32",
    "linux-64",
    "linux-aarch64",
    "linux-armv6l",
    "linux-armv7l",
    "linux-ppc64le",
    "linux-ppc64",
    "linux-s390x",
    "linux-riscv32",
    "linux-riscv64",
    "osx-64",
    "osx-arm64",
    "win-32",
    "win-64",
    "win-arm64",
    "emscripten-wasm32",
    "wasi-wasm32",
    "zos-z",
)

# Selectors of [target.<selector>]: an OS family, "unix" (linux and osx), or a platform.
FAMILY_SELECTORS = ("win", "osx", "linux", "unix")
KNOWN_SELECTORS = FAMILY_SELECTORS + KNOWN_PLATFORMS

# The reference's default system requirements (what pixi assumes when the manifest says nothing).
DEFAULT_LINUX = "4.18"
DEFAULT_GLIBC = "2.28"
DEFAULT_MACOS = "13.0"

_ARCHSPEC = {
    "linux-64": "x86_64",
    "osx-64": "x86_64",
    "win-64": "x86_64",
    "linux-32": "x86",
    "win-32": "x86",
    "linux-aarch64": "aarch64",
    "linux-armv6l": "aarch64",
    "linux-armv7l": "aarch64",
    "win-arm64": "aarch64",
    "osx-arm64": "m1",  # the first Apple Silicon generation
    "linux-ppc64le": "ppc64le",
    "linux-ppc64": "ppc64",
    "linux-s390x": "s390x",
    "linux-riscv32": "riscv32",
    "linux-riscv64": "riscv64",
}


def family(platform: str) -> str:
    """``linux-64`` -> ``linux``; ``emscripten-wasm32`` -> ``emscripten``."""
    return platform.split("-", 1)[0]


def is_unix(platform: str) -> bool:
    return family(platform) in ("linux", "osx")


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
    return _ARCHSPEC.get(platform)
