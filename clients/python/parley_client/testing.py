"""A real parleyd for integration tests: port chosen by the OS, store in a temp dir.

    with LocalServer("/path/to/parleyd") as server:
        admin = Client(server.target, server.admin_token)

The server is started with --listen 127.0.0.1:0 --port_file; start() waits for the port file
through inotify (no polling) with a deadline, then for a SERVING health check. stop() sends
SIGTERM and waits, then SIGKILL if it must; the temp dir is removed.
"""

import ctypes
import os
import select
import shutil
import signal
import subprocess
import tempfile
import time
from typing import List, Optional

_IN_CLOSE_WRITE = 0x00000008
_IN_MOVED_TO = 0x00000080
_IN_NONBLOCK = 0o4000
_IN_CLOEXEC = 0o2000000


class _DirectoryWatch:
    """inotify on one directory for files written or renamed into it (Linux only)."""

    def __init__(self, directory: str):
        self._libc = ctypes.CDLL(None, use_errno=True)
        self.fd = self._libc.inotify_init1(_IN_NONBLOCK | _IN_CLOEXEC)
        if self.fd < 0:
            raise OSError(ctypes.get_errno(), "inotify_init1")
        if self._libc.inotify_add_watch(self.fd, directory.encode(),
                                        _IN_CLOSE_WRITE | _IN_MOVED_TO) < 0:
            os.close(self.fd)
            raise OSError(ctypes.get_errno(), f"inotify_add_watch {directory}")

    def drain(self) -> None:
        try:
            while os.read(self.fd, 4096):
                pass
        except BlockingIOError:
            pass

    def close(self) -> None:
        os.close(self.fd)


class LocalServer:
    """parleyd in a fresh temp dir. Not thread-safe; start and stop from one thread."""

    def __init__(self, binary: Optional[str] = None, *, start_timeout: float = 60.0,
                 extra_flags: Optional[List[str]] = None):
        self.binary = binary or os.environ.get("PARLEYD", "")
        if not self.binary:
            raise ValueError("parleyd binary: pass it or set PARLEYD")
        self.start_timeout = start_timeout
        self.extra_flags = list(extra_flags or [])
        self.work_dir = ""
        self.port = 0
        self.admin_token = ""
        self.process: Optional[subprocess.Popen] = None

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def log_file(self) -> str:
        return os.path.join(self.work_dir, "parleyd.log")

    def log_tail(self, size: int = 4000) -> str:
        try:
            with open(self.log_file, "rb") as log:
                return log.read().decode(errors="replace")[-size:]
        except OSError:
            return ""

    def start(self) -> "LocalServer":
        """Starts the server; returns once it serves. RuntimeError (with the log) otherwise."""
        self.work_dir = tempfile.mkdtemp(prefix="parleyd-")
        port_file = os.path.join(self.work_dir, "port")
        token_file = os.path.join(self.work_dir, "admin.token")
        deadline = time.monotonic() + self.start_timeout
        watch = _DirectoryWatch(self.work_dir)  # before spawning: the rename cannot be missed
        try:
            with open(self.log_file, "ab") as log:
                self.process = subprocess.Popen(
                    [self.binary, "--listen=127.0.0.1:0",
                     f"--data_dir={os.path.join(self.work_dir, 'data')}",
                     f"--admin_token_file={token_file}", f"--port_file={port_file}",
                     "--log_level=warning", *self.extra_flags],
                    stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
            pidfd = os.pidfd_open(self.process.pid)
            try:
                while not self._read_port(port_file):
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise RuntimeError(f"parleyd wrote no port file in time; log:\n"
                                           f"{self.log_tail()}")
                    ready, _, _ = select.select([watch.fd, pidfd], [], [], left)
                    if pidfd in ready:
                        code = self.process.wait()
                        raise RuntimeError(f"parleyd exited ({code}) before serving; log:\n"
                                           f"{self.log_tail()}")
                    watch.drain()
            finally:
                os.close(pidfd)
        except BaseException:
            watch.close()
            self.stop()
            raise
        watch.close()
        with open(token_file, encoding="ascii") as token:
            self.admin_token = token.read().strip()
        return self

    def _read_port(self, port_file: str) -> bool:
        try:
            with open(port_file, encoding="ascii") as f:
                text = f.read().strip()
        except FileNotFoundError:
            return False
        if text.isdigit() and int(text) > 0:
            self.port = int(text)
            return True
        return False

    def stop(self, timeout: float = 60.0) -> Optional[int]:
        """SIGTERM, then SIGKILL after `timeout` seconds; removes the temp dir. Returns the
        exit code (None if it never started)."""
        code = None
        if self.process is not None:
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGTERM)
                try:
                    self.process.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait(timeout=timeout)
            code = self.process.returncode
            self.process = None
        if self.work_dir:
            shutil.rmtree(self.work_dir, ignore_errors=True)
            self.work_dir = ""
        return code

    def __enter__(self) -> "LocalServer":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()
