"""The page to ask from, in a real headless browser (Debian's chromium driven by playwright) against a
real `qa serve` app on loopback: a question typed and answered, the answering sentence highlighted,
hits grouped by document, the document opened at the citation by keyboard, /?q= links, escaping."""

from __future__ import annotations

import math
import shutil
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from qa import QA
from qa.server import create_app

from ..conftest import DATA
from .test_server import live_server

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium: apt-get install chromium "
                                "(CI installs it in .ci/run)")
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed: pip install playwright")


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def site(built):
    with live_server(create_app(built[0])) as url:
        yield url


@pytest.fixture
def page(browser):
    # bypass_csp: playwright's waits evaluate script, which the page's CSP forbids. It also shows the
    # escaping below holds without the CSP's help.
    context = browser.new_context(locale="en-US", bypass_csp=True)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    yield pg
    context.close()
    assert not errors, errors  # no script error on the page


def _answered(page):
    page.wait_for_function("document.querySelectorAll('#results .hit').length > 0 "
                           "|| document.querySelector('#status').textContent.length > 20", timeout=60_000)


def _check_rendered(page, expected):
    """The page shows `expected` (an Answer.to_dict()): citation lines, passages, highlights, groups."""
    hits = page.locator("#results .hit")
    assert hits.count() == len(expected["hits"]) > 0
    for i, hit in enumerate(expected["hits"]):
        shown = hits.nth(i)
        c = hit["citation"]
        assert f"[{hit['rank']}]{c['path']}:{c['line_start']}" in shown.locator(".cite").inner_text()
        assert shown.locator(".passage").text_content() == hit["text"]
        if hit["highlight"]:
            assert shown.locator("mark").text_content() == hit["highlight"]["text"]
    paths = list(dict.fromkeys(h["citation"]["path"] for h in expected["hits"]))
    assert page.locator("#results article.doc").count() == len(paths)  # grouped by document


def test_question_typed_and_answered(page, site, built):
    question = "龙井茶是哪里产的？"
    page.goto(site + "/")
    page.locator("#q").fill(question)
    page.keyboard.press("Enter")
    _answered(page)
    _check_rendered(page, built[0].ask(question).to_dict())
    assert page.locator("#results mark").count() >= 1
    assert "q=" in page.url and quote(question) in page.url  # the address shares the question


def test_link_opens_with_the_question_asked_and_filters(page, site, built):
    question = "Where does Longjing tea come from?"
    page.goto(f"{site}/?q={quote(question)}&k=2&lang=zh")
    _answered(page)
    assert page.locator("#q").input_value() == question and page.locator("#lang").input_value() == "zh"
    _check_rendered(page, built[0].ask(question, k=2, lang="zh").to_dict())


def test_keyboard_only_open_the_document_at_the_citation(page, site, built):
    question = "When did the Icelandic volcano erupt?"
    page.goto(site + "/")
    page.keyboard.type(question)  # the question box has the focus on load
    page.keyboard.press("Enter")
    _answered(page)
    first = built[0].ask(question).hits[0]
    for _ in range(30):  # Tab until the first citation has the focus
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('cite')"):
            break
    assert page.evaluate("document.activeElement.textContent").startswith(f"[1]{first.citation.path}")
    page.keyboard.press("Enter")
    viewer = page.locator("#viewer")
    page.wait_for_selector("#viewer #cited", timeout=30_000)
    assert viewer.evaluate("d => d.open")
    assert first.text in page.locator("#cited").text_content()
    assert page.locator("#viewer #cited mark").text_content() == first.highlight.text
    page.keyboard.press("Escape")
    assert not viewer.evaluate("d => d.open")
    assert page.evaluate("document.activeElement.classList.contains('cite')")  # focus back on the citation


def test_chinese_interface_and_errors(page, site):
    page.goto(site + "/?q=" + quote("茶") + "&since=" + quote("last week"))
    page.wait_for_selector("#status.error", timeout=30_000)
    assert "YYYY-MM-DD" in page.locator("#status").text_content()  # the server's one-line message
    page.locator("#ui-lang").click()
    assert page.locator("#go").text_content() == "提问" and page.evaluate("document.documentElement.lang") == "zh-CN"


def test_document_text_is_never_markup(tmp_path, embedder, browser):
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(DATA / "longjing_zh.txt", docs)
    hostile = ('Markup test: the <b>bold</b> claim <img src=x onerror="window.pwned=1"> that '
               '<script>window.pwned=2</script> hostile pages carry tags.\n')
    (docs / "markup.txt").write_text(hostile, encoding="utf-8")
    qa = QA.build([docs], tmp_path / "index", embedder=embedder)
    with live_server(create_app(qa)) as url:
        context = browser.new_context(bypass_csp=True)
        page = context.new_page()
        page.goto(f"{url}/?q={quote('What do hostile pages carry?')}")
        _answered(page)
        passage = page.locator("#results .passage").first
        assert "<script>window.pwned=2</script>" in passage.text_content()
        assert page.locator("#results b, #results img, #results script").count() == 0
        page.locator("#results .cite").first.click()
        page.wait_for_selector("#viewer #cited")
        assert page.locator("#viewer b, #viewer img, #viewer script").count() == 0
        assert page.evaluate("window.pwned") is None
        context.close()
        # Only documents of the index can be read, by their indexed path.
        for path in ("/etc/passwd", "../../etc/passwd", str(docs / "markup.txt") + "x"):
            r = httpx.get(f"{url}/text", params={"path": path, "start": 0, "end": 10})
            assert r.status_code == 404 and r.json()["error"]["type"] == "not_found"
        assert "script-src 'self'" in httpx.get(url + "/").headers["content-security-policy"]
        indexed = qa.index.documents[0]["path"]
        r = httpx.get(f"{url}/text", params={"path": indexed, "start": 0, "end": 10})
        assert r.status_code == 200 and r.json()["segments"]


def test_verdict_fields_are_shown_as_the_server_sends_them(page, site, built):
    """The verdict (answered, per-hit confidence) of real answers: one the documents answer, and one
    they do not (the nearest passages shown dimmed, under a notice)."""
    for question, answered in (("Where does Longjing tea come from?", True),
                               ("What is the capital of France?", False)):
        expected = built[0].ask(question, k=2).to_dict()
        assert expected["answered"] is answered, question  # the fixture corpus answers one, not the other
        page.goto(f"{site}/?q={quote(question)}&k=2")
        _answered(page)
        _check_rendered(page, expected)
        # Math.round rounds halves up (Python's round to even)
        shown = [f"  confidence {math.floor(h['confidence'] * 100 + 0.5)}%" for h in expected["hits"]]
        assert page.locator("#results .confidence").all_text_contents() == shown
        assert page.locator("#results .notice").count() == (0 if answered else 1)
        assert page.evaluate("document.querySelector('#results').classList.contains('declined')") is not answered


def test_highlights_hold_after_characters_outside_the_bmp(tmp_path, embedder, browser):
    """Offsets count characters (code points) as Python does; a JavaScript string counts UTF-16 units,
    two for each character outside the BMP (rare CJK such as 𠮷, 𩸽; emoji), which shifted the marks."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "shops.txt").write_text(
        "The 𠮷野家 and 𩸽 shops of 𠀋𡈽𡌛 street sell 🐟 and 🍵 every morning since 1921. "
        "The lighthouse at Cape Wrath was painted bright orange in 2003 by the harbour board.\n",
        encoding="utf-8")
    qa = QA.build([docs], tmp_path / "index", embedder=embedder)
    question = "What colour was the lighthouse at Cape Wrath painted?"
    hit = qa.ask(question).hits[0]
    assert hit.highlight and hit.highlight.char_start > hit.citation.char_start  # a mark after the astral text
    with live_server(create_app(qa)) as url:
        context = browser.new_context(bypass_csp=True)
        page = context.new_page()
        page.goto(f"{url}/?q={quote(question)}")
        _answered(page)
        assert page.locator("#results .passage").first.text_content() == hit.text
        assert page.locator("#results mark").first.text_content() == hit.highlight.text
        page.locator("#results .cite").first.click()
        page.wait_for_selector("#viewer #cited")
        assert page.locator("#viewer #cited").text_content() == hit.text
        assert page.locator("#viewer #cited mark").text_content() == hit.highlight.text
        context.close()


def test_an_unknown_stored_interface_language_falls_back(page, site):
    """The interface language is kept in localStorage, which other pages once served from the same
    address may have written too: a value the page does not know must not break it."""
    page.goto(site + "/")
    page.evaluate("localStorage.setItem('qa-ui', 'fr')")
    page.goto(site + "/?q=" + quote("Where does Longjing tea come from?"))
    _answered(page)
    assert page.locator("#results .hit").count() > 0
    assert page.evaluate("document.documentElement.lang") in ("en", "zh-CN")


def test_a_document_that_cannot_be_fetched_says_why(page, site):
    """GET /text failing at the network level (server stopped, connection cut) is shown in the viewer,
    not left as "Opening…" with an unhandled error."""
    page.goto(site + "/?q=" + quote("Where does Longjing tea come from?"))
    _answered(page)
    page.route("**/text?*", lambda route: route.abort("connectionreset"))
    page.locator("#results .cite").first.click()
    page.wait_for_function("!document.querySelector('#viewer-text').textContent.startsWith('Opening')",
                           timeout=30_000)
    assert "fetch" in page.locator("#viewer-text").text_content().lower()


def test_the_viewer_shows_the_last_document_opened_whatever_answers_first(page, site, built):
    """A citation opened, closed and another opened at once: if the first document's text arrives
    last (here: held back 1.5 s), the viewer still shows the second one, not whichever came last."""
    question = "Where does Longjing tea come from?"
    hits = built[0].ask(question).hits
    second = next(h for h in hits if h.citation.path != hits[0].citation.path)
    page.goto(site + "/?q=" + quote(question))
    _answered(page)
    page.evaluate("""() => {
        const real = window.fetch; let held = false;
        window.fetch = (url, options) => {
            const answer = real(url, options);
            if (!String(url).startsWith('/text') || held) return answer;
            held = true;
            return new Promise((resolve, reject) => setTimeout(() => answer.then(resolve, reject), 1500));
        };
    }""")
    page.locator("#results .cite").first.click()
    page.keyboard.press("Escape")
    page.locator("#results .doc").nth(1).locator(".cite").first.click()
    page.wait_for_selector("#viewer #cited", timeout=30_000)
    page.wait_for_timeout(2500)  # the held-back answer has arrived by now
    assert page.locator("#viewer-title").text_content() == (second.citation.title or second.citation.path)
    assert second.text in page.locator("#viewer #cited").text_content()
    assert page.locator("#viewer #cited").count() == 1
