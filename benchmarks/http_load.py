"""A cheap, honest HTTP/1.1 load generator for the API benchmarks.

It is the measuring instrument, and on these 2-core machines it shares the CPUs with the server
it measures, so it must cost little: one asyncio process (uvloop when installed), one
keep-alive connection per client, requests encoded once before the clock starts, responses
parsed no further than the status line and Content-Length. Every response is kept (status,
body, times) so the caller checks each one after the run, when checking costs the server
nothing.

Closed loop: each client sends its next request as soon as the last one is answered.
Open loop: each client sends on a fixed schedule; the latency is counted from the time a
request was due, not from when it could be sent, so a server that falls behind is not
flattered (no coordinated omission).
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Reply:
    client: int
    index: int
    status: int
    body: bytes
    due: float  # perf_counter when it was due (open loop) or sent (closed loop) [s]
    done: float  # perf_counter when the whole response had arrived [s]

    @property
    def latency_s(self) -> float:
        return self.done - self.due


def encode(method: str, path: str, *, host: str, token: str | None = None,
           body: object = None) -> bytes:
    """One HTTP/1.1 keep-alive request, ready to write."""
    payload = b"" if body is None else json.dumps(body).encode()
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}"]
    if token is not None:
        lines.append(f"Authorization: Bearer {token}")
    if body is not None:
        lines.append("Content-Type: application/json")
    lines.append(f"Content-Length: {len(payload)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


class _Connection(asyncio.Protocol):
    """One keep-alive connection: one request in flight at a time."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.waiter: asyncio.Future[tuple[int, bytes]] | None = None
        self.closed: BaseException | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's is not a subclass

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = exc or ConnectionError("the server closed the connection")
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(self.closed)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        head = bytes(self.buffer[:end]).lower()
        at = head.find(b"\r\ncontent-length:")
        if at < 0:
            raise RuntimeError(f"a response without Content-Length: {head[:200]!r}")
        stop = head.find(b"\r\n", at + 2)
        length = int(head[at + 17:stop if stop > 0 else len(head)])
        if len(self.buffer) < end + 4 + length:
            return
        status = int(self.buffer[9:12])
        body = bytes(self.buffer[end + 4:end + 4 + length])
        del self.buffer[:end + 4 + length]
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result((status, body))

    async def request(self, data: bytes) -> tuple[int, bytes]:
        if self.closed is not None:
            raise self.closed
        assert self.transport is not None
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(data)
        return await self.waiter


async def _connect(host: str, port: int, n: int) -> list[_Connection]:
    loop = asyncio.get_running_loop()
    out = []
    for _ in range(n):
        _, protocol = await loop.create_connection(_Connection, host, port)
        out.append(protocol)
    return out


async def _closed(host: str, port: int, requests: Sequence[Sequence[bytes]]) -> list[Reply]:
    conns = await _connect(host, port, len(requests))
    replies: list[Reply] = []

    async def client(k: int) -> None:
        conn, clock = conns[k], time.perf_counter
        for i, data in enumerate(requests[k]):
            t0 = clock()
            status, body = await conn.request(data)
            replies.append(Reply(k, i, status, body, t0, clock()))

    await asyncio.gather(*(client(k) for k in range(len(requests))))
    for c in conns:
        assert c.transport is not None
        c.transport.close()
    return replies


async def _paced(host: str, port: int, requests: Sequence[Sequence[bytes]],
                 interval_s: float) -> list[Reply]:
    conns = await _connect(host, port, len(requests))
    replies: list[Reply] = []
    start = time.perf_counter() + 0.05
    n = len(requests)

    async def client(k: int) -> None:
        conn, clock = conns[k], time.perf_counter
        first = start + k * interval_s / n  # starts spread over one interval
        for i, data in enumerate(requests[k]):
            due = first + i * interval_s
            wait = due - clock()
            if wait > 0:
                await asyncio.sleep(wait)
            status, body = await conn.request(data)
            replies.append(Reply(k, i, status, body, due, clock()))

    await asyncio.gather(*(client(k) for k in range(n)))
    for c in conns:
        assert c.transport is not None
        c.transport.close()
    return replies


def _run(coro):  # type: ignore[no-untyped-def]
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency of the server
        return asyncio.run(coro)
    return uvloop.run(coro)


@dataclass(frozen=True)
class Run:
    replies: list[Reply]
    seconds: float  # wall time from the first request to the last reply
    client_cpu_s: float  # CPU time of this (load-generating) process during the run


def closed_loop(host: str, port: int, requests: Sequence[Sequence[bytes]]) -> Run:
    """Client k sends requests[k] one after the other on its own connection."""
    c0 = time.process_time()
    replies = _run(_closed(host, port, requests))
    cpu = time.process_time() - c0
    t0 = min(r.due for r in replies)
    return Run(replies, max(r.done for r in replies) - t0, cpu)


def open_loop(host: str, port: int, requests: Sequence[Sequence[bytes]],
              interval_s: float) -> Run:
    """Client k sends requests[k][i] at start + (k/n + i) * interval_s (or as soon as its
    previous reply is in, if that is later); latencies count from the due time."""
    c0 = time.process_time()
    replies = _run(_paced(host, port, requests, interval_s))
    cpu = time.process_time() - c0
    t0 = min(r.due for r in replies)
    return Run(replies, max(r.done for r in replies) - t0, cpu)


# ------------------------------------------------------------------ CPU of other processes
_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, user + system CPU seconds) of a live process, from /proc."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / _TICK


def tree_cpu_s(root: int) -> float:
    """CPU seconds used so far by ``root`` and its live descendants (Linux /proc; 0.0
    elsewhere). Sampled before and after a run, the difference is what they spent on it."""
    if not os.path.isdir("/proc"):
        return 0.0
    parents: dict[int, tuple[int, float]] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            st = _stat(int(name))
            if st is not None:
                parents[int(name)] = st
    total, todo, seen = 0.0, [root], set()
    while todo:
        pid = todo.pop()
        if pid in seen or pid not in parents:
            continue
        seen.add(pid)
        total += parents[pid][1]
        todo.extend(p for p, (ppid, _) in parents.items() if ppid == pid)
    return total
