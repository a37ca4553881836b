"""Builds the Cython core: every ``_ext/NAME.pyx`` becomes ``solver._ext.NAME``.

The compiled modules are required; there is no pure-Python fallback. Set ``SOLVER_EXT=a,b`` to
build only some of them (handy while working on one module with ``build_ext --inplace``).
"""
import os
from pathlib import Path

from Cython.Build import cythonize
from setuptools import Extension, setup

HERE = Path(__file__).parent
only = {n for n in os.environ.get("SOLVER_EXT", "").split(",") if n}
sources = sorted((HERE / "_ext").glob("*.pyx"))
extensions = [
    Extension(
        f"solver._ext.{src.stem}",
        [str(src.relative_to(HERE))],
        extra_compile_args=["-O3"],
    )
    for src in sources
    if not only or src.stem in only
]

setup(
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
