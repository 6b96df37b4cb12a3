"""The database key: made at set-up, kept in the OS keyring or under a passphrase,
and recoverable with a recovery key shown once.

Each encrypted database has a random 256-bit key. Beside the database sits a
small key file (``<database>.key``, JSON, no secrets in plain text) saying how
the key is kept:

- ``keyring``: the key is in the operating system's keyring, under the id in the file;
- ``passphrase``: the key is wrapped (AES-256-GCM) with a key derived from the
  person's passphrase by scrypt; where there is no keyring, this is the only way,
  and the key is never stored in plain text.

The recovery key *is* the database key, written in 56 letters and digits with a
checksum, so a lost keyring, a forgotten passphrase, or a lost key file can all
be recovered from it (``personalbudget recover``).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from personalbudget.errors import StorageError
from personalbudget.i18n import _

KEY_BYTES = 32
KEYRING_SERVICE = "PersonalBudget database key"
PASSPHRASE_ENV = "PERSONALBUDGET_PASSPHRASE"
MIN_PASSPHRASE = 10
_SCRYPT = {"n": 2**15, "r": 8, "p": 1}


class KeyUnavailableError(StorageError):
    """The key for an encrypted database cannot be had (no keyring entry, no passphrase)."""


class WrongKeyError(StorageError):
    """A passphrase or recovery key that does not open the database."""


class SecretStore(Protocol):
    """Where database keys are kept: the OS keyring, or an in-memory fake in tests."""

    def available(self) -> bool: ...

    def get(self, name: str) -> str | None: ...

    def set(self, name: str, value: str) -> None: ...

    def delete(self, name: str) -> None: ...


class KeyringSecretStore:
    """The operating system's keyring (Windows Credential Manager, macOS Keychain, Secret Service)."""

    def available(self) -> bool:
        import keyring
        from keyring.backends import fail

        try:
            backend = keyring.get_keyring()
        except Exception:  # a broken backend configuration counts as none
            return False
        return not isinstance(backend, fail.Keyring) and getattr(backend, "priority", 1) > 0

    def get(self, name: str) -> str | None:
        import keyring
        from keyring.errors import KeyringError

        try:
            return keyring.get_password(KEYRING_SERVICE, name)
        except KeyringError:
            return None

    def set(self, name: str, value: str) -> None:
        import keyring
        from keyring.errors import KeyringError

        try:
            keyring.set_password(KEYRING_SERVICE, name, value)
        except KeyringError as problem:
            raise KeyUnavailableError(
                _(
                    "The keyring refused to store the database key ({problem}). Use a passphrase instead."
                ).format(problem=type(problem).__name__)
            ) from None

    def delete(self, name: str) -> None:
        import keyring
        from keyring.errors import KeyringError

        with contextlib.suppress(KeyringError):
            keyring.delete_password(KEYRING_SERVICE, name)


class MemorySecretStore:
    """An in-memory keyring for tests (``available=False`` behaves like a headless machine)."""

    def __init__(self, available: bool = True):
        self._available = available
        self.values: dict[str, str] = {}

    def available(self) -> bool:
        return self._available

    def get(self, name: str) -> str | None:
        return self.values.get(name)

    def set(self, name: str, value: str) -> None:
        if not self._available:
            raise KeyUnavailableError("no keyring")
        self.values[name] = value

    def delete(self, name: str) -> None:
        self.values.pop(name, None)


# -- recovery keys ----------------------------------------------------------------------------


def recovery_key_for(key: bytes) -> str:
    """The key as 14 groups of 4 letters/digits (base32 with a 3-byte checksum)."""
    checksum = hashlib.sha256(key).digest()[:3]
    text = base64.b32encode(key + checksum).decode().rstrip("=")
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def key_from_recovery(text: str) -> bytes:
    cleaned = "".join(ch for ch in text.upper() if ch.isalnum())
    cleaned = cleaned.replace("0", "O").replace("1", "I").replace("8", "B")  # common misreadings
    try:
        raw = base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))
    except ValueError:
        raw = b""
    key, checksum = raw[:KEY_BYTES], raw[KEY_BYTES:]
    if len(key) != KEY_BYTES or hashlib.sha256(key).digest()[:3] != checksum:
        raise WrongKeyError(
            _(
                "That is not a valid recovery key: check it for typing mistakes (it has 56 letters and digits)."
            )
        )
    return key


# -- the key file ------------------------------------------------------------------------------


def key_file_path(database: Path) -> Path:
    return database.with_name(database.name + ".key")


@dataclass(frozen=True)
class KeyFile:
    database_id: str
    mode: str  # keyring | passphrase
    salt: str = ""
    nonce: str = ""
    wrapped: str = ""

    @classmethod
    def read(cls, path: Path) -> KeyFile | None:
        if not path.exists():
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(
                database_id=data["database_id"],
                mode=data["mode"],
                salt=data.get("salt", ""),
                nonce=data.get("nonce", ""),
                wrapped=data.get("wrapped", ""),
            )
        except (ValueError, KeyError, TypeError):
            raise KeyUnavailableError(
                _(
                    "The key file {file} is damaged. Use 'personalbudget recover' with the recovery key."
                ).format(file=path.name)
            ) from None

    def write(self, path: Path) -> None:
        data = {"format": "personalbudget-key/1", **self.__dict__}
        write_private_file(path, json.dumps(data, indent=2) + "\n")


def write_private_file(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by its owner only (0600 on POSIX), atomically: a new
    temporary file created exclusively with that mode (never through an existing file or link),
    then renamed over ``path``."""
    temp = path.with_name(path.name + ".tmp")
    with contextlib.suppress(FileNotFoundError):
        temp.unlink()  # left by a crash; O_EXCL below refuses anything put there meanwhile
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(text.encode("utf-8"))
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise


def _kek(passphrase: str, salt: bytes) -> bytes:
    return hashlib.scrypt(passphrase.encode("utf-8"), salt=salt, dklen=32, maxmem=64 * 1024 * 1024, **_SCRYPT)


def wrap_with_passphrase(key: bytes, passphrase: str, database_id: str) -> KeyFile:
    salt, nonce = os.urandom(16), os.urandom(12)
    wrapped = AESGCM(_kek(passphrase, salt)).encrypt(nonce, key, database_id.encode())
    b64 = base64.b64encode
    return KeyFile(database_id, "passphrase", b64(salt).decode(), b64(nonce).decode(), b64(wrapped).decode())


def unwrap_with_passphrase(key_file: KeyFile, passphrase: str) -> bytes:
    b64 = base64.b64decode
    try:
        return AESGCM(_kek(passphrase, b64(key_file.salt))).decrypt(
            b64(key_file.nonce), b64(key_file.wrapped), key_file.database_id.encode()
        )
    except (InvalidTag, ValueError):
        raise WrongKeyError(
            _(
                "That passphrase does not open this caseload. Nothing has been changed. Try again, or recover it with the recovery key."
            )
        ) from None


# -- the policy --------------------------------------------------------------------------------

PassphraseSource = Callable[[bool], str | None]  # (creating a new one?) -> passphrase or None


def passphrase_from_environment(_creating: bool) -> str | None:
    return os.environ.get(PASSPHRASE_ENV) or None


def new_passphrase(chosen: str | None, missing: str) -> str:
    """A newly chosen passphrase, refused (with ``missing`` when there is none) unless long enough."""
    if not chosen:
        raise KeyUnavailableError(missing)
    if len(chosen) < MIN_PASSPHRASE:
        raise KeyUnavailableError(
            _("The passphrase is too short: use at least {n} characters.").format(n=MIN_PASSPHRASE)
        )
    return chosen


class DatabaseKeys:
    """Makes, stores and finds database keys: the keyring if there is one, a passphrase if not."""

    def __init__(self, secrets: SecretStore, passphrase: PassphraseSource = passphrase_from_environment):
        self._secrets = secrets
        self._passphrase = passphrase

    def create(self, database: Path) -> tuple[bytes, str]:
        """A new key for a new database, stored; returns the key and its recovery key (show it once)."""
        key = secrets.token_bytes(KEY_BYTES)
        self.store(database, key)
        return key, recovery_key_for(key)

    def store(self, database: Path, key: bytes, database_id: str | None = None) -> None:
        database_id = database_id or str(uuid.uuid4())
        if self._secrets.available():
            self._secrets.set(database_id, key.hex())
            KeyFile(database_id, "keyring").write(key_file_path(database))
            return
        passphrase = new_passphrase(
            self._passphrase(True),
            _(
                "This computer has no keyring to keep the database key in, so a passphrase is needed. "
                "Set {env} (command line) or choose a passphrase when the app asks."
            ).format(env=PASSPHRASE_ENV),
        )
        wrap_with_passphrase(key, passphrase, database_id).write(key_file_path(database))

    def unlock(self, database: Path) -> bytes:
        """The key of an existing encrypted database."""
        key_file = KeyFile.read(key_file_path(database))
        if key_file is None:
            raise KeyUnavailableError(
                _(
                    "{file} is encrypted but its key file ({key}) is missing. Nothing has been changed. "
                    "Use 'personalbudget recover' with the recovery key."
                ).format(file=database.name, key=key_file_path(database).name)
            )
        if key_file.mode == "keyring":
            stored = self._secrets.get(key_file.database_id) if self._secrets.available() else None
            if stored is None:
                raise KeyUnavailableError(
                    _(
                        "The key for {file} is not in this computer's keyring. Nothing has been changed. "
                        "Use 'personalbudget recover' with the recovery key."
                    ).format(file=database.name)
                )
            return bytes.fromhex(stored)
        passphrase = self._passphrase(False)
        if not passphrase:
            raise KeyUnavailableError(
                _("{file} is protected by a passphrase. Enter it, or set {env} for the command line.").format(
                    file=database.name, env=PASSPHRASE_ENV
                )
            )
        return unwrap_with_passphrase(key_file, passphrase)

    def forget(self, database: Path) -> None:
        """Remove a database's key from the keyring (after re-keying)."""
        key_file = KeyFile.read(key_file_path(database))
        if key_file and key_file.mode == "keyring":
            self._secrets.delete(key_file.database_id)
