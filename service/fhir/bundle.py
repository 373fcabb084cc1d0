"""Merge the service's additions into the EHR's own report JSON, and build Provenance and Bundle.

The report is never rebuilt: ``without_additions`` copies the original dict and only removes
what an earlier run of this service added; ``with_additions`` appends to ``result`` and
``presentedForm`` and leaves every other key, value, number text and key order as sent.

What the service adds to a report is marked twice on each added Reference and Attachment:
- the service's own ``enrichment-addition`` extension (``valueCode`` ``finding`` or
  ``patient-explanation``), by which a later enrichment recognises and replaces it;
- an inline security label AIAST (HL7 DS4P ``extension-inline-sec-label``), the element-level
  form of the AI transparency label (an element cannot carry ``meta.security``).
The Observations carry ``meta.security`` AIAST themselves. The Provenance names a Device for
this engine, contained in the Provenance (dom-5: a contained resource carries no security
label, and the Device has none).

The explanation's review status (``ready`` or ``needs-review``, with its reasons) is a complex
extension ``explanation-review`` on each explanation Attachment and on the Provenance: a portal
shows a ``needs-review`` page only after a clinician has released it.
"""

from __future__ import annotations

import base64
from datetime import datetime, timezone

from service.fhir.io import copy_json

FINDING_MARK = "finding"
EXPLANATION_MARK = "patient-explanation"
DEVICE_ID = "engine"


class Marks:
    """The extension URLs and label coding used to mark additions (from the terminology maps)."""

    def __init__(self, addition_url: str, inline_label_url: str, ai_label: dict):
        self.addition_url = addition_url
        self.inline_label_url = inline_label_url
        self.ai_label = ai_label

    def extensions(self, kind: str) -> list[dict]:
        return [
            {"url": self.addition_url, "valueCode": kind},
            {"url": self.inline_label_url, "valueCoding": dict(self.ai_label)},
        ]

    def is_addition(self, element: object) -> bool:
        if type(element) is not dict or type(element.get("extension")) is not list:
            return False
        return any(type(ext) is dict and ext.get("url") == self.addition_url for ext in element["extension"])


def without_additions(report: dict, marks: Marks) -> dict:
    """A copy of ``report`` without what this service added to it before (the EHR's original)."""
    original = copy_json(report)
    for key in ("result", "presentedForm"):
        items = original.get(key)
        if type(items) is not list:
            continue
        kept = [item for item in items if not marks.is_addition(item)]
        if len(kept) == len(items):
            continue
        if kept:
            original[key] = kept
        else:
            del original[key]
    return original


def with_additions(report: dict, results: list[dict], attachments: list[dict]) -> dict:
    """``report`` (already a copy) with ``results`` and ``attachments`` appended, in place."""
    if results:
        report["result"] = list(report.get("result", [])) + results
    if attachments:
        report["presentedForm"] = list(report.get("presentedForm", [])) + attachments
    return report


def result_reference(full_url: str, display: str, marks: Marks) -> dict:
    return {"extension": marks.extensions(FINDING_MARK), "reference": full_url, "display": display}


def review_extension(url: str, status: str, reasons: list[str]) -> dict:
    """The explanation's review status and its reasons, as one complex extension."""
    return {"url": url, "extension": [{"url": "status", "valueCode": status},
                                      *({"url": "reason", "valueCode": reason} for reason in reasons)]}


def explanation_attachments(language: str, title: str, html: str, text: str, now: datetime,
                            marks: Marks, review: dict | None = None) -> list[dict]:
    """The explanation as an HTML fragment and as plain text, each a marked Attachment (with its
    review status when ``review`` is given, see ``review_extension``)."""
    created = instant(now)
    return [
        {
            "extension": marks.extensions(EXPLANATION_MARK) + ([copy_json(review)] if review else []),
            "contentType": content_type,
            "language": language,
            "data": base64.b64encode(body.encode("utf-8")).decode("ascii"),
            "title": title,
            "creation": created,
        }
        for content_type, body in (("text/html; charset=utf-8", html), ("text/plain; charset=utf-8", text))
    ]


def device(name: str, kind: dict, version: str, mappings_digest: str) -> dict:
    """The Device that stands for this engine (to be contained in the Provenance)."""
    return {
        "resourceType": "Device",
        "id": DEVICE_ID,
        "deviceName": [{"name": name, "type": "model-name"}],
        "type": {"coding": [kind], "text": kind["display"]},
        "version": [
            {"type": {"text": "software version"}, "value": version},
            {"type": {"text": "sha256 of mappings/"}, "value": mappings_digest},
        ],
    }


def provenance(provenance_id: str, report_url: str, observation_urls: list[str], agent_type: dict,
               engine: dict, now: datetime, review: dict | None = None) -> dict:
    """Provenance: the report and its Observations were derived by ``engine`` from the report."""
    return {
        "resourceType": "Provenance",
        "id": provenance_id,
        "contained": [engine],
        **({"extension": [copy_json(review)]} if review else {}),
        "target": [{"reference": url} for url in [report_url, *observation_urls]],
        "recorded": instant(now),
        "activity": {"text": "Nerve root and stenosis findings derived from the report text"},
        "agent": [{"type": {"coding": [agent_type]}, "who": {"reference": f"#{engine['id']}"}}],
        "entity": [{"role": "source", "what": {"reference": report_url}}],
    }


def collection(bundle_id: str, entries: list[tuple[str, dict]], now: datetime) -> dict:
    """A ``collection`` Bundle of (fullUrl, resource) entries, in order."""
    return {
        "resourceType": "Bundle",
        "id": bundle_id,
        "type": "collection",
        "timestamp": instant(now),
        "entry": [{"fullUrl": full_url, "resource": resource} for full_url, resource in entries],
    }


def instant(moment: datetime) -> str:
    """A FHIR instant in UTC with milliseconds: ``2026-11-25T17:30:00.123Z``."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


__all__ = [
    "Marks", "without_additions", "with_additions", "result_reference", "explanation_attachments", "review_extension",
    "device", "provenance", "collection", "instant", "FINDING_MARK", "EXPLANATION_MARK",
]
