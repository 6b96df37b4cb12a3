"""The keyed hash that identifies a person in a contribution to the strategic hub.

A contribution must let the hub count a person seen on two laptops once, without
telling it who they are. Each person is identified by HMAC-SHA256, under the hub's
*pseudonymisation key*, of a stable identifier:

- the **NHS number** (digits only, check digit valid): ``n:`` followed by 64 hex digits.
  The same person gets the same key on every laptop that has the hub's key file;
- for a person **without a valid NHS number**, a fallback: the normalised name (accents
  and punctuation removed, case folded, single spaces) with the date of birth:
  ``d:`` followed by 64 hex digits. This is lower-quality matching (a changed surname
  or a typing mistake makes two keys for one person; two people with the same name and
  birthday share one), so the hub reports how many keys are fallbacks.

An *unkeyed* hash of an NHS number could be reversed by hashing every possible NHS
number (there are under a billion valid ones), so the key matters: it is 256 random bits
made by ``hub init`` and distributed to laptops inside the hub's public key file.
Different keys give unrelated pseudonyms, so two hubs cannot link their contributions.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from dataclasses import dataclass
from datetime import date

from personalbudget.domain.nhs_number import InvalidNhsNumber, normalise

PSEUDONYMISATION_KEY_BYTES = 32
NHS_PREFIX = "n:"  # keyed hash of the NHS number
FALLBACK_PREFIX = "d:"  # keyed hash of name and date of birth: lower-quality matching
_DOMAIN = b"personalbudget/person-key/v1\x00"


def normalise_name(name: str) -> str:
    """Letters and digits only, accents removed, case folded, words single-spaced."""
    decomposed = unicodedata.normalize("NFKD", name)
    kept = "".join(ch if ch.isalnum() else " " for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(kept.casefold().split())


def is_fallback(key: str) -> bool:
    """True for a key made from name and date of birth (no NHS number)."""
    return key.startswith(FALLBACK_PREFIX)


@dataclass(frozen=True)
class Pseudonymiser:
    """Makes person keys under one hub's pseudonymisation key."""

    key: bytes

    def __post_init__(self) -> None:
        if len(self.key) != PSEUDONYMISATION_KEY_BYTES:
            raise ValueError("a pseudonymisation key is 32 bytes")

    def _digest(self, kind: bytes, value: str) -> str:
        message = _DOMAIN + kind + b"\x00" + value.encode("utf-8")
        return hmac.new(self.key, message, hashlib.sha256).hexdigest()

    def person_key(self, nhs_number: str | None, name: str, date_of_birth: date) -> str:
        """The person's pseudonym: from the NHS number when it is valid, else from name and birth date."""
        if nhs_number:
            try:
                return NHS_PREFIX + self._digest(b"nhs", normalise(nhs_number))
            except InvalidNhsNumber:
                pass  # an invalid number cannot be matched reliably; use the fallback
        return FALLBACK_PREFIX + self._digest(
            b"name-dob", f"{normalise_name(name)}|{date_of_birth.isoformat()}"
        )

    def __repr__(self) -> str:  # never print the key
        return "Pseudonymiser(key=...)"
