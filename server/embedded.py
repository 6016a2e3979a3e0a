"""The embedded database: SecantusDB (GPL-2.0, the `embedded` extra) as a child process.

It runs in its own process so that it never shares the API's interpreter or event loop,
started through server/embedded_child.py so that it ends with us even after a SIGKILL.
`roster serve` supervises it: when it dies it is started again on the same port (with
backoff), and the app's client, which knows only that address, finds it there again.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from pymongo import MongoClient
from pymongo.errors import PyMongoError

START_TIMEOUT_SECONDS = 60.0
FIRST_RESTART_DELAY_SECONDS = 1.0
MAX_RESTART_DELAY_SECONDS = 30.0
# A database that stayed up this long is healthy again: the next restart is quick again.
STABLE_AFTER_SECONDS = 60.0
LOG_TAIL_CHARS = 1500

log = logging.getLogger("roster.embedded")


class EmbeddedDatabaseError(RuntimeError):
    pass


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def _server_command() -> list[str]:
    beside_python = Path(sys.executable).with_name("secantusd-py")
    found = str(beside_python) if beside_python.exists() else shutil.which("secantusd-py")
    if found is None:
        raise EmbeddedDatabaseError(
            "the embedded database is not installed: pip install 'roster[embedded]',"
            " or set ROSTER_MONGODB_URI to a MongoDB server"
        )
    return [found]


def answers(uri: str, timeout_ms: int = 500) -> bool:
    """Whether a MongoDB server answers a ping at `uri`."""
    try:
        client: MongoClient[dict[str, object]]
        with MongoClient(uri, serverSelectionTimeoutMS=timeout_ms) as client:
            client.admin.command("ping")
    except PyMongoError:
        return False
    return True


def _command_line(pid: int) -> str | None:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    return raw.replace(b"\0", b" ").decode(errors="replace")


def _holders(storage: Path) -> list[int]:
    """Live secantusd-py processes on `storage` (Linux; elsewhere none are known)."""
    proc = Path("/proc")
    if not proc.is_dir():
        return []
    wanted = f"--storage-path {storage} "
    found = []
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        line = _command_line(int(entry.name))
        if line and "secantusd-py" in line and wanted in line + " ":
            found.append(int(entry.name))
    return found


def _parent_of(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rfind(")") + 2 :].split()
    return int(fields[1]) if len(fields) > 1 else None


def _has_owner(pid: int) -> bool:
    """Whether the process that started `pid` still runs: an orphan is handed to init (pid 1)
    or to a subreaper such as a container's init, never to a Python process."""
    parent = _parent_of(pid)
    line = _command_line(parent) if parent not in (None, 1) else None
    return line is not None and "python" in line


def stop_orphans(storage: Path, timeout: float = 30.0) -> list[int]:
    """Stops the databases on `storage` whose Roster is gone (left by a server killed before
    it could stop them); they hold the storage's lock. Their pids; [] if there were none."""
    orphans = [pid for pid in _holders(storage) if not _has_owner(pid)]
    for pid in orphans:
        log.warning("stopping the embedded database (pid %d) that a stopped Roster left", pid)
        print(
            f"roster: the embedded database (pid {pid}) of a Roster that is gone still holds"
            f" {storage}; stopping it",
            file=sys.stderr,
        )
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while orphans and time.monotonic() < deadline:
        if not any(_command_line(pid) for pid in orphans):
            break
        time.sleep(0.1)
    for pid in orphans:
        if _command_line(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    return orphans


class EmbeddedDatabase:
    """`with EmbeddedDatabase(path) as db:` runs secantusd-py on a free port for the block.

    `supervise=True` restarts it whenever it exits unasked; `on_start(pid)` is called after
    every start (the first and each restart)."""

    def __init__(
        self,
        data_dir: Path,
        host: str = "127.0.0.1",
        port: int | None = None,
        *,
        supervise: bool = False,
        on_start: Callable[[int], None] | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.host = host
        self.port = port or free_port(host)
        self.supervise = supervise
        self.on_start = on_start
        self.restarts = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._log_path = data_dir / "secantusd.log"
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._watcher: threading.Thread | None = None

    @property
    def uri(self) -> str:
        return f"mongodb://{self.host}:{self.port}/?directConnection=true"

    @property
    def storage(self) -> Path:
        return (self.data_dir / "db").resolve()

    @property
    def pid(self) -> int | None:
        process = self._process
        return process.pid if process is not None else None

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        stop_orphans(self.storage)
        self._stopping.clear()
        self._spawn()
        self._wait_until_ready()
        if self.on_start is not None and self.pid is not None:
            self.on_start(self.pid)
        if self.supervise:
            # The thread that starts the child stays alive as long as it: PR_SET_PDEATHSIG
            # fires when the starting *thread* ends.
            self._watcher = threading.Thread(
                target=self._watch, name="roster-embedded-database", daemon=True
            )
            self._watcher.start()

    def _spawn(self) -> None:
        log_file = self._log_path.open("ab")
        try:
            process = subprocess.Popen(  # noqa: S603 - our own executables, fixed arguments
                [
                    sys.executable,
                    "-m",
                    "server.embedded_child",
                    str(os.getpid()),
                    *_server_command(),
                    "--storage-path",
                    str(self.storage),
                    "--host",
                    self.host,
                    "--port",
                    str(self.port),
                    "--log-level",
                    "WARNING",
                ],
                stdout=log_file,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                # Its own session: a terminal's Ctrl-C reaches only us, and we stop the
                # database after the app has closed its client, not before.
                start_new_session=True,
            )
        finally:
            log_file.close()
        with self._lock:
            self._process = process

    def _log_tail(self) -> str:
        try:
            text = self._log_path.read_text(errors="replace")
        except OSError:
            return ""
        return text[-LOG_TAIL_CHARS:].strip()

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            process = self._process
            if process is not None and process.poll() is not None:
                tail = self._log_tail()
                cause = f"; its log ({self._log_path}) ends:\n{tail}" if tail else ""
                if "lock" in tail.lower():
                    cause = (
                        f": {self.storage} is in use by another database process"
                        f" (pids: {_holders(self.storage) or 'unknown'}){cause}"
                    )
                raise EmbeddedDatabaseError(
                    f"the embedded database exited with code {process.returncode}{cause}"
                )
            if answers(self.uri):
                return
            time.sleep(0.2)
        process = self._process
        if process is not None:
            process.kill()
            process.wait(timeout=10)
        raise EmbeddedDatabaseError(f"the embedded database did not start; see {self._log_path}")

    def _watch(self) -> None:
        delay = FIRST_RESTART_DELAY_SECONDS
        while not self._stopping.is_set():
            process = self._process
            if process is None:
                return
            started = time.monotonic()
            code = process.wait()
            if self._stopping.is_set():
                return
            if time.monotonic() - started > STABLE_AFTER_SECONDS:
                delay = FIRST_RESTART_DELAY_SECONDS
            log.error(
                "the embedded database exited with code %s; restarting it in %.1f s", code, delay
            )
            if self._stopping.wait(delay):
                return
            delay = min(delay * 2, MAX_RESTART_DELAY_SECONDS)
            try:
                self._spawn()
                self._wait_until_ready()
            except (EmbeddedDatabaseError, OSError) as error:
                log.error("restarting the embedded database failed: %s", error)
                continue
            self.restarts += 1
            log.warning(
                "the embedded database is back (pid %s, restart %d)", self.pid, self.restarts
            )
            if self.on_start is not None and self.pid is not None:
                self.on_start(self.pid)

    def stop(self) -> None:
        self._stopping.set()
        with self._lock:
            process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        watcher, self._watcher = self._watcher, None
        if watcher is not None and watcher is not threading.current_thread():
            watcher.join(timeout=10)

    def __enter__(self) -> EmbeddedDatabase:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
