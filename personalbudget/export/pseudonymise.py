"""How a person is identified in a contribution, and the keyed hash the hub identifies them by.

A contribution must let the hub count a person seen on two laptops once. Since issue 15 the
key that pseudonymises people is a **secret of the hub** (derived from the hub secret kept with
its private key; ``hub_keys.derive_key``): a key every laptop holds is no secret, and with the one in
``hub-public-key.json`` every NHS number in the hub's files was recovered by trying them all.

- On a **laptop**, each person gets a *transit identifier* (``transit_identifier``): a
  domain-separated SHA-256 of a stable identifier, ``n:`` + 64 hex digits from the NHS number
  (digits only, check digit valid), or ``d:`` + 64 hex digits from the normalised name (accents
  and punctuation removed, case folded, single spaces) with the date of birth when there is no
  valid NHS number. It is *not* a pseudonym that protects anyone by itself: whoever can read it
  could try every NHS number. It exists only inside the contribution's HPKE encryption, which
  only the hub's private key opens (and whoever holds that key holds the pseudonymisation key
  too, so could reverse any pseudonym the hub makes). It keeps NHS numbers out of the plaintext.
- At the **hub**, ``Pseudonymiser.person_key`` turns each transit identifier into the person's
  pseudonym, HMAC-SHA256 under the hub's pseudonymisation key, as soon as a contribution is
  opened: only these are merged, de-duplicated and (keyed again) recorded in the hub's ledger.
  Without the hub secret they say nothing: trying every NHS number matches none of them.

Fallback (``d:``) keys are lower-quality matching (a changed surname or a typing mistake makes two
keys for one person; two people with the same name and birthday share one), so the hub reports
how many keys are fallbacks. Different hubs give unrelated pseudonyms.
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
_DOMAIN = b"personalbudget/person-key/v2\x00"
_TRANSIT_DOMAIN = b"personalbudget/transit-id/v1\x00"


def normalise_name(name: str) -> str:
    """Letters and digits only, accents removed, case folded, words single-spaced."""
    decomposed = unicodedata.normalize("NFKD", name)
    kept = "".join(ch if ch.isalnum() else " " for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(kept.casefold().split())


def is_fallback(key: str) -> bool:
    """True for a key made from name and date of birth (no NHS number)."""
    return key.startswith(FALLBACK_PREFIX)


def _transit(kind: bytes, value: str, hub_id: str) -> str:
    message = _TRANSIT_DOMAIN + hub_id.encode("ascii") + b"\x00" + kind + b"\x00" + value.encode("utf-8")
    return hashlib.sha256(message).hexdigest()


def transit_identifier(nhs_number: str | None, name: str, date_of_birth: date, hub_id: str) -> str:
    """The person's identifier inside an (encrypted) contribution for the hub ``hub_id``: from the NHS
    number when it is valid, else from name and birth date. Not a protection by itself (see above)."""
    if nhs_number:
        try:
            return NHS_PREFIX + _transit(b"nhs", normalise(nhs_number), hub_id)
        except InvalidNhsNumber:
            pass  # an invalid number cannot be matched reliably; use the fallback
    return FALLBACK_PREFIX + _transit(
        b"name-dob", f"{normalise_name(name)}|{date_of_birth.isoformat()}", hub_id
    )


@dataclass(frozen=True)
class Pseudonymiser:
    """Makes the hub's pseudonyms under its secret pseudonymisation key (only the hub has one)."""

    key: bytes

    def __post_init__(self) -> None:
        if len(self.key) != PSEUDONYMISATION_KEY_BYTES:
            raise ValueError("a pseudonymisation key is 32 bytes")

    def person_key(self, transit: str) -> str:
        """The pseudonym of the person a contribution calls ``transit`` (the prefix is kept)."""
        prefix = transit[:2]
        digest = hmac.new(self.key, _DOMAIN + transit.encode("ascii"), hashlib.sha256).hexdigest()
        return prefix + digest

    def __repr__(self) -> str:  # never print the key
        return "Pseudonymiser(key=...)"
