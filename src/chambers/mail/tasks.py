"""The Celery task that runs ``incoming_email`` for one received message (see :mod:`.delivery`)."""
from __future__ import annotations

import threading

from ..background.celery_app import app

MAIL_TASK = "chambers.deliver_incoming_mail"

_processors: dict[int, object] = {}
_lock = threading.Lock()


@app.task(name=MAIL_TASK)
def deliver_incoming_mail_task(message_id: int) -> str:
    from ..background.worker import runtime
    return processor_for(runtime()).process(int(message_id))


def processor_for(rt):
    """The worker process's :class:`~.delivery.MailProcessor` (one per runtime)."""
    from ..store.mail import MailRepository
    from .delivery import DeliveryPolicy, MailProcessor
    with _lock:
        processor = _processors.get(id(rt))
        if processor is None:
            processor = MailProcessor(MailRepository(rt.chambers.db), rt.chambers.service,
                                      DeliveryPolicy.from_settings(rt.settings))
            _processors[id(rt)] = processor
        return processor


def celery_sender(celery):
    def send(message_id: int) -> None:
        celery.send_task(MAIL_TASK, args=[message_id])
    return send
