"""Reading from the EHR's FHIR server: a DiagnosticReport by id, and the content its attachments point at.

``read_report`` answers the report as the server holds it (``meta.versionId`` included, so a write-back can
be conditional on it), parsed losslessly. A report the server does not have is 404; one it refuses to
show is 502 (this service's credentials, not the caller's, were refused); anything else unusable is 502,
503 or 504 (service.ehr.client).

``attachment_contents`` fetches ``presentedForm[i].url`` for every attachment without inline ``data``:
a relative reference (``Binary/7``) or an absolute URL under the base. A ``Binary`` comes either as the
raw content (when the server honours ``Accept`` of the attachment's type) or as a Binary resource with
base64 ``data``; both are read. A URL off the base is never requested. What could not be fetched carries
its reason, so the text reader reports it (service.fhir.text ``Fetched``).
"""

from __future__ import annotations

import base64
import binascii
import re
from urllib.parse import quote

from service.ehr.client import FHIR_JSON, EhrClient, OffBase, unavailable, upstream_error
from service.fhir.outcome import RequestError
from service.fhir.text import Fetched

REPORT_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")  # R4 id
MAX_FETCHED_ATTACHMENTS = 20  # per report: a report of a thousand urls costs twenty calls, the rest unread


def read_report(client: EhrClient, report_id: str) -> dict:
    if not REPORT_ID.fullmatch(report_id):
        raise RequestError.single(400, "The report id is not a FHIR id (1-64 letters, digits, '-' and '.').")
    reply = client.get(f"DiagnosticReport/{quote(report_id, safe='')}")
    if reply.status in (404, 410):
        raise RequestError.single(404, "The FHIR server has no DiagnosticReport with this id.")
    if reply.status in (429, 500, 502, 503, 504):
        raise unavailable(reply)
    if reply.status != 200:
        raise upstream_error(502, f"The FHIR server answered {reply.status} to reading the report.")
    report = reply.json()
    if not isinstance(report, dict) or report.get("resourceType") != "DiagnosticReport" \
            or report.get("id") != report_id:
        raise upstream_error(502, "The FHIR server answered something other than the DiagnosticReport asked for.")
    return report


def attachment_contents(client: EhrClient | None, report: dict, is_own) -> dict[int, Fetched]:
    """What ``presentedForm[i].url`` holds, by ``i``, for each attachment without inline data."""
    forms = report.get("presentedForm")
    contents: dict[int, Fetched] = {}
    for index, attachment in enumerate(forms if isinstance(forms, list) else ()):
        if not isinstance(attachment, dict) or is_own(attachment) or "data" in attachment:
            continue
        url = attachment.get("url")
        if not isinstance(url, str):
            continue
        if client is None:
            contents[index] = Fetched(reason="not-fetched")
            continue
        if sum(1 for fetched in contents.values() if fetched.reason != "not-fetched") >= MAX_FETCHED_ATTACHMENTS:
            contents[index] = Fetched(reason="too-many")
            continue
        content_type = attachment.get("contentType") if isinstance(attachment.get("contentType"), str) else None
        contents[index] = fetch_content(client, url, content_type)
    return contents


def fetch_content(client: EhrClient, url: str, content_type: str | None) -> Fetched:
    try:
        accept = f"{content_type}, {FHIR_JSON};q=0.5" if content_type else f"{FHIR_JSON}, */*;q=0.5"
        reply = client.get(url, accept=accept)
    except OffBase:
        return Fetched(reason="not-fetched")
    except RequestError as error:
        return Fetched(reason="too-large" if getattr(error, "too_large", False) else "fetch-failed")
    if reply.status != 200:
        return Fetched(reason="fetch-failed")
    if reply.content_type in (FHIR_JSON, "application/json"):
        return _binary_resource(reply)
    return Fetched(content_type=reply.headers.get("content-type") or content_type, data=reply.body)


def _binary_resource(reply) -> Fetched:
    try:
        resource = reply.json()
    except RequestError:
        return Fetched(reason="fetch-failed")
    if not isinstance(resource, dict) or resource.get("resourceType") != "Binary":
        # JSON that is not a Binary is the content itself (a JSON document): not a type the service reads.
        return Fetched(content_type=reply.headers.get("content-type"), data=reply.body)
    data = resource.get("data")
    if not isinstance(data, str):
        return Fetched(reason="fetch-failed")
    try:
        raw = base64.b64decode(re.sub(r"\s+", "", data), validate=True)
    except (binascii.Error, ValueError):
        return Fetched(reason="bad-base64")
    content_type = resource.get("contentType") if isinstance(resource.get("contentType"), str) else None
    return Fetched(content_type=content_type, data=raw)


__all__ = ["read_report", "attachment_contents", "fetch_content", "REPORT_ID"]
