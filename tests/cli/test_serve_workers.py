"""``isoflow serve --workers N``: each worker process binds a listening socket of its own with
SO_REUSEPORT (the kernel then spreads connections over the workers). The process itself is
tested in tests/api/test_serve_process.py."""

from __future__ import annotations

import pickle
import socket

import pytest

from isoflow.cli.serve import OwnSocketPerWorker, bind_reuse_port, reuse_port_supported

pytestmark = pytest.mark.skipif(not reuse_port_supported(), reason="no SO_REUSEPORT here")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_each_worker_unpickles_a_fresh_socket_bound_to_the_port() -> None:
    port = _free_port()
    handed = OwnSocketPerWorker("127.0.0.1", port)
    assert handed == []  # the parent holds no socket
    first, second = (pickle.loads(pickle.dumps(handed)) for _ in range(2))
    try:
        assert len(first) == len(second) == 1
        for sock in (*first, *second):
            assert sock.getsockname() == ("127.0.0.1", port)
            assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT) == 1
            sock.listen()  # both listen on the same port at once
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass
    finally:
        for sock in (*first, *second):
            sock.close()


def test_a_port_taken_without_reuse_port_is_refused_up_front() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(OSError):
            bind_reuse_port("127.0.0.1", taken.getsockname()[1])


def test_connections_of_a_worker_socket_send_without_delay() -> None:
    """asyncio sets TCP_NODELAY on accepted connections only for a socket made with protocol
    TCP; without it each response written in two parts waits for a delayed ACK."""
    import asyncio

    port = _free_port()
    (sock,) = pickle.loads(pickle.dumps(OwnSocketPerWorker("127.0.0.1", port)))
    nodelay: list[int] = []

    async def main() -> None:
        def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            conn = writer.get_extra_info("socket")
            nodelay.append(conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        server = await asyncio.start_server(on_connect, sock=sock)
        async with server:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            for _ in range(100):
                if nodelay:
                    break
                await asyncio.sleep(0.01)
            writer.close()

    asyncio.run(main())
    assert nodelay and nodelay[0] != 0
