"""Small helpers the bench commands share: free ports, waiting for a server, PostgreSQL admin."""

from __future__ import annotations

import socket
import time
from urllib.parse import urlsplit


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"Nothing answers on 127.0.0.1:{port}.")


def postgres(url: str, statement: str) -> None:
    """Run ``statement`` on the server of ``url`` from its maintenance database (CREATE/DROP DATABASE)."""
    import psycopg

    maintenance = urlsplit(url)._replace(path="/postgres").geturl()
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(statement)


def fresh_database(workdir, name: str) -> tuple[str, bool]:
    """A new, empty database for a bench run: ``name`` created (again) on the PostgreSQL server of
    DATABASE_URL, or a SQLite file in ``workdir``. Returns its URL and whether it is PostgreSQL."""
    import os

    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        url = urlsplit(url)._replace(path=f"/{name}").geturl()
        postgres(url, f'DROP DATABASE IF EXISTS "{name}"')
        postgres(url, f'CREATE DATABASE "{name}"')
        return url, True
    return f"sqlite:///{workdir}/{name}.sqlite3", False
