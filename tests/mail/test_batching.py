"""Group commit: messages arriving together share a transaction; a bad one fails alone."""
import threading

from chambers.mail.batching import StoreWriter
from chambers.mail.delivery import plan_for
from chambers.store.mail import IncomingCopy
from chambers.store.timestamps import utcnow


def _copy(code: str, subject: str) -> IncomingCopy:
    return IncomingCopy(code=code, envelope_from="a@x.test", envelope_to=f"{code}@mail.test", raw=b"raw",
                        fields={"subject": subject}, files=[], received_at=utcnow())


def test_concurrent_messages_share_commits_and_each_gets_its_own_result(world, monkeypatch):
    _, address = world.start("mail_log.yml")
    code = address.split("@")[0]
    batches = []
    real = world.repository.store_batch

    def counting(copies, plan, **options):
        batches.append(len(copies))
        return real(copies, plan, **options)

    monkeypatch.setattr(world.repository, "store_batch", counting)
    writer = StoreWriter(world.repository, plan_for)
    results: dict[int, object] = {}
    gate = threading.Barrier(40)

    def send(n: int) -> None:
        gate.wait()
        [results[n]] = writer.store([_copy(code if n % 10 else "zzzzzz", f"m{n}")], None)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    writer.close()
    assert sum(batches) == 40 and len(batches) < 40            # some commits held several messages
    assert sorted(n for n, r in results.items() if r.refusal) == [0, 10, 20, 30]
    stored = {r.message_id for r in results.values() if r.message_id}
    assert len(stored) == 36
    assert {m.summary["subject"] for m in world.repository.in_state("queued")} == {
        f"m{n}" for n in range(40) if n % 10}


def test_a_failing_batch_is_retried_message_by_message(world, monkeypatch):
    _, address = world.start("mail_log.yml")
    code = address.split("@")[0]
    real = world.repository.store_batch

    def picky(copies, plan, **options):
        if any(c.fields["subject"] == "poison" for c in copies):
            raise RuntimeError("this one cannot be stored")
        return real(copies, plan, **options)

    monkeypatch.setattr(world.repository, "store_batch", picky)
    writer = StoreWriter(world.repository, plan_for)
    outcomes = {}
    gate = threading.Barrier(6)

    def send(subject: str) -> None:
        gate.wait()
        try:
            outcomes[subject] = writer.store([_copy(code, subject)], None)[0].state
        except RuntimeError as exc:
            outcomes[subject] = str(exc)

    subjects = ["a", "b", "poison", "c", "d", "e"]
    threads = [threading.Thread(target=send, args=(s,)) for s in subjects]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    writer.close()
    assert outcomes == {"a": "queued", "b": "queued", "poison": "this one cannot be stored", "c": "queued",
                        "d": "queued", "e": "queued"}
