"""A small HTTP/1.1 load generator, run as its own process: `python -m bench._loadgen`.

It reads one JSON `Phase` on standard input, opens `connections` keep-alive connections
to 127.0.0.1, sends the same request over each of them back to back (a warm-up first,
then a timed window) and prints one JSON `PhaseResult` on standard output. It reads the
CPU time of the processes named in `watch_pids` from /proc at the two ends of the timed
window, so that the warm-up is not counted.

Raw asyncio streams rather than an HTTP client library: the generator shares a small
machine with the server and the database, so it must spend as little CPU as it can.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from dataclasses import asdict, dataclass, field

REQUEST_TIMEOUT_SECONDS = 10.0
_TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (all its threads), from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        text = stat.read()
    # The command name (field 2) is in parentheses and may hold spaces: split after it.
    fields = text.rpartition(")")[2].split()
    # fields[0] is field 3 (state); utime and stime are fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / _TICKS_PER_SECOND


@dataclass(frozen=True)
class Phase:
    port: int
    request: str  # the whole HTTP/1.1 request, sent as is (latin-1)
    connections: int
    warmup_seconds: float
    seconds: float
    watch_pids: list[int] = field(default_factory=list)


@dataclass
class PhaseResult:
    requests: int  # completed inside the timed window
    elapsed_seconds: float
    errors: int  # non-200 answers, over warm-up and window
    cpu_seconds: dict[str, float]  # pid -> CPU seconds spent during the window
    last_body: str

    @property
    def per_second(self) -> float:
        return self.requests / self.elapsed_seconds if self.elapsed_seconds else 0.0


class ProtocolError(RuntimeError):
    pass


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length: int | None = None
    chunked = False
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value.strip())
        elif name == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
    if length is not None:
        return status, await reader.readexactly(length)
    if not chunked:
        raise ProtocolError("a response with neither Content-Length nor chunked encoding")
    body = bytearray()
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        if size == 0:
            await reader.readuntil(b"\r\n")
            return status, bytes(body)
        body += await reader.readexactly(size)
        await reader.readexactly(2)


@dataclass
class _Tally:
    measuring: bool = False
    stopping: bool = False
    requests: int = 0
    errors: int = 0
    last_body: bytes = b""


async def _connection(phase: Phase, tally: _Tally) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", phase.port)
    request = phase.request.encode("latin-1")
    try:
        while not tally.stopping:
            writer.write(request)
            async with asyncio.timeout(REQUEST_TIMEOUT_SECONDS):
                status, body = await _read_response(reader)
            if status != 200:
                tally.errors += 1
                tally.last_body = body
            elif tally.measuring and not tally.stopping:
                tally.requests += 1
                tally.last_body = body
    finally:
        writer.close()


async def run_phase(phase: Phase) -> PhaseResult:
    tally = _Tally()
    tasks = [asyncio.create_task(_connection(phase, tally)) for _ in range(phase.connections)]

    async def clock() -> tuple[float, dict[str, float]]:
        await asyncio.sleep(phase.warmup_seconds)
        before = {pid: cpu_seconds(pid) for pid in phase.watch_pids}
        started = time.perf_counter()
        tally.measuring = True
        await asyncio.sleep(phase.seconds)
        tally.stopping = True
        elapsed = time.perf_counter() - started
        after = {pid: cpu_seconds(pid) for pid in phase.watch_pids}
        return elapsed, {str(pid): after[pid] - before[pid] for pid in phase.watch_pids}

    timer = asyncio.create_task(clock())
    # A failing connection ends the phase at once, with its error.
    done, _ = await asyncio.wait([timer, *tasks], return_when=asyncio.FIRST_EXCEPTION)
    for task in done:
        error = task.exception()
        if error is not None:
            for other in (timer, *tasks):
                other.cancel()
            await asyncio.gather(timer, *tasks, return_exceptions=True)
            raise error
    elapsed, cpu = await timer
    await asyncio.gather(*tasks)
    return PhaseResult(
        requests=tally.requests,
        elapsed_seconds=elapsed,
        errors=tally.errors,
        cpu_seconds=cpu,
        last_body=tally.last_body.decode("utf-8", "replace"),
    )


def main() -> None:
    phase = Phase(**json.loads(sys.stdin.read()))
    result = asyncio.run(run_phase(phase))
    sys.stdout.write(json.dumps(asdict(result)) + "\n")


if __name__ == "__main__":
    main()
