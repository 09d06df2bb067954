"""The reader pages in headless Chromium: navigation, chart geometry, CSP, accessibility,
embeds, escaping, phone width and screenshots."""

from __future__ import annotations

import json
import re
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, ConsoleMessage, Dialog, Locator, Page, expect

from tests.browser.conftest import TOPIC, XSS_NAME, XSS_QUOTE, XSS_SLUG

pytestmark = pytest.mark.browser

NewContext = Callable[..., BrowserContext]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
TOPIC_PATH = f"/topics/{TOPIC}"
EMBED_PAGE = f"/embed/topics/{TOPIC}/casualties"
EMBED_SVG = f"/embed/topics/{TOPIC}/casualties.svg"
SVG_NS = "http://www.w3.org/2000/svg"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

READER_PAGES = ["/", TOPIC_PATH, "/sources/south-korea-nis", "/estimates/1"]

# Installed through CDP before any page script, so the page's CSP does not apply to it;
# test_csp_probe_sees_a_blocked_inline_script checks that it really reports violations.
CSP_PROBE = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.effectiveDirective} blocked ${event.blockedURI || "inline"} in ${event.documentURI}`);
});
"""


@dataclass
class Watch:
    """Everything a page said that it should not have: errors, dialogs, failed loads."""

    page: Page
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    failed_responses: list[str] = field(default_factory=list)

    def csp_violations(self) -> list[str]:
        violations: list[str] | None = self.page.evaluate("window.__cspViolations ?? null")
        assert violations is not None, "the CSP probe was not installed in this document"
        return violations

    def assert_clean(self) -> None:
        assert self.page_errors == [], f"uncaught exceptions: {self.page_errors}"
        assert self.console_errors == [], f"console errors: {self.console_errors}"
        assert self.failed_responses == [], f"failed loads: {self.failed_responses}"
        assert self.csp_violations() == [], "CSP violations"
        assert self.dialogs == [], f"dialogs opened: {self.dialogs}"


def watch(page: Page) -> Watch:
    w = Watch(page)
    page.add_init_script(CSP_PROBE)

    def on_console(message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        w.console_errors.append(f"{message.text} (at {message.location.get('url')})")

    def on_dialog(dialog: Dialog) -> None:
        w.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("console", on_console)
    page.on("pageerror", lambda error: w.page_errors.append(str(error)))
    page.on("dialog", on_dialog)
    page.on(
        "response",
        lambda r: w.failed_responses.append(f"{r.status} {r.url}") if r.status >= 400 else None,
    )
    return w


def mark_box(chart: Locator, source: str) -> dict[str, float]:
    """The rendered box of a row's bar or dot in a range chart."""
    row = chart.locator(f"g.row[data-source='{source}']")
    expect(row).to_have_count(1)
    mark = row.locator("rect.bar, circle.point")
    expect(mark).to_have_count(1)
    box = mark.bounding_box()
    assert box is not None, f"{source}'s mark is not rendered"
    assert box["width"] > 0
    assert box["height"] > 0
    return dict(box)


def centre_x(box: dict[str, float]) -> float:
    return box["x"] + box["width"] / 2


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE, f"{path} is not a PNG"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


# ---- 1. navigation -------------------------------------------------------------------------

def test_home_links_to_the_topic(page: Page) -> None:
    page.goto("/")
    link = page.get_by_role("link", name="North Korean troops in Russia", exact=True)
    expect(link).to_be_visible()
    link.click()
    expect(page).to_have_url(re.compile(rf"/topics/{TOPIC}$"))
    expect(page.locator("h1")).to_have_text("North Korean troops in Russia")


# ---- 2. chart geometry ---------------------------------------------------------------------

def test_range_chart_positions_follow_the_values(page: Page) -> None:
    page.goto(TOPIC_PATH)

    casualties = page.locator("section#measure-casualties .for-wide svg.range-chart")
    us = centre_x(mark_box(casualties, "us-officials"))  # about 1,200
    nis = centre_x(mark_box(casualties, "south-korea-nis"))  # derived 300 + 2,700 = 3,000
    zelensky = centre_x(mark_box(casualties, "volodymyr-zelensky"))  # 4,000
    assert us < nis < zelensky, (us, nis, zelensky)
    # A linear axis: the pixel gaps keep the ratio of the value gaps, 1,800 : 1,000.
    assert (nis - us) / (zelensky - nis) == pytest.approx(1.8, rel=0.1)
    expect(casualties.locator("g.row[data-source='south-korea-nis']")).to_have_class(
        re.compile(r"\bderived\b"))

    deployed = page.locator("section#measure-deployed .for-wide svg.range-chart")
    media = mark_box(deployed, "south-korean-media")  # 1,000–3,000
    nis_box = mark_box(deployed, "south-korea-nis")  # 10,000–12,000
    assert media["x"] + media["width"] < nis_box["x"], (media, nis_box)
    # Both ranges span 2,000 people, so the bars are equally wide ...
    assert media["width"] / nis_box["width"] == pytest.approx(1.0, rel=0.1)
    # ... and 7,000 people (3.5 bar widths) lie between them.
    gap = nis_box["x"] - (media["x"] + media["width"])
    assert gap / media["width"] == pytest.approx(3.5, rel=0.1)


# ---- 3. console errors and CSP -------------------------------------------------------------

@pytest.mark.parametrize("path", [*READER_PAGES, EMBED_PAGE, EMBED_SVG])
def test_pages_load_without_errors_or_csp_violations(page: Page, path: str) -> None:
    w = watch(page)
    response = page.goto(path)
    assert response is not None
    assert response.status == 200
    csp = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in csp
    assert "default-src 'none'" in csp
    page.wait_for_load_state("networkidle")
    w.assert_clean()


def test_csp_probe_sees_a_blocked_inline_script(page: Page) -> None:
    """The other CSP assertions are only worth something if a violation would be noticed."""
    w = watch(page)
    page.goto(TOPIC_PATH)
    page.evaluate("""() => {
        const script = document.createElement("script");
        script.textContent = "window.__inlineRan = true";
        document.body.append(script);
    }""")
    page.wait_for_function("window.__cspViolations.length > 0")
    assert page.evaluate("window.__inlineRan") is None, "the CSP let an inline script run"
    assert any("script-src" in v for v in w.csp_violations())
    assert any("Content Security Policy" in e for e in w.console_errors), w.console_errors


def test_pages_declare_a_working_icon(page: Page) -> None:
    """Browsers fetch an icon for every page; a 404 there is a console error on every visit."""
    page.goto("/")
    href = page.evaluate(
        """() => {
            const link = document.querySelector("link[rel~='icon']");
            return link ? link.href : new URL("/favicon.ico", location.href).href;
        }"""
    )
    response = page.request.get(href)
    assert response.ok, f"GET {href} answered {response.status}"


# ---- 4. accessibility ----------------------------------------------------------------------

# Links inside <svg role="img"> would be hidden from assistive technology while still taking
# keyboard focus; the charts keep their links in the table beside them instead.
CHART_LINK_RULES = ["nested-interactive"]


def run_axe(new_context: NewContext, path: str, options: dict[str, Any]) -> dict[str, Any]:
    # axe is injected as an inline script, which the page's own CSP (rightly) refuses.
    page = new_context(bypass_csp=True).new_page()
    page.goto(path)
    page.add_script_tag(path=str(AXE))
    results: dict[str, Any] = page.evaluate("options => axe.run(document, options)", options)
    return results


def serious_violations(results: dict[str, Any]) -> tuple[list[dict[str, Any]], str]:
    serious = [v for v in results["violations"] if v["impact"] in ("serious", "critical")]
    details = "\n".join(
        f"- [{v['impact']}] {v['id']}: {v['help']}\n"
        + "\n".join(f"    {n['target']}: {n['failureSummary']}" for n in v["nodes"][:5])
        for v in serious
    )
    return serious, details


@pytest.mark.parametrize("path", [*READER_PAGES, EMBED_PAGE])
def test_no_serious_accessibility_violations(new_context: NewContext, path: str) -> None:
    results = run_axe(new_context, path, {})
    serious, details = serious_violations(results)
    assert not serious, f"axe found on {path}:\n{details}"
    assert len(results["passes"]) > 10, "axe hardly checked anything"


@pytest.mark.parametrize(
    "path",
    [
        "/",
        TOPIC_PATH,
        "/sources/south-korea-nis",
        "/estimates/1",
        EMBED_PAGE,
    ],
)
def test_chart_links_are_not_nested_in_an_image(new_context: NewContext, path: str) -> None:
    results = run_axe(new_context, path, {"runOnly": CHART_LINK_RULES})
    serious, details = serious_violations(results)
    assert not serious, f"axe found on {path}:\n{details}"


# ---- 5. embeds -----------------------------------------------------------------------------

def test_embed_svg_renders_standalone(page: Page) -> None:
    w = watch(page)
    response = page.goto(EMBED_SVG)
    assert response is not None
    assert response.headers["content-type"].startswith("image/svg+xml")
    root = page.evaluate(
        "[document.documentElement.localName, document.documentElement.namespaceURI]")
    assert root == ["svg", SVG_NS]
    names = page.locator("svg g.row text.source-name").all_text_contents()
    assert "Volodymyr Zelensky" in names
    assert "US officials" in names
    rows = page.locator("svg g.row")
    expect(rows).to_have_count(3)
    for row in rows.all():
        box = row.bounding_box()
        assert box is not None
        assert box["width"] > 0
        assert box["height"] > 0
    w.assert_clean()


def test_embed_page_frames_on_another_origin_but_the_topic_page_does_not(
    page: Page, live_server: str, other_origin: str
) -> None:
    assert other_origin != live_server
    page.goto(f"{other_origin}/")

    embed = page.frame_locator("#embed")
    expect(embed.locator("h1.embed-title")).to_have_text(
        "North Korean troops in Russia: Casualties (killed + wounded)")
    expect(embed.locator(".for-wide svg.range-chart g.row")).to_have_count(3)
    embed_box = embed.locator(".for-wide svg.range-chart").bounding_box()
    assert embed_box is not None
    assert embed_box["width"] > 0

    topic_frame = page.locator("#topic").content_frame
    expect(topic_frame.locator("svg.range-chart")).to_have_count(0)
    topic = page.frame(name="topic")
    assert topic is not None
    assert topic.url.startswith("chrome-error://"), f"the topic page was framed: {topic.url}"

    headers = page.request.get(f"{live_server}{TOPIC_PATH}").headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    embed_headers = page.request.get(f"{live_server}{EMBED_PAGE}").headers
    assert "frame-ancestors *" in embed_headers["content-security-policy"]
    assert "x-frame-options" not in embed_headers


# ---- 6. escaping ---------------------------------------------------------------------------

def _row_label(page: Page, scope: str) -> Locator:
    return page.locator(f"{scope} g.row[data-source='{XSS_SLUG}'] text.source-name")


XSS_PAGES = {
    "topic": TOPIC_PATH,
    "source": f"/sources/{XSS_SLUG}",
    "estimate": None,  # the XSS estimate's id is known only once the data is loaded
    "home": "/",
    "embed-svg": f"/embed/topics/{TOPIC}/killed.svg",
}


@pytest.mark.parametrize("csp", ["enforced", "bypassed"])
@pytest.mark.parametrize("which", list(XSS_PAGES))
def test_markup_in_data_is_shown_as_text(
    new_context: NewContext, xss_estimate_id: int, which: str, csp: str
) -> None:
    """With the CSP bypassed the escaping alone has to keep the payloads inert."""
    page = new_context(bypass_csp=csp == "bypassed").new_page()
    w = watch(page)
    path = XSS_PAGES[which] or f"/estimates/{xss_estimate_id}"
    response = page.goto(path)
    assert response is not None
    assert response.status == 200

    if which == "topic":
        name = page.locator(f"#measure-killed table.estimates th a[href$='/sources/{XSS_SLUG}']")
        expect(name).to_have_text(XSS_NAME)
        expect(name).to_be_visible()
        assert page.get_by_text("<script>alert(1)</script>", exact=False).count() >= 1
        expect(_row_label(page, "#measure-killed .for-wide svg.range-chart")).to_have_text(
            re.compile(r"^<script>alert\(1\)</s"))
    elif which == "source":
        expect(page.locator("h1")).to_have_text(XSS_NAME)
    elif which == "estimate":
        expect(page.locator("dl.facts a[href$='/sources/xss-source']")).to_have_text(XSS_NAME)
        expect(page.locator(".citation blockquote")).to_have_text(f"“{XSS_QUOTE}”")
        expect(page.locator(".citation a.cite-link")).to_have_attribute(
            "href", "https://example.org/x")
    elif which == "home":
        # The card's sentence names the source with the highest figure: as text.
        killed = page.locator("article.topic-card .headline:has(a[href$='#measure-killed']) dd")
        expect(killed).to_contain_text(XSS_NAME)
    else:
        assert page.evaluate("document.documentElement.localName") == "svg"
        expect(_row_label(page, "svg")).to_have_text(re.compile(r"^<script>alert\(1\)</s"))

    assert page.locator("svg[onload]").count() == 0
    assert page.locator("img[onerror]").count() == 0
    # The only script element is the JSON-LD data block of a topic or an estimate page, and
    # the name in it is data: parsed back, the payload is its text.
    assert page.locator("script:not([type='application/ld+json'])").count() == 0
    linked = page.locator("script[type='application/ld+json']")
    expect(linked).to_have_count(1 if which in ("topic", "estimate") else 0)
    if which == "estimate":
        claim = json.loads(linked.text_content() or "")
        assert claim["@type"] == "Claim" and claim["author"]["name"] == XSS_NAME
        assert claim["appearance"][0]["text"] == XSS_QUOTE
    page.wait_for_load_state("networkidle")
    w.assert_clean()


# ---- 7. phone width ------------------------------------------------------------------------

@pytest.mark.parametrize("path", [TOPIC_PATH, "/", "/sources/south-korea-nis", "/estimates/1"])
def test_phone_width_has_no_page_level_horizontal_scroll(
    new_context: NewContext, path: str
) -> None:
    page = new_context(viewport={"width": 360, "height": 740}).new_page()
    page.goto(path)
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 360 + 1, f"{path} is {scroll_width}px wide at a 360px viewport"
    # Charts are drawn for the phone's width: they fit without scrolling sideways.
    boxes = page.locator(".chart-box").all()
    assert boxes or path != TOPIC_PATH  # the home page says its figures in words
    for chart in boxes:
        box = chart.bounding_box()
        assert box is not None
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= 360 + 1


# ---- 8. screenshots ------------------------------------------------------------------------

def test_screenshots(new_context: NewContext) -> None:
    """Full-page screenshots for a human to look at; saved under tests/browser/screenshots/."""
    SCREENSHOTS.mkdir(exist_ok=True)
    shots = [
        ("home-desktop", "/", 1200),
        ("topic-desktop", TOPIC_PATH, 1200),
        ("source-desktop", "/sources/south-korea-nis", 1200),
        ("topic-phone", TOPIC_PATH, 360),
    ]
    for name, path, width in shots:
        page = new_context(viewport={"width": width, "height": 800}).new_page()
        page.goto(path)
        target = SCREENSHOTS / f"{name}.png"
        target.unlink(missing_ok=True)
        page.screenshot(path=str(target), full_page=True)
        shot_width, shot_height = png_size(target)
        assert shot_width == width, f"{name}: {shot_width}px wide, the page overflows"
        assert shot_height >= 800
        assert target.stat().st_size > 10_000
        page.context.close()
