"""``InterviewMail``: the ``service.mail`` behind ``interview_email()`` and ``get_emails()``."""
from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from ..store.mail import CodeTaken, MailAddress, MailMessage, MailRepository
from .addresses import new_code, owner_key, slot_of
from .emails import DAEmailAddressRecord, build_email

if TYPE_CHECKING:
    from ..interview.context import Run

CODE_ATTEMPTS = 20
CACHE_LIMIT = 10_000


class InterviewMail:
    def __init__(self, repository: MailRepository, domain: str):
        self.repository = repository
        self.domain = domain
        self._codes: dict[tuple[str, str, str], str] = {}   # (session, owner, slot) → code; codes never change
        self._lock = threading.Lock()

    # interview_email() ----------------------------------------------------------------------------
    def address_for(self, run: "Run", key: Any, index: Any) -> str:
        return f"{self.code_for(run, key, index)}@{self.domain}"

    def code_for(self, run: "Run", key: Any, index: Any) -> str:
        key, index, slot = slot_of(key, index)
        owner = owner_key(run.identity)
        cache_key = (run.session_id, owner, slot)
        with self._lock:
            code = self._codes.get(cache_key)
        if code is None:
            code = self._address(run, owner, slot, key, index).code
            with self._lock:
                if len(self._codes) >= CACHE_LIMIT:
                    self._codes.clear()
                self._codes[cache_key] = code
        return code

    def _address(self, run: "Run", owner: str, slot: str, key: str | None, index: int | None) -> MailAddress:
        found = self.repository.address_in_slot(run.session_id, owner, slot)
        if found is not None:
            return found
        for _ in range(CODE_ATTEMPTS):
            try:
                return self.repository.add_address(code=new_code(), session_id=run.session_id,
                                                   interview=run.interview.name, owner_key=owner, slot=slot,
                                                   key=key, index=index, owner=run.identity.as_dict())
            except CodeTaken:
                continue
        raise RuntimeError("no unused e-mail code could be found; the address space is nearly full")

    # get_emails() ---------------------------------------------------------------------------------
    def emails_for(self, run: "Run", key: Any, index: Any) -> list[DAEmailAddressRecord]:
        if index is not None and key is None:
            raise ValueError("get_emails(): an index needs a key")
        addresses = self.repository.addresses(run.session_id, owner_key(run.identity),
                                              key=None if key is None else str(key), index=index)
        by_address: dict[int, list[MailMessage]] = {a.id: [] for a in addresses}
        for message in self.repository.for_addresses(by_address):
            by_address[message.address_id].append(message)
        records = []
        for number, address in enumerate(addresses):
            name = f"_emails[{number}]"
            emails = [email_of(message, address, f"{name}.emails[{n}]")
                      for n, message in enumerate(by_address[address.id])]
            records.append(DAEmailAddressRecord(name, address=address.code, key=address.key, index=address.index,
                                                owner=address.owner.get("email"), emails=emails))
        return records


def email_of(message: MailMessage, address: MailAddress, instance_name: str = "email"):
    return build_email(message.id, message.summary, received_at=message.received_at, code=address.code,
                       key=address.key, index=address.index, owner_email=address.owner.get("email"),
                       instance_name=instance_name)
