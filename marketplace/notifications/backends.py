"""Ways of sending an email, behind one interface; ``MAIL_BACKEND`` chooses one.

``smtp`` for production, ``file`` for development (each message lands as a .eml file under the
instance folder), ``memory`` for tests (a list in ``app.extensions``).
"""
import smtplib
import ssl
from pathlib import Path

from flask import current_app

import tenants


class Backend:
    """Send one ``email.message.EmailMessage`` or raise; the caller records the error."""

    def send(self, email):
        raise NotImplementedError


class SmtpBackend(Backend):
    def __init__(self, config):
        self.config = config

    def send(self, email):
        config = self.config
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"],
                          timeout=config["MAIL_TIMEOUT"]) as smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls(context=ssl.create_default_context())
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
            smtp.send_message(email)


class FileBackend(Backend):
    def __init__(self, directory):
        self.directory = Path(directory)

    def send(self, email):
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = tenants.utcnow().strftime("%Y%m%dT%H%M%S")
        name = email["X-Outbox-Id"] or "message"
        (self.directory / f"{stamp}-{name}.eml").write_bytes(bytes(email))


class MemoryBackend(Backend):
    def __init__(self, mailbox):
        self.mailbox = mailbox

    def send(self, email):
        self.mailbox.append(email)


MEMORY_MAILBOX = "sent_mail"


def get_backend():
    """The backend ``MAIL_BACKEND`` names, for the current app."""
    app = current_app._get_current_object()
    name = app.config["MAIL_BACKEND"]
    if name == "smtp":
        return SmtpBackend(app.config)
    if name == "file":
        return FileBackend(Path(app.instance_path) / "mail")
    if name == "memory":
        return MemoryBackend(app.extensions.setdefault(MEMORY_MAILBOX, []))
    raise ValueError(f"MAIL_BACKEND must be smtp, file or memory, not {name!r}")
