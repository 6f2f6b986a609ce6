"""The analyst's page in a real browser (Debian's chromium, driven by Playwright).

Starts `covenant serve` on a free loopback port with the shipped rules, then works the page the
way an analyst does, with the keyboard only: completes a question word by word, reads the
answer and its reasons, asks *when* and reads the timeline, changes an assumption and sees the
answer change, follows the JSON link, and meets a mistake with its column. Screenshots go to
$COVENANT_SCREENSHOTS (default: target/browser/) to be looked at.

Run: python3 -m pytest tests/browser  (COVENANT=path/to/covenant, CHROMIUM=/usr/bin/chromium)
"""

import json
import os
import pathlib
import subprocess
import urllib.request

import pytest
from playwright.sync_api import expect, sync_playwright

ROOT = pathlib.Path(__file__).resolve().parents[2]
BINARY = os.environ.get("COVENANT", str(ROOT / "target" / "debug" / "covenant"))
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SHOTS = pathlib.Path(os.environ.get("COVENANT_SCREENSHOTS", ROOT / "target" / "browser"))


@pytest.fixture(scope="module")
def service():
    proc = subprocess.Popen(
        [BINARY, "serve", "--listen", "127.0.0.1:0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = proc.stdout.readline()
    assert "listening on http://" in line, line
    base = line.split("listening on ", 1)[1].strip()
    # Ready once the rules are read.
    for _ in range(200):
        try:
            with urllib.request.urlopen(base + "/ready") as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        import time

        time.sleep(0.05)
    yield base
    proc.terminate()
    assert proc.wait(timeout=10) == 0


@pytest.fixture(scope="module")
def page(service):
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        page = browser.new_page(viewport={"width": 1366, "height": 800})
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(service + "/")
        expect(page.locator("#version")).to_contain_text("rules sha256:")
        yield page
        assert errors == [], errors
        browser.close()


def type_and_take(page, typed):
    """Types a word's start and takes the first suggestion with Tab."""
    page.keyboard.type(typed)
    expect(page.locator("#suggest")).to_be_visible()
    page.keyboard.press("Tab")


def test_a_point_question_typed_with_completion(page):
    page.keyboard.press("/")
    expect(page.locator("#question")).to_be_focused()
    type_and_take(page, "dep")
    type_and_take(page, "gpt")
    type_and_take(page, "o")
    type_and_take(page, "bed")
    assert page.locator("#question").input_value() == "deploy gpt_5_5 on bedrock "
    page.keyboard.type("at 2026-04-01")
    page.keyboard.press("Enter")
    expect(page.locator("#decision")).to_have_text("Forbidden")
    reasons = page.locator(".reasons li")
    expect(reasons).to_have_count(1)
    expect(reasons.first).to_contain_text("msft_openai.azure_only")
    expect(page.locator("#answer")).to_contain_text("bedrock is cloud aws")
    page.screenshot(path=str(SHOTS / "point.png"), full_page=True)


def test_a_when_question_draws_its_windows(page):
    page.fill("#question", "deploy gpt_5_5 on bedrock")
    page.focus("#question")
    page.keyboard.press("End")
    page.keyboard.press("Enter")
    windows = page.locator("#timeline rect.window")
    expect(windows).to_have_count(3)
    decisions = [windows.nth(i).get_attribute("data-decision") for i in range(3)]
    assert decisions == ["permitted", "forbidden", "permitted"]
    # The bars follow the days: the forbidden stretch ends where the permitted one starts.
    boxes = [windows.nth(i).bounding_box() for i in range(3)]
    assert boxes[0]["x"] < boxes[1]["x"] < boxes[2]["x"]
    assert abs(boxes[1]["x"] + boxes[1]["width"] - boxes[2]["x"]) < 1.5
    rows = page.locator("table.windows tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(1)).to_contain_text("2019-07-22")
    expect(rows.nth(1)).to_contain_text("2026-04-27")
    expect(page.locator("#answer")).to_contain_text("azure_lead = 0 days")
    page.screenshot(path=str(SHOTS / "when.png"), full_page=True)


def test_an_assumption_changed_changes_the_answer(page, service):
    page.fill("#question", "deploy gpt_5_5 on bedrock at 2026-05-01")
    page.focus("#question")
    page.keyboard.press("Enter")
    expect(page.locator("#decision")).to_have_text("Permitted")
    lead = page.locator("#set-azure_lead")
    expect(lead).to_have_value("0 days")
    lead.focus()
    lead.fill("30 days")
    page.keyboard.press("Enter")
    expect(page.locator("#decision")).to_have_text("Forbidden")
    expect(page.locator("#answer")).to_contain_text("azure_lead = 30 days")
    expect(page.locator("#answer")).to_contain_text("set for this question")
    page.screenshot(path=str(SHOTS / "what-if.png"), full_page=True)
    # The JSON link gives the same answer to a program.
    href = page.locator("#json-link").get_attribute("href")
    with urllib.request.urlopen(service + href) as r:
        answer = json.load(r)
    assert answer["decision"] == "forbidden"
    assert answer["assumed"][0] == {
        "id": "azure_lead",
        "value": "30 days",
        "note": answer["assumed"][0]["note"],
        "set_for_run": True,
    }
    # Reset puts the rules' values back.
    page.click("#reset")
    expect(page.locator("#decision")).to_have_text("Permitted")


def test_a_mistake_names_its_column(page):
    page.fill("#question", "deploy gpt_5_5 on bedrok at 2026-05-01")
    page.focus("#question")
    page.keyboard.press("End")
    page.keyboard.press("Escape")
    page.keyboard.press("Enter")
    error = page.locator("#error")
    expect(error).to_contain_text("column 19")
    expect(error).to_contain_text("did you mean `bedrock`?")
    page.screenshot(path=str(SHOTS / "mistake.png"), full_page=True)
