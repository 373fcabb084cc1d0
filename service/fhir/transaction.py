"""The write-back ``transaction`` Bundle: what to post to the EHR's FHIR server so that the enrichment
lands once, survives retries, replaces corrected values and takes back what no longer holds.

Public entry point (also used by the code that fetches a report and writes back itself)::

    write_back(sent, enriched, observations, provenance, *, report_url, bundle_id, timestamp, is_addition,
               observation_system, retraction="entered-in-error", full_url=None) -> dict

- ``sent``: the report as it is on the server (as read, with this service's earlier additions); its
  ``result`` entries that carry the addition marker (``is_addition``) name the Observations that an
  earlier enrichment wrote. Those not written again are *superseded* and retracted.
- ``enriched``: the report to store: the original with this enrichment's additions (``result``
  references ``Observation/<id>``).
- ``observations`` and ``provenance``: the resources to write, each with its deterministic ``id``
  (``provenance`` is None when nothing was derived).
- ``retraction``: ``entered-in-error`` (``PATCH`` its status; the default: the record stays, marked as
  wrong) or ``delete`` (``DELETE``).
- ``report_url``: the report's fullUrl (``<base>/DiagnosticReport/<id>``, or the ``urn:uuid:`` by which
  the other entries refer to a report without an id, which the server resolves).
- ``full_url(resource_type, id)``: the other entries' fullUrl (the server's absolute URL when the base is
  known); by default ``urn:uuid:<id>`` (the ids are uuids).

Every write is idempotent by construction, and none but the report's is conditional (Medplum refuses
more than 8 conditional entries in one transaction; a plain ``PUT`` is accepted for any number):

| entry | request |
| --- | --- |
| the report, with an ``id`` | ``PUT DiagnosticReport/<id>``, ``ifMatch: W/"<versionId>"`` when the report carries ``meta.versionId`` |
| the report, without an ``id`` | ``PUT DiagnosticReport?identifier=<system>|<value>``, only an identifier *with* a system (a bare value matches that value in any system, another patient's report included) |
| each Observation | ``PUT Observation/<id>``: client-assigned id, uuid5 of the report and the finding's key |
| the Provenance | ``PUT Provenance/<id>``: uuid5 of the report and a digest of the enrichment's content |
| each superseded Observation | ``PATCH Observation/<id>`` (JSON Patch in a Binary: ``test`` that its identifier system is ours, ``replace`` ``status`` with ``entered-in-error``), or ``DELETE Observation/<id>`` |

Why these and what follows:

- Posting the same Bundle again never creates anything: every resource has its id from the client, so
  a ``PUT`` writes the same content to the same place. The report's ``If-Match`` makes the retry of a
  Bundle that already landed fail with 412 on servers that give every update a new version (the
  precondition moved with the first post); the transaction is then refused as a whole and nothing
  changes. ``report_written(stored, bundle)`` tells a client that re-reads the report whether its
  Bundle is already there (the 412 was its own earlier post) or another writer's edit came in between
  (re-read, re-enrich, post again). Without ``meta.versionId`` the retry is a ``PUT`` of the same
  content: 200, no new resource.
- A corrected finding keeps its key (type, side, root, level): the same Observation id, so the ``PUT``
  replaces its value. A finding the amended report no longer states is retracted, found from the
  report's own marked ``result`` entries, and no longer referenced from ``result``.
- One Provenance per enrichment content: enriching the same content again updates its Provenance in
  place (``recorded``), new content gets a new one beside the old, which keeps pointing at what was
  derived then.
- A report without findings still gives a valid Bundle: the report update (without additions),
  and the retraction of what an earlier enrichment had added.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from urllib.parse import quote

from service.fhir.io import Issue, dumps, loads

RETRACTIONS = ("entered-in-error", "delete")
# Characters with a meaning in a FHIR token search value (search.html#escaping).
_SEARCH_SPECIALS = ("\\", ",", "|", "$")
# Left unencoded in a search value: what FHIR examples write literally (system URLs, the "|").
_QUERY_SAFE = ":/|@!*'()~._-"
_OBSERVATION_REFERENCE = re.compile(r"Observation/([A-Za-z0-9\-.]{1,64})")
_JSON_PATCH = "application/json-patch+json"


def write_back(sent: dict, enriched: dict, observations: list[dict], provenance: dict | None, *,
               report_url: str, bundle_id: str, timestamp: str, is_addition: Callable[[object], bool], observation_system: str,
               retraction: str = "entered-in-error", full_url: Callable[[str, str], str] | None = None) -> dict:
    """The ``transaction`` Bundle that writes ``enriched`` and its resources over ``sent`` (see the module doc)."""
    if retraction not in RETRACTIONS:
        raise ValueError(f"retraction must be one of {', '.join(RETRACTIONS)}")
    full_url = full_url or _urn_uuid
    entries = [(report_url, enriched, report_request(enriched))]
    written = set()
    for resource in observations:
        written.add(resource["id"])
        entries.append((full_url("Observation", resource["id"]), resource, put_request(resource)))
    if provenance is not None:
        entries.append((full_url("Provenance", provenance["id"]), provenance, put_request(provenance)))
    for observation_id in superseded(sent, written, is_addition):
        entries.append(_retraction(observation_id, observation_system, retraction))
    return transaction(bundle_id, entries, timestamp)


def superseded(sent: dict, written: set[str], is_addition: Callable[[object], bool]) -> list[str]:
    """Ids of the Observations an earlier enrichment added to ``sent`` (its marked ``result`` entries) that
    are not among ``written``, in report order. Only relative ``Observation/<id>`` references count: an
    ``urn:uuid:`` one was never written to a server."""
    ids: dict[str, None] = {}
    results = sent.get("result")
    for item in results if type(results) is list else ():
        if not is_addition(item) or type(item.get("reference")) is not str:
            continue
        match = _OBSERVATION_REFERENCE.fullmatch(item["reference"])
        if match and match.group(1) not in written:
            ids[match.group(1)] = None
    return list(ids)


def report_written(stored: dict, bundle: dict) -> bool:
    """Whether ``stored`` (the report as re-read from the server) already is the report ``bundle`` writes,
    apart from ``meta``, which the server keeps: the answer to a 412 on a retry (see the module doc)."""
    entry = next((entry for entry in bundle.get("entry", [])
                  if type(entry.get("resource")) is dict and entry["resource"].get("resourceType") == "DiagnosticReport"),
                 None)
    if entry is None:
        return False
    return dumps(_without_meta(stored)) == dumps(_without_meta(entry["resource"]))


def update_target_issue(report: dict) -> Issue | None:
    """Why ``report`` cannot be written back in place, or None when it can (an id, or an identifier with
    a system and a value)."""
    if _report_id(report) is not None or _update_identifier(report) is not None:
        return None
    bare = any(type(item) is dict and type(item.get("value")) is str and item["value"]
               for item in (report.get("identifier") if type(report.get("identifier")) is list else ()))
    detail = (" Its identifier has no system: a value alone matches that value in any system, so it is never "
              "used to find the report." if bare else "")
    return Issue(
        "error", "required",
        "mode=transaction updates the report in place on the EHR's server, which needs the report's id or an "
        "identifier with a system and a value; this report has neither." + detail,
        "DiagnosticReport.id",
    )


def report_reference(report: dict, full_url: str) -> str:
    """How the other entries of the transaction refer to the report."""
    report_id = _report_id(report)
    return f"DiagnosticReport/{report_id}" if report_id is not None else full_url


def report_request(report: dict) -> dict:
    """The ``Bundle.entry.request`` that updates ``report`` in place (see the module doc)."""
    report_id = _report_id(report)
    if report_id is not None:
        request = {"method": "PUT", "url": f"DiagnosticReport/{quote(report_id, safe='')}"}
        version = _version_id(report)
        if version is not None:
            request["ifMatch"] = f'W/"{version}"'
        return request
    identifier = _update_identifier(report)
    if identifier is None:
        raise ValueError("the report has neither an id nor an identifier with a system; check update_target_issue")
    return {"method": "PUT", "url": f"DiagnosticReport?identifier={token_search_value(*identifier)}"}


def put_request(resource: dict) -> dict:
    """``PUT <type>/<id>``: create or replace the resource under its client-assigned id."""
    return {"method": "PUT", "url": f"{resource['resourceType']}/{quote(resource['id'], safe='')}"}


def token_search_value(system: str | None, value: str) -> str:
    """A token search value ``system|value`` with FHIR's escapes, percent-encoded for a query string."""
    escaped = _escape(value)
    if system is not None:
        escaped = f"{_escape(system)}|{escaped}"
    return quote(escaped, safe=_QUERY_SAFE)


def transaction(bundle_id: str, entries: list[tuple[str | None, dict | None, dict]], timestamp: str) -> dict:
    """A ``transaction`` Bundle of (fullUrl, resource, request) entries, in order (None: left out)."""
    bundle = {"resourceType": "Bundle", "id": bundle_id, "type": "transaction", "timestamp": timestamp}
    if entries:
        bundle["entry"] = [
            {**({"fullUrl": url} if url else {}), **({"resource": resource} if resource else {}), "request": request}
            for url, resource, request in entries
        ]
    return bundle


def _retraction(observation_id: str, observation_system: str, retraction: str) -> tuple[None, dict | None, dict]:
    url = f"Observation/{quote(observation_id, safe='')}"
    if retraction == "delete":
        return None, None, {"method": "DELETE", "url": url}
    # The test keeps a forged or mistaken marker from retracting an Observation this service did not write.
    patch = [{"op": "test", "path": "/identifier/0/system", "value": observation_system},
             {"op": "replace", "path": "/status", "value": "entered-in-error"}]
    binary = {"resourceType": "Binary", "contentType": _JSON_PATCH,
              "data": base64.b64encode(json.dumps(patch, separators=(",", ":")).encode("utf-8")).decode("ascii")}
    return None, binary, {"method": "PATCH", "url": url}


def _urn_uuid(resource_type: str, resource_id: str) -> str:
    return f"urn:uuid:{resource_id}"


def _without_meta(resource: dict) -> dict:
    return {key: value for key, value in loads(dumps(resource)).items() if key != "meta"}


def _escape(text: str) -> str:
    for special in _SEARCH_SPECIALS:
        text = text.replace(special, "\\" + special)
    return text


def _report_id(report: dict) -> str | None:
    report_id = report.get("id")
    return report_id if type(report_id) is str and report_id else None


def _version_id(report: dict) -> str | None:
    meta = report.get("meta")
    version = meta.get("versionId") if type(meta) is dict else None
    return version if type(version) is str and version else None


def _update_identifier(report: dict) -> tuple[str, str] | None:
    """The identifier to find the report by: the first with both a system and a value (never one without
    a system: see the module doc)."""
    identifiers = report.get("identifier")
    for item in identifiers if type(identifiers) is list else ():
        if type(item) is dict and type(item.get("value")) is str and item["value"] \
                and type(item.get("system")) is str and item["system"]:
            return item["system"], item["value"]
    return None


__all__ = [
    "write_back", "superseded", "report_written", "update_target_issue", "report_reference", "report_request",
    "put_request", "token_search_value", "transaction", "RETRACTIONS",
]
