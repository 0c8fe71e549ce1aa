"""What interview code gets for received mail: ``DAEmail`` and the items ``get_emails()`` lists.

They are kept in the answers (pickled), so they hold plain data only: text, dates, and file ids
whose contents are read from the store through the running interview's services.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from ..interview.functions.text import comma_and_list
from ..interview.objects import DAFile, DAFileList, DAList, DAObject


class DAEmailRecipient(DAObject):
    """``name`` and ``address``; shows as a ``mailto:`` link, or as '' when the header was missing."""

    def __init__(self, instanceName: str | None = None, *, name: str = "", address: str = ""):
        super().__init__(instanceName)
        self.name = name or ""
        self.address = address or ""
        self.empty = not self.address

    def show(self, **_: Any) -> str:
        if not self.address:
            return ""
        return f"[{self.address}](mailto:{self.address})"

    def __str__(self) -> str:
        return self.show()

    def __bool__(self) -> bool:
        return not self.empty

    def __repr__(self) -> str:
        return f"DAEmailRecipient(name={self.name!r}, address={self.address!r})"


class DAEmailRecipientList(DAList):
    def __str__(self) -> str:
        return comma_and_list([str(item) for item in self if str(item)])


class DAEmailBody(DAFile):
    """A body part kept as a file: it shows as its text (``${ email.body_text }``)."""

    def show(self, **_: Any) -> str:
        return self.slurp()

    def __str__(self) -> str:
        return self.slurp()


class DAEmail(DAObject):
    """One received e-mail.  The attachments are in ``attachment`` (singular, as in docassemble)."""

    def __init__(self, instanceName: str | None = None, **attributes: Any):
        super().__init__(instanceName, **attributes)

    def __str__(self) -> str:
        return "This is an e-mail"


class DAEmailAddressRecord(DAObject):
    """One item of ``get_emails()``: an address (``address`` is the code only) and its e-mails."""

    def __str__(self) -> str:
        return self.address


def recipient(pair: list[str] | tuple[str, str] | None, instance_name: str = "") -> DAEmailRecipient:
    if not pair:
        return DAEmailRecipient(instance_name)
    name, address = (list(pair) + ["", ""])[:2]
    return DAEmailRecipient(instance_name, name=name, address=address)


def build_email(message_id: int, summary: dict[str, Any], *, received_at: datetime, code: str,
                key: str | None, index: int | None, owner_email: str | None,
                instance_name: str = "email") -> DAEmail:
    """A :class:`DAEmail` from a stored message's summary (see :mod:`chambers.mail.parse`)."""
    files: dict[str, list[str]] = summary.get("files", {})

    def stored(file_id: int | None, cls: type[DAFile] = DAFile, attribute: str = "") -> DAFile | None:
        if file_id is None:
            return None
        filename, mimetype = files.get(str(file_id), ["attachment", "application/octet-stream"])
        return cls(f"{instance_name}.{attribute}" if attribute else instance_name, file_id=file_id,
                   filename=filename, mimetype=mimetype)

    date = summary.get("date")
    attachments = DAFileList(f"{instance_name}.attachment",
                             [stored(file_id, attribute=f"attachment[{n}]")
                              for n, file_id in enumerate(summary.get("attachment") or [])])
    return DAEmail(
        instance_name,
        id=message_id,
        subject=summary.get("subject") or "",
        to_address=DAEmailRecipientList(f"{instance_name}.to_address",
                                        [recipient(p) for p in summary.get("to") or []]),
        cc_address=DAEmailRecipientList(f"{instance_name}.cc_address",
                                        [recipient(p) for p in summary.get("cc") or []]),
        from_address=recipient(summary.get("from"), f"{instance_name}.from_address"),
        reply_to=recipient(summary.get("reply_to"), f"{instance_name}.reply_to"),
        return_path=recipient(summary.get("return_path"), f"{instance_name}.return_path"),
        datetime_message=datetime.fromisoformat(date) if date else None,
        datetime_received=received_at,
        headers=stored(summary.get("headers"), attribute="headers"),
        body_text=stored(summary.get("body_text"), DAEmailBody, "body_text"),
        body_html=stored(summary.get("body_html"), DAEmailBody, "body_html"),
        attachment=attachments,
        problems=list(summary.get("problems") or []),
        key=key,
        index=index,
        address_owner=owner_email,
        short=code,
    )
