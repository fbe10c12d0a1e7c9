import pytest

from ..notifications.helpers import empty_queue, mailbox


@pytest.fixture
def sent(app):
    """Emails the memory backend sent during the test."""
    return mailbox(app)


@pytest.fixture(autouse=True)
def _empty_queue(app):
    empty_queue(app)
    yield
    empty_queue(app)
