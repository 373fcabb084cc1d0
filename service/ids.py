"""Name-based UUIDs (RFC 4122 version 5) as text, without building ``uuid.UUID`` objects.

``uuid5_text(namespace, name)`` is ``str(uuid.uuid5(namespace, name))``: a request makes a dozen or more
of them (the Bundle, the Provenance, one per Observation), and the ``UUID`` object around each hash was
most of their cost.
"""

from __future__ import annotations

import uuid
from hashlib import sha1


def uuid5_text(namespace: uuid.UUID, name: str) -> str:
    """``str(uuid.uuid5(namespace, name))``."""
    digest = bytearray(sha1(namespace.bytes + name.encode("utf-8")).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    hex_ = digest.hex()
    return f"{hex_[:8]}-{hex_[8:12]}-{hex_[12:16]}-{hex_[16:20]}-{hex_[20:]}"


__all__ = ["uuid5_text"]
