"""The SMTP server that ``chambers serve`` (embedded) and ``chambers mail`` (cluster) run."""
from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP

from ..store.mail import MailRepository
from .addresses import mail_domain
from .batching import StoreWriter
from .delivery import DeliveryPolicy, MailDispatcher, Sweeper, plan_for
from .inbound import Inbox, SmtpHandler

if TYPE_CHECKING:
    from ..background.runtime import Runtime

log = logging.getLogger(__name__)

STORE_THREADS = 4
LONGEST_LINE = 64 * 1024  # lenient: many mailers send lines longer than RFC 5321's 1000


class LenientSMTP(SMTP):
    line_length_limit = LONGEST_LINE


class _Controller(Controller):
    def factory(self):
        return LenientSMTP(self.handler, **self.SMTP_kwargs)


class MailServer:
    """aiosmtpd in its own thread, a pool of threads for storing, and the delivery sweeper."""

    def __init__(self, inbox: Inbox, dispatcher: MailDispatcher, *, host: str, port: int, sweep_interval: float,
                 writer: StoreWriter | None = None):
        self.inbox = inbox
        self.writer = writer
        self.dispatcher = dispatcher
        self.host = host
        self.port = port
        self.executor = ThreadPoolExecutor(STORE_THREADS, thread_name_prefix="chambers-mail-store")
        self.controller = _Controller(SmtpHandler(inbox, self.executor), hostname=host, port=port,
                                      server_hostname=inbox.domain, ident="Chambers",
                                      data_size_limit=inbox.max_bytes, enable_SMTPUTF8=True, decode_data=False)
        self.sweeper = Sweeper(dispatcher, sweep_interval)

    def start(self) -> "MailServer":
        logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command at INFO
        try:
            self.controller.start()
        except OSError as exc:
            self.executor.shutdown(wait=False)
            raise SystemExit(f"the mail server cannot listen on {self.host}:{self.port} ({exc.strerror or exc}); "
                             "set CHAMBERS_SMTP_PORT to a free port, or to 0 to receive no mail") from None
        resent = self.dispatcher.resend_waiting()
        if resent:
            log.info("sent %d waiting e-mail(s) to the workers again", resent)
        self.sweeper.start()
        log.info("receiving mail for @%s on %s:%d", self.inbox.domain, self.host, self.port)
        return self

    def stop(self) -> None:
        self.sweeper.stop()
        try:
            self.controller.stop()
        finally:
            self.executor.shutdown(wait=True)
            if self.writer is not None:
                self.writer.close()


def dispatcher_for(runtime: "Runtime") -> MailDispatcher:
    from .tasks import celery_sender
    return MailDispatcher(MailRepository(runtime.chambers.db), celery_sender(runtime.celery),
                          DeliveryPolicy.from_settings(runtime.settings))


def start_mail_server(runtime: "Runtime", *, host: str) -> MailServer | None:
    """Start receiving mail on ``settings.smtp_port`` (None when it is 0: no mail server)."""
    settings = runtime.settings
    if not settings.smtp_port:
        return None
    dispatcher = dispatcher_for(runtime)
    writer = StoreWriter(dispatcher.repository, plan_for)
    inbox = Inbox(dispatcher.repository, dispatcher, domain=mail_domain(settings), max_bytes=settings.mail_max_bytes,
                  store=writer.store)
    interval = min(1.0, dispatcher.policy.heartbeat_seconds)
    server = MailServer(inbox, dispatcher, host=host, port=settings.smtp_port, sweep_interval=interval, writer=writer)
    try:
        return server.start()
    except BaseException:
        writer.close()
        raise
