"""Connections that hold the server without finishing a request are closed; a client that
goes away mid-request is not an error in the log."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from server.connections import HEAD_TIMEOUT_SECONDS
from tests.e2e.processes import running_roster

pytestmark = pytest.mark.e2e

# Far beyond the head timeout: a connection still open after this is held for ever.
HELD_FOR_EVER_SECONDS = HEAD_TIMEOUT_SECONDS * 3


def closed_by_server(sock: socket.socket) -> bool:
    """Whether the server closed `sock` (reads EOF or a reset) rather than answering."""
    try:
        data = sock.recv(1024)
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False
    return data == b""


def test_idle_and_slow_request_heads_are_closed(tmp_path: Path) -> None:
    with running_roster(tmp_path / "data", tmp_path / "roster.log") as server:
        address = (server.host, server.port)
        idle = socket.create_connection(address)
        dripping = socket.create_connection(address)
        try:
            dripping.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            deadline = time.monotonic() + HELD_FOR_EVER_SECONDS
            dripping.settimeout(1.0)
            dripped_closed = False
            while time.monotonic() < deadline:
                # A header byte now and then: each one used to reset uvicorn's only timer.
                try:
                    dripping.sendall(b"X")
                except (BrokenPipeError, ConnectionResetError):
                    dripped_closed = True
                    break
                if closed_by_server(dripping):
                    dripped_closed = True
                    break
            assert dripped_closed, "a request head sent a byte at a time was kept open"
            idle.settimeout(max(deadline - time.monotonic(), 1.0))
            assert closed_by_server(idle), "a connection that sent nothing was kept open"

            # A connection that sends its request in time is answered as before.
            with socket.create_connection(address, timeout=10) as prompt:
                prompt.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                assert prompt.recv(1024).startswith(b"HTTP/1.1 200")
        finally:
            idle.close()
            dripping.close()


def test_a_client_that_goes_away_mid_request_is_not_an_error(tmp_path: Path) -> None:
    with running_roster(tmp_path / "data", tmp_path / "roster.log") as server:
        with socket.create_connection((server.host, server.port), timeout=10) as client:
            client.sendall(
                b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Content-Length: 100000\r\n\r\n" + b'{"query": "{ __typename'
            )
            time.sleep(0.5)
        with socket.create_connection((server.host, server.port), timeout=10) as probe:
            probe.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            assert probe.recv(1024).startswith(b"HTTP/1.1 200")
        log = server.log_path.read_text()
        assert "client went away during POST /graphql" in log, log
        assert " ERROR " not in log and "ERROR:" not in log, log
        assert "Traceback" not in log, log
