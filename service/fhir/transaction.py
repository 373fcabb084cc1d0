"""The ``transaction`` Bundle of ``$enrich mode=transaction``: what to write to the EHR's FHIR server.

Posting the Bundle to the server (FHIR http.html#transaction) writes the enrichment; posting it a
second time creates nothing new:

- The report is updated in place. With an ``id``: ``PUT DiagnosticReport/<id>``, with
  ``If-Match: W/"<versionId>"`` when it has ``meta.versionId``, so an update over a newer version
  fails with 412 instead of overwriting it. Without an ``id`` but with an identifier: a conditional
  update ``PUT DiagnosticReport?identifier=<system>|<value>``, which updates the report the server
  knows under that identifier (or creates it when there is none). A conditional *create*
  (``POST`` + ``ifNoneExist``) was rejected: when the report exists it does nothing, and the
  additions would silently be lost. A report with neither cannot be located on the server: 422.
- Each Observation is created conditionally on its identifier (``POST Observation`` with
  ``ifNoneExist: identifier=<system>|<value>``); the identifier is uuid5 of content, so the second
  post finds the first one's Observations.
- The Provenance has no ``identifier`` element in R4, so it carries a ``meta.tag`` whose code is its
  content-derived uuid and is created conditionally on ``_tag`` (a search parameter of every resource).
- New resources are referenced by their ``urn:uuid:`` fullUrl, which the server replaces with the ids
  it assigns (or finds, for a conditional create that matched). Their ``id`` is left out: a server
  ignores or refuses a client id on ``POST``. The report is referenced as ``DiagnosticReport/<id>``
  when it has an id (a reference relative to the server that receives the transaction), else by its
  ``urn:uuid:`` fullUrl.
"""

from __future__ import annotations

from urllib.parse import quote

from service.fhir.io import Issue

# Characters with a meaning in a FHIR token search value (search.html#escaping).
_SEARCH_SPECIALS = ("\\", ",", "|", "$")
# Left unencoded in a search value: what FHIR examples write literally (system URLs, the "|").
_QUERY_SAFE = ":/|@!*'()~._-"


def update_target_issue(report: dict) -> Issue | None:
    """Why ``report`` cannot be written back in place, or None when it can (it has an id or identifier)."""
    if _report_id(report) is not None or _update_identifier(report) is not None:
        return None
    return Issue(
        "error", "required",
        "mode=transaction updates the report in place on the EHR's server, which needs the report's id "
        "or an identifier with a value; this report has neither.",
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
        raise ValueError("the report has neither an id nor an identifier; check update_target_issue first")
    return {"method": "PUT", "url": f"DiagnosticReport?identifier={token_search_value(*identifier)}"}


def conditional_create(resource_type: str, search: str) -> dict:
    return {"method": "POST", "url": resource_type, "ifNoneExist": search}


def identifier_search(identifier: dict) -> str:
    return f"identifier={token_search_value(identifier.get('system'), identifier['value'])}"


def tag_search(tag: dict) -> str:
    return f"_tag={token_search_value(tag['system'], tag['code'])}"


def token_search_value(system: str | None, value: str) -> str:
    """A token search value ``system|value`` with FHIR's escapes, percent-encoded for a query string."""
    escaped = _escape(value)
    if system is not None:
        escaped = f"{_escape(system)}|{escaped}"
    return quote(escaped, safe=_QUERY_SAFE)


def transaction(bundle_id: str, entries: list[tuple[str, dict, dict]], timestamp: str) -> dict:
    """A ``transaction`` Bundle of (fullUrl, resource, request) entries, in order."""
    bundle = {"resourceType": "Bundle", "id": bundle_id, "type": "transaction", "timestamp": timestamp}
    if entries:
        bundle["entry"] = [{"fullUrl": full_url, "resource": resource, "request": request}
                           for full_url, resource, request in entries]
    return bundle


def without_id(resource: dict) -> dict:
    """``resource`` without its ``id`` (and the ``_id`` twin), for a ``POST`` entry."""
    return {key: value for key, value in resource.items() if key not in ("id", "_id")}


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


def _update_identifier(report: dict) -> tuple[str | None, str] | None:
    """The identifier to find the report by: the first with a system and a value, else the first with a value."""
    identifiers = report.get("identifier")
    if type(identifiers) is not list:
        return None
    usable = [item for item in identifiers
              if type(item) is dict and type(item.get("value")) is str and item["value"]]
    for item in usable:
        if type(item.get("system")) is str and item["system"]:
            return item["system"], item["value"]
    return (None, usable[0]["value"]) if usable else None


__all__ = [
    "update_target_issue", "report_reference", "report_request", "conditional_create", "identifier_search",
    "tag_search", "token_search_value", "transaction", "without_id",
]
