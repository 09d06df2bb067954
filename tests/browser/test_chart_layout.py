"""Charts read as they should at phone, tablet and desktop widths, measured in Chromium: no
text touches another or leaves its chart, open ends point outside their bars, the key names
exactly the marks drawn, nothing is wider than the screen, and axe finds nothing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page

from tests.browser.conftest import TOPIC
from tests.fixtures import messy

pytestmark = pytest.mark.browser

NewContext = Callable[..., BrowserContext]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = (390, 768, 1280)
PAGES = {
    "demo": f"/topics/{TOPIC}",
    "ostrava": f"/topics/{messy.OSTRAVA}",
    "crowded": f"/topics/{messy.MARROW}",
    "home": "/",
    "embed": f"/embed/topics/{messy.MARROW}/displaced",
}

# Boxes of every text in every visible chart, and how its marks relate, read in the page.
MEASURE = """() => {
  const box = e => { const r = e.getBoundingClientRect();
                     return {x: r.left, y: r.top, r: r.right, b: r.bottom}; };
  const visible = s => s.getBoundingClientRect().width > 0;
  return Array.from(document.querySelectorAll('svg.range-chart, svg.timeline-chart'))
    .filter(visible).map(svg => ({
      id: svg.getAttribute('aria-labelledby'),
      svg: box(svg),
      texts: Array.from(svg.querySelectorAll('text')).filter(t => t.textContent.trim())
        .map(t => ({text: t.textContent, ...box(t)})),
      arrows: Array.from(svg.querySelectorAll('g.row')).filter(g => g.querySelector('.arrow'))
        .map(g => ({bar: box(g.querySelector('rect.bar')),
                    arrows: Array.from(g.querySelectorAll('.arrow')).map(box)})),
      drawn: {
        range: svg.querySelectorAll('g.row rect.bar:not(.open)').length,
        point: svg.querySelectorAll('g.row circle.point').length,
        open: svg.querySelectorAll('g.row rect.bar.open').length,
        best: svg.querySelectorAll('g.row rect.best').length,
        derived: svg.querySelectorAll('g.row.derived').length,
        uncertain: svg.querySelectorAll('g.row.uncertain').length,
        'not-compared': svg.querySelectorAll('g.row.not-compared').length,
        party: svg.querySelectorAll('g.row.party').length,
        overlap: svg.querySelectorAll('rect.overlap').length,
        gap: svg.querySelectorAll('rect.gap').length,
      },
      key: Array.from(svg.querySelectorAll('g.key-item')).map(k => k.dataset.glyph),
      isRange: svg.classList.contains('range-chart'),
    }));
}"""


def _intersect(a: dict[str, Any], b: dict[str, Any], slack: float = 1.0) -> bool:
    return (min(a["r"], b["r"]) - max(a["x"], b["x"]) > slack
            and min(a["b"], b["b"]) - max(a["y"], b["y"]) > slack)


@pytest.fixture
def browser_context_args(browser_context_args: dict[str, Any],
                         charts_server: str) -> dict[str, Any]:
    """Every context in this module talks to the server with the messy data set."""
    return {**browser_context_args, "base_url": charts_server}


# The charts a page shows as images (drawn for the screen's width), once loaded.
DRAWINGS = """() => Array.from(document.querySelectorAll('.chart-box img'))
  .filter(i => i.getBoundingClientRect().width > 0)
  .map(i => ({src: i.currentSrc, width: i.naturalWidth, height: i.naturalHeight,
              shown: i.getBoundingClientRect().width}))"""


def _load_images(page: Page) -> None:
    """Lazy images load when scrolled to: load the visible ones now."""
    page.evaluate("document.querySelectorAll('img[loading=lazy]').forEach(i => {"
                  " if (i.getBoundingClientRect().width > 0) i.loading = 'eager'; })")
    # Polled from here: wait_for_function evaluates a string, which the page's CSP forbids.
    for _ in range(100):
        if page.evaluate("Array.from(document.images).filter(i => i.getBoundingClientRect()"
                         ".width > 0).every(i => i.complete && i.naturalWidth > 0)"):
            return
        page.wait_for_timeout(50)
    raise AssertionError("images did not load")


@pytest.fixture
def chart_page(new_context: NewContext) -> Callable[..., Page]:
    def open_page(path: str, width: int, *, bypass_csp: bool = False,
                  color_scheme: str = "light") -> Page:
        # axe is injected as an inline script, which the page's own CSP (rightly) refuses.
        page = new_context(viewport={"width": width, "height": 900}, bypass_csp=bypass_csp,
                           color_scheme=color_scheme).new_page()
        response = page.goto(path)
        assert response is not None and response.status == 200
        page.evaluate("document.fonts.ready")
        _load_images(page)
        return page
    return open_page


def _check_charts(charts: list[dict[str, Any]], width: float) -> None:
    for chart in charts:
        svg = chart["svg"]
        assert svg["r"] <= width + 1
        for text in chart["texts"]:
            assert (svg["x"] - 1 <= text["x"] and text["r"] <= svg["r"] + 1
                    and svg["y"] - 1 <= text["y"] and text["b"] <= svg["b"] + 1), (
                f"{chart['id']}: {text['text']!r} leaves its chart")
        texts = chart["texts"]
        for i, a in enumerate(texts):
            for b in texts[i + 1:]:
                assert not _intersect(a, b), f"{chart['id']}: {a['text']!r} touches {b['text']!r}"
        for row in chart["arrows"]:
            for arrow in row["arrows"]:
                assert not _intersect(arrow, row["bar"], slack=0.5), (
                    f"{chart['id']}: an arrowhead lies inside its bar")
        if chart["isRange"]:
            drawn = {glyph for glyph, count in chart["drawn"].items() if count}
            assert set(chart["key"]) == drawn, f"{chart['id']}: key {chart['key']} for {drawn}"


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", [name for name in PAGES if name != "home"])  # no chart there
def test_charts_are_legible_at_every_width(chart_page: Callable[..., Page], name: str,
                                           width: int) -> None:
    page = chart_page(PAGES[name], width)
    widest = page.evaluate("""() => {
      let worst = [document.documentElement.scrollWidth, 'the page'];
      for (const e of document.querySelectorAll('body *')) {
        const right = e.getBoundingClientRect().right;
        if (right > worst[0]) worst = [right, e.tagName + '.' + e.className];
      }
      return worst; }""")
    assert widest[0] <= width + 1, f"{name}: {widest[1]} is {widest[0]}px wide at {width}px"
    charts = page.evaluate(MEASURE)
    drawings = page.evaluate(DRAWINGS)
    assert charts or drawings, "no chart drawn"
    _check_charts(charts, width)
    for drawing in drawings:
        # An image is scaled to its box at most: measured in a page of its own size.
        assert drawing["shown"] <= drawing["width"] + 0.5 and drawing["shown"] <= width
        alone = chart_page(drawing["src"], drawing["width"])
        measured = alone.evaluate(MEASURE)
        assert len(measured) == 1, drawing["src"]
        _check_charts(measured, drawing["width"])
        alone.context.close()
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"charts-{name}-{width}.png"), full_page=True)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", ["demo", "crowded", "embed", "home"])
def test_axe_finds_no_violation_of_any_impact(chart_page: Callable[[str, int], Page],
                                               name: str, width: int) -> None:
    if not AXE.exists():
        pytest.fail("axe-core is missing: run `npm ci`")
    page = chart_page(PAGES[name], width, bypass_csp=True)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run().then(r => r.violations.map(v => [v.id, v.impact, "
                           "v.nodes.map(n => n.target.join(' ')).slice(0, 3)]))")
    assert result == []


def test_a_phone_gets_the_narrow_chart_and_a_desktop_the_wide_one(
    new_context: NewContext,
) -> None:
    def visit(width: int, scheme: str = "light") -> tuple[Page, list[str]]:
        page = new_context(viewport={"width": width, "height": 900},
                           color_scheme=scheme).new_page()
        fetched: list[str] = []
        page.on("request", lambda request: fetched.append(request.url))
        page.goto(PAGES["crowded"])
        _load_images(page)
        return page, [url for url in fetched if "/measures/" in url]

    phone, drawings = visit(390)
    narrow = phone.locator("#measure-displaced .for-narrow img")
    assert narrow.is_visible()
    assert not phone.locator("#measure-displaced .for-wide svg.range-chart").is_visible()
    assert "layout=narrow" in narrow.evaluate("i => i.currentSrc")
    # Drawn for its width, not scaled up or down: text keeps the size it was drawn at.
    shown, drawn = narrow.evaluate("i => [i.getBoundingClientRect().width, i.naturalWidth]")
    assert 0.9 <= shown / drawn <= 1
    assert drawings and all("layout=narrow" in url for url in drawings), drawings
    desktop, drawings = visit(1280)
    assert desktop.locator("#measure-displaced .for-wide svg.range-chart").is_visible()
    assert not desktop.locator("#measure-displaced .for-narrow img").is_visible()
    # Nothing drawn for phones is fetched on a desktop.
    assert drawings and not [url for url in drawings if "layout=narrow" in url], drawings
    _, drawings = visit(390, "dark")
    assert drawings and all("theme=dark" in url for url in drawings), drawings


def _luminance(rgb: str) -> float:
    red, green, blue = (int(v) / 255 for v in rgb[rgb.index("(") + 1:rgb.index(")")]
                        .split(",")[:3])

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_chart_colours_keep_their_contrast_in_both_themes(new_context: NewContext,
                                                          scheme: str) -> None:
    page = new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme).new_page()
    page.goto(PAGES["crowded"])
    colours = page.evaluate("""() => {
      const svg = document.querySelector('#measure-displaced .for-wide svg.range-chart');
      let bg = getComputedStyle(document.body).backgroundColor;
      if (bg === 'rgba(0, 0, 0, 0)') bg = 'rgb(255, 255, 255)';
      const fill = e => getComputedStyle(e).fill;
      return {bg, text: fill(svg.querySelector('text.source-name')),
              marks: Array.from(svg.querySelectorAll('g.row:not(.not-compared):not(.uncertain) '
                                                     + 'circle.point')).map(fill)};
    }""")
    assert _contrast(colours["text"], colours["bg"]) >= 4.5
    assert colours["marks"]
    for mark in colours["marks"]:
        assert _contrast(mark, colours["bg"]) >= 3, (scheme, mark, colours["bg"])
