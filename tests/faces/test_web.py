"""The page to ask from, in a real headless browser (Debian's chromium driven by playwright) against a
real `qa serve` app on loopback: a question typed and answered, the answering sentence highlighted,
hits grouped by document, the document opened at the citation by keyboard, /?q= links, escaping."""

from __future__ import annotations

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


def test_verdict_fields_are_shown_when_the_server_sends_them(page, site, built):
    """The confidence fields (issue: answered, per-hit confidence) as the page renders them, from a real
    answer with the fields added (the server sends them once the verdict lands on main)."""
    import json

    question = "Where does Longjing tea come from?"
    answer = built[0].ask(question, k=2).to_dict()
    answer["answered"] = False
    for hit, confidence in zip(answer["hits"], (0.12, 0.05)):
        hit["confidence"] = confidence
    page.route("**/ask", lambda route: route.fulfill(status=200, content_type="application/json",
                                                     body=json.dumps(answer, ensure_ascii=False)))
    page.goto(f"{site}/?q={quote(question)}")
    _answered(page)
    assert page.locator("#results .notice").count() == 1
    assert page.locator("#results .confidence").all_text_contents() == ["  confidence 12%", "  confidence 5%"]
    assert page.evaluate("document.querySelector('#results').classList.contains('declined')")
