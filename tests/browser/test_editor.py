"""The editor pages in headless Chromium, as a new editor meets them: an account made with the
`reckon` CLI, sign-in, adding an estimate with preview, a refused form that keeps what was
typed, an edit conflict, forged and signed-out posts, a replayed session cookie, and stored
markup that must never run.

These tests save and sign out, so they run against their own server and database
(`editor_server`), never the one the reader tests look at."""

from __future__ import annotations

import contextlib
import html
import io
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from playwright.sync_api import BrowserContext, Dialog, Locator, Page, Response, expect

from app import cli
from app.config import get_settings
from tests.browser.conftest import TOPIC, EditorServer, _wait_until_answering

pytestmark = pytest.mark.browser

NewContext = Callable[..., BrowserContext]

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
TOPIC_PATH = f"/topics/{TOPIC}"
SESSION_COOKIE = "reckon_session"

SCRIPT = "<script>alert(1)</script>"
SVG_ONLOAD = '"><svg onload=alert(1)>'
JS_URL = "javascript:alert(1)"


@dataclass(frozen=True)
class Editor:
    email: str
    password: str


# ---- fixtures and helpers ------------------------------------------------------------------

@pytest.fixture
def browser_context_args(
    browser_context_args: dict[str, Any], editor_server: EditorServer
) -> dict[str, Any]:
    """Every context in this module talks to the editors' server, so page.goto('/...') works."""
    return {**browser_context_args, "base_url": editor_server.base_url}


def add_editor_with_cli(database_url: str, email: str, password: str) -> None:
    """`reckon user add EMAIL --role editor --password-stdin`, run in-process."""
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RECKON_DATABASE_URL", database_url)
        # A real secret, so the CLI never writes a development secret under data/.
        mp.setenv("RECKON_SECRET_KEY", "cli-secret-" + "k" * 32)
        mp.setenv("RECKON_ENVIRONMENT", "test")
        mp.setattr("sys.stdin", io.StringIO(password + "\n"))
        get_settings.cache_clear()
        try:
            with contextlib.redirect_stdout(out):
                code = cli.main(
                    ["user", "add", email, "--role", "editor", "--password-stdin"]
                )
        finally:
            get_settings.cache_clear()
    assert code == 0, f"reckon user add failed: {out.getvalue()}"
    assert f"Created editor {email}" in out.getvalue()


@pytest.fixture(scope="module")
def editors(editor_server: EditorServer) -> tuple[Editor, Editor]:
    made = (
        Editor("ada.lovelace@example.org", "Analytical engine, punched cards 1843"),
        Editor("grace.hopper@example.org", "Moth in relay 70, panel F, 1947"),
    )
    for editor in made:
        add_editor_with_cli(editor_server.database_url, editor.email, editor.password)
    return made


def sign_in(page: Page, editor: Editor) -> None:
    """Through the sign-in form, as a person would."""
    page.goto("/login")
    page.get_by_label("E-mail").fill(editor.email)
    page.get_by_label("Password", exact=True).fill(editor.password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def signed_in_page(new_context: NewContext, editor: Editor, **context_args: Any) -> Page:
    page = new_context(**context_args).new_page()
    sign_in(page, editor)
    return page


def api(page: Page, path: str) -> Any:
    response = page.request.get(path)
    assert response.ok, f"GET {path} answered {response.status}"
    return response.json()


def estimate_count(page: Page, measure: str | None = None) -> int:
    query = f"&measure={measure}" if measure else ""
    total: int = api(page, f"/api/estimates?per_page=1{query}")["total"]
    return total


def estimate_id_of(page: Page, measure: str, source: str) -> int:
    items = api(page, f"/api/estimates?topic={TOPIC}&measure={measure}&source={source}")["items"]
    assert len(items) == 1, items
    estimate_id: int = items[0]["id"]
    return estimate_id


def is_post_to(path: str) -> Callable[[Response], bool]:
    return lambda r: r.request.method == "POST" and urlsplit(r.url).path == path


def save(page: Page) -> None:
    page.get_by_role("button", name="Save", exact=True).click()


def shoot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    target = SCREENSHOTS / f"{name}.png"
    target.unlink(missing_ok=True)
    page.screenshot(path=str(target), full_page=True)
    assert target.stat().st_size > 5_000
    return target


def centre_x(locator: Locator) -> float:
    box = locator.bounding_box()
    assert box is not None, "not rendered"
    return box["x"] + box["width"] / 2


# ---- 1. a new editor adds an estimate ------------------------------------------------------

def test_new_editor_adds_an_estimate_from_the_topic_page(
    new_context: NewContext, editors: tuple[Editor, Editor]
) -> None:
    page = signed_in_page(new_context, editors[0])

    page.goto(TOPIC_PATH)
    page.get_by_role("link", name="Add a killed estimate").click()
    expect(page).to_have_url(re.compile(rf"/estimates/new\?topic={TOPIC}&measure=killed$"))
    expect(page.locator("#topic")).to_have_value(TOPIC)
    expect(page.locator("#measure")).to_have_value("killed")

    page.locator("#source").select_option(label="US officials")
    page.locator("#figure").fill("zwischen 1.000 und 3.000")
    page.locator("#as_of").fill("2025-03")
    page.locator("#citation-0-url").fill("https://example.org/us-officials-killed")
    page.locator("#citation-0-publication").fill("Example Times")

    killed = estimate_count(page, "killed")
    page.get_by_role("button", name="Preview", exact=True).click()
    reading = page.locator(".reading[role=status]")
    expect(reading).to_contain_text("low 1,000, high 3,000")
    expect(reading).to_contain_text("Not saved yet")
    expect(page.locator(".form-error")).to_have_count(0)
    expect(page.locator("#figure")).to_have_value("zwischen 1.000 und 3.000")
    expect(page.locator("#source")).to_have_value("us-officials")
    assert estimate_count(page, "killed") == killed, "Preview saved something"

    save(page)
    expect(page).to_have_url(re.compile(r"/estimates/\d+$"))
    expect(page.locator("h1")).to_contain_text("Killed")
    estimate_id = int(page.url.rsplit("/", 1)[1])
    assert estimate_count(page, "killed") == killed + 1
    saved = api(page, f"/api/estimates/{estimate_id}")
    assert (saved["low"], saved["high"], saved["qualifier"]) == (1000, 3000, "between")
    assert (saved["source"]["slug"], saved["as_of"], saved["version"]) == (
        "us-officials", "2025-03", 1)

    page.goto(TOPIC_PATH)
    chart = page.locator("#measure-killed .for-wide svg.range-chart")
    row = chart.locator("g.row[data-source='us-officials']")
    expect(row).to_have_attribute("data-low", "1000")
    expect(row).to_have_attribute("data-high", "3000")
    bar = row.locator("rect.bar")
    expect(bar).to_have_count(1)
    box = bar.bounding_box()
    assert box is not None

    ticks = [(float(t.get_attribute("data-value") or "nan"), centre_x(t))
             for t in chart.locator("text.tick").all()]
    assert len(ticks) >= 2, ticks
    (v0, x0), (v1, x1) = min(ticks), max(ticks)
    per_unit = (x1 - x0) / (v1 - v0)
    assert per_unit > 0
    for value, x in ticks:  # a linear axis: every tick label sits where its value says
        assert x == pytest.approx(x0 + (value - v0) * per_unit, abs=2), ticks
    assert box["width"] == pytest.approx(2000 * per_unit, abs=2), (box, ticks)
    assert box["x"] == pytest.approx(x0 + (1000 - v0) * per_unit, abs=2), (box, ticks)


def test_saving_an_edit_keeps_every_citation_field(
    new_context: NewContext, editors: tuple[Editor, Editor]
) -> None:
    page = signed_in_page(new_context, editors[0])
    page.goto("/estimates/new")
    page.locator("#topic").select_option(TOPIC)
    page.locator("#measure").fill("wounded")
    page.locator("#source").select_option(label="US officials")
    page.locator("#figure").fill("about 2,700")
    page.locator("#notes").fill("first line\nsecond line")
    page.locator("#citation-0-url").fill("https://example.org/wounded")
    page.locator("#citation-0-publication").fill("Example Times")
    page.locator("#citation-0-published_on").fill("2025-01-14")
    page.locator("#citation-0-quote").fill("etwa 2.700\nverwundet")
    page.locator("#citation-0-retrieved_on").fill("2025-01-20")
    save(page)
    expect(page).to_have_url(re.compile(r"/estimates/\d+$"))
    estimate_id = int(page.url.rsplit("/", 1)[1])
    saved = api(page, f"/api/estimates/{estimate_id}")
    assert saved["citations"][0]["retrieved_on"] == "2025-01-20"

    page.goto(f"/estimates/{estimate_id}/edit")
    save(page)  # nothing changed: nothing is written
    expect(page).to_have_url(re.compile(rf"/estimates/{estimate_id}$"))
    unchanged = api(page, f"/api/estimates/{estimate_id}")
    assert unchanged == saved

    page.goto(f"/estimates/{estimate_id}/edit")
    page.locator("#notes").fill("a corrected note")
    save(page)
    expect(page).to_have_url(re.compile(rf"/estimates/{estimate_id}$"))
    edited = api(page, f"/api/estimates/{estimate_id}")
    assert (edited["notes"], edited["version"]) == ("a corrected note", 2)
    assert edited["citations"] == saved["citations"]
    expect(page.locator("div.citation .retrieved")).to_have_text("(retrieved 20 January 2025)")


# ---- 2. a refused form keeps everything ----------------------------------------------------

def test_low_above_high_is_refused_with_everything_typed_kept(
    new_context: NewContext, editors: tuple[Editor, Editor]
) -> None:
    page = signed_in_page(new_context, editors[0])
    page.goto("/estimates/new")
    selects = {"#topic": TOPIC, "#source": "south-korean-media"}
    typed = {
        "#measure": "killed",
        "#figure": "",
        "#low": "5000",
        "#high": "3000",
        "#as_of": "2025-02",
        "#stated_on": "2025-02-14",
        "#claimant": 'Local reports ("Yonhap" & KBS), 2 outlets',
        "#notes": "Killed near Kursk.\nSecond line: <b>not bold</b> & “quoted”",
        "#comment": "Entered from the morning papers",
        "#citation-0-url": "https://example.org/yonhap?id=1&lang=en",
        "#citation-0-publication": "Yonhap",
        "#citation-0-title": "North Korean losses",
        "#citation-0-published_on": "2025-02-14",
        "#citation-0-language": "ko",
        "#citation-0-quote": "북한군 사상자",
        "#citation-0-quote_translation": "North Korean casualties",
    }
    for selector, value in selects.items():
        page.locator(selector).select_option(value)
    for selector, value in typed.items():
        page.locator(selector).fill(value)

    total = estimate_count(page, "killed")
    with page.expect_response(is_post_to("/estimates/new")) as posted:
        save(page)
    assert posted.value.status == 422

    expect(page.locator("#low-error")).to_have_text(
        "The low figure is above the high figure: 5,000 > 3,000.")
    expect(page.locator("#low")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#low")).to_have_attribute("aria-describedby", "low-error")
    expect(page.locator(".form-error[role=alert]")).to_contain_text("Nothing was saved")
    for selector, value in {**selects, **typed}.items():
        expect(page.locator(selector)).to_have_value(value)
    expect(page.locator("[aria-invalid=true]")).to_have_count(1)  # only the low field
    assert estimate_count(page, "killed") == total, "a refused form saved an estimate"

    shoot(page, "editor-form-low-above-high")


# ---- 3. edit conflict ----------------------------------------------------------------------

def test_edit_conflict_shows_both_and_loses_nothing(
    new_context: NewContext, editors: tuple[Editor, Editor]
) -> None:
    a = signed_in_page(new_context, editors[0])
    b = signed_in_page(new_context, editors[1])
    estimate_id = estimate_id_of(a, "wounded", "south-korea-nis")
    edit = f"/estimates/{estimate_id}/edit"
    start = api(a, f"/api/estimates/{estimate_id}")
    version, revisions = start["version"], len(start["revisions"])

    a.goto(edit)
    b.goto(edit)
    expect(b.locator("input[name=version]")).to_have_value(str(version))

    a.locator("#figure").fill("about 1,300")
    save(a)
    expect(a).to_have_url(re.compile(rf"/estimates/{estimate_id}$"))

    b.locator("#figure").fill("about 1,500")
    with b.expect_response(is_post_to(edit)) as posted:
        save(b)
    assert posted.value.status == 409
    expect(b.locator("h1")).to_have_text("Someone else saved this estimate first")
    expect(b.locator("p.form-error")).to_contain_text(
        f"now at version {version + 1}, and you opened it at version {version}")

    apply = b.locator("form").filter(
        has=b.get_by_role("button", name="Apply my changes on top"))
    expect(apply.locator("input[type=hidden][name=figure]")).to_have_value("about 1,500")
    expect(apply.locator("input[type=hidden][name=version]")).to_have_value(str(version + 1))

    def diff_row(section: str, label: str) -> Locator:
        return b.locator(f"section[aria-labelledby={section}] table.diff tr").filter(
            has=b.locator(f"th:text-is('{label}')"))

    for label in ("Low", "High"):  # theirs (A's) since B opened it, and B's on top of it
        expect(diff_row("since-h", label).locator("td.before")).to_have_text("2,700")
        expect(diff_row("since-h", label).locator("td.after")).to_have_text("1,300")
        expect(diff_row("mine-h", label).locator("td.before")).to_have_text("1,300")
        expect(diff_row("mine-h", label).locator("td.after")).to_have_text("1,500")

    current = api(b, f"/api/estimates/{estimate_id}")
    assert (current["low"], current["high"], current["version"]) == (1300, 1300, version + 1)
    assert current["figure"] == "about 1,300"
    assert len(current["revisions"]) == revisions + 1, "the refused save left a revision"

    shoot(b, "editor-conflict")

    b.get_by_role("button", name="Apply my changes on top").click()
    expect(b).to_have_url(re.compile(rf"/estimates/{estimate_id}$"))
    final = api(b, f"/api/estimates/{estimate_id}")
    assert (final["low"], final["high"], final["version"]) == (1500, 1500, version + 2)
    assert len(final["revisions"]) == revisions + 2

    b.goto(f"/estimates/{estimate_id}/history")
    expect(b.locator("li.revision")).to_have_count(revisions + 2)
    shoot(b, "editor-history")


# ---- 4. forged and signed-out posts --------------------------------------------------------

@dataclass
class OtherSite:
    """Another origin (same host, other port) whose pages the test writes."""

    base_url: str
    pages: dict[str, str] = field(default_factory=dict)


@pytest.fixture(scope="module")
def other_site() -> Iterator[OtherSite]:
    site = OtherSite(base_url="")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = site.pages.get(self.path, "<!DOCTYPE html><title>ok</title>ok").encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, name="forging-site", daemon=True)
    thread.start()
    site.base_url = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        _wait_until_answering(f"{site.base_url}/", thread.is_alive)
        yield site
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


def auto_post_page(action: str, fields: dict[str, str]) -> str:
    inputs = "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
        for k, v in fields.items()
    )
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Win a prize</title>"
        f"</head><body><form method='post' action='{html.escape(action)}'>{inputs}</form>"
        "<script>document.forms[0].submit()</script></body></html>"
    )


def new_estimate_fields() -> dict[str, str]:
    return {
        "topic": TOPIC, "measure": "killed", "source": "volodymyr-zelensky",
        "figure": "about 9,999", "as_of": "2025-02", "citation-0-url": "https://example.org/f",
        "action": "save",
    }


def post_form_in_page(page: Page, action: str, fields: dict[str, str]) -> None:
    """Build a form in the current (Reckon) page and submit it: a same-origin post."""
    with page.expect_navigation():
        page.evaluate(
            """([action, fields]) => {
                const form = document.createElement("form");
                form.method = "post";
                form.action = action;
                for (const [name, value] of Object.entries(fields)) {
                    const input = document.createElement("input");
                    input.type = "hidden";
                    input.name = name;
                    input.value = value;
                    form.append(input);
                }
                document.body.append(form);
                form.submit();
            }""",
            [action, fields],
        )


@dataclass(frozen=True)
class State:
    estimates: int
    version: int
    status: str
    revisions: int


def state(page: Page, estimate_id: int) -> State:
    e = api(page, f"/api/estimates/{estimate_id}")
    return State(estimate_count(page), e["version"], e["status"], len(e["revisions"]))


def still_signed_in(page: Page) -> bool:
    return page.request.get("/estimates/new", max_redirects=0).status == 200


def test_posts_without_token_from_elsewhere_or_signed_out_change_nothing(
    new_context: NewContext, editors: tuple[Editor, Editor], other_site: OtherSite,
    editor_server: EditorServer,
) -> None:
    page = signed_in_page(new_context, editors[0])
    estimate_id = estimate_id_of(page, "deployed", "south-korea-nis")
    retract = f"/estimates/{estimate_id}/retract"
    before = state(page, estimate_id)
    assert before.status == "active"

    # (a) Reckon's own forms with the CSRF token taken out.
    page.goto("/estimates/new")
    page.locator("#source").select_option("volodymyr-zelensky")
    page.locator("#topic").select_option(TOPIC)
    page.locator("#measure").fill("killed")
    page.locator("#figure").fill("about 9,999")
    page.locator("#citation-0-url").fill("https://example.org/a")
    page.locator("form.estimate-form input[name=csrf_token]").evaluate("e => e.remove()")
    with page.expect_response(is_post_to("/estimates/new")) as posted:
        save(page)
    assert posted.value.status == 403
    expect(page.locator("main")).to_contain_text("did not come from Reckon")

    # The retract page's own form posts to the API (see test_retract_and_restore_...), so
    # this one is built in the page, with what that form sends minus the token.
    page.goto(retract)
    with page.expect_response(is_post_to(retract)) as posted:
        post_form_in_page(page, retract, {"reason": "forged", "version": str(before.version)})
    assert posted.value.status == 403

    page.goto("/")
    page.locator("form[action$='/logout'] input[name=csrf_token]").evaluate("e => e.remove()")
    with page.expect_response(is_post_to("/logout")) as posted:
        page.get_by_role("button", name="Sign out").click()
    assert posted.value.status == 403
    assert still_signed_in(page), "a logout without the token signed the editor out"
    assert state(page, estimate_id) == before

    # (b) Another origin's page posting into the signed-in browser, even with a valid token
    # (as if it had leaked): only the cross-site refusal stands in the way.
    page.goto("/")
    token = page.locator("form[action$='/logout'] input[name=csrf_token]").input_value()
    forged = {
        "/new": ("/estimates/new", {**new_estimate_fields(), "csrf_token": token}),
        "/retract": (retract, {"reason": "forged", "version": str(before.version),
                               "csrf_token": token}),
        "/logout": ("/logout", {"csrf_token": token}),
    }
    for path, (target, fields) in forged.items():
        other_site.pages[path] = auto_post_page(editor_server.base_url + target, fields)
        with page.expect_response(is_post_to(target)) as posted:
            # "commit": the page posts itself away while it loads.
            page.goto(other_site.base_url + path, wait_until="commit")
        response = posted.value
        assert response.status == 403, f"{target} from {other_site.base_url}: {response.status}"
        headers = response.request.all_headers()
        assert headers.get("origin") == other_site.base_url
        # 127.0.0.1 on another port is the same *site*: the Lax cookie does go along.
        assert headers.get("sec-fetch-site") == "same-site"
        assert f"{SESSION_COOKIE}=" in headers.get("cookie", ""), headers
        expect(page.locator("body")).to_contain_text("Cross-site requests may not change")
    assert still_signed_in(page), "the other site's logout post signed the editor out"
    assert state(page, estimate_id) == before

    # (c) Not signed in: a fresh browser, posting from a Reckon page with its own valid token.
    anon = new_context().new_page()
    anon.goto("/login")
    anon_token = anon.locator("main form input[name=csrf_token]").input_value()
    for target, fields in [
        ("/estimates/new", {**new_estimate_fields(), "csrf_token": anon_token}),
        (retract, {"reason": "anon", "version": str(before.version), "csrf_token": anon_token}),
    ]:
        anon.goto("/login")
        with anon.expect_response(is_post_to(target)) as posted:
            post_form_in_page(anon, target, fields)
        assert posted.value.status == 303
        assert posted.value.headers["location"] == f"/login?next={quote(target)}"
        expect(anon).to_have_url(re.compile(r"/login\?next="))
        expect(anon.locator("h1")).to_have_text("Sign in")
    # Signing out while signed out: nothing to end, and nothing else happens.
    anon.goto("/login")
    with anon.expect_response(is_post_to("/logout")) as posted:
        post_form_in_page(anon, "/logout", {"csrf_token": anon_token})
    assert posted.value.status == 303
    assert state(page, estimate_id) == before
    assert still_signed_in(page)

    # The control: the same post, from Reckon, signed in, with the token, does retract.
    page.goto(retract)
    with page.expect_response(is_post_to(retract)) as posted:
        post_form_in_page(page, retract, {"reason": "control", "version": str(before.version),
                                          "csrf_token": token})
    assert posted.value.status == 303
    assert state(page, estimate_id) == State(
        before.estimates, before.version + 1, "retracted", before.revisions + 1)


# ---- retract, restore, revert through the pages ---------------------------------------------

def test_retract_and_restore_through_the_estimate_page(
    new_context: NewContext, editors: tuple[Editor, Editor]
) -> None:
    page = signed_in_page(new_context, editors[1])
    estimate_id = estimate_id_of(page, "casualties", "volodymyr-zelensky")
    version = api(page, f"/api/estimates/{estimate_id}")["version"]

    for action, link, status in [("retract", "Retract", "retracted"),
                                 ("restore", "Restore", "active")]:
        page.goto(f"/estimates/{estimate_id}")
        href = page.get_by_role("link", name=link, exact=True).get_attribute("href") or ""
        assert urlsplit(href).path == f"/estimates/{estimate_id}/{action}", href
        page.get_by_role("link", name=link, exact=True).click()
        form = page.locator("main form")
        action_url = form.get_attribute("action") or ""
        assert urlsplit(action_url).path == f"/estimates/{estimate_id}/{action}", action_url
        page.locator("#reason").fill(f"{action} to check the pages")
        page.get_by_role("button", name=link, exact=True).click()
        expect(page).to_have_url(re.compile(rf"/estimates/{estimate_id}$"))
        assert api(page, f"/api/estimates/{estimate_id}")["status"] == status
    assert api(page, f"/api/estimates/{estimate_id}")["version"] == version + 2


def test_revert_through_the_history_page(
    new_context: NewContext, editors: tuple[Editor, Editor]
) -> None:
    page = signed_in_page(new_context, editors[1])
    estimate_id = estimate_id_of(page, "killed", "south-korea-nis")
    start = api(page, f"/api/estimates/{estimate_id}")
    page.goto(f"/estimates/{estimate_id}/edit")
    page.locator("#figure").fill("about 350")
    save(page)
    expect(page).to_have_url(re.compile(rf"/estimates/{estimate_id}$"))

    page.goto(f"/estimates/{estimate_id}/history")
    first = page.locator(f"li#revision-{start['version']}")
    action_url = first.locator("form.revert").get_attribute("action") or ""
    assert urlsplit(action_url).path == f"/estimates/{estimate_id}/revert", action_url
    first.get_by_role("textbox").fill("back to the NIS figure")
    first.get_by_role("button", name=f"Revert to revision {start['version']}").click()
    expect(page).to_have_url(re.compile(rf"/estimates/{estimate_id}/history$"))
    reverted = api(page, f"/api/estimates/{estimate_id}")
    assert (reverted["low"], reverted["high"]) == (start["low"], start["high"])
    assert reverted["version"] == start["version"] + 2


# ---- 5. signing out ends the session -------------------------------------------------------

def test_signed_out_session_cookie_cannot_be_replayed(
    new_context: NewContext, editors: tuple[Editor, Editor]
) -> None:
    page = signed_in_page(new_context, editors[1])
    context = page.context
    session_cookies = [c for c in context.cookies() if c["name"] == SESSION_COOKIE]
    assert len(session_cookies) == 1
    assert session_cookies[0].get("httpOnly") is True
    assert session_cookies[0].get("sameSite") == "Lax"

    page.goto("/")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    assert not [c for c in context.cookies() if c["name"] == SESSION_COOKIE]

    context.add_cookies(session_cookies)  # type: ignore[arg-type]
    assert [c["value"] for c in context.cookies() if c["name"] == SESSION_COOKIE] == [
        session_cookies[0]["value"]]
    response = page.goto("/estimates/new")
    assert response is not None
    expect(page).to_have_url(re.compile(r"/login\?next=/estimates/new$"))
    expect(page.locator("h1")).to_have_text("Sign in")
    redirected = response.request.redirected_from
    assert redirected is not None
    first = redirected.response()
    assert first is not None
    assert first.status == 303


# ---- 6. stored markup never runs -----------------------------------------------------------

def test_markup_typed_into_the_form_never_runs(
    new_context: NewContext, editors: tuple[Editor, Editor]
) -> None:
    # With the CSP bypassed, escaping alone has to keep the payloads inert.
    page = signed_in_page(new_context, editors[0], bypass_csp=True)
    dialogs: list[str] = []

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(f"{dialog.type}: {dialog.message} on {page.url}")
        dialog.dismiss()

    page.on("dialog", on_dialog)

    page.goto(f"/estimates/new?topic={TOPIC}&measure=killed")
    page.locator("#source").select_option("south-korean-media")
    page.locator("#figure").fill("700")
    page.locator("#as_of").fill("2025-02")
    page.locator("#claimant").fill(SVG_ONLOAD)
    page.locator("#notes").fill(SCRIPT)
    page.locator("#comment").fill(SCRIPT)
    page.locator("#citation-0-url").fill(JS_URL)
    page.locator("#citation-0-publication").fill(SVG_ONLOAD)

    with page.expect_response(is_post_to("/estimates/new")) as posted:
        save(page)
    assert posted.value.status == 422
    expect(page.locator("#citation-0-url-error")).to_contain_text("http:// or https://")
    expect(page.locator("#citation-0-url")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#citation-0-url")).to_have_value(JS_URL)
    expect(page.locator("#claimant")).to_have_value(SVG_ONLOAD)
    expect(page.locator("#notes")).to_have_value(SCRIPT)

    page.locator("#citation-0-url").fill("https://example.org/markup")
    save(page)
    expect(page).to_have_url(re.compile(r"/estimates/\d+$"))
    estimate_id = int(page.url.rsplit("/", 1)[1])
    saved = api(page, f"/api/estimates/{estimate_id}")
    assert (saved["claimant"], saved["notes"]) == (SVG_ONLOAD, SCRIPT)

    def check_inert() -> None:
        page.wait_for_load_state("load")
        assert page.locator("svg[onload], [onerror]").count() == 0
        # Only the JSON-LD data block of an estimate page, which browsers never execute.
        assert page.locator("script:not([type='application/ld+json'])").count() == 0
        assert page.locator("a[href^='javascript:' i]").count() == 0
        assert page.locator("[href*='alert(']").count() == 0

    page.goto(f"/estimates/{estimate_id}")
    expect(page.locator("dl.facts dd").filter(has_text="onload")).to_have_text(SVG_ONLOAD)
    expect(page.locator("p.notes")).to_have_text(SCRIPT)
    expect(page.locator(".citation a.cite-link")).to_have_text(SVG_ONLOAD)
    check_inert()

    page.goto(f"/estimates/{estimate_id}/edit")
    expect(page.locator("#claimant")).to_have_value(SVG_ONLOAD)
    expect(page.locator("#notes")).to_have_value(SCRIPT)
    expect(page.locator("#citation-0-publication")).to_have_value(SVG_ONLOAD)
    expect(page.locator("#citation-0-url")).to_have_value("https://example.org/markup")
    check_inert()

    page.goto(f"/estimates/{estimate_id}/history")
    created = page.locator("li.revision").last
    expect(created.locator("tr").filter(has=page.locator("th:text-is('Notes')"))
           .locator("td.after")).to_have_text(SCRIPT)
    expect(created.locator("tr").filter(has=page.locator("th:text-is('Claimed by')"))
           .locator("td.after")).to_have_text(SVG_ONLOAD)
    expect(created.locator("p.meta")).to_contain_text(f"“{SCRIPT}”")
    check_inert()

    page.goto("/changes")
    row = page.locator("table.changes tbody tr").filter(
        has=page.locator(f"a[href*='/estimates/{estimate_id}/history']"))
    expect(row.locator("td").last).to_have_text(SCRIPT)
    check_inert()

    page.goto(TOPIC_PATH)
    expect(page.locator("#measure-killed .claimant").filter(has_text="onload")).to_have_text(
        SVG_ONLOAD)
    check_inert()

    page.goto("/sources/south-korean-media")
    expect(page.locator(f"a[href$='/estimates/{estimate_id}']")).to_have_text("700")
    check_inert()

    assert dialogs == [], f"stored markup ran: {dialogs}"


def test_the_estimate_form_in_german(new_context: NewContext,
                                     editors: tuple[Editor, Editor]) -> None:
    """Signed in, with German chosen: the form, its hints and the messages beside the fields
    it sends back are German (screenshot: estimate-form-de.png)."""
    page = signed_in_page(new_context, editors[0], viewport={"width": 1280, "height": 1400})
    page.goto("/lang/de?next=/estimates/new")  # the switch: kept in a cookie
    expect(page.locator("h1")).to_have_text("Schätzung hinzufügen")
    page.get_by_label("Thema", exact=True).select_option(TOPIC)
    page.get_by_label("Messgröße", exact=True).fill("killed")
    page.get_by_label("Zahl, wie die Quelle sie nennt").fill("5.000–3.000")
    page.get_by_label("Bezieht sich auf (Stand)").fill("2025-13")
    page.get_by_role("button", name="Speichern", exact=True).click()
    expect(page.locator(".form-error[role=alert]")).to_contain_text(
        "Nichts wurde gespeichert. Bitte berichtigen Sie die")
    expect(page.locator("#as_of-error")).to_contain_text("ist kein echter Monat")
    expect(page.locator("#source-error")).to_contain_text("Wählen Sie eine Quelle")
    assert page.locator("html").get_attribute("lang") == "de"
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "estimate-form-de.png"), full_page=True)
