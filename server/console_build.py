"""Builds the console (npm ci, npm run build) for `roster serve` when console/dist is missing or
older than its sources, so that README's commands give a working console on a fresh machine.

Nothing here is needed by the API: with no npm, no console sources (an install that carries
only the built files), or ROSTER_CONSOLE_BUILD=off, it only says why and `roster serve` goes on.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TextIO

from server.console import PACKAGED_DIST

BUILD_TIMEOUT_SECONDS = 600.0
# The files a build reads besides src/: a change to any of them makes dist stale.
BUILD_INPUTS = (
    "package.json",
    "package-lock.json",
    "index.html",
    "vite.config.ts",
    "codegen.ts",
    "tsconfig.json",
)


def console_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "console"


def _newest(paths: Iterable[Path]) -> float:
    return max((path.stat().st_mtime for path in paths if path.is_file()), default=0.0)


def is_stale(console: Path) -> bool:
    """Whether dist/index.html is missing or older than a source, an input, or the contract."""
    index = console / "dist" / "index.html"
    if not index.is_file():
        return True
    sources = [
        *(console / "src").rglob("*"),
        *(console / name for name in BUILD_INPUTS),
        console.parent / "schema" / "schema.graphql",
    ]
    generated = console / "src" / "gql"
    newest = _newest(path for path in sources if generated not in path.parents)
    return newest > index.stat().st_mtime


def _needs_install(console: Path) -> bool:
    # npm writes node_modules/.package-lock.json on every install: older than the lockfile
    # means package-lock.json changed since.
    installed = console / "node_modules" / ".package-lock.json"
    lock = console / "package-lock.json"
    return not installed.is_file() or installed.stat().st_mtime < lock.stat().st_mtime


def ensure_console_built(
    console: Path | None = None,
    environ: Mapping[str, str] | None = None,
    out: TextIO = sys.stderr,
) -> bool:
    """Builds the console when it is stale; True when a current build is there afterwards."""
    console = console or console_dir()
    environ = os.environ if environ is None else environ
    if not (console / "package.json").is_file():
        # No sources to build from: an installed wheel, which carries its build.
        return (console / "dist" / "index.html").is_file() or (
            PACKAGED_DIST / "index.html"
        ).is_file()
    if not is_stale(console):
        return True
    if environ.get("ROSTER_CONSOLE_BUILD", "auto").lower() in ("off", "0", "false", "no"):
        print("console: not built (ROSTER_CONSOLE_BUILD=off)", file=out)
        return (console / "dist" / "index.html").is_file()
    npm = shutil.which("npm", path=environ.get("PATH"))
    if npm is None:
        print(
            "console: npm is not on PATH, so the console is not built; the API runs, and / says"
            " how to build it (install Node.js 20+ with npm)",
            file=out,
        )
        return False
    steps = [["ci", "--no-audit", "--no-fund"]] if _needs_install(console) else []
    steps.append(["run", "build"])
    for step in steps:
        print(f"console: npm {' '.join(step)} (in {console})", file=out, flush=True)
        try:
            done = subprocess.run(  # noqa: S603 (npm found on PATH, fixed arguments)
                [npm, *step],
                cwd=console,
                stdout=out,
                stderr=out,
                stdin=subprocess.DEVNULL,
                env=dict(environ),
                timeout=BUILD_TIMEOUT_SECONDS,
                check=False,
            )
        except subprocess.TimeoutExpired:
            print(f"console: npm {step[0]} ran past {BUILD_TIMEOUT_SECONDS:.0f}s", file=out)
            return False
        if done.returncode != 0:
            print(f"console: npm {step[0]} failed ({done.returncode}); the API runs", file=out)
            return False
    print("console: built", file=out, flush=True)
    return True
