"""The pure rules of citation capture: finding a quote in a page's text however either was
typed, which addresses a capture may reach, and when a failed capture is tried again."""

from __future__ import annotations

import datetime as dt

import pytest

from app.domain.addresses import address_problem, refusal, url_problem
from app.domain.captures import next_attempt, retry_delay, status_retried
from app.domain.quotes import normalise, quote_found, quote_parts

GERMAN_PAGE = ("„Die Verluste sind erheblich“, sagte der Abgeordnete. Nach Angaben des "
               "ukrainischen Präsidenten liegt die Zahl der Opfer bei 4.000.")
RUSSIAN_PAGE = ("Как сообщил «Коммерсантъ», потери КНДР составили около 300 человек "
                "убитыми и 2 700 — ранеными.")
ENGLISH_PAGE = ("\u201cWe assess that North Korea has suffered about 1,200 casualties,\u201d "
                "the spokesman said. It\u2019s the first U.S. estimate.")


@pytest.mark.parametrize(("quote", "page"), [
    # German quotes typed with straight quotes, other case, extra spaces and a line break.
    ('"die   Verluste sind\nERHEBLICH"', GERMAN_PAGE),
    ("Zahl der Opfer bei 4000", GERMAN_PAGE),  # thousands separator dropped
    # Russian guillemets and a no-break space in the figure; the quote uses a hyphen.
    ("«Коммерсантъ», потери КНДР составили около 300 человек убитыми и 2\u00a0700 - ранеными",
     RUSSIAN_PAGE),
    ("ПОТЕРИ кндр", RUSSIAN_PAGE),
    # Typographic apostrophe and quotes in the page, plain ones in the quote.
    ("It's the first U.S. estimate", ENGLISH_PAGE),
    ("'We assess that North Korea has suffered about 1,200 casualties'", ENGLISH_PAGE),
    # An omission marked by an ellipsis, in any of its spellings.
    ("We assess … about 1,200 casualties", ENGLISH_PAGE),
    ("We assess [...] about 1,200 casualties", ENGLISH_PAGE),
    # Full-width digits and a ligature (compatibility forms), German sharp s.
    ("about １,２００ casualties", ENGLISH_PAGE),
    ("ﬁrst U.S.", "The first U.S. estimate"),
    ("Straße", "STRASSE"),
])
def test_a_quote_is_found_however_it_was_typed(quote: str, page: str) -> None:
    assert quote_found(quote, page)


@pytest.mark.parametrize(("quote", "page"), [
    ("about 1,500 casualties", ENGLISH_PAGE),  # another figure
    ("Zahl der Opfer bei 40.000", GERMAN_PAGE),
    ("убитыми около 300", RUSSIAN_PAGE),  # the right words in the wrong order
    ("about 1,200 casualties … We assess", ENGLISH_PAGE),  # parts out of order
    ("…", ENGLISH_PAGE),  # nothing to look for
    ("", ENGLISH_PAGE),
])
def test_a_quote_that_the_page_does_not_say_is_not_found(quote: str, page: str) -> None:
    assert not quote_found(quote, page)


def test_normalising_keeps_letters_digits_and_symbols_only() -> None:
    assert normalise("„Über 10.000 € – (sic!)“") == "über10000€sic"
    assert normalise("soft\u00adhyphen\u200b") == "softhyphen"
    assert quote_parts("a … b ... c [...] d (…)") == ["a", "b", "c", "d"]
    # The page's text may be normalised once for many quotes, with the same result.
    text = normalise(GERMAN_PAGE)
    assert quote_found("Verluste sind erheblich", GERMAN_PAGE, normalised_text=text)


@pytest.mark.parametrize(("address", "kind"), [
    ("127.0.0.1", "a loopback address"),
    ("127.8.9.10", "a loopback address"),
    ("::1", "a loopback address"),
    ("10.1.2.3", "a private address"),
    ("172.16.0.1", "a private address"),
    ("192.168.1.1", "a private address"),
    ("fd00::1", "a private address"),
    ("169.254.169.254", "a link-local address"),  # cloud metadata
    ("fe80::1", "a link-local address"),
    ("224.0.0.1", "a multicast address"),
    ("ff02::1", "a multicast address"),
    ("0.0.0.0", "an unspecified address"),
    ("::", "an unspecified address"),
    ("240.0.0.1", "a private address"),  # reserved, and Python counts it private too
    ("100.64.0.1", "not a public address"),  # carrier-grade NAT
    ("::ffff:127.0.0.1", "an IPv6 address of 127.0.0.1, a loopback address"),
    ("::ffff:10.0.0.1", "an IPv6 address of 10.0.0.1, a private address"),
    ("2002:7f00:1::", "an IPv6 address of 127.0.0.1, a loopback address"),  # 6to4
    ("64:ff9b::a9fe:a9fe", "an IPv6 address of 169.254.169.254, a link-local address"),
])
def test_addresses_a_capture_may_not_reach(address: str, kind: str) -> None:
    assert address_problem(address) == kind


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c",
                                     "::ffff:93.184.215.14"])
def test_public_addresses_may_be_reached(address: str) -> None:
    assert address_problem(address) is None


def test_a_refusal_names_the_host_and_the_address() -> None:
    assert refusal("intranet.example", "10.0.0.7") == (
        "refused address: intranet.example resolves to 10.0.0.7, a private address")
    assert refusal("127.0.0.1", "127.0.0.1") == "refused address: 127.0.0.1 is a loopback address"
    assert refusal("example.org", "93.184.215.14") is None


@pytest.mark.parametrize(("url", "problem"), [
    ("ftp://example.org/file", "not http(s): ftp"),
    ("file:///etc/passwd", "not http(s): file"),
    ("javascript:alert(1)", "not http(s): javascript"),
    ("example.org/article", "not http(s): no scheme"),
    ("http:///nohost", "not a valid URL: no host"),
    ("http://user:secret@example.org/", "not captured: the URL carries a user name or password"),
    ("http://example.org:99999/", "not a valid URL"),
    ("https://example.org/a?b=c", None),
    ("HTTP://Example.org/", None),
])
def test_only_http_and_https_urls_are_captured(url: str, problem: str | None) -> None:
    assert url_problem(url) == problem


def test_failed_captures_back_off_exponentially_up_to_a_ceiling() -> None:
    base, ceiling = dt.timedelta(minutes=5), dt.timedelta(days=1)
    assert [retry_delay(n, base, ceiling) for n in (1, 2, 3, 4)] == [
        dt.timedelta(minutes=m) for m in (5, 10, 20, 40)]
    assert retry_delay(40, base, ceiling) == ceiling
    now = dt.datetime(2025, 3, 12, tzinfo=dt.UTC)
    rules = {"max_attempts": 3, "base": base, "ceiling": ceiling}
    assert next_attempt(2, now, retryable=True, **rules) == now + dt.timedelta(minutes=10)
    assert next_attempt(3, now, retryable=True, **rules) is None  # attempts used up
    assert next_attempt(1, now, retryable=False, **rules) is None


@pytest.mark.parametrize(("status", "retried"), [
    (404, False), (410, False), (403, False), (400, False),
    (408, True), (429, True), (500, True), (503, True),
])
def test_only_server_errors_timeouts_and_throttling_are_tried_again(status: int,
                                                                    retried: bool) -> None:
    assert status_retried(status) is retried


def test_capture_is_off_unless_asked_for_and_private_addresses_stay_refused(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from app.config import Settings

    defaults = Settings(environment="test", secret_key="s" * 32)
    assert defaults.capture is False and defaults.capture_allow_private is False
    assert defaults.capture_max_bytes == 5 * 1024 * 1024
    monkeypatch.setenv("RECKON_CAPTURE", "on")  # as `make run` sets it
    assert Settings(environment="test", secret_key="s" * 32).capture is True
    monkeypatch.setenv("RECKON_CAPTURE", "off")
    assert Settings(environment="test", secret_key="s" * 32).capture is False
