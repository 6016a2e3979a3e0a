"""The embedded database: SecantusDB (GPL-2.0, the `embedded` extra) as a child process.

It runs in its own process so that it never shares the API's interpreter or event loop.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

from pymongo import MongoClient
from pymongo.errors import PyMongoError

START_TIMEOUT_SECONDS = 60.0


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


class EmbeddedDatabase:
    """`with EmbeddedDatabase(path) as db:` runs secantusd-py on a free port for the block."""

    def __init__(self, data_dir: Path, host: str = "127.0.0.1", port: int | None = None) -> None:
        self.data_dir = data_dir
        self.host = host
        self.port = port or free_port(host)
        self._process: subprocess.Popen[bytes] | None = None
        self._log_path = data_dir / "secantusd.log"

    @property
    def uri(self) -> str:
        return f"mongodb://{self.host}:{self.port}/?directConnection=true"

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        storage = self.data_dir / "db"
        log = self._log_path.open("ab")
        self._process = subprocess.Popen(  # noqa: S603 - our own executable, fixed arguments
            [
                *_server_command(),
                "--storage-path",
                str(storage),
                "--host",
                self.host,
                "--port",
                str(self.port),
                "--log-level",
                "WARNING",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            # Its own session: a terminal's Ctrl-C reaches only us, and we stop the
            # database after the app has closed its client, not before.
            start_new_session=True,
        )
        log.close()
        self._wait_until_ready()

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise EmbeddedDatabaseError(
                    f"the embedded database exited with code {self._process.returncode};"
                    f" see {self._log_path}"
                )
            try:
                client: MongoClient[dict[str, object]]
                with MongoClient(self.uri, serverSelectionTimeoutMS=500) as client:
                    client.admin.command("ping")
                return
            except PyMongoError:
                time.sleep(0.2)
        self.stop()
        raise EmbeddedDatabaseError(f"the embedded database did not start; see {self._log_path}")

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

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
