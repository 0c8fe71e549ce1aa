"""The evaluation model: initial vs mandatory, seeking, later blocks winning, need, events."""
import pytest

from chambers.interview.errors import CircularLogic, InterviewCodeError, NoEndpoint, UndefinedVariable
from chambers.interview.outcomes import BackgroundResponse, Command, Response, TargetedTemplate
from chambers.interview.screen import Screen


def test_mandatory_code_seeks_a_question(interview):
    s = interview("""
        mandatory: True
        code: |
          greeting = "Hello " + name
          done_screen
        ---
        question: What is your name?
        fields:
          - Name: name
        ---
        event: done_screen
        question: ${ greeting }
        """)
    screen = s.run()
    assert isinstance(screen, Screen) and screen.question == "What is your name?"
    assert screen.event_list == ["name"]
    screen = s.run(set={"name": "Ada"})
    assert screen.question == "Hello Ada"


def test_later_block_wins(interview):
    s = interview("""
        mandatory: True
        question: ${ colour }
        ---
        code: colour = 'red'
        ---
        code: colour = 'blue'
        """)
    assert s.run().question == "blue"


def test_later_code_that_does_not_define_falls_back_to_earlier(interview):
    s = interview("""
        mandatory: True
        question: ${ colour }
        ---
        code: colour = 'red'
        ---
        code: |
          if False:
            colour = 'blue'
        """)
    assert s.run().question == "red"


def test_initial_runs_every_time_mandatory_once(interview):
    s = interview("""
        initial: True
        code: |
          initial_count = initial_count + 1 if defined('initial_count') else 1
        ---
        mandatory: True
        code: |
          mandatory_count = mandatory_count + 1 if defined('mandatory_count') else 1
        ---
        mandatory: True
        question: Hi
        subquestion: ${ initial_count } ${ mandatory_count }
        """)
    s.run()
    first = s.answers["initial_count"]
    s.run()
    assert s.answers["initial_count"] > first
    assert s.answers["mandatory_count"] == 1


def test_code_block_reruns_from_first_line_after_a_seek(interview):
    s = interview("""
        mandatory: True
        code: |
          tries = tries + 1 if defined('tries') else 1
          total = a + b
          final
        ---
        code: a = 1
        ---
        code: b = 2
        ---
        event: final
        question: ${ total } after ${ tries }
        """)
    screen = s.run()
    assert screen.question.startswith("3 after")
    assert s.answers["tries"] >= 3


def test_need_evaluates_in_order(interview):
    s = interview("""
        mandatory: True
        need:
          - first
          - second
        question: Done
        ---
        question: First?
        fields:
          - First: first
        ---
        question: Second?
        fields:
          - Second: second
        """)
    assert s.run().question == "First?"
    assert s.run(set={"first": "x"}).question == "Second?"
    assert s.run(set={"second": "y"}).question == "Done"


def test_event_action_runs_code_then_continues_with_mandatory_logic(interview):
    s = interview("""
        mandatory: True
        code: |
          counter = 0
        ---
        mandatory: True
        question: Count is ${ counter }
        ---
        event: bump
        code: |
          counter += 1
        """)
    s.run()
    screen = s.run(action="bump")
    assert screen.question == "Count is 1"
    assert s.answers["_internal"]["event_stack"]["browser"] == []


def test_event_question_is_shown_and_stays_on_the_stack(interview):
    s = interview("""
        mandatory: True
        question: Main
        ---
        event: side
        question: Side screen
        """)
    assert s.run(action="side").question == "Side screen"
    assert s.run().question == "Side screen"
    assert s.answers["_internal"]["event_stack"]["browser"][0]["action"] == "side"


def test_checkin_runs_do_not_push_events(interview):
    s = interview("""
        mandatory: True
        question: Main
        ---
        event: side
        question: Side screen
        """)
    s.run(action="side", checkin=True)
    assert s.run().question == "Main"


def test_action_arguments(interview):
    s = interview("""
        mandatory: True
        question: Main
        ---
        event: echo
        code: |
          background_response(action_argument('x'), action_argument('missing'), action_arguments())
        """)
    outcome = s.run(action="echo", arguments={"x": 1, "_initial": True, "_changed": "x"})
    assert isinstance(outcome, BackgroundResponse)
    assert outcome.payload == [1, None, {"x": 1}]


def test_unknown_action_is_forgiven(interview):
    s = interview("""
        mandatory: True
        question: Main
        """)
    assert s.run(action="no_such_event").question == "Main"


def test_stopping_functions(interview):
    s = interview("""
        mandatory: True
        question: Main
        ---
        event: plain
        code: response("hello")
        ---
        event: empty
        code: response()
        ---
        event: say_null
        code: response(null=True)
        ---
        event: leave_now
        code: command('leave')
        """)
    assert s.run(action="plain") == Response(body="hello")
    assert s.run(action="empty").body == "Empty Response"
    assert s.run(action="say_null").null
    assert s.run(action="leave_now") == Command(name="leave")


def test_background_response_payload_shapes(interview):
    s = interview("""
        mandatory: True
        question: Main
        ---
        event: shapes
        code: |
          kind = action_argument('kind')
          if kind == 'none':
            background_response()
          if kind == 'one':
            background_response(5)
          if kind == 'kw':
            background_response(target='t', content='c')
          if kind == 'both':
            background_response({'a': 1}, 'fields', extra=True)
        """)
    assert s.run(action="shapes", arguments={"kind": "none"}).payload == {}
    assert s.run(action="shapes", arguments={"kind": "one"}).payload == 5
    assert s.run(action="shapes", arguments={"kind": "kw"}).payload == {"target": "t", "content": "c"}
    assert s.run(action="shapes", arguments={"kind": "both"}).payload == {
        "pargs": [{"a": 1}, "fields"], "kwargs": {"extra": True}}


def test_targeted_template_ends_the_run_without_defining(interview):
    s = interview("""
        mandatory: True
        question: Main
        ---
        event: food
        code: |
          the_food = 'apples'
          message_text
        ---
        template: message_text
        content: |
          _What?_  You like ${ the_food.upper() }?
        target: feedback
        """)
    outcome = s.run(action="food", checkin=True)
    assert outcome == TargetedTemplate(target="feedback", content="_What?_  You like APPLES?")
    assert "message_text" not in s.answers


def test_reload_values(interview):
    s = interview("""
        mandatory: True
        question: Wait
        reload: True
        """)
    assert s.run().reload_ms == 10000
    s = interview("""
        mandatory: True
        question: Wait
        reload: 2
        """)
    assert s.run().reload_ms == 4000


def test_number_datatype_field_kinds(interview):
    s = interview("""
        mandatory: True
        question: Numbers
        fields:
          - Whole: a
            datatype: integer
          - Real: b
            datatype: number
          - Notes: c
            datatype: area
          - Pick: d
            input type: radio
            code: range(1, 4)
        """)
    screen = s.run()
    assert [f.widget for f in screen.fields] == ["number", "number", "area", "radio"]
    assert [c.value for c in screen.fields[3].choices] == [1, 2, 3]


def test_missing_variable_is_reported(interview):
    s = interview("""
        mandatory: True
        question: ${ nowhere }
        """)
    with pytest.raises(UndefinedVariable) as info:
        s.run()
    assert info.value.name == "nowhere"


def test_circular_definition_is_reported(interview):
    s = interview("""
        mandatory: True
        question: ${ x }
        ---
        code: x = y
        ---
        code: y = x
        """)
    with pytest.raises(CircularLogic):
        s.run()


def test_errors_in_code_name_the_block(interview):
    s = interview("""
        mandatory: True
        code: |
          1 / 0
        """)
    with pytest.raises(InterviewCodeError) as info:
        s.run()
    assert "ZeroDivisionError" in str(info.value) and "line 1" in str(info.value)


def test_interview_without_screen(interview):
    s = interview("""
        mandatory: True
        code: x = 1
        """)
    with pytest.raises(NoEndpoint):
        s.run()


def test_explicit_process_action_position(interview):
    s = interview("""
        initial: True
        code: |
          if user_has_privilege('cron'):
            process_action()
        ---
        mandatory: True
        question: Main
        ---
        event: bump
        code: |
          bumped = True
        """)
    s.run(action="bump")
    assert "bumped" not in s.answers
