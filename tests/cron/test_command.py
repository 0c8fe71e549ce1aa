"""``chambers cron`` and ``python -m chambers.cron``: output, summary and exit status."""
import datetime
import os
import subprocess
import sys

import pytest

from chambers import cli

from .conftest import WEB, CronWorld

REPORTING = """\
mandatory: True
code: |
  multi_user = True
  allow_cron = True
---
mandatory: True
question: Set up.
buttons:
  - Leave: leave
---
event: cron_daily
code: |
  response('checked ' + label)
---
event: cron_hourly
code: |
  response()
---
event: cron_weekly
code: |
  if label == 'bad':
    1 / 0
  response(null=True)
"""


@pytest.fixture
def cli_world(tmp_path):
    w = CronWorld(tmp_path, {"reporting.yml": REPORTING})
    for label in ("first", "bad"):
        ref = w.start("reporting.yml")
        w.service.set_variables(ref, WEB,
                                {"label": label})
    yield w
    w.close()


def _env(w: CronWorld) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_URL", "CHAMBERS_BROKER_URL"}}
    env.update(CHAMBERS_DATA=str(w.settings.data_dir), CHAMBERS_SECRET_KEY="test-key",
               CHAMBERS_INTERVIEWS=str(w.dir))
    return env


def test_python_m_chambers_cron_prints_the_responses(cli_world):
    done = subprocess.run([sys.executable, "-m", "chambers.cron", "-type", "cron_daily"], env=_env(cli_world),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert sorted(done.stdout.split("\n")[:-1]) == ["checked bad", "checked first"]
    assert "cron_daily" in done.stderr and "2 ran and saved" in done.stderr
    again = subprocess.run([sys.executable, "-m", "chambers.cron", "-type", "cron_daily"], env=_env(cli_world),
                           capture_output=True, text=True, timeout=120)
    assert again.returncode == 0 and again.stdout == "" and "already ran" in again.stderr


def test_empty_response_prints_nothing_and_failures_exit_1(cli_world, capsys, monkeypatch):
    for key, value in _env(cli_world).items():
        monkeypatch.setenv(key, value)
    assert cli.main(["cron", "--type", "cron_hourly", str(cli_world.dir)]) == 0
    out, err = capsys.readouterr()
    assert out == "" and "Empty Response" not in out
    assert cli.main(["cron", "--type", "cron_weekly", str(cli_world.dir)]) == 1
    out, err = capsys.readouterr()
    assert "ZeroDivisionError" in out and "1 failed" in err and "1 ran without saving" in err


def test_the_type_defaults_to_cron_daily_and_any_name_is_allowed(cli_world, capsys, monkeypatch):
    for key, value in _env(cli_world).items():
        monkeypatch.setenv(key, value)
    from chambers.cron.command import main
    assert main([]) == 0
    assert "cron_daily" in capsys.readouterr().err
    assert main(["-type", "my_own_event"]) == 0
    assert "no sessions to run" in capsys.readouterr().err
    assert main(["-type", "has space"]) == 2


def test_two_processes_at_once_mail_each_person_once(tmp_path):
    w = CronWorld(tmp_path)
    filed = (datetime.date.today() - datetime.timedelta(days=30)).isoformat()
    for number in range(6):
        ref = w.start("filing_reminder.yml")
        w.fill(ref, {"date_filed": filed, "reminder_address": f"p{number}@example.com"})
    command = [sys.executable, "-m", "chambers.cron", "-type", "cron_daily"]
    processes = [subprocess.Popen(command, env=_env(w), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(2)]
    outputs = [p.communicate(timeout=120) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    assert w.outbox.count() == 6
    printed = cli_output(w)
    assert printed.count("Subject: Your 20 days are up") == 6
    w.close()


def cli_output(w: CronWorld) -> str:
    done = subprocess.run([sys.executable, "-m", "chambers.cli", "outbox"], env=_env(w), capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout
