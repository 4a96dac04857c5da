"""A TCP proxy on loopback in front of a database server, which a test can take down and back.

The shared PostgreSQL server cannot be stopped, so the service is pointed at this proxy instead:

- ``up``: every connection is piped to the real server;
- ``stop()``: the listening socket is closed and every open connection cut (connection refused);
- ``reject()``: connections are accepted and closed at once, and counted (``rejected``): the
  server vanished mid-handshake; a test can wait for the count to rise to know the service tried;
- ``start()``: back up on the same port.

The proxy runs its own event loop in a thread, so synchronous code (migrations, psycopg) can use
it from the test's thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Coroutine
from typing import Any


class DatabaseProxy:
    def __init__(self, target_port: int, target_host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self.mode = "up"
        self.rejected = 0
        self.accepted = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()

    def _call(self, coro: Coroutine[Any, Any, Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(10)

    def start(self) -> None:
        """Listen (on the same port as before, once one was chosen) and pipe to the server."""
        self.mode = "up"
        if self._server is None:
            self._call(self._listen())

    def stop(self) -> None:
        """Close the port and cut every open connection: connection refused from now on."""
        self._call(self._close(listening=True))

    def reject(self) -> None:
        """Accept and close every connection at once (counted); cut the open ones."""
        if self._server is None:
            self._call(self._listen())
        self.mode = "reject"
        self._call(self._close(listening=False))

    def shutdown(self) -> None:
        self.stop()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(
            self._handle, "127.0.0.1", self.port, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def _close(self, *, listening: bool) -> None:
        if listening and self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.mode != "up":
            self.rejected += 1
            writer.transport.abort()
            return
        self.accepted += 1
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self._writers.update((writer, up_writer))
        try:
            await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
        finally:
            for w in (writer, up_writer):
                self._writers.discard(w)
                w.transport.abort()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError, asyncio.IncompleteReadError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    writer.transport.abort()
