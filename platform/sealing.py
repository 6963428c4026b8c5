"""Per-household sealing of the ``personal`` field (AES-256-GCM), in the stored state only.

:class:`SealingMapper` replaces ``personal`` by a ciphertext under the household's own key
(per ``originator_id``) when an event is stored, and opens it again on read. Everything
else stays in clear so that projections and reports never need a key. The keys come from
a :class:`KeyStore` (the SQL one is ``runtime/keystore.py``); a destroyed key makes the
field decode as ``privacy.erased_personal()``.
"""

from __future__ import annotations

import base64
import os
from typing import Any, Protocol
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.persistence import (
    Cipher,
    Compressor,
    Mapper,
    MapperDeserialisationError,
    StoredEvent,
    Transcoder,
)
from eventsourcing.utils import get_topic

from relogement.platform.privacy import (
    PERSONAL_FIELD,
    PersonalDataErased,
    erased_personal,
    is_erased,
)
from relogement.platform.values import check_recorded_text

SEAL_SCHEME = "aes-256-gcm/v1"


class PersonalDataUnreadable(MapperDeserialisationError):
    """A sealed field does not open with its key: tampering or corruption, never erasure."""


class KeyStore(Protocol):
    """Per-household keys: read (None once destroyed), and created on first write."""

    def key_for_reading(self, household_id: UUID | str) -> bytes | None: ...

    def key_for_writing(self, household_id: UUID | str) -> bytes:
        """The household's key, created on first use; raises PersonalDataErased once destroyed."""
        ...


def household_hex(household_id: UUID | str) -> str:
    return household_id.hex if isinstance(household_id, UUID) else UUID(str(household_id)).hex


# -- the mapper ---------------------------------------------------------------


def _aad(originator_id: Any, originator_version: int) -> bytes:
    # Binds a ciphertext to its event: moving it to another event fails to open.
    return f"{household_hex(originator_id)}|{originator_version}|{PERSONAL_FIELD}".encode()


def is_sealed(value: Any) -> bool:
    return isinstance(value, dict) and value.get("sealed") == SEAL_SCHEME and "data" in value


class SealingMapper(Mapper[UUID]):
    """A Mapper that seals the ``personal`` field per household (see module doc).

    Also covers aggregate snapshots (``state["personal"]``) should snapshotting be
    enabled one day.
    """

    def __init__(
        self,
        transcoder: Transcoder,
        keys: KeyStore,
        compressor: Compressor | None = None,
        cipher: Cipher | None = None,
    ) -> None:
        super().__init__(transcoder, compressor=compressor, cipher=cipher)
        self.keys = keys

    # -- writing ---------------------------------------------------------------
    def _seal(self, personal: dict, originator_id: UUID, version: int) -> dict:
        key = self.keys.key_for_writing(originator_id)
        nonce = os.urandom(12)
        plaintext = self.transcoder.encode(personal)
        ciphertext = AESGCM(key).encrypt(nonce, plaintext, _aad(originator_id, version))
        return {"sealed": SEAL_SCHEME, "data": base64.b64encode(nonce + ciphertext).decode()}

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        topic = get_topic(domain_event.__class__)
        event_state = dict(vars(domain_event))
        check_recorded_text(event_state)  # nothing a database cannot store is recorded
        originator_id = event_state.pop("originator_id")
        originator_version = event_state.pop("originator_version")
        personal = event_state.get(PERSONAL_FIELD)
        if isinstance(personal, dict) and not is_sealed(personal):
            if is_erased(personal):
                raise PersonalDataErased(originator_id)
            event_state[PERSONAL_FIELD] = self._seal(personal, originator_id, originator_version)
        snapshot_state = event_state.get("state")
        if isinstance(snapshot_state, dict) and isinstance(snapshot_state.get(PERSONAL_FIELD), dict):
            inner = snapshot_state[PERSONAL_FIELD]
            if not is_sealed(inner) and not is_erased(inner):
                event_state["state"] = {
                    **snapshot_state,
                    PERSONAL_FIELD: self._seal(inner, originator_id, originator_version),
                }
        class_version = getattr(type(domain_event), "class_version", 1)
        if class_version > 1:
            event_state["class_version"] = class_version
        stored_state = self.transcoder.encode(event_state)
        if self.compressor:
            stored_state = self.compressor.compress(stored_state)
        if self.cipher:
            stored_state = self.cipher.encrypt(stored_state)
        return StoredEvent(
            originator_id=originator_id,
            originator_version=originator_version,
            topic=topic,
            state=stored_state,
        )

    # -- reading ---------------------------------------------------------------
    def _open(self, sealed: dict, originator_id: UUID, version: int) -> dict:
        key = self.keys.key_for_reading(originator_id)
        if key is None:
            return erased_personal()
        raw = base64.b64decode(sealed["data"])
        try:
            plaintext = AESGCM(key).decrypt(raw[:12], raw[12:], _aad(originator_id, version))
        except InvalidTag:
            msg = (
                f"personal data of {originator_id} v{version} does not open with its key "
                "(altered or moved ciphertext)"
            )
            raise PersonalDataUnreadable(msg) from None
        return self.transcoder.decode(plaintext)

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        domain_event = super().to_domain_event(stored_event)
        state = domain_event.__dict__
        personal = state.get(PERSONAL_FIELD)
        if is_sealed(personal):
            state[PERSONAL_FIELD] = self._open(
                personal, stored_event.originator_id, stored_event.originator_version
            )
        snapshot_state = state.get("state")
        if isinstance(snapshot_state, dict) and is_sealed(snapshot_state.get(PERSONAL_FIELD)):
            snapshot_state[PERSONAL_FIELD] = self._open(
                snapshot_state[PERSONAL_FIELD],
                stored_event.originator_id,
                stored_event.originator_version,
            )
        return domain_event
