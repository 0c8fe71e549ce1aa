"""The browser tests of docassemble's background examples, run again against a cluster: PostgreSQL,
the machine's Redis, one ``chambers serve`` and two ``chambers worker`` processes."""
import pytest

from ..browser.test_background_examples import *  # noqa: F403 - the same tests, with `page` below

pytestmark = [pytest.mark.cluster, pytest.mark.browser]


@pytest.fixture
def page(browser, cluster):
    context = browser.new_context(base_url=cluster.url)
    context.set_default_timeout(15000)
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.accept()))
    yield page
    context.close()
