"""A private PostgreSQL server for the tests: a fresh cluster in a temporary
directory, on a free loopback port, stopped at the end of the session.

It needs Debian's ``postgresql`` package (``make`` installs it as root). Where
it is missing the PostgreSQL tests are skipped with that reason, except when
``BLOCKFIRST_REQUIRE_POSTGRES=1`` (CI sets it), where they fail.
"""

import asyncio
import glob
import itertools
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import asyncpg
import pytest

from tests.net import free_port

__all__ = ["PostgresServer", "postgres_or_skip"]

_REQUIRED = "BLOCKFIRST_REQUIRE_POSTGRES"


def _binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


class PostgresServer:
    def __init__(self, bin_dir: Path) -> None:
        self._bin = bin_dir
        self._root = Path(tempfile.mkdtemp(prefix="bf-pg-"))
        self._data = self._root / "data"
        self.port = free_port()
        self._names = itertools.count(1)
        self._as_postgres = os.geteuid() == 0  # PostgreSQL refuses to run as root
        self._template = ""

    def _run(self, *args: str) -> None:
        command = [str(self._bin / args[0]), *args[1:]]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        if self._as_postgres:
            shutil.chown(self._root, "postgres")
        self._run("initdb", "-D", str(self._data), "-U", "blockfirst", "--auth=trust", "-E", "UTF8")
        options = (
            f"-p {self.port} -k {self._root} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        log = str(self._root / "server.log")  # not our pipe: pg_ctl would never end
        self._run(
            "pg_ctl", "-D", str(self._data), "-l", log, "-o", options, "-w", "-t", "60", "start"
        )

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self._data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self._root, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://blockfirst@127.0.0.1:{self.port}/{database}"

    def new_database(self, template: str = "template0") -> str:
        """A new database's URL: empty, or a copy of ``template``."""
        name = f"t{os.getpid()}_{next(self._names)}"
        self._sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return self.url(name)

    def migrated_database(self) -> str:
        """A new database already at the current schema: a copy of one migrated once
        per session (migrating each test's database cost more than the test)."""
        if not self._template:
            url = self.new_database()
            _in_thread(_migrate(url))
            self._template = url.rsplit("/", 1)[1]
        return self.new_database(self._template)

    def drop(self, url: str) -> None:
        """Drop a test's database (hundreds left behind made the server's stop slow)."""
        name = url.rsplit("/", 1)[1]
        self._sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _sql(self, statement: str) -> None:
        async def execute() -> None:
            conn = await asyncpg.connect(self.url().replace("postgresql", "postgres", 1))
            try:
                await conn.execute(statement)
            finally:
                await conn.close()

        _in_thread(execute())


async def _migrate(url: str) -> None:
    from core.store import open_store

    async with open_store(url):
        pass


def _in_thread(coro: object) -> None:
    """Run ``coro`` to completion whether or not a loop runs in this thread."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, coro).result()  # type: ignore[arg-type]


def postgres_or_skip() -> Path:
    """PostgreSQL's binaries, or skip (fail where they are required)."""
    bin_dir = _binaries()
    if bin_dir is None:
        reason = "PostgreSQL is not installed (Debian: postgresql); its store tests skipped"
        if os.environ.get(_REQUIRED) == "1":
            pytest.fail(f"{_REQUIRED}=1 but {reason}")
        pytest.skip(reason)
    return bin_dir
