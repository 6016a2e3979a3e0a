"""`python -m server.embedded_child PARENT_PID PROGRAM ARGS...`: runs PROGRAM (secantusd-py)
so that it ends with the Roster process that started it, even one killed with SIGKILL.

Linux delivers SIGKILL to it when its parent goes (prctl PR_SET_PDEATHSIG, which survives
the exec); a parent that went before the call is caught by comparing the parent's pid.
SIGKILL, not SIGTERM: a graceful stop of the database can take seconds on a loaded machine,
and holds the data directory meanwhile; every write Roster makes waits for the journal, so
nothing acknowledged is lost (the next start recovers from it). A clean stop of Roster
stops the database gracefully itself, before it goes.
Elsewhere it only execs. Kept tiny: it runs before the database, in a fresh interpreter.
"""

from __future__ import annotations

import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")


def main(argv: list[str]) -> None:
    if len(argv) < 2:
        sys.exit("usage: python -m server.embedded_child PARENT_PID PROGRAM [ARGS...]")
    parent, program = int(argv[0]), argv[1:]
    _die_with_parent()
    if os.getppid() != parent:
        sys.exit("roster is gone: not starting the embedded database")
    os.execv(program[0], program)  # noqa: S606 - our own console script, fixed arguments


if __name__ == "__main__":
    main(sys.argv[1:])
