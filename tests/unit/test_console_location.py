"""Where `roster` finds the built console: the configured place, a source checkout's
console/dist, or the copy an installed wheel carries (server/console_dist, see setup.py)."""

from __future__ import annotations

from pathlib import Path

from server.console import default_console_dist


def test_a_configured_place_wins(tmp_path: Path) -> None:
    environ = {"ROSTER_CONSOLE_DIST": str(tmp_path / "elsewhere")}
    assert default_console_dist(environ, tmp_path / "console", tmp_path / "packaged") == (
        tmp_path / "elsewhere"
    )


def test_a_source_checkout_serves_its_own_build(tmp_path: Path) -> None:
    checkout, packaged = tmp_path / "console", tmp_path / "packaged"
    checkout.mkdir()
    (checkout / "package.json").write_text("{}")
    packaged.mkdir()
    assert default_console_dist({}, checkout, packaged) == checkout / "dist"


def test_an_installed_wheel_serves_the_build_it_carries(tmp_path: Path) -> None:
    packaged = tmp_path / "server" / "console_dist"
    packaged.mkdir(parents=True)
    assert default_console_dist({}, tmp_path / "console", packaged) == packaged


def test_with_neither_the_checkout_path_is_named(tmp_path: Path) -> None:
    checkout = tmp_path / "console"
    assert default_console_dist({}, checkout, tmp_path / "none") == checkout / "dist"
