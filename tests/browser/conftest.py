"""Headless Chromium (Debian's) driven by Playwright, against a real ``chambers serve``."""
from __future__ import annotations

import pytest

from ..conftest import OWN_EXAMPLES
from ..live_server import LiveServer

@pytest.fixture(scope="session")
def live(tmp_path_factory, docassemble_examples):
    server = LiveServer([OWN_EXAMPLES, docassemble_examples], tmp_path_factory.mktemp("live"))
    yield server
    server.stop()


def open_page(browser, base_url: str):
    """A fresh browser context on ``base_url`` and its page; ``page.dialogs`` collects (and accepts)
    every alert.  Close the page's context when done."""
    context = browser.new_context(base_url=base_url)
    context.set_default_timeout(15000)
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.accept()))
    return page


@pytest.fixture
def page(browser, live):
    page = open_page(browser, live.url)
    yield page
    page.context.close()
