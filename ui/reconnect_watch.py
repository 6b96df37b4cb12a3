"""Noticing that a laptop caseload's team caseload can be reached again (issue 22: "on reconnect, asked").

A ``ReconnectWatcher`` checks, at open and then every ``interval_ms`` (45 s unless told), whether
the server a laptop caseload was taken from answers: a TCP connect to its host and port with a
short time-out, off the UI thread (a ``BackgroundTask``, as the change watcher's polls are). Nothing
is signed in and no password is needed. When the server goes from out of reach (or not yet known,
at open) to reachable, ``reconnected`` is emitted; when it goes out of reach, ``lost``.
"""

from __future__ import annotations

import socket
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

from ui.workers import BackgroundTask

CHECK_MS = 45_000  # how often the server is tried (the setting INTERVAL_KEY, in seconds, overrides it)
INTERVAL_KEY = "offline/reconnectCheckSeconds"
CONNECT_TIMEOUT_S = 3.0
POSTGRES_PORT = 5432


def server_endpoint(server: str) -> tuple[str, int]:
    """The host and port of a laptop caseload's recorded server, ``host[:port]/dbname``
    (services.team_caseload's ``describe``); an IPv6 host is taken whole, on PostgreSQL's port,
    unless it is written in brackets with its port after them."""
    hostport = server.split("/", 1)[0] or "localhost"
    if hostport.startswith("["):
        host, _bracket, rest = hostport[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    elif hostport.count(":") == 1:
        host, _colon, port = hostport.partition(":")
    else:
        host, port = hostport, ""
    return host or "localhost", int(port) if port.isdigit() else POSTGRES_PORT


def tcp_probe(host: str, port: int, timeout: float = CONNECT_TIMEOUT_S) -> Callable[[], bool]:
    """A check that the server accepts a connection on its port (then closed at once)."""

    def probe() -> bool:
        try:
            with socket.create_connection((host, port), timeout=timeout):
                return True
        except OSError:
            return False

    return probe


class ReconnectWatcher(QObject):
    """Tries ``probe`` off the UI thread at ``start`` and every ``interval_ms`` after each answer."""

    reconnected = Signal()
    lost = Signal()

    def __init__(self, probe: Callable[[], bool], interval_ms: int = CHECK_MS, parent: QObject | None = None):
        super().__init__(parent)
        self._probe = probe
        self.interval_ms = max(100, interval_ms)
        self.reachable: bool | None = None  # None: not yet known
        self._task: BackgroundTask | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.check_now)
        self._stopped = True

    def start(self) -> None:
        self._stopped = False
        self.check_now()

    def stop(self) -> None:
        self._stopped = True
        self._timer.stop()

    def watching(self) -> bool:
        """Started and not stopped since."""
        return not self._stopped

    def busy(self) -> bool:
        return self._task is not None and self._task.is_running()

    def check_now(self) -> bool:
        """Try the server now (in the background); False if a check is still running or stopped."""
        if self._stopped or self.busy():
            return False
        probe = self._probe
        task = BackgroundTask(lambda _progress: probe(), self)
        task.succeeded.connect(lambda reachable: self._checked(bool(reachable)))
        task.failed.connect(lambda _problem: self._checked(False))
        self._task = task
        task.start()
        return True

    def _checked(self, reachable: bool) -> None:
        if self._stopped:
            return
        before, self.reachable = self.reachable, reachable
        self._timer.start(self.interval_ms)
        if reachable and before is not True:
            self.reconnected.emit()
        elif not reachable and before is True:
            self.lost.emit()
