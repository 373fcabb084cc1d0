"""Subscription notifications (rest-hook) in the backport shape: which reports they are about.

FHIR R4 Subscriptions Backport IG (hl7.org/fhir/uv/subscriptions-backport): a notification is a ``history``
Bundle whose first entry is the status, in R4 a ``Parameters`` resource (``type``, ``notification-event``
with ``focus``), in R4B a ``SubscriptionStatus`` (``type``, ``notificationEvent.focus``). With
``id-only`` content the following entries carry only a ``fullUrl``; with ``full-resource`` they carry the
resource too. ``handshake``, ``heartbeat`` and the query types ask for nothing to be done.

``read_notification`` returns the notification's type and, for an ``event-notification``, one ``Focus`` per
DiagnosticReport it names (in order, each once): the report id and, for full-resource content, the report
as the notification carried it. A focus on another resource type is passed over; one on a server other than
the configured base is refused (``off_base``), never fetched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from service.fhir.io import Issue
from service.fhir.outcome import RequestError

NOTHING_TO_DO = ("handshake", "heartbeat", "query-status", "query-event")
EVENT = "event-notification"
_REPORT_REFERENCE = re.compile(r"(?:^|/)DiagnosticReport/([A-Za-z0-9\-.]{1,64})(?:/_history/[A-Za-z0-9\-.]{1,64})?$")


@dataclass(frozen=True)
class Focus:
    report_id: str
    reference: str
    report: dict | None = None  # full-resource content


@dataclass(frozen=True)
class Notification:
    type: str
    focuses: list[Focus]
    off_base: int = 0  # DiagnosticReports on another server, not fetched


def read_notification(body: object, on_base) -> Notification:
    """The notification's type and the reports it is about; ``on_base(url)`` tells whether an absolute URL is
    on the configured server. 422 for a body that is not a notification Bundle."""
    if not isinstance(body, dict) or body.get("resourceType") != "Bundle" or body.get("type") != "history":
        raise RequestError.single(422, "A subscription notification is a Bundle of type history.", "Bundle.type")
    entries = body.get("entry")
    if not isinstance(entries, list) or not entries or not isinstance(entries[0], dict):
        raise RequestError.single(422, "The notification Bundle has no status entry.", "Bundle.entry")
    status = entries[0].get("resource")
    kind, references = _status(status)
    if kind is None:
        raise RequestError(422, [Issue("error", "invalid", "The first entry of a notification must be its status: "
                                       "a Parameters (R4 backport) or SubscriptionStatus (R4B).",
                                       "Bundle.entry[0].resource")])
    if kind in NOTHING_TO_DO:
        return Notification(kind, [])
    if kind != EVENT:
        raise RequestError(422, [Issue("error", "code-invalid", "The notification type must be handshake, heartbeat, "
                                       "event-notification, query-status or query-event.", "Bundle.entry[0].resource")])
    if not references:  # some servers send the focus only as the entries that follow the status
        references = [entry.get("fullUrl") for entry in entries[1:] if isinstance(entry, dict)]
    carried = _carried_reports(entries[1:])
    focuses: dict[str, Focus] = {}
    off_base = 0
    for reference in references:
        if not isinstance(reference, str) or not (match := _REPORT_REFERENCE.search(reference)):
            continue
        if "://" in reference and not on_base(reference):
            off_base += 1
            continue
        report_id = match.group(1)
        if report_id not in focuses:
            focuses[report_id] = Focus(report_id, f"DiagnosticReport/{report_id}", carried.get(report_id))
    return Notification(kind, list(focuses.values()), off_base)


def _status(resource: object) -> tuple[str | None, list]:
    """The notification type and the focus references of its events, from a Parameters or SubscriptionStatus."""
    if not isinstance(resource, dict):
        return None, []
    if resource.get("resourceType") == "SubscriptionStatus":
        events = resource.get("notificationEvent") if isinstance(resource.get("notificationEvent"), list) else []
        return _code(resource.get("type")), [_reference(event.get("focus")) for event in events
                                             if isinstance(event, dict)]
    if resource.get("resourceType") == "Parameters":
        parameters = resource.get("parameter") if isinstance(resource.get("parameter"), list) else []
        kind = next((_code(item.get("valueCode")) for item in parameters
                     if isinstance(item, dict) and item.get("name") == "type"), None)
        references = []
        for item in parameters:
            if isinstance(item, dict) and item.get("name") == "notification-event":
                for part in item.get("part") if isinstance(item.get("part"), list) else ():
                    if isinstance(part, dict) and part.get("name") == "focus":
                        references.append(_reference(part.get("valueReference")))
        return kind, references
    return None, []


def _code(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _reference(value: object) -> str | None:
    return value.get("reference") if isinstance(value, dict) and isinstance(value.get("reference"), str) else None


def _carried_reports(entries: list) -> dict[str, dict]:
    """The DiagnosticReports a full-resource notification carries, by id."""
    carried = {}
    for entry in entries:
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if isinstance(resource, dict) and resource.get("resourceType") == "DiagnosticReport" \
                and isinstance(resource.get("id"), str):
            carried.setdefault(resource["id"], resource)
    return carried


__all__ = ["read_notification", "Notification", "Focus", "NOTHING_TO_DO", "EVENT"]
