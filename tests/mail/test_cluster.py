"""Mail to a cluster: ``chambers mail`` receives it (PostgreSQL, the machine's Redis), the cluster's
``chambers worker`` processes run ``incoming_email``, and any ``chambers serve`` shows the result."""
from __future__ import annotations

import os
import smtplib
import subprocess
import sys
import time

import pytest

from tests.live_server import free_port

from .conftest import DOMAIN, INTERVIEWS, message
from .test_live import Api, address_in

pytestmark = pytest.mark.cluster


@pytest.fixture(scope="module")
def mail_cluster(tmp_path_factory, docassemble_examples):
    from tests.background.cluster import Cluster, unavailable
    reason = unavailable()
    if reason:
        pytest.fail(f"cluster tests need the machine's services: {reason}")
    smtp_port = free_port()
    root = tmp_path_factory.mktemp("mail-cluster")
    cluster = Cluster([INTERVIEWS, docassemble_examples], root, env={"CHAMBERS_MAIL_DOMAIN": DOMAIN})
    log = open(root / "mail.log", "wb")
    receiver = subprocess.Popen([sys.executable, "-m", "chambers.cli", "mail", "--data", str(root / "mail")],
                                env={**os.environ, **cluster.env, "CHAMBERS_SMTP_PORT": str(smtp_port)}, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
    log.close()
    try:
        _wait_for_port(smtp_port, receiver, root / "mail.log")
        yield cluster, smtp_port
    finally:
        receiver.terminate()
        receiver.wait(timeout=20)
        cluster.stop()


def _wait_for_port(port: int, process: subprocess.Popen, log_path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"chambers mail exited:\n{log_path.read_text(errors='replace')}")
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=2) as client:
                client.noop()
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"chambers mail did not listen on {port}:\n{log_path.read_text(errors='replace')}")


def test_mail_to_a_cluster_is_processed_by_its_workers(mail_cluster):
    cluster, smtp_port = mail_cluster
    api = Api(cluster.server)
    ref = api.start("email-to-case.yml")
    address = address_in(api.answer(ref, intro_seen=True))
    with smtplib.SMTP("127.0.0.1", smtp_port, timeout=30) as client:
        assert client.send_message(message(address, subject="Über den Cluster"), "bounce@example.com",
                                   [address]) == {}
    values = api.wait_for(ref, lambda v: (v.get("email") or {}).get("subject") == "Über den Cluster")
    assert values["email"]["from_address"]["address"] == "ann@example.com"
    assert "Über den Cluster" in api.question(ref)["subquestionText"]
    with smtplib.SMTP("127.0.0.1", smtp_port, timeout=30) as client:
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            client.sendmail("bounce@example.com", ["nobody@" + DOMAIN], b"Subject: x\r\n\r\nx")
