"""Builds the Cython core: every ``_ext/NAME.pyx`` becomes ``solver._ext.NAME``, compiled together
with ``_ext/NAME_*.c`` when such plain C files exist (e.g. the scanner's SIMD kernels).

The compiled modules are required; there is no pure-Python fallback. Set ``SOLVER_EXT=a,b`` to
build only some of them (handy while working on one module with ``build_ext --inplace``).
Compiler flags: ``-O3`` for GCC and Clang, ``/O2`` for MSVC; ``CFLAGS`` / ``LDFLAGS`` add to them
(see the sanitizer build in the README).
"""
import os
from pathlib import Path

from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = Path(__file__).parent
only = {n for n in os.environ.get("SOLVER_EXT", "").split(",") if n}
sources = sorted((HERE / "_ext").glob("*.pyx"))
extensions = [
    Extension(
        f"solver._ext.{src.stem}",
        [str(src.relative_to(HERE))]
        + [str(c.relative_to(HERE)) for c in sorted((HERE / "_ext").glob(f"{src.stem}_*.c"))],
        depends=[str(h.relative_to(HERE)) for h in sorted((HERE / "_ext").glob(f"{src.stem}_*.h"))],
    )
    for src in sources
    if not only or src.stem in only
]


class BuildExt(build_ext):
    """Optimisation flags in the compiler's own dialect (MSVC rejects ``-O3``)."""

    def build_extensions(self):
        flag = "/O2" if self.compiler.compiler_type == "msvc" else "-O3"
        for ext in self.extensions:
            ext.extra_compile_args = [flag, *ext.extra_compile_args]
        super().build_extensions()


setup(
    cmdclass={"build_ext": BuildExt},
    ext_modules=cythonize(
        extensions,
        language_level=3,
        compiler_directives={
            "boundscheck": False,
            "wraparound": False,
            "cdivision": True,
            "initializedcheck": False,
        },
    ),
)
