"""Reading pages by structure: the HTML document, a measure's range chart, its rows."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from lxml import html
from lxml.etree import _Element


def doc(client: TestClient, url: str) -> _Element:
    response = client.get(url)
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"].startswith("text/html")
    return html.fromstring(response.text)


def chart(doc: _Element, measure: str, variant: str = "wide") -> _Element:
    """A measure's range chart, as drawn for wide (or narrow) screens."""
    (svg,) = doc.cssselect(f"section#measure-{measure} .for-{variant} svg.range-chart")
    return svg


def drawing_url(doc: _Element, measure: str, layout: str = "wide",
                theme: str = "light") -> str:
    """Where the page's <picture> of a measure's timeline finds its drawing for a screen."""
    (picture,) = doc.cssselect(f"section#measure-{measure} figure.timeline picture")
    narrow = layout == "narrow"
    dark = theme == "dark"
    for source in picture.cssselect("source"):
        media = source.get("media")
        if ("max-width" in media) == narrow and ("dark" in media) == dark:
            return str(source.get("srcset"))
    assert not narrow and not dark
    return str(picture.cssselect("img")[0].get("src"))


def svg(client: TestClient, url: str) -> _Element:
    response = client.get(url)
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"].startswith("image/svg+xml")
    # Read as HTML, as the page's inline charts are: the same selectors then work on both.
    root = html.fromstring(response.text)
    assert root.tag == "svg"
    return root


def timeline(client: TestClient, doc: _Element, measure: str, layout: str = "wide",
             theme: str = "light") -> _Element:
    """A measure's timeline, drawn as the page's image for a wide (or narrow) screen."""
    return svg(client, drawing_url(doc, measure, layout, theme))


def scale(svg: _Element) -> tuple[float, float]:
    """Intercept and slope of value -> x, read from two axis tick labels."""
    ticks = [(float(t.get("data-value")), float(t.get("data-x")))
             for t in svg.cssselect("text.tick")]
    (v0, x0), (v1, x1) = ticks[0], ticks[-1]
    slope = (x1 - x0) / (v1 - v0)
    return x0 - slope * v0, slope


def rows(svg: _Element) -> list[dict[str, Any]]:
    rows = []
    for g in svg.cssselect("g.row"):
        bar = g.cssselect("rect.bar")
        dot = g.cssselect("circle.point")
        if bar:
            x1 = float(bar[0].get("x"))
            x2 = x1 + float(bar[0].get("width"))
        else:
            x1 = x2 = float(dot[0].get("cx"))
        rows.append({
            "source": g.get("data-source"),
            "name": g.cssselect("text.source-name")[0].text_content(),
            "kind": g.cssselect("text.source-kind")[0].text_content(),
            "value": g.cssselect("text.value")[0].text_content(),
            "date": g.cssselect("text.date")[0].text_content(),
            "low": int(g.get("data-low")) if g.get("data-low") else None,
            "high": int(g.get("data-high")) if g.get("data-high") else None,
            "x1": x1, "x2": x2, "derived": "derived" in g.get("class"),
            "arrows": [p.get("class") for p in g.cssselect("polygon.arrow")],
            # Inline on a page the row's class says it; on its own, an attribute too.
            "compared": "not-compared" not in g.get("class").split(),
            "note": "".join(n.text_content() for n in g.cssselect("text.note")),
        })
    return rows
