"""Real processes for the end-to-end tests: `roster serve`, its embedded database, and checks
that nothing they start outlives them.

Everything here waits with a deadline, and every process it starts is stopped by the
context manager that started it, test failure or not. Process trees are read from /proc
(Linux), so that the tests can see the secantusd-py grandchild that `roster serve` starts.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx

READY_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 20.0
LEFTOVER_TIMEOUT_SECONDS = 10.0
COMMAND_TIMEOUT_SECONDS = 60.0
LOG_TAIL_CHARS = 4000


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that nothing listens on now (the OS picks it; it is closed again at once)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def venv_script(name: str) -> Path:
    """A console script of the virtualenv that runs these tests (`roster`, `secantusd-py`)."""
    path = Path(sys.executable).parent / name
    assert path.exists(), f"{path} is missing: install the project with `pip install -e '.[dev]'`"
    return path


def roster_environment(overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment without any ROSTER_* setting of the developer's shell
    (a test must never reach their database), plus `overrides`."""
    environ = {key: value for key, value in os.environ.items() if not key.startswith("ROSTER_")}
    environ["PYTHONUNBUFFERED"] = "1"
    # The console tests build it once (tests/e2e/console_stack.py); no other test waits on npm.
    environ["ROSTER_CONSOLE_BUILD"] = "off"
    environ.update(overrides or {})
    return environ


def tail(path: Path, chars: int = LOG_TAIL_CHARS) -> str:
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return f"({path} does not exist)"
    return text if len(text) <= chars else "..." + text[-chars:]


# ---- process trees, read from /proc -------------------------------------------------------


def _parent_of(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split at the last ")".
    fields = stat[stat.rfind(")") + 2 :].split()
    return int(fields[1]) if len(fields) > 1 else None


def _all_pids() -> list[int]:
    return [int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit()]


def command_line(pid: int) -> str | None:
    """The command line of a live process, or None if it has exited (or is a zombie)."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    return raw.replace(b"\0", b" ").decode(errors="replace").strip() or None


def descendants(pid: int) -> dict[int, str]:
    """Every live process below `pid`, as {pid: command line}."""
    children: dict[int, list[int]] = {}
    for candidate in _all_pids():
        parent = _parent_of(candidate)
        if parent is not None:
            children.setdefault(parent, []).append(candidate)
    found: dict[int, str] = {}
    queue = list(children.get(pid, []))
    while queue:
        child = queue.pop()
        line = command_line(child)
        if line is not None:
            found[child] = line
        queue.extend(children.get(child, []))
    return found


def processes_mentioning(text: str) -> dict[int, str]:
    """Live processes (other than this one) whose command line contains `text`."""
    found: dict[int, str] = {}
    for pid in _all_pids():
        if pid == os.getpid():
            continue
        line = command_line(pid)
        if line is not None and text in line:
            found[pid] = line
    return found


def still_running(processes: Mapping[int, str]) -> dict[int, str]:
    """Those of `processes` that still run the same command (a pid may have been reused)."""
    return {pid: line for pid, line in processes.items() if command_line(pid) == line}


def wait_gone(
    processes: Mapping[int, str], timeout: float = LEFTOVER_TIMEOUT_SECONDS
) -> dict[int, str]:
    """Waits (bounded) for `processes` to exit; returns those that did not."""
    deadline = time.monotonic() + timeout
    left = still_running(processes)
    while left and time.monotonic() < deadline:
        time.sleep(0.1)
        left = still_running(left)
    return left


def kill_all(processes: Mapping[int, str]) -> None:
    for pid in still_running(processes):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


# ---- roster serve -------------------------------------------------------------------------


class LeftRunningError(AssertionError):
    pass


@dataclass
class RosterServer:
    """A `roster serve` process (its own session, so that signals reach only what we send to)."""

    process: subprocess.Popen[bytes]
    port: int
    data_dir: Path
    log_path: Path
    host: str = "127.0.0.1"

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def graphql_url(self) -> str:
        return f"{self.base_url}/graphql"

    def log(self) -> str:
        return tail(self.log_path)

    def wait_ready(self, timeout: float = READY_TIMEOUT_SECONDS) -> None:
        """Until GET /readyz answers 200; fails at once if the server exits first."""
        deadline = time.monotonic() + timeout
        last = "no answer yet"
        with httpx.Client(base_url=self.base_url, timeout=5.0) as client:
            while time.monotonic() < deadline:
                code = self.process.poll()
                if code is not None:
                    raise AssertionError(
                        f"roster serve exited with code {code} before it was ready:\n{self.log()}"
                    )
                try:
                    response = client.get("/readyz")
                except httpx.TransportError as error:
                    last = f"{type(error).__name__}: {error}"
                else:
                    if response.status_code == 200:
                        return
                    last = f"{response.status_code} {response.text}"
                time.sleep(0.25)
        raise AssertionError(
            f"roster serve was not ready within {timeout:.0f}s (last /readyz: {last}):"
            f"\n{self.log()}"
        )

    def stop(
        self,
        first_signal: signal.Signals = signal.SIGINT,
        *,
        to_group: bool = False,
        timeout: float = STOP_TIMEOUT_SECONDS,
    ) -> tuple[int, dict[int, str]]:
        """`first_signal` (SIGINT by default) to `roster serve` alone (or, `to_group`, to its
        whole process group, as a terminal's Ctrl-C does), then SIGTERM, then SIGKILL to it,
        each wait bounded.

        Returns the exit code and the processes it started that outlived it (the caller
        reports them; they are killed here so that nothing leaks past the test).
        """
        started = descendants(self.process.pid)

        def first() -> None:
            if to_group:
                os.killpg(self.process.pid, first_signal)
            else:
                self.process.send_signal(first_signal)

        escalation = [
            first,
            self.process.terminate,
            self.process.kill,
        ]
        for step in escalation:
            if self.process.poll() is not None:
                break
            step()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=timeout)
        code = self.process.wait(timeout=timeout)
        # secantusd-py's command line names its storage under the data dir: this finds it
        # even if it was orphaned before `started` was read.
        mentioning = processes_mentioning(str(self.data_dir))
        left = wait_gone({**started, **mentioning})
        kill_all(left)
        return code, left


@contextlib.contextmanager
def running_roster(
    data_dir: Path,
    log_path: Path,
    *,
    environ: Mapping[str, str] | None = None,
    port: int | None = None,
    ready_timeout: float = READY_TIMEOUT_SECONDS,
    expected_code: int = 0,
) -> Iterator[RosterServer]:
    """`roster serve --data-dir DATA_DIR --port PORT`, ready (GET /readyz == 200) when yielded.

    On the way out it is stopped as a person would stop it (SIGINT); if it or anything it
    started (the embedded secantusd-py) is left running, that is a LeftRunningError failure,
    unless the test is already failing, in which case they are only killed.
    """
    port = port or free_port()
    command = [
        str(venv_script("roster")),
        "serve",
        "--port",
        str(port),
        "--data-dir",
        str(data_dir),
    ]
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=roster_environment(environ),
            start_new_session=True,
        )
    server = RosterServer(process=process, port=port, data_dir=data_dir, log_path=log_path)
    failing = True
    try:
        server.wait_ready(ready_timeout)
        yield server
        failing = False
    finally:
        code, left = server.stop()
        if not failing:
            if left:
                raise LeftRunningError(
                    "processes outlived `roster serve` (killed now): "
                    + "; ".join(f"{pid}: {line}" for pid, line in left.items())
                    + f"\n{server.log()}"
                )
            # uvicorn exits 0 after a SIGINT it handled; anything else is a crash or a kill.
            # (`expected_code` for a test that kills it itself: -9 for a SIGKILL.)
            assert code == expected_code, f"roster serve exited with code {code}:\n{server.log()}"


def run_roster(
    *args: str,
    environ: Mapping[str, str] | None = None,
    timeout: float = COMMAND_TIMEOUT_SECONDS,
) -> subprocess.CompletedProcess[str]:
    """A one-shot `roster ...` command, its output captured as text."""
    return subprocess.run(
        [str(venv_script("roster")), *args],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env=roster_environment(environ),
        timeout=timeout,
        check=False,
    )


def create_admin(data_dir: Path, org: str, email: str, password: str) -> None:
    """`roster create-admin` for `org`, as an operator runs it: against the server running on
    `data_dir` (it uses that server's database, so no second database start)."""
    created = run_roster(
        "create-admin",
        "--org", org,
        "--email", email,
        "--password", password,
        "--name", "Ada Admin",
        "--data-dir", str(data_dir),
    )  # fmt: skip
    assert created.returncode == 0, f"{created.stdout}\n{created.stderr}"
