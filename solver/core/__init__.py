"""The solver core both stages share: packages, candidates, requirements, preferences -> a solution.

It knows nothing of conda or PyPI. A stage implements :class:`~solver.core.provider.Provider`
over its own records; names, candidates ("solvables") and requirements ("version sets") are
small integers the provider interns once.

Entry points: :func:`solver.core.solve.solve` (``backend="native"`` or ``"pycosat"``),
:func:`solver.core.validate.validate` and :class:`solver.core.explanation.Explanation` (carried by
``UnsolvableError.explanation``; :mod:`solver.core.minimal` cuts the requirements it names to a
minimal conflict), and :class:`solver.core.lexmin.LexMinimizer` (a sequence of count objectives
over CNF, for objectives beyond the greedy walk). Import them from their modules; this package
stays import-light. (An in-memory provider for tests lives in ``tests/support/memory.py``.)
"""
