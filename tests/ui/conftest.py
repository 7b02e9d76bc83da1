"""Browser fixtures: Debian's Chromium driven by Playwright, a server with demo data,
and a folder for screenshots (``test-output/ui``, kept out of git)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests_support import repo_root

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"{CHROMIUM} is missing; scripts/test.sh installs it (apt-get install chromium)"
        )
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.errors = []  # type: ignore[attr-defined]
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))  # type: ignore[attr-defined]
    pg.on("dialog", lambda d: (pg.errors.append(f"dialog: {d.message}"), d.dismiss()))  # type: ignore[attr-defined]
    yield pg
    context.close()


@pytest.fixture(scope="session")
def shots() -> Path:
    folder = repo_root() / "test-output" / "ui"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[str]]]:
    """A server over a fresh SQLite store holding the demo project (3 runs, all media)."""
    from conftest import start_server
    from shipyard.server import create_app
    from ui.demo_data import log_demo

    folder = tmp_path_factory.mktemp("ui")
    app = create_app(f"sqlite:///{folder / 'shipyard.db'}", artifacts_uri=str(folder / "blobs"))
    live = start_server(app)
    try:
        yield live.url, log_demo(tracking_uri=live.url)
    finally:
        live.stop()
