"""The record a running `roster serve` keeps in its data directory: where its embedded
database listens and its public URL, so that `roster create-admin` and the other commands
on that directory use that database instead of failing on its lock.

Written atomically (a temporary file renamed over it), removed on a clean exit, and never
trusted as it is: a record counts only while its server's pid is alive and its database
answers.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from server.embedded import EmbeddedDatabaseError, answers

FILE_NAME = "roster-server.json"


@dataclass(frozen=True)
class RunningServer:
    pid: int  # the `roster serve` process
    database_pid: int
    database_uri: str
    public_url: str


def record_path(data_dir: Path) -> Path:
    return data_dir / FILE_NAME


def write(data_dir: Path, server: RunningServer) -> None:
    path = record_path(data_dir)
    partial = path.with_name(f".{FILE_NAME}.{os.getpid()}.tmp")
    partial.write_text(json.dumps(asdict(server)))
    os.replace(partial, path)


def remove(data_dir: Path, pid: int) -> None:
    """Removes the record if it is still the one of `pid`."""
    found = read(data_dir)
    if found is not None and found.pid == pid:
        with contextlib.suppress(FileNotFoundError):
            record_path(data_dir).unlink()


def read(data_dir: Path) -> RunningServer | None:
    try:
        raw = json.loads(record_path(data_dir).read_text())
        return RunningServer(
            pid=int(raw["pid"]),
            database_pid=int(raw["database_pid"]),
            database_uri=str(raw["database_uri"]),
            public_url=str(raw["public_url"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


class ServerNotAnswering(EmbeddedDatabaseError):
    pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def find(data_dir: Path) -> RunningServer | None:
    """The server running on `data_dir`, if there is one; a stale record (its server gone)
    is removed. ServerNotAnswering if it runs but its database does not answer."""
    found = read(data_dir)
    if found is None or found.pid == os.getpid():
        return None
    if not _alive(found.pid):
        with contextlib.suppress(FileNotFoundError):
            record_path(data_dir).unlink()
        return None
    if not answers(found.database_uri, timeout_ms=3000):
        raise ServerNotAnswering(
            f"roster serve (pid {found.pid}) runs on {data_dir} but its database does not"
            " answer (it may be restarting): try again in a few seconds"
        )
    return found
