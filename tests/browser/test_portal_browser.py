"""The explanation inside a minimal patient-portal page, in a real headless Chromium.

At phone (375 px) and desktop (1280 px) width: no horizontal overflow, the ladder picture is
visible with a real size and its labels inside it, the fragment's styles do not leak into the
portal, and nothing is fetched from anywhere. Screenshots go to test-artifacts/ for a person to look at.

Chromium is Debian's /usr/bin/chromium driven by playwright (never `playwright install`). Without it
the test is skipped on a developer machine and fails in CI (CI=true).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from service.explain import explain
from service.extract.finding import Evidence, Finding

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
WIDTHS = (375, 1280)

# The report text the busy report's first findings quote (long words and all).
BUSY_TEXT = ("L5-S1: Large left paracentral disc extrusion with markedly severe compression of the descending "
             "left S1 nerve root, with facet arthropathy (L5-S1_left_paracentral_extrusion_measuring_12x9mm). "
             "L4-L5: Broad disc bulge contacting both traversing nerve roots.")
# A busy report: every rung, a hedge, an unplaced impingement, long words, several levels.
BUSY_REPORT = [
    Finding("nerve-root", level="L5-S1", root="S1", side="left", degree="compression", severity="severe",
            cause=["disc-extrusion", "facet-arthropathy"], evidence=[Evidence(0, BUSY_TEXT.index(" L4-L5"))]),
    Finding("nerve-root", level="L4-L5", side="bilateral", degree="contact", cause=["disc-bulge"],
            root_inferred="L5", evidence=[Evidence(BUSY_TEXT.index("L4-L5"), len(BUSY_TEXT))]),
    Finding("nerve-root", level="L3-L4", root="L4", side="right", degree="displacement", assertion="possible",
            cause=["synovial-cyst"]),
    Finding("nerve-root", level="C5-C6", root="C6", side="left", degree="impingement", cause=["osteophyte"]),
    Finding("foraminal-stenosis", level="L5-S1", side="left", severity="moderate-to-severe"),
    Finding("lateral-recess-stenosis", level="L4-L5", side="bilateral", severity="mild-to-moderate"),
    Finding("canal-stenosis", level="L2-L3", assertion="absent"),
]

PORTAL_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Patient portal</title>
<style>
body{{margin:0;font-family:sans-serif;font-size:16px;color:#222;background:#fafafa}}
header{{background:#0b4f6c;color:#fff;padding:12px 16px}}
main{{padding:16px}}
.report-card{{background:#fff;border:1px solid #ddd;padding:12px}}
</style></head>
<body>
<header><h1 style="margin:0;font-size:20px">My health portal</h1></header>
<main>
<p id="probe-before">Your MRI of the spine from 3 March.</p>
<div class="report-card">{fragment}</div>
<ul id="probe-list"><li>Another portal list</li></ul>
<h3 id="probe-heading">Messages</h3>
</main>
</body></html>"""


@pytest.fixture(scope="module")
def browser_context(tmp_path_factory):
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"Chromium is not installed at {CHROMIUM}; CI must install it (apt-get install chromium)")
        pytest.skip(f"Chromium is not installed at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            offline=True,
        )
        try:
            yield context
        finally:
            context.close()


def probe_styles(page) -> dict:
    return page.evaluate("""() => Object.fromEntries(['probe-before', 'probe-list', 'probe-heading'].map(id => {
        const style = getComputedStyle(document.getElementById(id));
        return [id, [style.margin, style.padding, style.fontSize, style.lineHeight, style.color, style.fontWeight]];
    }))""")


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("width", WIDTHS)
def test_explanation_in_a_portal_page(browser_context, language, width):
    explanation = explain(BUSY_REPORT, language, text=BUSY_TEXT)
    page = browser_context.new_page()
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    try:
        page.set_viewport_size({"width": width, "height": 900})
        page.set_content(PORTAL_PAGE.format(fragment=""))
        styles_without = probe_styles(page)
        page.set_content(PORTAL_PAGE.format(fragment=explanation.html))

        assert probe_styles(page) == styles_without, "the fragment's styles leak into the portal page"
        # The radiologist's words are folded away; opened, they must still fit the width.
        assert page.locator("section.nre-explain details.nre-quote").count() == 2
        page.evaluate("() => document.querySelectorAll('details.nre-quote').forEach(d => d.open = true)")
        overflow = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert overflow[0] <= overflow[1], f"horizontal overflow at {width}px: {overflow}"

        picture = page.locator("section.nre-explain svg[role=img]")
        assert picture.count() == 1 and picture.is_visible()
        box = picture.bounding_box()
        assert box["width"] > 100 and box["height"] > 50
        assert box["x"] >= 0 and box["x"] + box["width"] <= width
        outside = page.evaluate("""() => {
            const svg = document.querySelector('section.nre-explain svg');
            const view = svg.viewBox.baseVal;
            return [...svg.querySelectorAll('text')].map(t => [t.textContent, t.getBBox()])
                .filter(([, b]) => b.x < view.x || b.y < view.y || b.x + b.width > view.x + view.width
                                   || b.y + b.height > view.y + view.height)
                .map(([text]) => text);
        }""")
        assert outside == [], f"picture labels cut off: {outside}"
        assert page.locator("section.nre-explain").get_attribute("lang") == language
        assert picture.get_attribute("aria-labelledby")
        assert page.locator("section.nre-explain h3").count() == 5

        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"explanation-{language}-{width}px.png"), full_page=True)
        picture.screenshot(path=str(ARTIFACTS / f"ladder-{language}-{width}px.png"))
        assert [url for url in requests if not url.startswith(("about:", "data:"))] == []
    finally:
        page.close()


@pytest.mark.parametrize("language", ["en", "es"])
def test_short_reassuring_version_fits_a_phone(browser_context, language):
    denied = [Finding("nerve-root", assertion="absent"),
              Finding("canal-stenosis", level="L4-L5", assertion="absent"),
              Finding("foraminal-stenosis", level="L4-L5", side="bilateral", assertion="absent")]
    page = browser_context.new_page()
    try:
        page.set_viewport_size({"width": 375, "height": 700})
        page.set_content(PORTAL_PAGE.format(fragment=explain(denied, language).html))
        overflow = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert overflow[0] <= overflow[1]
        assert page.locator("section.nre-explain li").count() == 3
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"reassuring-{language}-375px.png"), full_page=True)
    finally:
        page.close()


# A neck report that also flattens the cord and ends with a suggestion: the scope section, the
# radiologist's suggestion and the spinal cord's warning signs, on a phone.
NECK_TEXT = ("C5-C6: Disc osteophyte complex contacts the left C6 nerve root and mildly flattens the ventral cord. "
             "Moderate left foraminal stenosis. Follow-up MRI with contrast is recommended.")
NECK_REPORT = [
    Finding("nerve-root", level="C5-C6", root="C6", side="left", degree="contact", cause=["osteophyte"],
            evidence=[Evidence(0, NECK_TEXT.index(" Moderate"))]),
    Finding("foraminal-stenosis", level="C5-C6", side="left", severity="moderate",
            evidence=[Evidence(NECK_TEXT.index("Moderate"), NECK_TEXT.index(" Follow-up"))]),
]


def _show_on_a_phone(page, fragment: str) -> None:
    """The fragment in the portal page on a 375 px phone, every quote opened; nothing wider than the screen."""
    page.set_viewport_size({"width": 375, "height": 900})
    page.set_content(PORTAL_PAGE.format(fragment=fragment))
    page.evaluate("() => document.querySelectorAll('details.nre-quote').forEach(d => d.open = true)")
    overflow = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert overflow[0] <= overflow[1]


@pytest.mark.parametrize("language", ["en", "es"])
def test_neck_report_with_cord_words_on_a_phone(browser_context, language):
    explanation = explain(NECK_REPORT, language, text=NECK_TEXT)
    assert explanation.status == "needs-review"
    page = browser_context.new_page()
    try:
        _show_on_a_phone(page, explanation.html)
        also = page.locator("section.nre-explain ul.nre-also li")
        assert also.count() == 1 and also.first.is_visible()
        # What the report also mentions comes before the nerve-root findings (review 9, C4).
        assert also.first.bounding_box()["y"] < page.locator("section.nre-explain ul.nre-findings").first.bounding_box()["y"]
        urgent = page.locator("section.nre-explain .nre-urgent").inner_text()
        assert ("clumsy" in urgent or "torpes" in urgent) and "cauda equina" not in urgent and "cola de caballo" not in urgent
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"neck-cord-{language}-375px.png"), full_page=True)
    finally:
        page.close()


# A thoracic report whose only content is beyond the page's scope: the short page that lists it.
FRACTURE_TEXT = ("Acute compression fracture of the T12 vertebral body with 30% loss of height. "
                 "MRI with contrast is recommended to exclude an underlying lesion.")


@pytest.mark.parametrize("language", ["en", "es"])
def test_out_of_scope_only_report_on_a_phone(browser_context, language):
    explanation = explain([], language, text=FRACTURE_TEXT)
    assert explanation.status == "needs-review" and explanation.review_reasons == ["out-of-scope"]
    page = browser_context.new_page()
    try:
        _show_on_a_phone(page, explanation.html)
        also = page.locator("section.nre-explain ul.nre-also li")
        assert also.count() == 1 and also.first.is_visible()
        assert page.locator("section.nre-explain svg").count() == 0
        urgent = page.locator("section.nre-explain .nre-urgent").inner_text()
        # A T12 fracture: the spinal cord's signs of the upper back (a band of numbness), not the hands'.
        assert ("band of numbness" in urgent or "franja adormecida" in urgent) and "clumsy" not in urgent \
            and "torpes" not in urgent
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"out-of-scope-only-{language}-375px.png"), full_page=True)
    finally:
        page.close()
