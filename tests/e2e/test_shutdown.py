"""`roster serve` stops the embedded database it started, whichever way it is stopped."""

from __future__ import annotations

import signal
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.processes import descendants, running_roster

pytestmark = pytest.mark.e2e


@dataclass(frozen=True)
class Stop:
    signal: signal.Signals
    to_group: bool

    def __str__(self) -> str:
        return f"{self.signal.name} to the {'process group' if self.to_group else 'process'}"


@pytest.mark.parametrize(
    "stop",
    [
        pytest.param(Stop(signal.SIGINT, to_group=False), id="SIGINT"),
        pytest.param(Stop(signal.SIGINT, to_group=True), id="ctrl-c-to-group"),
        pytest.param(Stop(signal.SIGTERM, to_group=False), id="SIGTERM"),
    ],
)
def test_serve_stops_its_embedded_database(tmp_path: Path, stop: Stop) -> None:
    data_dir = tmp_path / "data"
    with running_roster(data_dir, tmp_path / "roster.log") as server:
        children = descendants(server.process.pid)
        databases = [line for line in children.values() if "secantusd-py" in line]
        assert len(databases) == 1, children
        assert str(data_dir) in databases[0]

        code, left = server.stop(stop.signal, to_group=stop.to_group)

        assert left == {}, f"left running after {stop}: {left}\n{server.log()}"
        assert code == 0, f"roster serve exited with {code} after {stop}:\n{server.log()}"
        assert "Application shutdown complete" in server.log()
