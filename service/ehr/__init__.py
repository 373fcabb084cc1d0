"""Talking to the EHR's FHIR server (``ENRICHER_FHIR_BASE_URL``): the outbound client and its credentials
(``client``, ``token``), reading a report and the attachments it points at (``fetch``), writing the
enrichment back (``write``) and Subscription notifications (``notification``).

Every outbound call goes to the configured base only (and to the configured token endpoint for a SMART
token): no other host, no redirect off the base, bounded in time and size. Nothing here logs report text
or identifiers.
"""
