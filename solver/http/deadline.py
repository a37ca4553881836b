"""Deadlines per request, and the transport's thread-safe lazy imports."""

from __future__ import annotations

import heapq
import importlib
import os
import threading
import time

# ``import http.client`` inside a function run by several pool threads at once can see the
# ``http`` package before its ``client`` attribute is set ("module 'http' has no attribute
# 'client'"). ``importlib.import_module`` returns the submodule itself (waiting for a module
# another thread is still initialising), and the lock makes the first import happen once.

_IMPORT_LOCK = threading.Lock()
_MODULES: dict[str, object] = {}


def lazy(name: str):
    """The module ``name``, imported once, safely from any thread."""
    mod = _MODULES.get(name)
    if mod is None:
        with _IMPORT_LOCK:
            mod = _MODULES.get(name)
            if mod is None:
                mod = importlib.import_module(name)
                _MODULES[name] = mod
    return mod


class _Watchdog:
    """Ends a request at its deadline however the server behaves (a byte every half second keeps
    each read alive): one daemon thread shuts the socket down, the read then fails, and the
    request reports "timed out". Started on the first request."""

    def __init__(self):
        self._reset()

    def _reset(self) -> None:
        """Fresh state (also in a forked child, where the parent's thread does not run)."""
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, object]] = []
        self._live: set[int] = set()
        self._seq = 0
        self._thread: threading.Thread | None = None

    def watch(self, deadline: float, sock) -> int:
        with self._cond:
            self._seq += 1
            token = self._seq
            heapq.heappush(self._heap, (deadline, token, sock))
            self._live.add(token)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="solver-http-deadline", daemon=True)
                self._thread.start()
            self._cond.notify()
            return token

    def cancel(self, token: int) -> None:
        with self._cond:
            self._live.discard(token)

    def _run(self) -> None:
        import socket

        with self._cond:
            while True:
                while self._heap and self._heap[0][1] not in self._live:
                    heapq.heappop(self._heap)
                if not self._heap:
                    self._cond.wait()
                    continue
                wait = self._heap[0][0] - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                _, token, sock = heapq.heappop(self._heap)
                self._live.discard(token)
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


WATCHDOG = _Watchdog()
if hasattr(os, "register_at_fork"):  # a process pool's forked worker starts its own watchdog
    os.register_at_fork(after_in_child=WATCHDOG._reset)


class Deadline:
    __slots__ = ("end", "timeout")

    def __init__(self, timeout: float):
        self.timeout = timeout
        self.end = time.monotonic() + timeout

    def remaining(self) -> float:
        left = self.end - time.monotonic()
        if left <= 0:
            raise TimeoutError("timed out")
        return left

    @property
    def passed(self) -> bool:
        return time.monotonic() >= self.end
