"""The keys derived from a hub's secret, one per purpose.

Their own module, below both the hub (``hub.py``: pseudonyms) and the release register
(``release_register.py``: its encryption and authentication), so neither imports the other for them.
"""

from __future__ import annotations

import hashlib
import hmac


def derive_key(secret: bytes, purpose: str) -> bytes:
    """A 256-bit key for one purpose (pseudonyms, the ledger's encryption, its authentication),
    derived from the hub secret by HMAC-SHA256: knowing one derived key says nothing of another."""
    return hmac.new(secret, b"personalbudget/hub-secret/v1\x00" + purpose.encode(), hashlib.sha256).digest()
