"""axe-core (the accessibility engine, bundled by axe-playwright-python) finds no serious or
critical violation on the demo's thread page at phone and desktop widths, with the widget's
forms open: the composer, "Notify of" and a report."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import DemoServer, running_demo

pytestmark = pytest.mark.browser
expect.set_options(timeout=10_000)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    with running_demo(tmp_path_factory.mktemp("axe")) as demo:
        yield demo


def serious(page: Page) -> list[str]:
    """Each serious or critical violation: its rule, impact and the elements it names."""
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + "; ".join(str(node["target"]) for node in v["nodes"][:5])
        for v in found
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("width", [390, 1280])
def test_the_thread_page_has_no_serious_accessibility_violation(new_page, width: int) -> None:
    page: Page = new_page(width=width)
    thread = page.locator("#rostra-thread")
    expect(thread.locator("article.c").first).to_be_visible()
    assert serious(page) == []

    thread.get_by_role("textbox", name="Your comment").click()  # the form shows all its fields
    thread.get_by_role("button", name="Notify of").click()
    expect(thread.locator("form.follow")).to_be_visible()
    thread.locator("article.c").first.get_by_role("button", name="Report", exact=True).click()
    expect(thread.locator("form.report")).to_be_visible()
    assert serious(page) == []
