"""Bad interview files give clear errors naming the file and line."""
import textwrap

import pytest

from chambers.interview.errors import InterviewSourceError
from chambers.interview.loader import load_text


def load(source):
    return load_text(textwrap.dedent(source), path="bad.yml")


@pytest.mark.parametrize("source, message, line", [
    ("question: [unclosed\n", "malformed YAML", 2),
    ("---\nquestion: Hi\nfields:\n  - Name: 1abc\n", "'1abc' is not a valid variable name", 3),
    ("question: Hi\nfeilds:\n  - Name: x\n", "unknown specifier 'feilds'", 2),
    ("something: else\n", "unknown kind of block", 1),
    ("code: |\n  x = (\n", "Python syntax error", None),
    ("question: Hi\nfields:\n  - Age: age\n    datatype: years\n", "unknown datatype 'years'", 2),
    ("event: 'not valid'\nquestion: Hi\n", "not a valid event name", 1),
    ("- just\n- a list\n", "must be a mapping", 1),
])
def test_errors_name_file_and_line(source, message, line):
    with pytest.raises(InterviewSourceError) as info:
        load(source)
    assert message in str(info.value)
    assert info.value.path == "bad.yml"
    if line is not None:
        assert info.value.line == line


def test_block_names_are_stable():
    interview = load("""
        metadata:
          title: T
        ---
        mandatory: True
        code: x = 1
        ---
        id: the end
        question: End
        """)
    assert [b.name for b in interview.blocks] == ["Question_0", "ID the end"]


def test_default_role_may_share_a_block_with_code():
    interview = load("""
        default role: client
        code: |
          role = 'client'
        """)
    assert interview.default_role == "client"
    assert interview.blocks[0].defines() == {"role"}
