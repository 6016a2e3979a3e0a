"""`python -m bench`: runs every benchmark module of this package, one process each.

Each runs as `python -m bench.NAME`; its output is forwarded as it comes. The exit status
is non-zero if any benchmark fails, prints no `NAME: ratio R (goal G)` line at its end,
or runs past the time limit.
"""

from __future__ import annotations

import argparse
import pkgutil
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path
from types import FrameType

import bench

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT_SECONDS = 600.0


def benchmark_names() -> list[str]:
    return sorted(
        info.name
        for info in pkgutil.iter_modules(bench.__path__)
        if not info.name.startswith("_") and not info.ispkg
    )


def _stop(process: subprocess.Popen[str]) -> None:
    """SIGTERM first, so that the benchmark stops the processes it started."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def run(name: str, timeout: float) -> tuple[bool, str | None]:
    """Runs one benchmark; (passed, its final ratio line)."""
    process = subprocess.Popen(
        [sys.executable, "-m", f"bench.{name}"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
    )
    timed_out = threading.Event()

    def watchdog() -> None:
        timed_out.set()
        _stop(process)

    timer = threading.Timer(timeout, watchdog)
    timer.start()
    last_line: str | None = None
    try:
        assert process.stdout is not None
        for line in process.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
            if line.strip():
                last_line = line.strip()
        process.wait()
    finally:
        timer.cancel()
        _stop(process)
    if timed_out.is_set():
        print(f"bench: {name} ran past {timeout:g} s and was stopped", flush=True)
        return False, None
    if process.returncode != 0:
        print(f"bench: {name} exited with code {process.returncode}", flush=True)
        return False, None
    pattern = rf"{re.escape(name)}: ratio [0-9.]+ \(goal [0-9.]+\)"
    if last_line is None or not re.fullmatch(pattern, last_line):
        print(f"bench: {name} did not end with a `{name}: ratio R (goal G)` line", flush=True)
        return False, None
    return True, last_line


def _raise_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    parser.add_argument("--timeout", type=float, default=TIMEOUT_SECONDS, help="per benchmark")
    args = parser.parse_args(argv)
    # Stopped from outside: the `finally` in run() passes SIGTERM on to the benchmark.
    signal.signal(signal.SIGTERM, _raise_on_sigterm)
    available = benchmark_names()
    unknown = sorted(set(args.names) - set(available))
    if unknown:
        parser.error(f"unknown benchmarks {unknown}; known: {available}")
    names = args.names or available

    results: list[tuple[str, bool, str | None]] = []
    for name in names:
        print(f"bench: running {name}", flush=True)
        passed, line = run(name, args.timeout)
        results.append((name, passed, line))

    print("bench: summary")
    for name, passed, line in results:
        print(f"  {'ran   ' if passed else 'FAILED'} {line or name}")
    return 0 if all(passed for _, passed, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
