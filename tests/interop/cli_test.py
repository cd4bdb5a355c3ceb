"""The `lemonade` command's usage errors (issue: operators' CLI).

Every bad invocation -- an unknown subcommand or flag, a flag meant for
another subcommand, a malformed or out-of-range value -- must print one
clear line on stderr and exit with code 2, before binding any port or
touching the data directory's contents. `--help` works for every
subcommand and exits 0.
"""

import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lemonade_process import find_binary  # noqa: E402


def run(*args, cwd=None):
    return subprocess.run([find_binary(), *args], capture_output=True, text=True,
                          timeout=60, cwd=cwd)


class CliTest(unittest.TestCase):

    # serve gets a fresh data directory and ephemeral loopback ports, so a
    # value checked after binding cannot collide with a running server.
    SERVE_FLAGS = ["--imap_listen=127.0.0.1:0", "--imaps_listen=",
                   "--submission_listen=127.0.0.1:0", "--submissions_listen="]

    def assertUsageError(self, args, needle):
        with tempfile.TemporaryDirectory() as d:
            if args[0] == "serve":
                r = run(*args, *self.SERVE_FLAGS, "--data_dir=" + d, cwd=d)
            else:
                r = run(*args, cwd=d)
        self.assertEqual(r.returncode, 2, (args, r.stdout, r.stderr))
        lines = [l for l in r.stderr.splitlines() if l.strip()]
        self.assertEqual(len(lines), 1, (args, r.stderr))
        self.assertIn(needle, lines[0], args)

    def test_unknown_subcommand(self):
        self.assertUsageError(["frobnicate"], "frobnicate")

    def test_unknown_flag_and_flag_of_another_subcommand(self):
        self.assertUsageError(["serve", "--no_such_flag=1"], "unknown flag --no_such_flag")
        self.assertUsageError(["serve", "--scenario=forward"], "unknown flag --scenario")

    def test_bad_values(self):
        self.assertUsageError(["serve", "--relay=no-port-here"], "--relay")
        self.assertUsageError(["serve", "--relay_tls=sometimes"], "--relay_tls")
        self.assertUsageError(["serve", "--relay_user=u", "--relay_tls=none"],
                              "--relay_user needs TLS")
        self.assertUsageError(["serve", "--smtp_recipients_max=5"], "--smtp_recipients_max")
        self.assertUsageError(["serve", "--imap_nesting_depth_max=0"], "--imap_nesting_depth_max")
        self.assertUsageError(["serve", "--log_level=chatty"], "--log_level")
        self.assertUsageError(["sim", "--scenario=nosuch"], "nosuch")

    def test_help_for_every_subcommand(self):
        for sub in ["serve", "user", "sim", "replay", "experiment", "demo"]:
            r = run(sub, "--help")
            self.assertEqual(r.returncode, 0, (sub, r.stderr))
            self.assertIn("lemonade " + sub, r.stdout + r.stderr, sub)


if __name__ == "__main__":
    unittest.main(verbosity=2)
