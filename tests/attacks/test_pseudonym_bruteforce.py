"""Brute-forcing pseudonyms over the NHS-number space with what a laptop or a copy of the hub holds.

The intruder has every file a laptop is given (``hub-public-key.json``) and a copy of the whole hub
folder (the public key file, the passphrase-wrapped private key file, the release ledger), but not
the hub's passphrase. They try every valid NHS number of a slice of the space in which every
person of the caseload lies, computing each pseudonym they could (the transit identifier, and
HMAC-SHA256 of it, or of the number, under every key-sized value found in those files), and look
for any of them in the files.

Before issue 15 the ledger's salt and the public file's pseudonymisation key were enough: 40 of 40
people were found in a slice of 10,000 numbers in 0.8 s. Now nothing matches.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import date

import pytest

from personalbudget.domain.nhs_number import normalise
from personalbudget.export.disclosure import DisclosureRules
from personalbudget.export.hub import PUBLIC_KEY_FILE, create_hub
from personalbudget.export.pseudonymise import transit_identifier
from personalbudget.export.release_register import ReleaseRegister
from personalbudget.storage.keys import MemorySecretStore
from tests.attacks.caseloads import AT, SEEDS, YEAR, caseload, nhs_number

PASSPHRASE = "correct horse battery staple"
SPACE = 20_000  # caseloads.valid_numbers draws from the first 20,000 numbers of the 999 range


def key_like_values(blobs: list[bytes]) -> set[bytes]:
    """Every 16- to 64-byte value written in hex or base64 in the files: salts, keys, nonces."""
    found = set()
    for blob in blobs:
        text = blob.decode("utf-8", "replace")
        for hex_ in re.findall(r"[0-9a-f]{32,128}", text):
            found.add(bytes.fromhex(hex_[: len(hex_) // 2 * 2]))
        for b64 in re.findall(r"[A-Za-z0-9+/]{22,88}={0,2}", text):
            try:
                raw = base64.b64decode(b64 + "=" * (-len(b64) % 4))
            except ValueError:
                continue
            if 16 <= len(raw) <= 64:
                found.add(raw)
    return found


@pytest.mark.slow  # about 11 s (three caseloads, every NHS number tried): the full suite runs it
def test_no_nhs_number_is_found_from_a_laptop_or_a_copy_of_the_hub_folder(tmp_path):
    total_people = 0
    for seed in SEEDS[:3]:
        folder = tmp_path / f"hub-{seed}"
        hub = create_hub(folder, MemorySecretStore(available=False), lambda _c: PASSPHRASE, AT)
        people, numbers = caseload(seed, hub)
        total_people += len(people)
        ReleaseRegister(hub.ledger_store(), 8).release(*YEAR, people, ["t"], "h", AT, DisclosureRules())
        blobs = [p.read_bytes() for p in folder.iterdir()]
        laptop = (folder / PUBLIC_KEY_FILE).read_bytes()
        haystack = b"\n".join(blobs).decode("utf-8", "replace")
        keys = key_like_values([*blobs, laptop])
        assert keys, "the attack has key material to try"
        matches = with_the_secret = 0
        pseudonyms = {p.key for p in people}
        for n in range(SPACE):
            nhs = nhs_number(n)
            if nhs is None:
                continue
            transit = transit_identifier(nhs, "", date(1950, 1, 1), hub.public.hub_id)
            with_the_secret += hub.pseudonymiser().person_key(transit) in pseudonyms  # the control
            candidates = [transit, transit[2:]]
            for key in keys:
                for message in (transit.encode(), normalise(nhs).encode()):
                    candidates.append(hmac.new(key, message, hashlib.sha256).hexdigest())
            matches += sum(1 for c in candidates if c[:24] in haystack)
        assert matches == 0
        assert with_the_secret == len(people)  # the slice holds everyone: only the secret was missing
        assert not any(nhs in haystack for nhs in numbers)
    assert total_people >= 36
