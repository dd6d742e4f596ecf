"""Make docs/web.png: the page answering a Chinese question over the test corpus.

    python -m qa.cli index --index /tmp/qa-shot tests/data
    python -m qa.cli serve --index /tmp/qa-shot --port 8799 --workers 1 &
    python docs/web_screenshot.py http://127.0.0.1:8799

Needs playwright and Debian's chromium (/usr/bin/chromium) with a CJK font (fonts-wqy-microhei).
"""

import sys
from pathlib import Path
from urllib.parse import quote

from playwright.sync_api import sync_playwright

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

url = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8799"
with sync_playwright() as p:
    browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
    page = browser.new_page(viewport={"width": 1000, "height": 820}, locale="zh-CN")
    page.goto(f"{url}/?q={quote('龙井茶是哪里产的？')}&k=3")
    page.wait_for_selector("#results .hit")
    page.locator("#results .cite").first.focus()
    page.screenshot(path=str(Path(__file__).parent / "web.png"))
    browser.close()
