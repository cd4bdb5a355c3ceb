"""Durability on real files: APPEND as fast as possible while the server is
killed with SIGKILL and restarted, again and again. Every APPEND that got a
tagged OK must be in the mailbox afterwards, and the store must open.

Kills are triggered by progress (after a number of acknowledged APPENDs),
not by timers, so the test waits on events, never on the clock.
"""

import imaplib
import os
import re
import shutil
import sys
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lemonade_process import LemonadeServer  # noqa: E402

ROUNDS = 6
APPENDS_PER_ROUND = 60


class Kill9Test(unittest.TestCase):

    def test_acknowledged_appends_survive_sigkill(self):
        server = LemonadeServer(extra_flags=["--demo_user=bob:secret"])
        acknowledged = {}  # marker -> uid
        try:
            for round_number in range(ROUNDS):
                server.start()
                port = server.ports["imap"]
                killed = threading.Event()
                progress = threading.Event()
                count = [0]

                def appender():
                    try:
                        m = imaplib.IMAP4("127.0.0.1", port)
                        m.login("bob", "secret")
                        i = 0
                        while not killed.is_set():
                            marker = "round-%d-message-%d" % (round_number, i)
                            typ, data = m.append(
                                "INBOX", None, None,
                                ("Subject: %s\r\n\r\n%s\r\n" % (marker, marker)).encode())
                            if typ == "OK":
                                uid = int(re.search(rb"APPENDUID \d+ (\d+)", data[0]).group(1))
                                acknowledged[marker] = uid
                                count[0] += 1
                                if count[0] >= APPENDS_PER_ROUND:
                                    progress.set()
                            i += 1
                    except (OSError, imaplib.IMAP4.abort, imaplib.IMAP4.error, EOFError):
                        pass  # the server was killed under us
                    finally:
                        progress.set()

                thread = threading.Thread(target=appender)
                thread.start()
                self.assertTrue(progress.wait(120), "no progress in round %d" % round_number)
                server.kill9()  # mid-stream: the client is still appending
                killed.set()
                thread.join(60)
            # Final check on a clean start: nothing acknowledged is missing.
            server.start()
            m = imaplib.IMAP4("127.0.0.1", server.ports["imap"])
            m.login("bob", "secret")
            typ, data = m.select("INBOX")
            self.assertEqual(typ, "OK")
            typ, data = m.uid("FETCH", "1:*", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
            present = {}
            for item in data:
                if isinstance(item, tuple):
                    uid = int(re.search(rb"UID (\d+)", item[0]).group(1))
                    subject = item[1].decode().split(":", 1)[1].strip()
                    present[subject] = uid
            missing = [k for k in acknowledged if k not in present]
            self.assertEqual(missing, [], "acknowledged APPENDs lost after SIGKILL")
            for marker, uid in acknowledged.items():
                self.assertEqual(present[marker], uid, marker)
            self.assertGreaterEqual(len(acknowledged), ROUNDS * APPENDS_PER_ROUND)
            m.logout()
            self.assertEqual(server.stop(), 0)
        finally:
            if server.process and server.process.poll() is None:
                server.kill9()
            shutil.rmtree(server.data_dir, ignore_errors=True)


if __name__ == "__main__":
    unittest.main(verbosity=2)
