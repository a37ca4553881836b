"""One status line on stderr, shared by ``solver solve`` and ``solver batch``.

On a terminal the line is redrawn in place (``\\r`` and erase-to-end), cut to the width measured on
each draw so it never wraps; elsewhere (a pipe, a log file) callers print plain lines instead.
Messages printed through :meth:`StatusLine.print` first clear the live line, so the two never
interleave on screen. Standard library only: this sits on the command line's cold-start path.
"""

from __future__ import annotations

import os
import sys
from _thread import allocate_lock  # threading.Lock itself, without importing threading (~0.5 ms)


def terminal_columns(stream) -> int:
    """The width of the terminal ``stream`` writes to, measured on each call (the user may resize
    it): ``COLUMNS`` when set, as ``shutil.get_terminal_size`` has it, else the stream's own
    terminal, else ``shutil``'s answer (stdout's terminal, or 80)."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    try:
        return os.get_terminal_size(stream.fileno()).columns or 80
    except (AttributeError, ValueError, OSError):
        import shutil

        return shutil.get_terminal_size().columns


def fit_line(text: str, columns: int) -> str:
    """``text`` cut to ``columns - 1`` characters (``...`` ending a cut), so a status line never
    reaches the last column, where terminals wrap it onto a second line that ``\\r`` cannot clear."""
    room = max(columns - 1, 1)
    if len(text) <= room:
        return text
    return text[: room - 3] + "..." if room > 3 else text[:room]


class StatusLine:
    """The live line's mechanics: callers hold ``lock`` while they call ``draw``/``clear``/``print``
    (progress callbacks arrive from worker threads)."""

    def __init__(self, stream=None, quiet: bool = False, verbose: int = 0):
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.verbose = verbose
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._lock = allocate_lock()
        self._line = False  # a live line is on screen

    def _clear(self) -> None:
        if self.tty and self._line:
            self.stream.write("\r\033[K")
            self._line = False

    def _draw_text(self, text: str) -> None:
        """Replace the live line with ``text`` (terminal only)."""
        self._clear()
        self.stream.write(fit_line(text, terminal_columns(self.stream)))
        self.stream.flush()
        self._line = True

    def _print(self, text: str) -> None:
        """A message line of its own, above the live line."""
        self._clear()
        print(text, file=self.stream, flush=True)
