"""The solver core both stages share: packages, candidates, requirements, preferences -> a solution.

It knows nothing of conda or PyPI. A stage implements :class:`~solver.core.provider.Provider`
over its own records; names, candidates ("solvables") and requirements ("version sets") are
small integers the provider interns once.
"""
