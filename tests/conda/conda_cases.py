"""conda's own solver tests as a table: what conda's classic solver installs for a fresh environment.

Each case comes from conda's test suite (``tests/core/test_solve.py``, ``tests/test_resolve.py``,
``conda/testing/solver_helpers.py``: ``SolverTests``) and is named after the test it comes from.
The expected answers are facts of conda's behaviour, written here as data; the channels are the
published conda test index data in ``../shared/data/conda`` (read at run time), plus the few records
a conda test adds of its own (``EXTRA``), written to a local channel by the test.

Channels: ``index1`` .. ``index5`` are ``conda-test-index1`` .. ``conda-test-index5``; a name ending
in ``+pip`` is that channel as conda loads it by default (``add_pip_as_python_dependency``: every
python 2/3 record also depends on ``pip``), which is how ``SolverTests`` sees it; ``synthetic`` is a
channel holding only the case's extra records.

``expect`` is the exact set of ``name-version-build`` conda installs; or, where the conda test only
checks part of the answer, a dict: ``has`` / ``lacks`` (records), ``names`` (installed), ``count``
(how many records), ``subdir`` (name -> the subdir of its record); or ``UNSAT``.
"""

from __future__ import annotations

import json
from pathlib import Path

UNSAT = "unsatisfiable"
INDEX = {
    "index1": "conda-test-index1",
    "index2": "conda-test-index2",
    "index4": "conda-test-index4",
    "index5": "conda-test-index5",
}


def rec(name, version="1.0", build="0", build_number=0, depends=(), **extra) -> dict:
    """A record as conda's test helper ``helpers.record`` makes it (same defaults)."""
    d = {"name": name, "version": version, "build": build, "build_number": build_number,
         "depends": list(depends), "subdir": extra.pop("subdir", "linux-64")}
    d.update(extra)
    return d


PY33 = ["openssl-1.0.1c-0", "readline-6.2-0", "sqlite-3.7.13-0", "system-5.8-1", "tk-8.5.13-0", "zlib-1.2.7-0",
        "python-3.3.2-0"]
PY27 = PY33[:-1] + ["python-2.7.5-0"]
PIP27 = ["distribute-0.6.36-py27_1", "pip-1.3.1-py27_1"]
PIP33 = ["distribute-0.6.36-py33_1", "pip-1.3.1-py33_1"]
CH4_BASE = ["ca-certificates-2018.03.07-0", "libgcc-ng-8.2.0-hdf63c60_0", "libstdcxx-ng-8.2.0-hdf63c60_0",
            "libffi-3.2.1-hd88cf55_4", "tk-8.6.7-hc745277_3", "zlib-1.2.11-ha838bed_2", "readline-7.0-ha6073c6_4"]
CONDA_BUILD_PY37 = [
    "ncurses-6.1-hf484d3e_0", "openssl-1.0.2p-h14c3975_0", "patchelf-0.9-hf484d3e_2", "xz-5.2.4-h14c3975_4",
    "yaml-0.1.7-had09818_2", "libedit-3.1.20170329-h6b74fdf_2", "sqlite-3.24.0-h84994c4_0",
    "python-3.7.0-hc3d631a_0", "asn1crypto-0.24.0-py37_0", "beautifulsoup4-4.6.3-py37_0",
    "certifi-2018.8.13-py37_0", "chardet-3.0.4-py37_1", "cryptography-vectors-2.3-py37_0", "filelock-3.0.4-py37_0",
    "glob2-0.6-py37_0", "idna-2.7-py37_0", "markupsafe-1.0-py37h14c3975_1", "pkginfo-1.4.2-py37_1",
    "psutil-5.4.6-py37h14c3975_0", "pycosat-0.6.3-py37h14c3975_0", "pycparser-2.18-py37_1", "pysocks-1.6.8-py37_0",
    "pyyaml-3.13-py37h14c3975_0", "ruamel_yaml-0.15.46-py37h14c3975_0", "six-1.11.0-py37_1",
    "cffi-1.11.5-py37h9745a5d_0", "setuptools-40.0.0-py37_0", "cryptography-2.3-py37hb7f436b_0",
    "jinja2-2.10-py37_0", "pyopenssl-18.0.0-py37_0", "urllib3-1.23-py37_0", "requests-2.19.1-py37_0",
    "conda-4.5.10-py37_0", "conda-build-3.12.1-py37_0",
]

PANDAS27 = PY27 + ["dateutil-2.1-py27_1", "numpy-1.7.1-py27_0", "pandas-0.11.0-np17py27_1", "pytz-2013b-py27_0",
                   "scipy-0.12.0-np17py27_0", "six-1.3.0-py27_0"]

# (id, channels, specs, expect, options); options: channel_priority, constraints, extra records
CASES: list[tuple[str, list[str], list[str], object, dict]] = [
    # ---- tests/core/test_solve.py (first, fresh solve of each test) ----
    ("test_solve_1", ["index1"], ["numpy"], PY33 + ["numpy-1.7.1-py33_0"], {}),
    ("test_solve_2", ["index2", "index4"], ["numpy"],
     ["mkl-2017.0.3-0", "openssl-1.0.2l-0", "readline-6.2-2", "sqlite-3.13.0-0", "tk-8.5.18-0", "xz-5.2.3-0",
      "zlib-1.2.11-0", "python-3.6.2-0", "numpy-1.13.1-py36_0"], {}),
    ("test_prune_1", ["index1"], ["numpy=1.6", "python=2.7.3", "accelerate"],
     ["libnvvm-1.0-p0", "mkl-rt-11.0-p0", "openssl-1.0.1c-0", "readline-6.2-0", "sqlite-3.7.13-0", "system-5.8-1",
      "tk-8.5.13-0", "zlib-1.2.7-0", "llvm-3.2-0", "python-2.7.3-7", "bitarray-0.8.1-py27_0",
      "llvmpy-0.11.2-py27_0", "meta-0.4.2.dev-py27_0", "mkl-service-1.0.0-py27_p0", "numpy-1.6.2-py27_p4",
      "numba-0.8.1-np16py27_0", "numexpr-2.1-np16py27_p0", "scipy-0.12.0-np16py27_p0",
      "numbapro-0.11.0-np16py27_p0", "scikit-learn-0.13.1-np16py27_p0", "mkl-11.0-np16py27_p0",
      "accelerate-1.1.0-np16py27_p0"], {}),
    ("test_force_remove_1", ["index1"], ["numpy[version=*,build=*py27*]"], PY27 + ["numpy-1.7.1-py27_0"], {}),
    ("test_no_deps_1", ["index1"], ["python=2"], PY27, {}),
    ("test_only_deps_2", ["index1"], ["numpy=1.5", "python=2.7.3"],
     PY33[:-1] + ["python-2.7.3-7", "numpy-1.5.1-py27_4"], {}),
    ("test_update_all_1", ["index1"], ["numpy=1.5", "python=2.6", "system[version=*,build_number=0]"],
     ["openssl-1.0.1c-0", "readline-6.2-0", "sqlite-3.7.13-0", "system-5.8-0", "tk-8.5.13-0", "zlib-1.2.7-0",
      "python-2.6.8-6", "numpy-1.5.1-py26_4"], {}),
    ("test_broken_install", ["index1"], ["pandas=0.11.0=np16py27_1", "python=2.7"],
     PY27 + ["numpy-1.6.2-py27_4", "pytz-2013b-py27_0", "six-1.3.0-py27_0", "dateutil-2.1-py27_1",
             "scipy-0.12.0-np16py27_0", "pandas-0.11.0-np16py27_1"], {}),
    ("test_conda_downgrade", ["index2", "index4"], ["conda-build"],
     ["ca-certificates-2018.03.07-0", "conda-env-2.6.0-0", "libffi-3.2.1-1", "libgcc-ng-8.2.0-hdf63c60_0",
      "libstdcxx-ng-8.2.0-hdf63c60_0", "zlib-1.2.11-0", "tk-8.6.7-hc745277_3", "readline-7.0-ha6073c6_4"]
     + CONDA_BUILD_PY37, {"channel_priority": "disabled"}),
    ("test_unfreeze_when_required", ["synthetic"], ["foobar", "qux"],
     ["libbar-2.0-0", "libfoo-1.0-0", "foobar-1.0-0", "qux-1.0-0"], {"extra": "freeze"}),
    ("test_unfreeze_when_required_2", ["synthetic"], ["foobar"],
     ["libbar-2.0-0", "libfoo-2.0-0", "foobar-2.0-0"], {"extra": "freeze"}),
    ("test_auto_update_conda", ["index1"], ["conda=1.3"],
     PY27[:5] + ["yaml-0.1.4-0", "zlib-1.2.7-0", "python-2.7.5-0", "pyyaml-3.10-py27_0", "conda-1.3.5-py27_0"], {}),
    ("test_explicit_conda_downgrade", ["index1"], ["conda=1.5"],
     PY27[:5] + ["yaml-0.1.4-0", "zlib-1.2.7-0", "python-2.7.5-0", "pyyaml-3.10-py27_0", "conda-1.5.2-py27_0"], {}),
    ("test_aggressive_update_packages", ["index1"], ["libpng=1.2"], ["libpng-1.2.50-0"], {}),
    ("test_python2_update", ["index4"], ["conda", "python=2"],
     CH4_BASE + ["conda-env-2.6.0-1", "ncurses-6.1-hf484d3e_0", "openssl-1.0.2p-h14c3975_0", "yaml-0.1.7-had09818_2",
                 "libedit-3.1.20170329-h6b74fdf_2", "sqlite-3.24.0-h84994c4_0", "python-2.7.15-h1571d57_0",
                 "asn1crypto-0.24.0-py27_0", "certifi-2018.8.13-py27_0", "chardet-3.0.4-py27_1",
                 "cryptography-vectors-2.3-py27_0", "enum34-1.1.6-py27_1", "futures-3.2.0-py27_0", "idna-2.7-py27_0",
                 "ipaddress-1.0.22-py27_0", "pycosat-0.6.3-py27h14c3975_0", "pycparser-2.18-py27_1",
                 "pysocks-1.6.8-py27_0", "ruamel_yaml-0.15.46-py27h14c3975_0", "six-1.11.0-py27_1",
                 "cffi-1.11.5-py27h9745a5d_0", "cryptography-2.3-py27hb7f436b_0", "pyopenssl-18.0.0-py27_0",
                 "urllib3-1.23-py27_0", "requests-2.19.1-py27_0", "conda-4.5.10-py27_0"], {}),
    ("test_update_deps_2", ["index4", "index2"], ["flask==0.12", "jinja2==2.8"],
     CH4_BASE + ["ncurses-6.1-hf484d3e_0", "openssl-1.0.2p-h14c3975_0", "xz-5.2.4-h14c3975_4",
                 "libedit-3.1.20170329-h6b74fdf_2", "sqlite-3.24.0-h84994c4_0", "python-3.6.6-hc3d631a_0",
                 "certifi-2018.8.13-py36_0", "click-6.7-py36_0", "itsdangerous-0.24-py36_1",
                 "markupsafe-1.0-py36h14c3975_1", "werkzeug-0.14.1-py36_0", "setuptools-40.0.0-py36_0",
                 "jinja2-2.8-py36_1", "flask-0.12-py36_0"], {"channel_priority": "disabled"}),
    ("test_fast_update_with_update_modifier_not_set", ["index4"], ["python=2", "openssl==1.0.2l", "sqlite=3.21"],
     ["ca-certificates-2018.03.07-0", "libgcc-ng-8.2.0-hdf63c60_0", "libstdcxx-ng-8.2.0-hdf63c60_0",
      "libffi-3.2.1-hd88cf55_4", "ncurses-6.0-h9df7e31_2", "openssl-1.0.2l-h077ae2c_5", "tk-8.6.7-hc745277_3",
      "zlib-1.2.11-ha838bed_2", "libedit-3.1-heed3624_0", "readline-7.0-ha6073c6_4", "sqlite-3.21.0-h1bed415_2",
      "python-2.7.14-h89e7a4a_22"], {}),
    ("test_pinned_1", ["index1"], ["system=5.8=0"], ["system-5.8-0"],
     {"constraints": ["python=2.6", "iopro<=1.4.2"]}),
    ("test_timestamps_1", ["index4"], ["python=3.6.2"],
     ["ca-certificates-2018.03.07-0", "libgcc-ng-8.2.0-hdf63c60_0", "libstdcxx-ng-8.2.0-hdf63c60_0",
      "libffi-3.2.1-hd88cf55_4", "ncurses-6.0-h9df7e31_2", "openssl-1.0.2p-h14c3975_0", "tk-8.6.7-hc745277_3",
      "xz-5.2.4-h14c3975_4", "zlib-1.2.11-ha838bed_2", "libedit-3.1-heed3624_0", "readline-7.0-ha6073c6_4",
      "sqlite-3.23.1-he433501_0", "python-3.6.2-hca45abc_19"], {}),
    ("test_remove_with_constrained_dependencies", ["index4"], ["conda", "conda-build"],
     CH4_BASE + ["conda-env-2.6.0-1"] + CONDA_BUILD_PY37, {}),
    ("test_priority_1", ["index2", "index4"], ["pandas", "python=2.7"],
     ["mkl-2017.0.3-0", "openssl-1.0.2l-0", "readline-6.2-2", "sqlite-3.13.0-0", "tk-8.5.18-0", "zlib-1.2.11-0",
      "python-2.7.13-0", "numpy-1.13.1-py27_0", "pytz-2017.2-py27_0", "six-1.10.0-py27_0",
      "python-dateutil-2.6.1-py27_0", "pandas-0.20.3-py27_0"], {}),
    ("test_features_solve_1", ["index2", "index4"], ["python=2.7", "numpy", "nomkl"],
     ["nomkl-1.0-0", "libgfortran-3.0.0-1", "openssl-1.0.2l-0", "readline-6.2-2", "sqlite-3.13.0-0",
      "tk-8.5.18-0", "zlib-1.2.11-0", "openblas-0.2.19-0", "python-2.7.13-0", "numpy-1.13.1-py27_nomkl_0"], {}),
    ("test_features_solve_1_disabled", ["index2", "index4"], ["python=2.7", "numpy", "nomkl"],
     ["blas-1.0-openblas", "ca-certificates-2018.03.07-0", "libffi-3.2.1-1", "libgcc-ng-8.2.0-hdf63c60_0",
      "libgfortran-ng-7.2.0-hdf63c60_3", "libstdcxx-ng-8.2.0-hdf63c60_0", "zlib-1.2.11-0",
      "libopenblas-0.2.20-h9ac9557_7", "ncurses-6.1-hf484d3e_0", "nomkl-3.0-0", "openssl-1.0.2p-h14c3975_0",
      "tk-8.6.7-hc745277_3", "libedit-3.1.20170329-h6b74fdf_2", "readline-7.0-ha6073c6_4",
      "sqlite-3.24.0-h84994c4_0", "python-2.7.15-h1571d57_0", "numpy-base-1.15.0-py27h7cdd4dd_0",
      "numpy-1.15.0-py27h2aefc1b_0"], {"channel_priority": "disabled"}),
    ("test_freeze_deps_1", ["index2"], ["six=1.7"],
     ["openssl-1.0.2l-0", "readline-6.2-2", "sqlite-3.13.0-0", "tk-8.5.18-0", "xz-5.2.3-0", "zlib-1.2.11-0",
      "python-3.4.5-0", "six-1.7.3-py34_0"], {}),
    ("test_downgrade_python_prevented_with_sane_message", ["index1"], ["python=2.6"],
     PY33[:-1] + ["python-2.6.8-6"], {}),
    # ---- conda/testing/solver_helpers.py: SolverTests ----
    ("SolverTests.test_iopro_mkl", ["index1+pip"], ["iopro 1.4*", "python 2.7*", "numpy 1.7*"],
     PY27 + PIP27 + ["iopro-1.4.3-np17py27_p0", "numpy-1.7.1-py27_0", "unixodbc-2.3.1-0"], {}),
    ("SolverTests.test_pseudo_boolean", ["index1+pip"], ["iopro", "python 2.7*", "numpy 1.5*"],
     PY27 + PIP27 + ["iopro-1.4.3-np15py27_p0", "numpy-1.5.1-py27_4", "unixodbc-2.3.1-0"], {}),
    ("SolverTests.test_anaconda_nomkl", ["index1+pip"], ["anaconda 1.5.0", "python 2.7*", "numpy 1.7*"],
     {"count": 107, "has": ["scipy-0.12.0-np17py27_0"]}, {}),
    ("SolverTests.test_get_dists", ["index1+pip"], ["anaconda 1.4.0"],
     {"has": ["anaconda-1.4.0-np17py33_0", "freetype-2.4.10-0"]}, {}),
    ("SolverTests.test_unsat_from_r1", ["index1+pip"], ["numpy 1.5*", "scipy 0.12.0b1"], UNSAT, {}),
    ("SolverTests.test_unsat_from_r1_python3", ["index1+pip"], ["numpy 1.5*", "python 3*"], UNSAT, {}),
    ("SolverTests.test_unsat_from_r1_two_numpys", ["index1+pip"], ["numpy 1.5*", "numpy 1.6*"], UNSAT, {}),
    ("SolverTests.test_unsat_simple", ["synthetic"], ["a", "b"], UNSAT, {"extra": "unsat_simple"}),
    ("SolverTests.test_unsat_shortest_chain_1", ["synthetic"], ["c=1.3.6", "a", "b"], UNSAT, {"extra": "chain_1"}),
    ("SolverTests.test_unsat_shortest_chain_2", ["synthetic"], ["c=1.3.6", "a", "b"], UNSAT, {"extra": "chain_2"}),
    ("SolverTests.test_unsat_shortest_chain_3", ["synthetic"], ["c=1.3.6", "a", "b"], UNSAT, {"extra": "chain_3"}),
    ("SolverTests.test_unsat_shortest_chain_4", ["synthetic"], ["a", "py=3.6.1"], UNSAT, {"extra": "chain_4"}),
    ("SolverTests.test_unsat_chain", ["synthetic"], ["a", "e"], UNSAT, {"extra": "unsat_chain"}),
    ("SolverTests.test_unsat_any_two_not_three_ab", ["synthetic"], ["a", "b"],
     {"has": ["a-1.0-0", "b-1.0-0"]}, {"extra": "any_two"}),
    ("SolverTests.test_unsat_any_two_not_three_ac", ["synthetic"], ["a", "c"],
     {"has": ["a-2.0-0", "c-1.0-0"]}, {"extra": "any_two"}),
    ("SolverTests.test_unsat_any_two_not_three_bc", ["synthetic"], ["b", "c"],
     {"has": ["b-2.0-0", "c-2.0-0"]}, {"extra": "any_two"}),
    ("SolverTests.test_unsat_any_two_not_three_abc", ["synthetic"], ["a", "b", "c"], UNSAT, {"extra": "any_two"}),
    ("SolverTests.test_unsat_expand_single", ["synthetic"], ["a"], UNSAT, {"extra": "expand_single"}),
    ("SolverTests.test_unsat_missing_dep", ["synthetic"], ["a", "b"], UNSAT, {"extra": "missing_dep"}),
    ("SolverTests.test_nonexistent", ["index1+pip"], ["notarealpackage 2.0*"], UNSAT, {}),
    ("SolverTests.test_nonexistent_numpy", ["index1+pip"], ["numpy 1.5"], UNSAT, {}),
    ("SolverTests.test_timestamps_and_deps_12", ["index1+pip"], ["libpng 1.2.*", "mypackage"],
     {"has": ["libpng-1.2.50-0", "mypackage-1.0-hash12_0"]}, {"extra": "timestamps"}),
    ("SolverTests.test_timestamps_and_deps_15", ["index1+pip"], ["libpng 1.5.*", "mypackage"],
     {"has": ["libpng-1.5.13-1", "mypackage-1.0-hash15_0"]}, {"extra": "timestamps"}),
    ("SolverTests.test_timestamps_and_deps", ["index1+pip"], ["mypackage"],
     ["libpng-1.5.13-1", "mypackage-1.0-hash15_0"], {"extra": "timestamps"}),
    ("SolverTests.test_nonexistent_deps_1", ["index1+pip"], ["mypackage"],
     ["mypackage-1.1-0", "nose-1.3.0-py33_0"] + PY33 + PIP33, {"extra": "nonexistent_deps_1"}),
    ("SolverTests.test_nonexistent_deps_2", ["index1+pip"], ["anotherpackage 1.0"],
     ["anotherpackage-1.0-0", "mypackage-1.1-0", "nose-1.3.0-py33_0"] + PY33 + PIP33, {"extra": "nonexistent_deps_1"}),
    ("SolverTests.test_nonexistent_deps_3", ["index1+pip"], ["anotherpackage"],
     ["anotherpackage-2.0-0", "mypackage-1.1-0", "nose-1.3.0-py33_0"] + PY33 + PIP33, {"extra": "nonexistent_deps_1"}),
    ("SolverTests.test_nonexistent_deps_4", ["index1+pip"], ["mypackage"],
     ["mypackage-1.0-0", "nose-1.3.0-py33_0"] + PY33 + PIP33, {"extra": "nonexistent_deps_2"}),
    ("SolverTests.test_nonexistent_deps_5", ["index1+pip"], ["mypackage 1.1"], UNSAT, {"extra": "nonexistent_deps_2"}),
    ("SolverTests.test_nonexistent_deps_6", ["index1+pip"], ["anotherpackage 1.0"],
     ["anotherpackage-1.0-0", "mypackage-1.0-0", "nose-1.3.0-py33_0"] + PY33 + PIP33, {"extra": "nonexistent_deps_2"}),
    ("SolverTests.test_nonexistent_deps_7", ["index1+pip"], ["anotherpackage"],
     ["anotherpackage-2.0-0", "mypackage-1.0-0", "nose-1.3.0-py33_0"] + PY33 + PIP33, {"extra": "nonexistent_deps_2"}),
    ("SolverTests.test_install_package_with_feature", ["index1+pip"], ["mypackage", "feature 1.0"],
     {"has": ["mypackage-1.0-0", "feature-1.0-0"]}, {"extra": "with_feature"}),
    ("SolverTests.test_circular_dependencies", ["index1+pip"], ["package1", "package2"],
     ["package1-1.0-0", "package2-1.0-0"], {"extra": "circular"}),
    ("SolverTests.test_circular_dependencies_1", ["index1+pip"], ["package1"],
     ["package1-1.0-0", "package2-1.0-0"], {"extra": "circular"}),
    ("SolverTests.test_irrational_version", ["index1+pip"], ["pytz 2012d", "python 3*"],
     PY33 + PIP33 + ["pytz-2012d-py33_0"], {}),
    ("SolverTests.test_no_features", ["index1+pip"], ["python 2.6*", "numpy 1.6*", "scipy 0.11*"],
     ["distribute-0.6.36-py26_1", "numpy-1.6.2-py26_4", "openssl-1.0.1c-0", "pip-1.3.1-py26_1", "python-2.6.8-6",
      "readline-6.2-0", "scipy-0.11.0-np16py26_3", "sqlite-3.7.13-0", "system-5.8-1", "tk-8.5.13-0",
      "zlib-1.2.7-0"], {}),
    ("SolverTests.test_no_features_pandas", ["index1+pip"], ["pandas 0.12.0 np16py27_0", "python 2.7*"],
     PY27 + PIP27 + ["dateutil-2.1-py27_1", "numpy-1.6.2-py27_4", "pandas-0.12.0-np16py27_0", "pytz-2013b-py27_0",
                     "six-1.3.0-py27_0"], {"extra": "no_features"}),
    ("SolverTests.test_surplus_features_1", ["synthetic"], ["package2", "feature"],
     ["package2-2.0-0", "feature-1.0-0"], {"extra": "surplus_1"}),
    ("SolverTests.test_surplus_features_2", ["synthetic"], ["package2", "feature"],
     ["package2-1.0-0", "feature-1.0-0"], {"extra": "surplus_2"}),
    ("SolverTests.test_get_reduced_index_broadening_with_unsatisfiable_early_dep", ["synthetic"], ["a"],
     ["a-2.0-0", "b-1.0-0", "c-1.0-0"], {"extra": "broadening_1"}),
    ("SolverTests.test_get_reduced_index_broadening_preferred_solution", ["synthetic"], ["top"],
     {"has": ["top-2.0-0", "bottom-2.5-0"]}, {"extra": "broadening_2"}),
    ("SolverTests.test_arch_preferred_over_noarch_when_otherwise_equal", ["synthetic"], ["package1"],
     {"subdir": {"package1": "linux-64"}}, {"extra": "arch_equal"}),
    ("SolverTests.test_noarch_preferred_over_arch_when_version_greater", ["synthetic"], ["package1"],
     {"subdir": {"package1": "noarch"}}, {"extra": "noarch_version"}),
    ("SolverTests.test_noarch_preferred_over_arch_when_version_greater_dep", ["synthetic"], ["package2"],
     {"subdir": {"package1": "noarch"}}, {"extra": "noarch_version_dep"}),
    ("SolverTests.test_noarch_preferred_over_arch_when_build_greater", ["synthetic"], ["package1"],
     {"subdir": {"package1": "noarch"}}, {"extra": "noarch_build"}),
    ("SolverTests.test_noarch_preferred_over_arch_when_build_greater_dep", ["synthetic"], ["package2"],
     {"subdir": {"package1": "noarch"}}, {"extra": "noarch_build_dep"}),
    # ---- tests/test_resolve.py (conda's Resolve.install, index1 as it is: no pip added) ----
    ("resolve.test_iopro_nomkl", ["index1"], ["iopro 1.4*", "python 2.7*", "numpy 1.7*"],
     PY27 + ["iopro-1.4.3-np17py27_p0", "numpy-1.7.1-py27_0", "unixodbc-2.3.1-0"], {}),
    ("resolve.test_anaconda_nomkl", ["index1"], ["anaconda 1.5.0", "python 2.7*", "numpy 1.7*"],
     {"count": 107, "has": ["scipy-0.12.0-np17py27_0"]}, {}),
    ("resolve.test_pseudo_boolean", ["index1"], ["iopro", "python 2.7*", "numpy 1.5*"],
     PY27 + ["iopro-1.4.3-np15py27_p0", "numpy-1.5.1-py27_4", "unixodbc-2.3.1-0"], {}),
    ("resolve.test_unsat_channel_priority_strict", ["synthetic", "synthetic"], ["a", "b"], UNSAT,
     {"extra": ["priority_1", "priority_2"]}),
    ("resolve.test_unsat_channel_priority_disabled", ["synthetic", "synthetic"], ["a", "b"],
     {"has": ["a-2.0-0", "b-2.0-0"]}, {"extra": ["priority_1", "priority_2"], "channel_priority": "disabled"}),
    ("resolve.test_nonexistent_deps_1", ["index1"], ["mypackage"],
     ["mypackage-1.1-py33_0", "nose-1.3.0-py33_0"] + PY33, {"extra": "resolve_deps_1"}),
    ("resolve.test_nonexistent_deps_2", ["index1"], ["mypackage 1.1"],
     ["mypackage-1.1-py33_0", "nose-1.3.0-py33_0"] + PY33, {"extra": "resolve_deps_1"}),
    ("resolve.test_nonexistent_deps_3", ["index1"], ["mypackage 1.0"], UNSAT, {"extra": "resolve_deps_1"}),
    ("resolve.test_nonexistent_deps_4", ["index1"], ["mypackage 1.0", "burgertime 1.0"], UNSAT,
     {"extra": "resolve_deps_1"}),
    ("resolve.test_nonexistent_deps_5", ["index1"], ["anotherpackage 1.0"],
     ["anotherpackage-1.0-py33_0", "mypackage-1.1-py33_0", "nose-1.3.0-py33_0"] + PY33, {"extra": "resolve_deps_1"}),
    ("resolve.test_nonexistent_deps_6", ["index1"], ["anotherpackage"],
     ["anotherpackage-2.0-py33_0", "mypackage-1.1-py33_0", "nose-1.3.0-py33_0"] + PY33, {"extra": "resolve_deps_1"}),
    ("resolve.test_nonexistent_deps_7", ["index1"], ["mypackage"],
     ["mypackage-1.0-py33_0", "nose-1.3.0-py33_0"] + PY33, {"extra": "resolve_deps_2"}),
    ("resolve.test_nonexistent_deps_8", ["index1"], ["mypackage 1.1"], UNSAT, {"extra": "resolve_deps_2"}),
    ("resolve.test_nonexistent_deps_9", ["index1"], ["anotherpackage 1.0"],
     ["anotherpackage-1.0-py33_0", "mypackage-1.0-py33_0", "nose-1.3.0-py33_0"] + PY33, {"extra": "resolve_deps_2"}),
    ("resolve.test_nonexistent_deps_10", ["index1"], ["anotherpackage"],
     ["anotherpackage-2.0-py33_0", "mypackage-1.0-py33_0", "nose-1.3.0-py33_0"] + PY33, {"extra": "resolve_deps_2"}),
    ("resolve.test_install_package_with_feature", ["index1"], ["mypackage", "feature 1.0"],
     {"has": ["mypackage-1.0-featurepy33_0", "feature-1.0-py33_0"]}, {"extra": "resolve_feature"}),
    ("resolve.test_unintentional_feature_downgrade", ["index1"], ["scipy 0.11.0"],
     {"lacks": ["scipy-0.11.0-np17py33_x0"], "names": ["numpy"]}, {"extra": "bad_scipy"}),
    ("resolve.test_circular_dependencies", ["index1"], ["package1", "package2"],
     ["package1-1.0-0", "package2-1.0-0"], {"extra": "circular"}),
    ("resolve.test_circular_dependencies_2", ["index1"], ["package2"],
     ["package1-1.0-0", "package2-1.0-0"], {"extra": "circular"}),
    ("resolve.test_optional_dependencies_1", ["index1"], ["package1"], ["package1-1.0-0"], {"extra": "optional"}),
    ("resolve.test_optional_dependencies_2", ["index1"], ["package1", "package2"],
     ["package1-1.0-0", "package2-2.0-0"], {"extra": "optional"}),
    ("resolve.test_optional_dependencies_3", ["index1"], ["package1", "package2 >1.0"],
     ["package1-1.0-0", "package2-2.0-0"], {"extra": "optional"}),
    ("resolve.test_optional_dependencies_4", ["index1"], ["package1", "package2 <2.0"], UNSAT, {"extra": "optional"}),
    ("resolve.test_optional_dependencies_5", ["index1"], ["package1", "package2 1.0"], UNSAT, {"extra": "optional"}),
    ("resolve.test_irrational_version", ["index1"], ["pytz 2012d", "python 3*"], PY33 + ["pytz-2012d-py33_0"], {}),
    ("resolve.test_no_features", ["index1"], ["python 2.6*", "numpy 1.6*", "scipy 0.11*"],
     PY33[:-1] + ["python-2.6.8-6", "numpy-1.6.2-py26_4", "scipy-0.11.0-np16py26_3"], {}),
    ("resolve.test_no_features_pandas", ["index1"], ["pandas 0.12.0 np16py27_0", "python 2.7*"],
     PY27 + ["dateutil-2.1-py27_1", "numpy-1.6.2-py27_4", "pandas-0.12.0-np16py27_0", "pytz-2013b-py27_0",
             "six-1.3.0-py27_0"], {"extra": "resolve_no_features"}),
    ("resolve.test_broken_install", ["index1"], ["pandas", "python 2.7*", "numpy 1.6*"],
     PY27 + ["dateutil-2.1-py27_1", "numpy-1.6.2-py27_4", "pandas-0.11.0-np16py27_1", "pytz-2013b-py27_0",
             "scipy-0.12.0-np16py27_0", "six-1.3.0-py27_0"], {}),
    ("resolve.test_remove", ["index1"], ["pandas", "python 2.7*"], PANDAS27, {}),
    ("resolve.test_channel_priority_1", ["synthetic", "index1"], ["pandas", "python 2.7*"],
     {"has": ["pandas-0.10.1-np17py27_0"]}, {"extra": ["pandas_in_a"]}),
    ("resolve.test_channel_priority_1_reversed", ["synthetic", "index1", "synthetic"], ["pandas", "python 2.7*"],
     {"has": ["pandas-0.11.0-np17py27_1"]}, {"extra": [None, None, "pandas_in_a"]}),
    ("resolve.test_channel_priority_1_disabled", ["synthetic", "index1"], ["pandas", "python 2.7*"],
     {"has": ["pandas-0.11.0-np17py27_1"]}, {"extra": ["pandas_in_a"], "channel_priority": "disabled"}),
    ("resolve.test_channel_priority_2", ["index1", "index4"], ["pandas", "python 2.7*"], PANDAS27, {}),
    ("resolve.test_channel_priority_2_disabled", ["index1", "index4"], ["pandas", "python 2.7*"],
     ["blas-1.0-mkl", "ca-certificates-2018.03.07-0", "intel-openmp-2018.0.3-0", "libedit-3.1.20170329-h6b74fdf_2",
      "libffi-3.2.1-hd88cf55_4", "libgcc-ng-8.2.0-hdf63c60_0", "libgfortran-ng-7.2.0-hdf63c60_3",
      "libstdcxx-ng-8.2.0-hdf63c60_0", "mkl-2018.0.3-1", "mkl_fft-1.0.4-py27h4414c95_1",
      "mkl_random-1.0.1-py27h4414c95_1", "ncurses-6.1-hf484d3e_0", "numpy-1.15.0-py27h1b885b7_0",
      "numpy-base-1.15.0-py27h3dfced4_0", "openssl-1.0.2p-h14c3975_0", "pandas-0.23.4-py27h04863e7_0",
      "python-2.7.15-h1571d57_0", "python-dateutil-2.7.3-py27_0", "pytz-2018.5-py27_0", "readline-7.0-ha6073c6_4",
      "six-1.11.0-py27_1", "sqlite-3.24.0-h84994c4_0", "tk-8.6.7-hc745277_3", "zlib-1.2.11-ha838bed_2"],
     {"channel_priority": "disabled"}),
    ("resolve.test_update_deps", ["index1"], ["python 2.7*", "numpy 1.6*", "pandas 0.10.1"],
     PY27 + ["dateutil-2.1-py27_1", "numpy-1.6.2-py27_4", "pandas-0.10.1-np16py27_0", "scipy-0.11.0-np16py27_3",
             "six-1.3.0-py27_0"], {}),
]

# records conda's tests add of their own (helpers.record defaults: version 1.0, build "0")
EXTRA: dict[str, object] = {
    "freeze": [
        rec("libfoo", "1.0"), rec("libfoo", "2.0"), rec("libbar", "1.0"), rec("libbar", "2.0"),
        rec("foobar", "1.0", depends=["libfoo 1.0", "libbar 2.0"]),
        rec("foobar", "2.0", depends=["libfoo 2.0", "libbar 2.0"]),
        rec("qux", "1.0", depends=["libfoo 1.0", "libbar 2.0"]),
        rec("qux", "2.0", depends=["libfoo 2.0", "libbar 1.0"]),
    ],
    "unsat_simple": [rec("a", depends=["c >=1,<2"]), rec("b", depends=["c >=2,<3"]),
                     rec("c", "1.0"), rec("c", "2.0")],
    "chain_1": [rec("a", depends=["d", "c <1.3.0"]), rec("b", depends=["c"]), rec("c", "1.3.6"),
                rec("c", "1.2.8"), rec("d", depends=["c >=0.8.0"])],
    "chain_2": [rec("a", depends=["d", "c >=0.8.0"]), rec("b", depends=["c"]), rec("c", "1.3.6"),
                rec("c", "1.2.8"), rec("d", depends=["c <1.3.0"])],
    "chain_3": [rec("a", depends=["f", "e"]), rec("b", depends=["c"]), rec("c", "1.3.6"), rec("c", "1.2.8"),
                rec("d", depends=["c >=0.8.0"]), rec("e", depends=["c <1.3.0"]), rec("f", depends=["d"])],
    "chain_4": [rec("a", depends=["py =3.7.1"]), rec("py_req_1"), rec("py_req_2"),
                rec("py", "3.7.1", depends=["py_req_1", "py_req_2"]),
                rec("py", "3.6.1", depends=["py_req_1", "py_req_2"])],
    "unsat_chain": [rec("a", depends=["b"]), rec("b", depends=["c >=1,<2"]), rec("c", "1.0", depends=["d >=1,<2"]),
                    rec("d", "1.0"), rec("e", depends=["c >=2,<3"]), rec("c", "2.0", depends=["d >=2,<3"]),
                    rec("d", "2.0")],
    "any_two": [rec("a", "1.0", depends=["d >=1,<2"]), rec("a", "2.0", depends=["d >=2,<3"]),
                rec("b", "1.0", depends=["d >=1,<2"]), rec("b", "2.0", depends=["d >=3,<4"]),
                rec("c", "1.0", depends=["d >=2,<3"]), rec("c", "2.0", depends=["d >=3,<4"]),
                rec("d", "1.0"), rec("d", "2.0"), rec("d", "3.0")],
    "expand_single": [rec("a", depends=["b", "c"]), rec("b", depends=["d >=1,<2"]), rec("c", depends=["d >=2,<3"]),
                      rec("d", "1.0"), rec("d", "2.0")],
    "missing_dep": [rec("a", depends=["b", "c"]), rec("b", depends=["c >=2,<3"]), rec("c", "1.0")],
    "timestamps": [rec("mypackage", "1.0", build="hash12_0", timestamp=1, depends=["libpng 1.2.*"]),
                   rec("mypackage", "1.0", build="hash15_0", timestamp=0, depends=["libpng 1.5.*"])],
    "nonexistent_deps_1": [
        rec("mypackage", "1.0", depends=["nose", "python 3.3*", "notarealpackage 2.0*"]),
        rec("mypackage", "1.1", depends=["nose", "python 3.3*"]),
        rec("anotherpackage", "1.0", depends=["nose", "mypackage 1.1"]),
        rec("anotherpackage", "2.0", depends=["nose", "mypackage"]),
    ],
    "nonexistent_deps_2": [
        rec("mypackage", "1.0", depends=["nose", "python 3.3*"]),
        rec("mypackage", "1.1", depends=["nose", "python 3.3*", "notarealpackage 2.0*"]),
        rec("anotherpackage", "1.0", depends=["nose", "mypackage 1.0"]),
        rec("anotherpackage", "2.0", depends=["nose", "mypackage"]),
    ],
    "with_feature": [rec("mypackage", "1.0", depends=["python 3.3*"], features="feature"),
                     rec("feature", "1.0", depends=["python 3.3*"], track_features="feature")],
    "circular": [rec("package1", depends=["package2"]), rec("package2", depends=["package1"])],
    "no_features": [
        rec("pandas", "0.12.0", build="np16py27_0", depends=["dateutil", "numpy 1.6*", "python 2.7*", "pytz"]),
        rec("numpy", "1.6.2", build="py27_p5", depends=["mkl-rt 11.0", "python 2.7"], features="mkl"),
    ],
    "surplus_1": [rec("feature", track_features="feature"), rec("package1", features="feature"),
                  rec("package2", "1.0", features="feature", depends=["package1"]),
                  rec("package2", "2.0", features="feature")],
    "surplus_2": [rec("feature", track_features="feature"), rec("package1", features="feature"),
                  rec("package2", "1.0", build_number=0, features="feature", depends=["package1"]),
                  rec("package2", "1.0", build_number=1, features="feature")],
    "broadening_1": [rec("a", "1.0", depends=["b", "c==2"]), rec("a", "2.0", depends=["b"]),
                     rec("b", depends=["c"]), rec("c")],
    "broadening_2": [rec("top", "1.0", depends=["middle", "bottom==1.5"]), rec("top", "2.0", depends=["middle"]),
                     rec("middle", depends=["bottom"]), rec("bottom", "1.5"), rec("bottom", "2.5")],
    "arch_equal": [rec("package1", subdir="noarch"), rec("package1")],
    "noarch_version": [rec("package1", "2.0", subdir="noarch"), rec("package1", "1.0")],
    "noarch_version_dep": [rec("package1", "1.0"), rec("package1", "2.0", subdir="noarch"),
                           rec("package2", depends=["package1"])],
    "noarch_build": [rec("package1", build_number=0), rec("package1", build_number=1, subdir="noarch")],
    "noarch_build_dep": [rec("package1", build_number=0), rec("package1", build_number=1, subdir="noarch"),
                         rec("package2", depends=["package1"])],
    "priority_1": [rec("a", "1.0", depends=["c"]), rec("b", "1.0", depends=["c >=2,<3"]), rec("c", "1.0")],
    "priority_2": [rec("a", "2.0", depends=["c"]), rec("b", "2.0", depends=["c >=2,<3"]), rec("c", "1.0"),
                   rec("c", "2.0")],
    "resolve_deps_1": [
        rec("mypackage", "1.0", build="py33_0", depends=["nose", "python 3.3*", "notarealpackage 2.0*"]),
        rec("mypackage", "1.1", build="py33_0", depends=["nose", "python 3.3*"]),
        rec("anotherpackage", "1.0", build="py33_0", depends=["nose", "mypackage 1.1"]),
        rec("anotherpackage", "2.0", build="py33_0", depends=["nose", "mypackage"]),
    ],
    "resolve_deps_2": [
        rec("mypackage", "1.1", build="py33_0", depends=["nose", "python 3.3*", "notarealpackage 2.0*"]),
        rec("mypackage", "1.0", build="py33_0", depends=["nose", "python 3.3*"]),
        rec("anotherpackage", "1.0", build="py33_0", depends=["nose", "mypackage 1.0"]),
        rec("anotherpackage", "2.0", build="py33_0", depends=["nose", "mypackage"]),
    ],
    "resolve_feature": [rec("mypackage", "1.0", build="featurepy33_0", depends=["python 3.3*"], features="feature"),
                        rec("feature", "1.0", build="py33_0", depends=["python 3.3*"], track_features="feature")],
    "optional": [rec("package1", constrains=["package2 >1.0"]), rec("package2", "1.0"), rec("package2", "2.0")],
    "resolve_no_features": [
        rec("pandas", "0.12.0", build="np16py27_0", depends=["dateutil", "numpy 1.6*", "python 2.7*", "pytz"]),
        rec("numpy", "1.6.2", build="py27_p5", build_number=5, depends=["mkl-rt 11.0", "python 2.7*"],
            features="mkl"),
    ],
    # derived from a record of index1 (the conda test copies it)
    "pandas_in_a": lambda index1: [index1["pandas-0.10.1-np17py27_0.tar.bz2"]],
    "bad_scipy": lambda index1: [dict(
        index1["scipy-0.11.0-np17py33_3.tar.bz2"], build="np17py33_x0", build_number=0,
        depends=[d for d in index1["scipy-0.11.0-np17py33_3.tar.bz2"]["depends"] if not d.startswith("numpy")])],
}


def _records_of(data: Path, channel: str, subdir: str) -> dict[str, dict]:
    path = data / INDEX[channel] / subdir / "repodata.json"
    if not path.is_file():
        return {}
    raw = json.loads(path.read_text())
    return {**raw.get("packages", {}), **raw.get("packages.conda", {})}


def _with_pip(records: dict[str, dict]) -> dict[str, dict]:
    """conda's ``add_pip_as_python_dependency``: python 2/3 records also depend on pip."""
    out = {}
    for fn, r in records.items():
        if r.get("name") == "python" and str(r.get("version", "")).startswith(("2.", "3.")):
            r = dict(r, depends=list(r.get("depends") or []) + ["pip"])
        out[fn] = r
    return out


def _fn(r: dict) -> str:
    return f"{r['name']}-{r['version']}-{r['build']}.tar.bz2"


def build_channels(data: Path, root: Path, channels: list[str], options: dict) -> list[str]:
    """file:// URLs of the case's channels, written under ``root`` where they differ from the
    shared data (pip added, extra records). ``options["extra"]``: the extra records of the first
    channel, or a list with those of each channel (None: none)."""
    extras = options.get("extra") or []
    if isinstance(extras, str):
        extras = [extras]
    urls = []
    for i, name in enumerate(channels):
        base = name.removesuffix("+pip")
        key = extras[i] if i < len(extras) else None
        if name == base and key is None and base != "synthetic":
            urls.append((data / INDEX[base]).as_uri())
            continue
        extra = EXTRA[key] if key else []
        if callable(extra):
            extra = extra(_records_of(data, "index1", "linux-64"))
        folder = root / (name.replace("+", "-") + f"-{i}")
        for subdir in ("linux-64", "noarch"):
            records = {} if base == "synthetic" else _records_of(data, base, subdir)
            if name.endswith("+pip"):
                records = _with_pip(records)
            for r in extra:
                if r["subdir"] == subdir:
                    records[_fn(r)] = r
            (folder / subdir).mkdir(parents=True, exist_ok=True)
            (folder / subdir / "repodata.json").write_text(json.dumps(
                {"info": {"subdir": subdir}, "packages": records, "packages.conda": {}, "repodata_version": 1}))
        urls.append(folder.as_uri())
    return urls


def verdict(expect, records) -> bool:
    """Whether the answer (a list of (name, version, build, subdir), or None for unsatisfiable)
    is what conda gives."""
    if expect == UNSAT:
        return records is None
    if records is None:
        return False
    got = {f"{n}-{v}-{b}" for n, v, b, _ in records}
    if isinstance(expect, list):
        return got == set(expect)
    if "count" in expect and len(got) != expect["count"]:
        return False
    if not set(expect.get("has", ())) <= got or set(expect.get("lacks", ())) & got:
        return False
    if not set(expect.get("names", ())) <= {n for n, _, _, _ in records}:
        return False
    subdirs = {n: s for n, _, _, s in records}
    return all(subdirs.get(n) == s for n, s in expect.get("subdir", {}).items())
