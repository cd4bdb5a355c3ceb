"""Runs the real `lemonade serve` binary for interop tests.

Starts the server on ephemeral loopback ports with its own data directory,
waits for its "lemonade: listening ..." line (no sleeps: the line is the
readiness signal) and parses the bound ports from it.
"""

import os
import re
import signal
import subprocess
import tempfile


def find_binary():
    """The lemonade binary from the test's runfiles (or LEMONADE_BINARY)."""
    explicit = os.environ.get("LEMONADE_BINARY")
    if explicit:
        return explicit
    srcdir = os.environ.get("TEST_SRCDIR", "")
    workspace = os.environ.get("TEST_WORKSPACE", "lemonade")
    candidate = os.path.join(srcdir, workspace, "tools", "lemonade")
    if os.path.exists(candidate):
        return candidate
    raise RuntimeError("lemonade binary not found; set LEMONADE_BINARY")


class LemonadeServer:
    """A `lemonade serve` process on ephemeral loopback ports."""

    def __init__(self, data_dir=None, extra_flags=()):
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="lemonade-interop-")
        self.extra_flags = list(extra_flags)
        self.process = None
        self.ports = {}

    def user_add(self, name, password):
        subprocess.run(
            [find_binary(), "user", "add", name, "--data_dir=" + self.data_dir,
             "--password=" + password],
            check=True, capture_output=True)

    def start(self):
        args = [
            find_binary(), "serve",
            "--data_dir=" + self.data_dir,
            "--imap_listen=127.0.0.1:0",
            "--imaps_listen=127.0.0.1:0",
            "--submission_listen=127.0.0.1:0",
            "--submissions_listen=127.0.0.1:0",
            "--password_iterations=1000",
            "--auth_failure_delay_ms=100",
            "--domains=localhost,example.org",
        ] + self.extra_flags
        self.process = subprocess.Popen(
            args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()
        if not line.startswith("lemonade: listening"):
            err = self.process.stderr.read() if self.process.poll() is not None else ""
            raise RuntimeError("server did not start: %r %s" % (line, err))
        self.ports = {
            name: int(port)
            for name, port in re.findall(r"(\w+)=127\.0\.0\.1:(\d+)", line)
        }
        return self

    def kill9(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode if self.process else None
