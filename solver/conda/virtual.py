"""Virtual packages: system properties (``__glibc 2.28``, ``__cuda 12.0``, ``__unix``) as solver
candidates, and detection of the running host's virtual packages for users who want them.

A virtual package can only be chosen as the request gives it: the solve never reads the host on its
own (a lock is made for a platform, not for the machine that happens to run the solve).
"""

from __future__ import annotations

import os
import platform as _platform
import re

from ..errors import InputError
from .model import PackageRecord, VirtualPackage

VIRTUAL_CHANNEL = "@virtual"
"""The ``channel`` of every virtual record, so no real channel can be mistaken for it."""


def is_virtual_name(name: str) -> bool:
    """Conda reserves names starting with two underscores for virtual packages."""
    return name.startswith("__")


def virtual_records(packages: list[VirtualPackage]) -> list[PackageRecord]:
    """One candidate record per given virtual package. Two entries with one name are an error
    (a system has one glibc), named in the message."""
    seen: dict[str, VirtualPackage] = {}
    records = []
    for vp in packages:
        if not is_virtual_name(vp.name):
            raise InputError(f"virtual package {vp.name!r}: names of virtual packages start with '__'")
        if vp.name in seen:
            raise InputError(
                f"virtual package {vp.name} is given twice ({seen[vp.name].version} and {vp.version})"
            )
        seen[vp.name] = vp
        records.append(
            PackageRecord(
                name=vp.name,
                version=vp.version or "0",
                build=vp.build or "0",
                channel=VIRTUAL_CHANNEL,
                fn=f"{vp.name}-{vp.version}-{vp.build}",
            )
        )
    return records


def missing_virtual_reason(name: str) -> str:
    return f"virtual package {name} is not present on this system"


# The defaults for a target platform live in solver.platform.virtual_packages.


# -- detection of the running host ---------------------------------------------------------------


def _glibc_version() -> str | None:
    try:
        text = os.confstr("CS_GNU_LIBC_VERSION")  # "glibc 2.35"
    except (AttributeError, ValueError, OSError):
        text = None
    if text and text.startswith("glibc "):
        return text.split()[1]
    lib, ver = _platform.libc_ver()
    return ver if lib == "glibc" and ver else None


def _cuda_driver_version() -> str | None:
    """The CUDA version the installed driver supports, via ``cuDriverGetVersion``; None if no
    driver library loads (the common case on machines without an NVIDIA GPU)."""
    import ctypes

    names = {"Linux": ["libcuda.so", "libcuda.so.1"], "Windows": ["nvcuda.dll"], "Darwin": ["libcuda.dylib"]}
    for lib_name in names.get(_platform.system(), []):
        try:
            lib = ctypes.CDLL(lib_name)
        except OSError:
            continue
        try:
            if lib.cuInit(0) != 0:
                return None
            version = ctypes.c_int()
            if lib.cuDriverGetVersion(ctypes.byref(version)) != 0:
                return None
        except AttributeError:
            return None
        return f"{version.value // 1000}.{(version.value % 1000) // 10}"
    return None


def _override(var: str, detected: str | None) -> str | None:
    """``CONDA_OVERRIDE_*`` as conda defines it: set to a version to force it, set empty to hide."""
    if var in os.environ:
        return os.environ[var] or None
    return detected


def detect_virtual_packages() -> list[VirtualPackage]:
    """The running host's virtual packages (``__unix``/``__win``, ``__linux``, ``__glibc``,
    ``__osx``, ``__cuda``, ``__archspec``), honouring the ``CONDA_OVERRIDE_*`` variables."""
    system = _platform.system()
    vps: list[VirtualPackage] = []
    if system in ("Linux", "Darwin", "FreeBSD"):
        vps.append(VirtualPackage("__unix", "0", "0"))
    if system == "Linux":
        release = re.match(r"\d+(\.\d+)*", _platform.release())
        linux = _override("CONDA_OVERRIDE_LINUX", release.group(0) if release else None)
        if linux:
            vps.append(VirtualPackage("__linux", linux, "0"))
        glibc = _override("CONDA_OVERRIDE_GLIBC", _glibc_version())
        if glibc:
            vps.append(VirtualPackage("__glibc", glibc, "0"))
    elif system == "Darwin":
        osx = _override("CONDA_OVERRIDE_OSX", _platform.mac_ver()[0] or None)
        if osx:
            vps.append(VirtualPackage("__osx", osx, "0"))
    elif system == "Windows":
        vps.append(VirtualPackage("__win", "0", "0"))
    cuda = _override("CONDA_OVERRIDE_CUDA", None if "CONDA_OVERRIDE_CUDA" in os.environ else _cuda_driver_version())
    if cuda:
        vps.append(VirtualPackage("__cuda", cuda, "0"))
    machine = _platform.machine().lower()
    arch = {"amd64": "x86_64", "x86_64": "x86_64", "arm64": "arm64", "aarch64": "aarch64"}.get(machine, machine)
    arch = _override("CONDA_OVERRIDE_ARCHSPEC", arch or None)
    if arch:
        vps.append(VirtualPackage("__archspec", "1", arch))
    return vps
