"""The strategic hub's keys: made once by ``hub init``, used to open contributions.

A hub folder holds:

- ``hub-public-key.json``: the hub id and its X25519 public key. Give this file to every
  laptop that contributes. It holds nothing secret (since issue 15 no pseudonymisation key:
  a key that every laptop holds is no secret, and with it every NHS number in the hub's files
  was recovered by trying them all);
- ``hub-private-key.json``: a key file in the caseload key-file format
  (``storage.keys.KeyFile``) saying where the hub's secrets are: in the operating system's
  keyring, or wrapped (AES-256-GCM under a key derived by scrypt) with a passphrase when
  there is no keyring. The secrets are the X25519 private key and the 256-bit *hub secret*
  from which the pseudonymisation key and the release ledger's keys are derived; neither is
  ever written in plain text, and neither is in any file a laptop gets;
- ``release-ledger.json``: every table the hub has published (docs/security.md, rule 6), its
  per-person part encrypted and the whole authenticated under the hub secret; the ledger's
  latest head is kept where the hub's secrets are (``LedgerHeadStore``), so a ledger moved
  aside, deleted or rolled back stops publication.

Only the hub can read contributions: a laptop has just the public key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from personalbudget.errors import PersonalBudgetError
from personalbudget.export.hub_keys import derive_key
from personalbudget.export.pseudonymise import Pseudonymiser
from personalbudget.i18n import _
from personalbudget.storage.keys import (
    KeyFile,
    KeyUnavailableError,
    SecretStore,
    WrongKeyError,
    new_passphrase,
    unwrap_with_passphrase,
    wrap_with_passphrase,
    write_private_file,
)

PUBLIC_KEY_FILE = "hub-public-key.json"
PRIVATE_KEY_FILE = "hub-private-key.json"
LEDGER_FILE = "release-ledger.json"
PUBLIC_FORMAT = "personalbudget-hub-public-key"
PUBLIC_VERSION = 2  # 1 held the pseudonymisation key: refused (issue 15)
HUB_PASSPHRASE_ENV = "PERSONALBUDGET_HUB_PASSPHRASE"
KEYRING_PREFIX = "hub-private-key-"
HEAD_KEYRING_PREFIX = "hub-ledger-head-"
HEADS_FOLDER = "hub-ledger-heads"  # in the data folder, for hubs kept under a passphrase
HUB_SECRET_BYTES = 32

PassphraseSource = Callable[[bool], str | None]  # (creating a new one?) -> passphrase or None


class HubKeyError(PersonalBudgetError):
    """A hub key file that is missing, damaged, or cannot be opened."""


def key_id_for(hub_id: str, public_raw: bytes) -> str:
    """A fingerprint of a hub public key file: the first 16 bytes of a SHA-256 over the hub id and
    the public key. It checks the file and names the key a contribution was made for."""
    digest = hashlib.sha256(b"personalbudget/hub-key-id/v2\x00")
    for part in (hub_id.encode("ascii"), public_raw):
        digest.update(len(part).to_bytes(4, "big") + part)
    return digest.hexdigest()[:32]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


@dataclass(frozen=True)
class HubPublicKey:
    """What a laptop needs to contribute: where to send (hub id) and how to encrypt. Nothing secret."""

    hub_id: str
    public_key: bytes  # X25519, 32 bytes
    created_at: str

    @property
    def key_id(self) -> str:
        return key_id_for(self.hub_id, self.public_key)

    def x25519(self) -> X25519PublicKey:
        return X25519PublicKey.from_public_bytes(self.public_key)

    def to_json(self) -> str:
        data = {
            "format": PUBLIC_FORMAT,
            "version": PUBLIC_VERSION,
            "hub_id": self.hub_id,
            "created_at": self.created_at,
            "kem": "X25519",
            "public_key": _b64(self.public_key),
            "key_id": self.key_id,
            "note": "Give this file to the laptops that contribute to this hub. It holds nothing secret.",
        }
        return json.dumps(data, indent=2) + "\n"

    @classmethod
    def read(cls, path: Path) -> HubPublicKey:
        """Read a hub public key file, refusing anything else with a message naming the file."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise HubKeyError(
                _(
                    "There is no hub key file at {file}. Ask the strategic hub for its hub-public-key.json."
                ).format(file=path)
            ) from None
        except (OSError, UnicodeDecodeError, ValueError):
            data = None
        if not isinstance(data, dict) or data.get("format") != PUBLIC_FORMAT:
            raise HubKeyError(
                _(
                    "{file} is not a hub public key file. Use the hub-public-key.json made by "
                    "'personalbudget hub init'."
                ).format(file=path)
            )
        if data.get("version") == 1:
            raise HubKeyError(
                _(
                    "{file} was made by an older PersonalBudget and holds the hub's pseudonymisation key, "
                    "which every laptop could read. Make a new hub with 'personalbudget hub init' in a new "
                    "folder, give its hub-public-key.json to the laptops, and delete the old file's copies."
                ).format(file=path)
            )
        if data.get("version") != PUBLIC_VERSION:
            raise HubKeyError(
                _(
                    "{file} is a hub key file of version {v}, which this version of PersonalBudget cannot "
                    "use. Update PersonalBudget."
                ).format(file=path, v=data.get("version"))
            )
        try:
            hub = cls(
                hub_id=str(uuid.UUID(data["hub_id"])),
                public_key=base64.b64decode(data["public_key"], validate=True),
                created_at=str(data.get("created_at", "")),
            )
            X25519PublicKey.from_public_bytes(hub.public_key)
        except (KeyError, TypeError, ValueError, binascii.Error):
            hub = None
        if hub is None or data.get("key_id") != hub.key_id:
            raise HubKeyError(
                _(
                    "The hub key file {file} is damaged (its keys do not check out). Ask the strategic hub "
                    "for a fresh copy of hub-public-key.json."
                ).format(file=path)
            )
        return hub


class LedgerHeadStore:
    """Where the hub keeps its release ledger's latest head ("entries:mac"): beside its secrets, not in
    the hub folder, so a ledger moved aside, deleted or put back from an older copy is noticed.

    A hub whose secrets are in the keyring keeps the head there too. A hub under a passphrase keeps
    it in this computer's PersonalBudget data folder (``hub-ledger-heads/<hub id>``): a copy of the
    hub folder put back over the current one does not bring its head with it.
    """

    def __init__(self, hub_id: str, secrets_store: SecretStore | None):
        self.hub_id = hub_id
        self._secrets = secrets_store

    def _file(self) -> Path:
        from personalbudget.paths import data_dir

        return data_dir() / HEADS_FOLDER / self.hub_id

    def get(self) -> str | None:
        if self._secrets is not None:
            return self._secrets.get(HEAD_KEYRING_PREFIX + self.hub_id)
        try:
            return self._file().read_text(encoding="ascii").strip() or None
        except FileNotFoundError:
            return None

    def set(self, head: str) -> None:
        if self._secrets is not None:
            self._secrets.set(HEAD_KEYRING_PREFIX + self.hub_id, head)
            return
        path = self._file()
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_private_file(path, head + "\n")


@dataclass(frozen=True)
class Hub:
    """An opened hub: its public key file and its private key (only on the hub's own computer)."""

    folder: Path
    public: HubPublicKey
    private_key: X25519PrivateKey
    secret: bytes = field(repr=False)  # the hub secret (32 bytes): never in a file a laptop gets
    heads: LedgerHeadStore | None = field(default=None, repr=False)

    @property
    def ledger_path(self) -> Path:
        return self.folder / LEDGER_FILE

    def pseudonymiser(self) -> Pseudonymiser:
        """Keys people as the hub publishes and records them (``pseudonymise``)."""
        return Pseudonymiser(derive_key(self.secret, "pseudonyms"))

    def ledger_store(self) -> Any:
        """The hub's release ledger: encrypted and authenticated under the hub secret, its head kept
        with the hub's secrets."""
        from personalbudget.export.release_register import JsonRegisterStore

        assert self.heads is not None
        return JsonRegisterStore(self.ledger_path, self.secret, self.heads)

    def __repr__(self) -> str:  # never print the private key
        return f"Hub(folder={self.folder!r}, hub_id={self.public.hub_id!r})"


def _write_new(path: Path, text: str) -> None:
    """Write a file that must not exist yet, atomically and readable by its owner only (it holds
    the pseudonymisation key)."""
    write_private_file(path, text)


def create_hub(
    folder: Path,
    secrets_store: SecretStore,
    passphrase: PassphraseSource,
    now: datetime,
    *,
    use_keyring: bool = True,
) -> Hub:
    """Make a new hub key pair in ``folder``; the private key goes to the keyring, or under a passphrase.

    Refuses a folder that already has hub keys: replacing them would make every
    contribution made for the old key unreadable.
    """
    public_path, private_path = folder / PUBLIC_KEY_FILE, folder / PRIVATE_KEY_FILE
    if public_path.exists() or private_path.exists():
        raise HubKeyError(
            _(
                "{folder} already has hub keys. Nothing has been changed: replacing them would make every "
                "contribution made for them unreadable. Choose another folder for a new hub."
            ).format(folder=folder)
        )
    private_key = X25519PrivateKey.generate()
    private_raw = private_key.private_bytes_raw()
    hub_secret = secrets.token_bytes(HUB_SECRET_BYTES)
    public = HubPublicKey(
        hub_id=str(uuid.uuid4()),
        public_key=private_key.public_key().public_bytes_raw(),
        created_at=now.isoformat(timespec="seconds"),
    )
    if use_keyring and secrets_store.available():
        key_file = KeyFile(public.hub_id, "keyring")
        store_in_keyring = True
    else:
        chosen = new_passphrase(
            passphrase(True),
            _(
                "The hub's private key needs a passphrase (there is no keyring to keep it in). "
                "Set {env} or type one when asked."
            ).format(env=HUB_PASSPHRASE_ENV),
        )
        key_file = wrap_with_passphrase(private_raw + hub_secret, chosen, public.hub_id)
        store_in_keyring = False
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)  # owner only (POSIX; ignored on Windows)
    if store_in_keyring:
        secrets_store.set(KEYRING_PREFIX + public.hub_id, (private_raw + hub_secret).hex())
    key_file.write(private_path)
    _write_new(public_path, public.to_json())
    heads = LedgerHeadStore(public.hub_id, secrets_store if store_in_keyring else None)
    hub = Hub(folder, public, private_key, hub_secret, heads)
    hub.ledger_store().create()  # an empty ledger and its head: from now on a missing one is noticed
    return hub


def open_hub(folder: Path, secrets_store: SecretStore, passphrase: PassphraseSource) -> Hub:
    """The hub in ``folder`` with its private key, from the keyring or the passphrase."""
    public_path, private_path = folder / PUBLIC_KEY_FILE, folder / PRIVATE_KEY_FILE
    if not private_path.exists():
        raise HubKeyError(
            _(
                "{folder} is not a hub folder (it has no {file}). Give the folder made by "
                "'personalbudget hub init'."
            ).format(folder=folder, file=PRIVATE_KEY_FILE)
        )
    public = HubPublicKey.read(public_path)
    try:
        key_file = KeyFile.read(private_path)
    except KeyUnavailableError:
        key_file = None
    if key_file is None or key_file.database_id != public.hub_id:
        raise HubKeyError(
            _("The hub's private key file {file} is damaged or belongs to another hub.").format(
                file=private_path
            )
        )
    if key_file.mode == "keyring":
        stored = secrets_store.get(KEYRING_PREFIX + public.hub_id) if secrets_store.available() else None
        if stored is None:
            raise KeyUnavailableError(
                _(
                    "The hub's private key is not in this computer's keyring. Open the hub on the computer "
                    "where 'hub init' was run."
                )
            )
        raw = bytes.fromhex(stored)
    else:
        chosen = passphrase(False)
        if not chosen:
            raise KeyUnavailableError(
                _(
                    "The hub's private key is protected by a passphrase. Set {env} or type it when asked."
                ).format(env=HUB_PASSPHRASE_ENV)
            )
        try:
            raw = unwrap_with_passphrase(key_file, chosen)
        except WrongKeyError:
            raise WrongKeyError(
                _("That passphrase does not open the hub's private key. Nothing has been changed.")
            ) from None
    if len(raw) != 32 + HUB_SECRET_BYTES:  # a hub made before issue 15 had no hub secret
        raise HubKeyError(
            _(
                "The hub in {folder} was made by an older PersonalBudget whose pseudonymisation key every "
                "laptop could read. Make a new hub with 'personalbudget hub init' in a new folder."
            ).format(folder=folder)
        )
    private_key = X25519PrivateKey.from_private_bytes(raw[:32])
    if private_key.public_key().public_bytes_raw() != public.public_key:
        raise HubKeyError(
            _(
                "The hub's private key does not match {file}: the files come from different hubs. "
                "Nothing has been changed."
            ).format(file=public_path)
        )
    heads = LedgerHeadStore(public.hub_id, secrets_store if key_file.mode == "keyring" else None)
    return Hub(folder, public, private_key, raw[32:], heads)
