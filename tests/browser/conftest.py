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


@pytest.fixture
def page(browser, live):
    context = browser.new_context(base_url=live.url)
    context.set_default_timeout(15000)
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.accept()))
    yield page
    context.close()
