"""PDF of an exported report: headless Chromium (through Playwright) prints the HTML.

Playwright is an optional extra, imported here only. Chromium is Debian's
``/usr/bin/chromium`` (``SHIPYARD_CHROMIUM`` overrides it); Playwright's own browser
download is never used.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from shipyard.core.errors import InvalidInputError, ShipyardError

__all__ = ["CHROMIUM_ARGS", "chromium_path", "html_to_pdf"]

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
RENDER_TIMEOUT_MS = 60_000


def chromium_path() -> str:
    return os.environ.get("SHIPYARD_CHROMIUM", "/usr/bin/chromium")


def html_to_pdf(html: str) -> bytes:
    """Print a self-contained report page to A4 PDF once its charts have rendered."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        raise InvalidInputError(
            "PDF export needs Playwright: pip install playwright (and apt-get install chromium)"
        ) from exc
    if not Path(chromium_path()).exists():
        raise InvalidInputError(f"PDF export needs Chromium at {chromium_path()}")
    with tempfile.TemporaryDirectory(prefix="shipyard-pdf-") as tmp:
        page_file = Path(tmp) / "report.html"
        page_file.write_text(html, encoding="utf-8")
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
            )
            try:
                page = browser.new_page(viewport={"width": 1100, "height": 1400})
                page.add_init_script("window.REPORT_STATIC = true;")
                page.goto(page_file.as_uri())
                page.wait_for_function(
                    "document.body.dataset.rendered !== undefined", timeout=RENDER_TIMEOUT_MS
                )
                if page.evaluate("document.body.dataset.rendered") == "error":
                    raise ShipyardError(
                        f"The report's charts failed: {page.evaluate('window.reportError')}"
                    )
                page.emulate_media(media="print")
                pdf: bytes = page.pdf(
                    format="A4",
                    print_background=True,
                    margin={"top": "12mm", "bottom": "12mm", "left": "10mm", "right": "10mm"},
                )
            finally:
                browser.close()
    return pdf
