"""The ``chambers`` command line."""
import subprocess
import sys


def chambers(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "chambers.cli", *args], capture_output=True, text=True, cwd=cwd)


def test_check_accepts_good_files(docassemble_examples):
    result = chambers("check", str(docassemble_examples))
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("ok: ") == len(list(docassemble_examples.glob("*.yml")))


def test_check_names_file_and_line_of_each_error(tmp_path):
    (tmp_path / "good.yml").write_text("question: Hi\nfield: seen\n")
    (tmp_path / "broken.yml").write_text("question: Hi\nfields:\n  - Age: 2x\n")
    (tmp_path / "unparsable.yml").write_text("question: [oops\n")
    result = chambers("check", str(tmp_path))
    assert result.returncode == 1
    assert f"{tmp_path / 'broken.yml'}, line 2: '2x' is not a valid variable name" in result.stderr
    assert f"{tmp_path / 'unparsable.yml'}, line 2: malformed YAML" in result.stderr
    assert "ok: " in result.stdout and "good.yml" in result.stdout


def test_apikey_prints_a_working_key(tmp_path):
    result = chambers("apikey", "ci", "--data", str(tmp_path))
    assert result.returncode == 0
    key = result.stdout.strip()
    assert len(key) >= 32
    from chambers.store.apikeys import ApiKeyRepository
    from chambers.store.db import Database
    assert ApiKeyRepository(Database(f"sqlite:///{tmp_path / 'chambers.db'}")).verify(key) is not None


def test_serve_refuses_a_missing_directory(tmp_path):
    result = chambers("serve", str(tmp_path / "nowhere"))
    assert result.returncode == 2 and "is not a directory" in result.stderr
