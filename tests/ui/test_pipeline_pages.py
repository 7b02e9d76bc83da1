"""Pipeline pages on a real pipeline run (a cached step and a failed step), the schedules
page, and XSS payloads in pipeline, step and log text staying inert, in a real browser."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from pipelines import pipeline_fixtures as fx
from shipyard.auth.tokens import Role
from shipyard.core.errors import PipelineFailedError
from shipyard.core.timeutil import now_ms

XSS = "<img src=x onerror=window.__xss=1>"
STEP_XSS = "<script>window.__xss=2</script>"


@pytest.fixture
def site(
    live_server: Callable[..., Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[str, Any, str]:
    monkeypatch.setenv("SHIPYARD_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SHIPYARD_CAPTURE_PACKAGES", "0")
    for name in ("SHIPYARD_TRACKING_URI", "SHIPYARD_MODE", "SHIPYARD_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    live = live_server(f"sqlite:///{tmp_path / 'ui.db'}", artifacts_uri=str(tmp_path / "b"))
    fx.training.run(rows=6, lr=0.5, tracking_uri=live.url)
    monkeypatch.setenv("SHIPYARD_TEST_FAIL_TRAIN", "1")
    with pytest.raises(PipelineFailedError):
        fx.training.run(rows=6, lr=0.5, tracking_uri=live.url)
    state = live.app.state
    failed = state.pipelines.list_runs("training", limit=1)[0]
    # a pipeline and a step named with markup, its error and log holding more markup
    state.pipelines.register_pipeline(XSS, "pipes", "mod:fn")
    evil = state.pipelines.create_run(XSS, "f" * 32, [{"name": STEP_XSS, "upstream": []}])
    log = state.blobs.put_bytes(f"{STEP_XSS}\nplain line\n".encode())
    state.pipelines.update_step(
        evil.id, STEP_XSS, status="FAILED", error=XSS, log_digest=log.digest,
        log_bytes=log.size,
    )  # fmt: skip
    state.pipelines.finish_run(evil.id, "FAILED", error=STEP_XSS)
    schedules = state.schedules
    schedules.create_schedule("hourly", "training", "0 * * * *", timezone="Europe/Berlin")
    slot = now_ms() // 3_600_000 * 3_600_000
    schedules.claim_slot("hourly", slot - 7_200_000, status="MISSED", claimed_by="sched-1")
    schedules.claim_slot("hourly", slot - 3_600_000, claimed_by="sched-1")
    schedules.finish_slot("hourly", slot - 3_600_000, "FAILED", failed.id)
    # the scheduler of the newest slot died; another one took the slot over
    schedules.claim_slot("hourly", slot, claimed_by="sched-dead", lease_ms=100)
    schedules.heartbeat_slot(
        "hourly", slot, claimed_by="sched-dead", attempt=1, lease_ms=100,
        pipeline_run_id=failed.id,
    )  # fmt: skip
    while schedules.take_over_slot("hourly", claimed_by="sched-2") is None:
        time.sleep(0.02)
    schedules.create_schedule(XSS, XSS, "*/5 * * * *")
    schedules.set_status(XSS, "PAUSED")
    return live.url, live, failed.id


def test_pages_render_and_escape(site: tuple[str, Any, str]) -> None:
    url, live, failed = site
    listing = httpx.get(f"{url}/pipelines", params={"project": "pipes"}).text
    assert 'href="/pipelines/training"' in listing and f'href="/pipeline-runs/{failed}"' in listing
    assert XSS not in listing and "&lt;img src=x" in listing
    page = httpx.get(f"{url}/pipelines/training").text
    assert page.count('href="/pipeline-runs/') == 2 and "Europe/Berlin" in page
    run = httpx.get(f"{url}/pipeline-runs/{failed}").text
    assert "train failed on purpose" in run and 'class="badge cached"' in run
    first = live.app.state.pipelines.list_runs("training", limit=2)[-1]
    logged = httpx.get(f"{url}/pipeline-runs/{first.id}").text
    step_log = logged.split('class="step-log" data-step="load_raw"')[1].split("</details>")[0]
    assert "loading raw rows 6" in step_log  # the step's captured stdout
    assert 'href="/artifacts/training.load_raw/v1"' in run
    evil = httpx.get(f"{url}/pipeline-runs/{'f' * 32}").text
    assert STEP_XSS not in evil and XSS not in evil and "&lt;script&gt;window.__xss=2" in evil
    sched = httpx.get(f"{url}/schedules").text
    assert "missed" in sched and "none while paused" in sched and XSS not in sched
    takeover = sched.split('class="takeover"')[1].split("</td>")[0]
    assert "sched-dead" in takeover and f'href="/pipeline-runs/{failed}"' in takeover
    assert httpx.get(f"{url}/pipeline-runs/nope").status_code == 404
    assert httpx.get(f"{url}/pipelines/nope").status_code == 404


def test_pipeline_run_in_a_browser(site: tuple[str, Any, str], page: Any, shots: Path) -> None:
    url, _, failed = site
    page.goto(f"{url}/pipelines")
    page.click("text=training")
    page.wait_for_url("**/pipelines/training")
    page.screenshot(path=str(shots / "pipeline.png"), full_page=True)
    page.click(f"#pipeline-runs >> text={failed[:8]}")
    page.wait_for_url(f"**/pipeline-runs/{failed}")
    nodes = page.locator("#dag-graph a.dag-node")
    status = {n.get_attribute("data-step"): n.get_attribute("data-status") for n in nodes.all()}
    assert status == {
        "load_raw": "CACHED", "stats": "SUCCEEDED", "features": "CACHED", "train": "FAILED",
    }  # fmt: skip
    fill = page.eval_on_selector(
        "a.dag-node[data-step=train] rect", "r => getComputedStyle(r).fill"
    )
    assert fill == "rgb(254, 226, 226)"  # failed: red
    assert page.locator("details.step-log[data-step=train][open] .error").count() == 1
    assert page.locator("#steps tr[data-step=features] .badge.cached").count() == 1
    page.screenshot(path=str(shots / "pipeline_run.png"), full_page=True)
    page.click("#steps tr[data-step=features] >> text=training.features:v1")
    page.wait_for_url("**/artifacts/training.features/v1")
    page.goto(f"{url}/pipeline-runs/{'f' * 32}")
    assert page.locator("details.step-log pre").inner_text().startswith(STEP_XSS)
    page.goto(f"{url}/schedules")
    page.screenshot(path=str(shots / "schedules.png"), full_page=True)
    assert page.locator(".next-slots .tag").count() == 5
    assert page.errors == [] and page.evaluate("window.__xss") is None


def test_pages_need_a_login(live_server: Callable[..., Any], tmp_path: Path) -> None:
    live = live_server(f"sqlite:///{tmp_path / 'a.db'}", auth=True)
    _, secret = live.app.state.tokens.create("viewer", Role.READ)
    client = httpx.Client(base_url=live.url, timeout=30)
    for path in ("/pipelines", "/schedules", "/pipeline-runs/x", "/features"):
        assert client.get(path).status_code == 303
    client.post("/login", data={"token": secret, "next": "/"})
    assert client.get("/pipelines").status_code == 200
    assert client.get("/schedules").status_code == 200
