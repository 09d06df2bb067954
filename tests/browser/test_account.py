"""Changing one's password in headless Chromium: from the header's Account link, a weak
password refused with the reason next to the field (and no password sent back), then a strong
one, after which the same editor's other browser is signed out and this one is not."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import EditorServer
from tests.browser.test_editor import Editor, add_editor_with_cli, sign_in

pytestmark = pytest.mark.browser

NewContext = Callable[..., BrowserContext]
NEW_PASSWORD = "Lighthouse keeper's ledger, folio 212"


@pytest.fixture
def browser_context_args(
    browser_context_args: dict[str, Any], editor_server: EditorServer
) -> dict[str, Any]:
    return {**browser_context_args, "base_url": editor_server.base_url}


@pytest.fixture(scope="module")
def editor(editor_server: EditorServer) -> Editor:
    made = Editor("mary.somerville@example.org", "Connexion of the physical sciences, 1834")
    add_editor_with_cli(editor_server.database_url, made.email, made.password)
    return made


def _fill(page: Page, current: str, new: str) -> None:
    page.get_by_label("Current password").fill(current)
    page.get_by_label("New password", exact=True).fill(new)
    page.get_by_label("New password again").fill(new)
    page.get_by_role("button", name="Change password").click()


def test_changing_the_password_in_a_browser(new_context: NewContext, editor: Editor) -> None:
    page = new_context().new_page()
    sign_in(page, editor)
    elsewhere = new_context().new_page()
    sign_in(elsewhere, editor)

    page.get_by_role("navigation", name="Account").get_by_role("link", name="Account").click()
    page.get_by_role("link", name="Change your password").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Change your password")

    _fill(page, editor.password, "Summer2024!!")
    new_field = page.get_by_label("New password", exact=True)
    expect(new_field).to_have_attribute("aria-invalid", "true")
    # The reason is read out with the field (before its hint), not only shown above the form.
    expect(new_field).to_have_accessible_description(re.compile(
        r"^This password is too weak\. A word with digits or symbols added around it is easy "
        r"to guess\..* At least 12 characters"))
    for label in ("Current password", "New password", "New password again"):
        expect(page.get_by_label(label, exact=True)).to_have_value("")
    expect(page.get_by_role("alert").first).to_contain_text("Your password was not changed")

    _fill(page, editor.password, NEW_PASSWORD)
    expect(page).to_have_url(f"{page.url.split('/account')[0]}/account?done=password")
    expect(page.get_by_role("status")).to_contain_text("Every other browser signed in as you")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    elsewhere.goto("/account")
    expect(elsewhere).to_have_url(f"{elsewhere.url.split('/login')[0]}/login?next=/account")

    fresh = new_context().new_page()
    sign_in(fresh, Editor(editor.email, NEW_PASSWORD))
