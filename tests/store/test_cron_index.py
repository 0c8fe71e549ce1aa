from chambers.store.sessions import SessionIndex

DAILY = frozenset({"cron_daily", "cron_weekly"})


def _cron(events=DAILY, allow=True):
    return SessionIndex(allow_cron=allow, events=events)


def test_only_sessions_cron_may_run_are_candidates(sessions, make_session):
    make_session("a", index=_cron())
    make_session("b", index=_cron(allow=False))
    make_session("c", index=_cron(), encrypted=True)
    make_session("d", index=_cron(frozenset({"cron_weekly"})))
    make_session("e")
    assert sessions.cron_candidates("cron_daily") == ["a"]
    assert sessions.cron_candidates("cron_weekly") == ["a", "d"]
    assert sessions.cron_candidates("cron_hourly") == []


def test_saving_keeps_the_index_in_step(sessions, make_session):
    make_session("a", index=_cron())
    sessions.save("a", b"2", expected_version=1, new_step=True, encrypted=False,
                  index=_cron(frozenset({"cron_weekly", "cron_monthly"})))
    assert sessions.cron_candidates("cron_daily") == []
    assert sessions.cron_candidates("cron_monthly") == ["a"]
    sessions.save("a", b"3", expected_version=2, new_step=False, encrypted=True, index=_cron())
    assert sessions.cron_candidates("cron_weekly") == []  # encrypted: cron cannot read it
    sessions.save("a", b"4", expected_version=3, new_step=False, encrypted=False, index=_cron())
    assert sessions.cron_candidates("cron_weekly") == ["a"]
    sessions.save("a", b"5", expected_version=4, new_step=False, encrypted=False, index=_cron(allow=False))
    assert sessions.cron_candidates("cron_weekly") == []
    assert sessions.load("a").index.events == DAILY  # still known, just not indexed for cron


def test_candidates_come_in_pages(sessions, make_session):
    ids = [f"s{n:03d}" for n in range(25)]
    for session_id in reversed(ids):
        make_session(session_id, index=_cron())
    seen: list[str] = []
    after = None
    while batch := sessions.cron_candidates("cron_daily", batch_size=10, after_id=after):
        assert len(batch) <= 10
        seen += batch
        after = batch[-1]
    assert seen == ids


def test_sqlite_answers_from_the_index_alone(sqlite_db):
    with sqlite_db.reading() as session:
        plan = session.connection().exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT session_id FROM session_events WHERE event = 'cron_daily' "
            "AND session_id > 'x' ORDER BY session_id LIMIT 200").all()
    detail = " ".join(str(row[-1]) for row in plan)
    assert "COVERING INDEX" in detail and "(event=? AND session_id>?)" in detail, detail
    assert "TEMP B-TREE" not in detail, detail  # no sort: the index order is the answer order
