"""A real PostgreSQL server for the test session, started as an unprivileged user."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["PostgresServer", "find_pg_bin", "start_postgres"]

PG_CANDIDATES = (
    "/usr/local/bin",
    "/usr/lib/postgresql/17/bin",
    "/usr/lib/postgresql/16/bin",
    "/usr/lib/postgresql/15/bin",
)


def find_pg_bin() -> Path | None:
    """The folder holding initdb/pg_ctl/postgres, or None when PostgreSQL is not installed."""
    found = shutil.which("initdb")
    if found:
        return Path(os.path.realpath(found)).parent
    for candidate in PG_CANDIDATES:
        if (Path(candidate) / "initdb").exists():
            return Path(candidate)
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PostgresServer:
    """A running server: its data dir, port and the user it runs as."""

    bin_dir: Path
    data_dir: Path
    port: int
    run_as: str | None

    @property
    def admin_url(self) -> str:
        """URL of the maintenance database as the superuser ``goldpath``."""
        return f"postgresql+psycopg://goldpath@127.0.0.1:{self.port}/postgres"

    def url_for(self, database: str) -> str:
        """URL of one database on this server."""
        return f"postgresql+psycopg://goldpath@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        """Stop the server and remove its data."""
        _run(
            self.run_as,
            [str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-m", "immediate", "stop"],
            check=False,
        )
        shutil.rmtree(self.data_dir.parent, ignore_errors=True)


def _run(user: str | None, argv: list[str], *, check: bool = True) -> None:
    if user is not None:
        argv = ["runuser", "-u", user, "--", *argv]
    subprocess.run(argv, check=check, capture_output=True, text=True, timeout=120)


def start_postgres() -> PostgresServer:
    """initdb into a temp folder, start on a free loopback port, wait until it answers."""
    bin_dir = find_pg_bin()
    if bin_dir is None:
        raise FileNotFoundError("PostgreSQL server binaries (initdb) not found")
    base = Path(tempfile.mkdtemp(prefix="goldpath-pg-"))
    data_dir = base / "data"
    run_as = "nobody" if os.geteuid() == 0 else None  # initdb refuses to run as root
    if run_as:
        shutil.chown(base, user=run_as)
        os.chmod(base, 0o755)
    _run(
        run_as,
        [
            str(bin_dir / "initdb"),
            "-D",
            str(data_dir),
            "-U",
            "goldpath",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
            "--locale=C",
        ],
    )
    port = _free_port()
    options = (
        f"-p {port} -c listen_addresses=127.0.0.1 -k {base} -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
    )
    _run(
        run_as,
        [
            str(bin_dir / "pg_ctl"),
            "-D",
            str(data_dir),
            "-o",
            options,
            "-l",
            str(base / "log"),
            "-w",
            "-t",
            "60",
            "start",
        ],
    )
    server = PostgresServer(bin_dir=bin_dir, data_dir=data_dir, port=port, run_as=run_as)
    deadline = time.monotonic() + 30
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server
        except OSError:
            if time.monotonic() > deadline:
                server.stop()
                raise
            time.sleep(0.1)
