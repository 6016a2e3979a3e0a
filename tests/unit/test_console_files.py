"""The console's routes where it is not built, and when `roster serve` builds it."""

from __future__ import annotations

import io
import os
from pathlib import Path

from starlette.applications import Starlette
from starlette.testclient import TestClient

from server.console import ConsoleRoutes
from server.console_build import ensure_console_built, is_stale


def console_sources(root: Path) -> Path:
    console = root / "console"
    (console / "src").mkdir(parents=True)
    (console / "src" / "main.tsx").write_text("export {};\n")
    (console / "package.json").write_text("{}\n")
    (console / "package-lock.json").write_text("{}\n")
    return console


def built(console: Path, older_than_sources: bool = False) -> None:
    (console / "dist").mkdir()
    index = console / "dist" / "index.html"
    index.write_text("<!doctype html><div id=app></div>")
    if older_than_sources:
        source = (console / "src" / "main.tsx").stat().st_mtime
        os.utime(index, (source - 60, source - 60))


def test_where_the_console_is_not_built_its_pages_say_how_to_get_it(tmp_path: Path) -> None:
    app = Starlette(routes=ConsoleRoutes(tmp_path / "dist").routes())
    with TestClient(app) as client:
        home = client.get("/")
        invitation = client.get("/accept-invitation")
        asset = client.get("/assets/index.js")
    assert home.status_code == 200 and invitation.status_code == 200
    assert "console is not built" in home.text and "npm ci" in home.text
    assert "default-src 'self'" in home.headers["content-security-policy"]
    assert asset.status_code == 404


def test_without_npm_nothing_is_built_and_it_says_why(tmp_path: Path) -> None:
    console = console_sources(tmp_path)
    out = io.StringIO()
    assert ensure_console_built(console, environ={"PATH": str(tmp_path)}, out=out) is False
    assert "npm is not on PATH" in out.getvalue()
    assert not (console / "dist").exists()


def test_a_build_older_than_its_sources_is_stale(tmp_path: Path) -> None:
    console = console_sources(tmp_path)
    assert is_stale(console)
    built(console, older_than_sources=True)
    assert is_stale(console)
    (console / "dist" / "index.html").touch()
    assert not is_stale(console)


def test_a_current_build_or_build_off_runs_no_npm(tmp_path: Path) -> None:
    console = console_sources(tmp_path)
    built(console, older_than_sources=True)
    out = io.StringIO()
    # PATH is empty: had it tried npm, it would have said "npm is not on PATH".
    assert ensure_console_built(
        console, environ={"ROSTER_CONSOLE_BUILD": "off", "PATH": ""}, out=out
    )
    assert "ROSTER_CONSOLE_BUILD=off" in out.getvalue()
    (console / "dist" / "index.html").touch()
    out = io.StringIO()
    assert ensure_console_built(console, environ={"PATH": ""}, out=out)
    assert out.getvalue() == ""
