"""The page on paper and in the dark, in headless Chromium: print media hides what only works
on a screen and prints citation addresses; a dark colour scheme keeps every text readable."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page

from tests.browser.conftest import TOPIC

pytestmark = pytest.mark.browser

NewContext = Callable[..., BrowserContext]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
TOPIC_PATH = f"/topics/{TOPIC}"
AA = 4.5  # WCAG AA for normal text

# Each element's text colour and the background it is drawn on: the element's own, or the
# first ancestor's that is not transparent (the canvas counts as white, so a page that forgot
# its dark background fails rather than passes).
COLOURS = """selectors => {
  const rgba = (css) => {
    const m = css.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return [0, 0, 0, 0];
    const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const over = (top, under) => {
    const a = top[3];
    return [0, 1, 2].map(i => top[i] * a + under[i] * (1 - a)).concat([1]);
  };
  const background = (el) => {
    const layers = [];
    for (let n = el; n; n = n.parentElement) layers.push(rgba(getComputedStyle(n).backgroundColor));
    return layers.reverse().reduce((under, top) => over(top, under), [255, 255, 255, 1]);
  };
  const out = [];
  for (const selector of selectors) {
    const found = [...document.querySelectorAll(selector)].filter(
      el => el.getClientRects().length && (el.innerText || el.value || "").trim()).slice(0, 15);
    for (const el of found) {
      const style = getComputedStyle(el);
      out.push({selector, text: (el.innerText || el.value).trim().slice(0, 40),
                color: over(rgba(style.color), background(el)), background: background(el)});
    }
  }
  return out;
}"""

DARK_CHECKED = [
    "body", "h1", "h2", ".lede", ".sentence", "main p", "main a", "footer a", ".muted",
    ".crumbs", "figcaption", "caption", "table.estimates thead th", "table.estimates tbody th",
    "table.estimates td", ".party-badge", "label", "legend", ".hint", "button", "input[type=date]",
    "#q", ".embed-snippet", "blockquote", ".left-out", ".derived-note", ".brand", ".tagline",
]


def _luminance(rgb: list[float]) -> float:
    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a: list[float], b: list[float]) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _colours(page: Page, selectors: list[str]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = page.evaluate(COLOURS, selectors)
    return found


def _style(page: Page, selector: str, prop: str, pseudo: str | None = None) -> str:
    value: str = page.evaluate(
        "([s, p, pseudo]) => getComputedStyle(document.querySelector(s), pseudo)"
        ".getPropertyValue(p)", [selector, prop, pseudo])
    return value


def _hidden(page: Page, selector: str) -> bool:
    hidden: bool = page.evaluate(
        "s => [...document.querySelectorAll(s)].every(el => !el.getClientRects().length)",
        selector)
    return hidden


# ---- print ---------------------------------------------------------------------------------

def test_print_hides_what_only_works_on_a_screen(page: Page) -> None:
    page.emulate_media(media="print")
    page.goto(TOPIC_PATH)
    # Editor links only exist for editors: one is added here to see the rule apply.
    page.evaluate("""() => { const p = document.createElement("p");
        p.className = "editor-actions"; p.textContent = "Edit";
        document.querySelector("main h1").after(p); }""")
    for selector in ("nav.account", "form.search", "form.choices", "nav.crumbs", "nav.toc",
                     ".editor-actions", ".as-of-form", ".chart-downloads", "footer.site"):
        assert page.locator(selector).count() > 0, selector
        assert _hidden(page, selector), f"{selector} is printed"
    for selector in ("main h1", "section.measure svg.range-chart", "table.estimates",
                     ".brand"):
        assert not _hidden(page, selector), f"{selector} is not printed"
    page.emulate_media(media="screen")
    for selector in ("nav.account", "form.search", "form.choices", ".chart-downloads"):
        assert not _hidden(page, selector), f"{selector} is hidden on screen"


def test_print_shows_citation_addresses_and_breaks_before_each_measure(page: Page) -> None:
    page.emulate_media(media="print")
    page.goto(TOPIC_PATH)
    links = page.locator("a.cite-link")
    assert links.count() > 0
    for i in range(links.count()):
        href = links.nth(i).get_attribute("href")
        after = links.nth(i).evaluate("a => getComputedStyle(a, '::after').content")
        assert after == f'" ({href})"', after
    breaks = page.evaluate("""() => [...document.querySelectorAll("section.measure")].map(
        s => getComputedStyle(s).breakBefore)""")
    assert len(breaks) >= 2
    assert breaks[0] != "page" and set(breaks[1:]) == {"page"}, breaks
    assert {_style(page, "figure.chart", "break-inside")} == {"avoid"}
    # Page 1 starts with the title, and the first measure follows it on the same page.
    title = page.locator("main h1").bounding_box()
    first = page.locator("section.measure").first.bounding_box()
    assert title is not None and first is not None
    assert title["y"] < 150, title
    assert first["y"] < 700, "the first measure would start on a second page"
    page.emulate_media(media="screen")
    assert page.locator("a.cite-link").first.evaluate(
        "a => getComputedStyle(a, '::after').content") in ("none", "normal")


def test_print_is_light_even_when_the_screen_is_dark(page: Page) -> None:
    page.emulate_media(media="print", color_scheme="dark")
    page.goto(TOPIC_PATH)
    (body,) = _colours(page, ["body"])
    assert _luminance(body["background"]) > 0.9
    assert _contrast(body["color"], body["background"]) >= AA


# ---- the dark theme ------------------------------------------------------------------------

@pytest.mark.parametrize("path", [TOPIC_PATH, "/", "/topics", "/sources",
                                  "/sources/south-korea-nis", "/estimates/1", "/login"])
def test_dark_theme_keeps_text_readable(page: Page, path: str) -> None:
    page.emulate_media(color_scheme="dark")
    page.goto(path)
    (body,) = _colours(page, ["body"])
    assert _luminance(body["background"]) < 0.05, f"{path}: the background is not dark"
    checked = _colours(page, DARK_CHECKED)
    assert len(checked) > 5
    poor = [f"{c['selector']} “{c['text']}”: {_contrast(c['color'], c['background']):.2f}"
            for c in checked if _contrast(c["color"], c["background"]) < AA]
    assert not poor, f"{path}: text below {AA}:1 in the dark theme:\n" + "\n".join(poor)


def test_light_theme_is_unchanged(page: Page) -> None:
    page.emulate_media(color_scheme="light")
    page.goto(TOPIC_PATH)
    (body,) = _colours(page, ["body"])
    assert _luminance(body["background"]) > 0.95


# ---- screenshots ---------------------------------------------------------------------------

def test_screenshots_in_print_and_dark(new_context: NewContext) -> None:
    """For a human to look at; saved under tests/browser/screenshots/."""
    SCREENSHOTS.mkdir(exist_ok=True)
    shots = [("topic-dark", TOPIC_PATH, "screen", "dark"),
             ("topics-index-dark", "/topics", "screen", "dark"),
             ("topic-print", TOPIC_PATH, "print", "light")]
    for name, path, media, scheme in shots:
        page = new_context(viewport={"width": 1200, "height": 800}).new_page()
        page.emulate_media(media=media, color_scheme=scheme)  # type: ignore[arg-type]
        page.goto(path)
        target = SCREENSHOTS / f"{name}.png"
        target.unlink(missing_ok=True)
        page.screenshot(path=str(target), full_page=True)
        assert target.stat().st_size > 10_000
        page.context.close()
