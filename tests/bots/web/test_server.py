"""The listening socket ``bots.web.server.listen`` opens for the dashboard and the API."""

import asyncio
import socket

from bots.web.server import listen
from tests.net import free_port


async def test_accepted_connections_send_without_waiting_for_acks() -> None:
    """Nagle's algorithm is off on every accepted connection: a response written in
    two parts (headers, then body) otherwise waits ~40 ms for the client's delayed
    ACK, which capped a kept-alive client at about 23 requests a second."""
    nodelay: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    class Probe(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            sock = transport.get_extra_info("socket")
            nodelay.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            transport.close()

    bind = f"127.0.0.1:{free_port()}"
    server = await asyncio.get_running_loop().create_server(Probe, sock=listen(bind))
    async with server:
        _, writer = await asyncio.open_connection(*bind.split(":"))
        assert await asyncio.wait_for(nodelay, 10) != 0
        writer.close()
