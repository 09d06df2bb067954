"""The German topic page in Chromium: axe finds nothing serious, the switch in the header
turns it English, and screenshots at phone and desktop width (tests/browser/screenshots)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext

from tests.browser.conftest import TOPIC
from tests.browser.test_reader import run_axe, serious_violations

pytestmark = pytest.mark.browser
NewContext = Callable[..., BrowserContext]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
TOPIC_PATH = f"/topics/{TOPIC}"


def test_german_topic_page_passes_axe(new_context: NewContext) -> None:
    results = run_axe(new_context, f"{TOPIC_PATH}?lang=de", {})
    serious, details = serious_violations(results)
    assert not serious, f"axe found on the German topic page:\n{details}"
    assert len(results["passes"]) > 10


@pytest.mark.parametrize("width, height, name", [(390, 844, "phone"), (1280, 900, "desktop")])
def test_german_topic_page_screenshots_and_switch(new_context: NewContext, width: int,
                                                  height: int, name: str) -> None:
    context = new_context(locale="de-DE", viewport={"width": width, "height": height},
                          extra_http_headers={"Accept-Language": "de-DE,de;q=0.9"})
    page = context.new_page()
    page.goto(TOPIC_PATH)
    assert page.locator("html").get_attribute("lang") == "de"
    assert page.locator("button", has_text="Suchen").count() == 1
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"topic-de-{name}.png"), full_page=False)
    page.locator("figure.chart").first.screenshot(
        path=str(SCREENSHOTS / f"topic-de-{name}-chart.png"))
    # Nothing of the chart's German text leaves its box.
    overflow = page.evaluate("""() => [...document.querySelectorAll('svg.range-chart text')]
        .filter(t => { const b = t.getBBox(); const svg = t.ownerSVGElement.viewBox.baseVal;
                       return b.x < -0.5 || b.x + b.width > svg.width + 0.5; })
        .map(t => t.textContent)""")
    assert overflow == []
    page.get_by_role("link", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.url.endswith(TOPIC_PATH)
    page.goto(TOPIC_PATH)  # the cookie keeps the choice over Accept-Language
    assert page.locator("html").get_attribute("lang") == "en"
