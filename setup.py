"""Puts the built console (console/dist) into the wheel, as package data of `server`
(server/console_dist), where server.console finds it in an installed wheel.

Everything else is in pyproject.toml. Build the console first (`cd console && npm ci &&
npm run build`); a wheel built without it serves the API only, and says so at build time.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
DIST = ROOT / "console" / "dist"


class BuildPyWithConsole(build_py):
    def run(self) -> None:
        super().run()
        if not (DIST / "index.html").is_file():
            print("warning: console/dist is not built; the wheel carries no console")
            return
        target = Path(self.build_lib) / "server" / "console_dist"
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(DIST, target)


setup(cmdclass={"build_py": BuildPyWithConsole})
