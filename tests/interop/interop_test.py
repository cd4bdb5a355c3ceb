"""Interop: real mail clients from Debian against the real `lemonade serve`.

Python's imaplib and smtplib, curl, swaks, mbsync (isync) and an aiosmtpd
relay sink talk to the server over loopback; every test asserts on what the
client received, not only on its exit status.
"""

import base64
import email
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import imaplib
import smtplib
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lemonade_process import LemonadeServer  # noqa: E402

MULTIPART = (
    b"From: Alice <alice@example.org>\r\n"
    b"To: Bob <bob@example.org>\r\n"
    b"Subject: Trip details\r\n"
    b"Date: Mon, 1 Jan 2024 09:00:00 +0000\r\n"
    b"Message-ID: <trip@example.org>\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: multipart/mixed; boundary=\"XX\"\r\n"
    b"\r\n"
    b"--XX\r\n"
    b"Content-Type: text/plain; charset=us-ascii\r\n"
    b"\r\n"
    b"The schedule is attached.\r\n"
    b"--XX\r\n"
    b"Content-Type: application/pdf; name=\"trip.pdf\"\r\n"
    b"Content-Transfer-Encoding: base64\r\n"
    b"\r\n"
    b"JVBERi0xLjQKJcfsj6IKNSAwIG9iago8PC9MZW5ndGggNiAwIFI+PgpzdHJlYW0K\r\n"
    b"--XX--\r\n")


def insecure_context():
    # The embedded default's certificate is self-signed.
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


class InteropTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.sink_messages = []
        cls.sink_event = threading.Event()
        cls.sink = cls._start_sink()
        cls.server = LemonadeServer(extra_flags=[
            "--relay=127.0.0.1:%d" % cls.sink_port, "--relay_tls=required",
            "--relay_user=lemonade", "--relay_password=relay-secret", "--demo_user="])
        cls.server.user_add("bob", "secret")
        cls.server.user_add("alice", "wonder")
        cls.server.start()
        cls.imap_port = cls.server.ports["imap"]
        cls.imaps_port = cls.server.ports["imaps"]
        cls.submission_port = cls.server.ports["submission"]
        cls.submissions_port = cls.server.ports["submissions"]

    @classmethod
    def tearDownClass(cls):
        code = cls.server.stop()
        cls.sink.stop()
        shutil.rmtree(cls.sink_dir, ignore_errors=True)
        shutil.rmtree(cls.server.data_dir, ignore_errors=True)
        assert code == 0, "server exited with %r on SIGTERM" % code

    @classmethod
    def _start_sink(cls):
        """A smarthost that insists on STARTTLS and AUTH, as providers' do.

        Its certificate is self-signed for 127.0.0.1, which the server
        accepts from a loopback peer only (the name is still checked).
        """
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult, LoginPassword

        cls.sink_dir = tempfile.mkdtemp()
        cert = os.path.join(cls.sink_dir, "cert.pem")
        key = os.path.join(cls.sink_dir, "key.pem")
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
             "-keyout", key, "-out", cert, "-subj", "/CN=127.0.0.1",
             "-addext", "subjectAltName=IP:127.0.0.1"],
            check=True, capture_output=True, timeout=60)
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(cert, key)

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                cls.sink_messages.append(
                    (envelope.mail_from, list(envelope.rcpt_tos), envelope.content,
                     session.ssl is not None, session.auth_data))
                cls.sink_event.set()
                return "250 OK"

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (isinstance(auth_data, LoginPassword) and auth_data.login == b"lemonade"
                  and auth_data.password == b"relay-secret")
            return AuthResult(success=ok, handled=False, auth_data=auth_data.login if ok else None)

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            cls.sink_port = s.getsockname()[1]
        controller = Controller(Handler(), hostname="127.0.0.1", port=cls.sink_port,
                                server_hostname="relay.example", tls_context=tls,
                                require_starttls=True, auth_required=True,
                                auth_require_tls=True, authenticator=authenticator)
        controller.start()
        return controller

    def imap(self, user="bob", password="secret", tls=True):
        m = imaplib.IMAP4("127.0.0.1", self.imap_port)
        if tls:
            m.starttls(ssl_context=insecure_context())
        typ, _ = m.login(user, password)
        self.assertEqual(typ, "OK")
        return m

    def wait_for_exists(self, user, password, count):
        """IDLE until the INBOX holds `count` messages (event-driven)."""
        raw = socket.create_connection(("127.0.0.1", self.imap_port), timeout=30)
        f = raw.makefile("rwb")

        def line():
            return f.readline().decode()

        line()  # greeting
        f.write(b"a LOGIN %s %s\r\nb SELECT INBOX\r\n" % (user.encode(), password.encode()))
        f.flush()
        exists = 0
        while True:
            text = line()
            m = re.match(r"\* (\d+) EXISTS", text)
            if m:
                exists = int(m.group(1))
            if text.startswith("b "):
                break
        if exists < count:
            f.write(b"c IDLE\r\n")
            f.flush()
            while exists < count:
                text = line()
                self.assertTrue(text, "connection closed while waiting for mail")
                m = re.match(r"\* (\d+) EXISTS", text)
                if m:
                    exists = int(m.group(1))
            f.write(b"DONE\r\n")
            f.flush()
        raw.close()
        return exists

    # ---- imaplib ----

    def test_imaplib_append_fetch_bodystructure_store_search_expunge(self):
        m = self.imap()
        m.create("Interop1")
        typ, data = m.append("Interop1", r"(\Flagged)", '"01-Jan-2024 09:00:00 +0000"', MULTIPART)
        self.assertEqual(typ, "OK")
        self.assertIn(b"APPENDUID", data[0])
        typ, data = m.select("Interop1")
        self.assertEqual(data, [b"1"])
        typ, data = m.fetch("1", "(FLAGS INTERNALDATE BODYSTRUCTURE ENVELOPE)")
        text = data[0].decode()
        self.assertIn('INTERNALDATE "01-Jan-2024 09:00:00 +0000"', text)
        self.assertIn('("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 25 0', text)
        self.assertIn('("application" "pdf" ("name" "trip.pdf") NIL NIL "base64" 64', text)
        self.assertIn('"mixed" ("boundary" "XX")', text)
        self.assertIn('"Trip details"', text)
        self.assertIn(r"\Flagged", text)
        typ, data = m.fetch("1", "(BODY.PEEK[2])")
        self.assertEqual(data[0][1], b"JVBERi0xLjQKJcfsj6IKNSAwIG9iago8PC9MZW5ndGggNiAwIFI+PgpzdHJlYW0K")
        typ, data = m.fetch("1", "(BINARY.PEEK[2])")
        self.assertTrue(data[0][1].startswith(b"%PDF-1.4"))
        typ, data = m.store("1", "+FLAGS", r"(\Seen $Forwarded)")
        self.assertIn(b"$Forwarded", data[0])
        self.assertEqual(m.search(None, "SUBJECT", '"trip"'), ("OK", [b"1"]))
        self.assertEqual(m.search(None, "KEYWORD", "$Forwarded"), ("OK", [b"1"]))
        self.assertEqual(m.search(None, "UNSEEN"), ("OK", [b""]))
        m.store("1", "+FLAGS", r"(\Deleted)")
        typ, data = m.uid("EXPUNGE", "1")
        self.assertEqual(typ, "OK")
        self.assertEqual(m.select("Interop1")[1], [b"0"])
        m.logout()

    def test_imaplib_implicit_tls(self):
        m = imaplib.IMAP4_SSL("127.0.0.1", self.imaps_port, ssl_context=insecure_context())
        typ, _ = m.login("bob", "secret")
        self.assertEqual(typ, "OK")
        self.assertEqual(m.select("INBOX")[0], "OK")
        m.logout()

    def test_imaplib_plaintext_login_from_loopback(self):
        m = self.imap(tls=False)
        self.assertEqual(m.select("INBOX")[0], "OK")
        m.logout()

    def test_imaplib_wrong_password_is_refused(self):
        m = imaplib.IMAP4("127.0.0.1", self.imap_port)
        with self.assertRaises(imaplib.IMAP4.error) as raised:
            m.login("bob", "wrong")
        self.assertIn("AUTHENTICATIONFAILED", str(raised.exception))

    def test_idle_sees_new_mail_from_smtplib(self):
        alice = self.imap("alice", "wonder")
        before = int(alice.select("INBOX")[1][0])
        alice.logout()
        smtp = smtplib.SMTP("127.0.0.1", self.submission_port)
        smtp.starttls(context=insecure_context())
        smtp.login("bob", "secret")
        refused = smtp.sendmail("bob@example.org", ["alice@example.org"],
                                b"Subject: hello over smtplib\r\n\r\nHi Alice\r\n")
        self.assertEqual(refused, {})
        smtp.quit()
        self.assertEqual(self.wait_for_exists("alice", "wonder", before + 1), before + 1)
        alice = self.imap("alice", "wonder")
        alice.select("INBOX")
        typ, data = alice.fetch(str(before + 1), "(BODY.PEEK[])")
        message = data[0][1]
        self.assertIn(b"Subject: hello over smtplib", message)
        self.assertIn(b"Received: from ", message)
        self.assertIn(b"Message-ID: <", message)  # added by the submission server
        alice.logout()

    def test_forward_without_download_with_imaplib_and_smtplib_burl(self):
        m = self.imap()
        m.append("INBOX", None, None, MULTIPART)
        typ, data = m.select("INBOX")
        uid = int(m.uid("SEARCH", None, "ALL")[1][0].split()[-1])
        validity = int(m.response("UIDVALIDITY")[1][0])
        # CATENATE the attachment into Sent, exactly as the draft's 2.4.
        head = (b"From: bob@example.org\r\nTo: alice@example.org\r\nSubject: Fwd\r\n"
                b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"YY\"\r\n\r\n"
                b"--YY\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n--YY\r\n")
        tail = b"\r\n--YY--\r\n"
        url = "/INBOX;UIDVALIDITY=%d/;UID=%d" % (validity, uid)
        command = (b'APPEND Sent CATENATE (TEXT {%d+}\r\n%s URL "%s;SECTION=2.MIME" URL "%s;SECTION=2" '
                   b'TEXT {%d+}\r\n%s)' % (len(head), head, url.encode(), url.encode(), len(tail), tail))
        tag = m._new_tag()
        m.send(tag + b" " + command + b"\r\n")
        reply = m.readline()
        while not reply.startswith(tag):
            reply = m.readline()
        match = re.search(rb"APPENDUID (\d+) (\d+)", reply)
        self.assertIsNotNone(match, reply)
        sent_validity, sent_uid = int(match.group(1)), int(match.group(2))
        rump = "imap://bob@localhost/Sent;UIDVALIDITY=%d/;UID=%d;urlauth=submit+bob" % (
            sent_validity, sent_uid)
        imaplib.Commands.setdefault("GENURLAUTH", ("AUTH", "SELECTED"))  # RFC 4467
        typ, data = m._simple_command("GENURLAUTH", '"%s"' % rump, "INTERNAL")
        self.assertEqual(typ, "OK")
        authorized = m.untagged_responses.pop("GENURLAUTH")[0].decode().strip('"')
        self.assertTrue(authorized.startswith(rump + ":internal:"))
        m.logout()

        alice = self.imap("alice", "wonder")
        before = int(alice.select("INBOX")[1][0])
        alice.logout()
        smtp = smtplib.SMTP("127.0.0.1", self.submission_port)
        smtp.starttls(context=insecure_context())
        smtp.ehlo()
        self.assertIn("burl", smtp.esmtp_features)
        smtp.login("bob", "secret")
        self.assertEqual(smtp.docmd("MAIL FROM:<bob@example.org>")[0], 250)
        self.assertEqual(smtp.docmd("RCPT TO:<alice@example.org>")[0], 250)
        code, text = smtp.docmd("BURL", authorized + " LAST")
        self.assertEqual(code, 250, text)
        smtp.quit()
        self.wait_for_exists("alice", "wonder", before + 1)
        alice = self.imap("alice", "wonder")
        alice.select("INBOX")
        typ, data = alice.fetch(str(before + 1), "(BODY.PEEK[])")
        self.assertTrue(data[0][1].endswith(
            head + b"Content-Type: application/pdf; name=\"trip.pdf\"\r\n"
            b"Content-Transfer-Encoding: base64\r\n\r\n"
            b"JVBERi0xLjQKJcfsj6IKNSAwIG9iago8PC9MZW5ndGggNiAwIFI+PgpzdHJlYW0K" + tail))
        alice.logout()

    def test_smtplib_implicit_tls_and_auth_required(self):
        smtp = smtplib.SMTP_SSL("127.0.0.1", self.submissions_port, context=insecure_context())
        code, _ = smtp.docmd("MAIL FROM:<bob@example.org>")
        self.assertEqual(code, 503)  # EHLO first
        smtp.ehlo()
        code, text = smtp.docmd("MAIL FROM:<bob@example.org>")
        self.assertEqual((code, text[:5]), (530, b"5.7.0"))
        smtp.login("bob", "secret")
        code, text = smtp.docmd("MAIL FROM:<alice@example.org>")
        self.assertEqual((code, text[:5]), (553, b"5.7.1"))  # not bob's address
        smtp.quit()

    def test_relay_to_aiosmtpd_smarthost_with_starttls_and_auth(self):
        self.sink_event.clear()
        smtp = smtplib.SMTP("127.0.0.1", self.submission_port)
        smtp.starttls(context=insecure_context())
        smtp.login("bob", "secret")
        smtp.sendmail("bob@example.org", ["carol@remote.example"],
                      b"Subject: to the outside\r\n\r\nRelayed\r\n")
        smtp.quit()
        self.assertTrue(self.sink_event.wait(30), "the relay sink got nothing")
        mail_from, rcpts, content, tls, login = self.sink_messages[-1]
        self.assertEqual(mail_from, "bob@example.org")
        self.assertEqual(rcpts, ["carol@remote.example"])
        self.assertTrue(tls, "relayed in the clear")
        self.assertEqual(login, b"lemonade")
        self.assertIn(b"Subject: to the outside", content)
        self.assertIn(b"Received: from ", content)

    # ---- curl ----

    def test_curl_fetches_over_imap_and_sends_over_smtp(self):
        m = self.imap()
        m.create("Curl")
        m.append("Curl", None, None, b"Subject: for curl\r\n\r\nfetched by curl\r\n")
        m.logout()
        out = subprocess.run(
            ["curl", "-s", "--ssl-reqd", "-k", "-u", "bob:secret",
             "imap://127.0.0.1:%d/Curl;UID=1" % self.imap_port],
            capture_output=True, check=True, timeout=60).stdout
        self.assertIn(b"fetched by curl", out)
        mail = tempfile.NamedTemporaryFile(delete=False)
        mail.write(b"From: bob@example.org\r\nTo: alice@example.org\r\nSubject: curl sent this\r\n\r\nhi\r\n")
        mail.close()
        alice = self.imap("alice", "wonder")
        before = int(alice.select("INBOX")[1][0])
        alice.logout()
        sent = subprocess.run(
            ["curl", "-sS", "-v", "--ssl-reqd", "-k", "-u", "bob:secret",
             "--mail-from", "bob@example.org", "--mail-rcpt", "alice@example.org",
             "-T", mail.name, "smtp://127.0.0.1:%d" % self.submission_port],
            capture_output=True, text=True, timeout=60)
        self.assertEqual(sent.returncode, 0, sent.stderr[-3000:])
        self.assertIn("250 2.0.0 Ok, queued as", sent.stderr)
        os.unlink(mail.name)
        self.wait_for_exists("alice", "wonder", before + 1)

    # ---- swaks ----

    def test_swaks_submits_with_starttls_and_auth(self):
        out = subprocess.run(
            ["swaks", "--server", "127.0.0.1", "--port", str(self.submission_port), "--tls",
             "--auth", "PLAIN", "--auth-user", "bob", "--auth-password", "secret",
             "--from", "bob@example.org", "--to", "alice@example.org",
             "--header", "Subject: swaks test"],
            capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertIn("250 2.0.0 Ok, queued as", out.stdout)
        self.assertIn("235 2.7.0", out.stdout)

    # ---- mbsync ----

    def test_mbsync_syncs_down_and_up(self):
        m = self.imap()
        m.create("Synced")
        for i in range(3):
            m.append("Synced", None, None, b"Subject: sync %d\r\n\r\nbody %d\r\n" % (i, i))
        m.logout()
        home = tempfile.mkdtemp(prefix="mbsync-")
        maildir = os.path.join(home, "mail")
        os.makedirs(maildir)
        config = os.path.join(home, "mbsyncrc")
        with open(config, "w") as f:
            f.write(
                "IMAPAccount lemonade\nHost 127.0.0.1\nPort %d\nUser bob\nPass secret\n"
                "TLSType STARTTLS\nCertificateFile %s/tls/cert.pem\n\n"
                "IMAPStore remote\nAccount lemonade\n\n"
                "MaildirStore local\nPath %s/\nInbox %s/INBOX\n\n"
                "Channel sync\nFar :remote:\nNear :local:\nPatterns Synced\nCreate Both\n"
                "SyncState *\n"
                % (self.imap_port, self.server.data_dir, maildir, maildir))
        env = dict(os.environ, HOME=home)
        run = lambda: subprocess.run(["mbsync", "-c", config, "-a"], capture_output=True,
                                     text=True, timeout=120, env=env)
        out = run()
        if "TLSType" in out.stderr:  # older isync spells it SSLType
            with open(config) as f:
                text = f.read().replace("TLSType", "SSLType")
            with open(config, "w") as f:
                f.write(text)
            out = run()
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        synced = os.path.join(maildir, "Synced", "cur")
        downloaded = sorted(os.listdir(synced)) + sorted(
            os.listdir(os.path.join(maildir, "Synced", "new")))
        self.assertEqual(len(downloaded), 3)
        # A message written locally goes up.
        with open(os.path.join(maildir, "Synced", "new", "123.local:2,"), "wb") as f:
            f.write(b"Subject: from the maildir\r\n\r\nupward\r\n")
        out = run()
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        m = self.imap()
        self.assertEqual(m.select("Synced")[1], [b"4"])
        self.assertEqual(m.search(None, "SUBJECT", '"from the maildir"')[1], [b"4"])
        m.logout()
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    unittest.main(verbosity=2)
