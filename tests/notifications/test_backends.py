"""The mail backends: SMTP (against a real, if tiny, SMTP server), files for development."""
import email
import email.policy
import socketserver
import threading

import pytest
from sqlalchemy import select

import tenants
from marketplace.accounts import services as accounts
from marketplace.extensions import db
from marketplace.notifications import OutboxMessage, OutboxStatus

from .helpers import run_queued_jobs


class _SmtpHandler(socketserver.StreamRequestHandler):
    """Just enough of RFC 5321 for smtplib: greets, accepts everything, keeps each message."""

    def reply(self, line):
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self):
        self.reply("220 test.example ESMTP")
        envelope = {"to": []}
        while line := self.rfile.readline():
            command = line.decode().strip()
            verb = command[:4].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 test.example")
            elif verb == "MAIL":
                envelope["from"] = command.split(":", 1)[1].strip()
                self.reply("250 OK")
            elif verb == "RCPT":
                envelope["to"].append(command.split(":", 1)[1].strip())
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                body = []
                while (data := self.rfile.readline()) != b".\r\n":
                    body.append(data[1:] if data.startswith(b"..") else data)
                self.server.received.append((envelope, b"".join(body)))
                envelope = {"to": []}
                self.reply("250 OK queued")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("250 OK")


@pytest.fixture
def smtp_server():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SmtpHandler)
    server.daemon_threads = True
    server.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _invite(world):
    with tenants.scoped_to(world.member):
        _, token = accounts.invite_user(world.manager, email="nia@manchester.example.com",
                                        full_name="Nia Officer", role="placement_officer")
    return token


def _message(world):
    with tenants.scoped_to(world.member):
        return db.session.scalars(select(OutboxMessage).execution_options(
            populate_existing=True)).one()


def test_the_smtp_backend_hands_the_message_to_the_mail_server(app, world, monkeypatch,
                                                              smtp_server):
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "smtp")
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", smtp_server.server_address[1])
    token = _invite(world)
    run_queued_jobs(app)

    assert _message(world).status == OutboxStatus.SENT
    [(envelope, data)] = smtp_server.received
    assert envelope == {"from": "<no-reply@placements.example>",
                        "to": ["<nia@manchester.example.com>"]}
    received = email.message_from_bytes(data, policy=email.policy.default)
    assert received["Subject"] == "Set up your account on the SEND placements marketplace"
    assert received.get_content_type() == "multipart/alternative"
    link = f"http://127.0.0.1:5000/invitations/{token}"
    assert link in received.get_body(("plain",)).get_content()
    assert f'href="{link}"' in received.get_body(("html",)).get_content()


def test_the_file_backend_writes_each_message_under_the_instance_folder(app, world,
                                                                       monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "file")
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    token = _invite(world)
    run_queued_jobs(app)

    message = _message(world)
    [path] = (tmp_path / "mail").glob("*.eml")
    assert path.name.endswith(f"-{message.id}.eml")
    written = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert written["To"] == "nia@manchester.example.com"
    assert token in written.get_body(("plain",)).get_content()


def test_an_unknown_backend_is_recorded_as_the_error(app, world, monkeypatch, runner):
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "pigeon")
    _invite(world)
    runner.invoke(args=["jobs", "run-due"])
    message = _message(world)
    assert (message.status, message.attempts) == (OutboxStatus.PENDING, 1)
    assert message.last_error == (
        "ValueError: MAIL_BACKEND must be smtp, file or memory, not 'pigeon'")
