"""Throwaway servers for the operations tests: an S3 endpoint (moto) and a PostgreSQL cluster.

Both listen on 127.0.0.1 on a free port, live in a temporary folder and can be stopped,
frozen (SIGSTOP: a store that accepts connections and never answers) and started again.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

REGION = "us-east-1"
KEY, SECRET = "testing", "testing"  # moto accepts any credentials
PG_BIN = Path("/usr/lib/postgresql")


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float = 20.0) -> None:
    """Return once something accepts connections on the port."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            s.settimeout(0.2)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


class MotoServer:
    """`moto_server -p PORT` on 127.0.0.1: an in-memory S3 that forgets on restart."""

    def __init__(self, port: int | None = None):
        """Pick a port; start() runs it."""
        self.port = port or free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        """The endpoint URL."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "MotoServer":
        """Start the server and wait until it accepts connections."""
        exe = Path(sys.executable).with_name("moto_server")
        cmd = [str(exe) if exe.exists() else shutil.which("moto_server"), "-H", "127.0.0.1",
               "-p", str(self.port)]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.port)
        return self

    def stop(self) -> None:
        """Kill it (connections are refused from now on)."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.kill()
            self.proc.wait(10)

    def freeze(self) -> None:
        """SIGSTOP: it keeps its port but never answers."""
        self.proc.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        """SIGCONT: answer again, with everything still stored."""
        self.proc.send_signal(signal.SIGCONT)

    def client(self):
        """A boto3 client on this endpoint."""
        return boto3.session.Session().client(
            "s3", endpoint_url=self.url, region_name=REGION, aws_access_key_id=KEY,
            aws_secret_access_key=SECRET, config=Config(retries={"max_attempts": 1}))

    def new_bucket(self) -> str:
        """Create a bucket with a fresh name; return the name."""
        name = f"photos-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        return name

    def env(self) -> dict:
        """The AWS_* variables the app reads."""
        return {"AWS_ENDPOINT_URL": self.url, "AWS_ACCESS_KEY_ID": KEY,
                "AWS_SECRET_ACCESS_KEY": SECRET, "AWS_DEFAULT_REGION": REGION}


def pg_bin() -> Path | None:
    """The newest installed PostgreSQL server binaries, if any."""
    versions = sorted((p for p in PG_BIN.glob("*/bin") if (p / "initdb").exists()),
                      key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
    return versions[-1] if versions else None


class ThrowawayPostgres:
    """A PostgreSQL cluster of its own in a temporary folder (never the machine's 5432)."""

    def __init__(self):
        """Initialise the cluster (as the postgres user when running as root) in /tmp."""
        self.bin, self.port = pg_bin(), free_port()
        # Not under pytest's tmp_path: the postgres user cannot enter root's 0700 folders.
        self.root = Path(tempfile.mkdtemp(prefix="cc-pg-", dir="/tmp"))
        self.data = self.root / "pgdata"
        self.sockets = self.root / "sock"
        self.sockets.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
            shutil.chown(self.sockets, "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--no-sync")

    def _run(self, tool: str, *args: str) -> None:
        """Run one of the server's tools (as postgres when we are root)."""
        cmd = [str(self.bin / tool), *args]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        # The server outlives pg_ctl: give it no pipe of ours to hold open (its log is a file).
        subprocess.run(cmd, check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=60)

    @property
    def url(self) -> str:
        """The URL of its postgres database."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        """Start and wait until it accepts connections."""
        opts = f"-p {self.port} -k {self.sockets} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", opts, "-l", str(self.root / "log"),
                  "-w", "-t", "30", "start")

    def stop(self) -> None:
        """Stop it at once."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def close(self) -> None:
        """Stop it if it runs, and remove its folder."""
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="session")
def s3_server():
    """One moto S3 server for the session."""
    server = MotoServer().start()
    yield server
    server.stop()


@pytest.fixture
def own_s3_server():
    """A moto S3 server of the test's own (to stop, freeze and restart)."""
    server = MotoServer().start()
    yield server
    server.stop()
