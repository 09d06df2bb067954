"""Every text marked for translation has a German translation: extraction is run afresh on
the code and templates (so a new `_()` without a catalog entry fails here, whether or not
`make messages` was run), and each message must be translated, not fuzzy, with the same
%(placeholders)s as its English source."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from app import i18n
from app.config import PROJECT_DIR

PO = PROJECT_DIR / "app" / "locale" / "de" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    out = tmp_path_factory.mktemp("messages") / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F",
         str(PROJECT_DIR / "babel.cfg"), "-k", "lazy_gettext", "-k", "N_", "--no-location",
         "-o", str(out), "app", "templates"],
        cwd=PROJECT_DIR, check=True, capture_output=True)
    with out.open("rb") as f:
        return read_po(f)


@pytest.fixture(scope="module")
def german() -> Catalog:
    with PO.open("rb") as f:
        return read_po(f, locale="de")


def _key(message_id: str | tuple[str, ...]) -> str:
    return message_id[0] if isinstance(message_id, tuple) else message_id


def test_every_extracted_message_has_a_german_translation(extracted: Catalog,
                                                          german: Catalog) -> None:
    assert len(extracted) > 200  # the extraction did find the interface's texts
    missing, fuzzy, placeholders = [], [], []
    for message in extracted:
        if not message.id:
            continue
        found = german.get(message.id, context=message.context)
        strings = ([] if found is None else
                   list(found.string) if isinstance(found.string, tuple) else [found.string])
        if found is None or not strings or not all(strings):
            missing.append(_key(message.id))
            continue
        if found.fuzzy:
            fuzzy.append(_key(message.id))
        sources = message.id if isinstance(message.id, tuple) else (message.id,)
        wanted = set().union(*(PLACEHOLDER.findall(s) for s in sources))
        for text in strings:
            if set(PLACEHOLDER.findall(text)) - wanted:
                placeholders.append(_key(message.id))
    assert not missing, f"untranslated (run `make messages`, then translate): {missing}"
    assert not fuzzy, f"fuzzy translations: {fuzzy}"
    assert not placeholders, f"translations naming a placeholder the source lacks: {placeholders}"


def test_the_catalog_loads_and_translates() -> None:
    with i18n.use_locale("de"):
        assert i18n.gettext("Sign in") == "Anmelden"
        assert i18n.ngettext("%(num)s topic, by title", "%(num)s topics, by title", 2) == (
            "2 Themen, nach Titel")
        assert i18n.format_number(10000) == "10.000"
    assert i18n.gettext("Sign in") == "Sign in"
    assert i18n.format_number(10000) == "10,000"


def test_catalog_file_is_plain_utf8_with_german_plurals() -> None:
    text = Path(PO).read_text(encoding="utf-8")
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in text
