"""The browser tests of docassemble's background examples, run again against a cluster: PostgreSQL,
the machine's Redis, one ``chambers serve`` and two ``chambers worker`` processes."""
import pytest

from ..browser.conftest import open_page
from ..browser.test_background_examples import *  # noqa: F403 - the same tests, with `page` below

pytestmark = [pytest.mark.cluster, pytest.mark.browser]


@pytest.fixture
def page(browser, cluster):
    page = open_page(browser, cluster.url)
    yield page
    page.context.close()
