"""Bulk enrichment: FHIR Bulk Data NDJSON in, enriched NDJSON out (``enricher bulk``).

``source`` reads the input files a line at a time, ``work`` enriches one line as ``$enrich`` would,
``pieces`` cuts the input into pieces that a worker enriches into part files of its own, ``local``
spreads the pieces over this machine's cores, ``spark`` over a Spark cluster, ``output`` writes the
files, checkpoint and manifest, ``progress`` draws the bar, and ``run`` ties them together.
"""

from service.bulk.run import Options, Summary, run

__all__ = ["Options", "Summary", "run"]
