"""The exceptions every layer raises; the CLI turns them into one clear message and an exit code."""


class SolverError(Exception):
    """Base of every error the library raises on purpose. ``str()`` is the message for a person."""

    exit_code = 2


class InputError(SolverError):
    """Bad input: a manifest, a spec, a record, a channel, a lock file. Exit code 2."""

    exit_code = 2


class NetworkError(SolverError):
    """A channel or index could not be reached or answered badly. Exit code 2."""

    exit_code = 2


class UnsolvableError(SolverError):
    """Nothing fits. ``explanation`` carries the structured derivation. Exit code 1."""

    exit_code = 1

    def __init__(self, message: str, explanation=None):
        super().__init__(message)
        self.explanation = explanation


class LockOutdatedError(SolverError):
    """``--locked`` and the lock no longer satisfies the manifest. Exit code 1."""

    exit_code = 1
