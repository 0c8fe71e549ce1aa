"""Mako and Markdown rendering of interview text."""
from __future__ import annotations

import types

import pytest
import yaml

from chambers.interview.markup import markdown_to_html, render_mako, target_name, undefined_name


# -- Mako ---------------------------------------------------------------------------------------

def test_expressions_and_control_lines():
    text = "Hello ${ name }.\n% if count > 1:\nMany.\n% else:\nOne.\n% endif\n% for x in items:\n* ${ x }\n% endfor\n"
    assert render_mako(text, {"name": "Ann", "count": 2, "items": ["a", "b"]}) == "Hello Ann.\nMany.\n* a\n* b"


def test_trailing_whitespace_is_stripped_and_plain_text_passes_through():
    assert render_mako("just words  \n\n", {}) == "just words"
    assert render_mako("${ 1 + 1 }   \n ", {}) == "2"


def test_builtins_are_available():
    assert render_mako("${ len(things) } ${ str(sorted(things)) }", {"things": [2, 1]}) == "2 [1, 2]"


def test_undefined_name_raises_plain_name_error_with_name():
    with pytest.raises(NameError) as caught:
        render_mako("Dear ${ sweetheart },", {})
    assert type(caught.value) is NameError
    assert caught.value.name == "sweetheart"
    assert undefined_name(caught.value) == "sweetheart"


def test_undefined_name_in_condition():
    with pytest.raises(NameError) as caught:
        render_mako("% if likes_apples:\nyes\n% endif", {})
    assert caught.value.name == "likes_apples"


def test_name_in_branch_not_taken_is_not_sought():
    text = "% if known:\n${ unknown }\n% else:\nfallback\n% endif"
    assert render_mako(text, {"known": False}) == "fallback"


def test_first_undefined_name_in_evaluation_order():
    with pytest.raises(NameError) as caught:
        render_mako("${ first } ${ second }", {})
    assert caught.value.name == "first"


def test_undefined_argument_fails_before_the_function_runs():
    calls = []
    with pytest.raises(NameError) as caught:
        render_mako("${ record(missing) }", {"record": calls.append})
    assert caught.value.name == "missing"
    assert calls == []


def test_undefined_name_inside_comprehension_and_def():
    with pytest.raises(NameError) as caught:
        render_mako("${ [y for y in items if y > limit] }", {"items": [1]})
    assert caught.value.name == "limit"
    with pytest.raises(NameError) as caught:
        render_mako("<%def name='greet()'>${ who }</%def>${ greet() }", {})
    assert caught.value.name == "who"


def test_name_error_raised_by_called_code_keeps_its_name():
    def seek():
        raise NameError("name 'deep.thing' is not defined", name="deep.thing")

    with pytest.raises(NameError) as caught:
        render_mako("${ seek() }", {"seek": seek})
    assert caught.value.name == "deep.thing"


def test_interview_variables_may_use_mako_and_context_names():
    ns = {"buffer": "B", "writer": "W", "loop": "ignored", "context": "ignored", "__builtins__": {}}
    assert render_mako("${ buffer } ${ writer }", ns) == "B W"


def test_percent_in_the_middle_of_a_line_is_text():
    assert render_mako("Save 50% today, ${ who }", {"who": "Bo"}) == "Save 50% today, Bo"
    assert render_mako("%% literal", {}) == "% literal"


def test_indented_control_lines_as_in_email_to_case_simple(docassemble_examples):
    blocks = list(yaml.safe_load_all((docassemble_examples / "email-to-case-simple.yml").read_text()))
    subquestion = next(b["subquestion"] for b in blocks if b and "E-mails sent to case" in str(b.get("question")))
    mail = types.SimpleNamespace
    records = [mail(address="a@x.test", emails=[mail(subject="Hello"), mail(subject="Again")]),
               mail(address="b@x.test", emails=[])]
    ns = {"interview_email": lambda: "case-1@x.test", "get_emails": lambda: records}
    rendered = render_mako(subquestion, ns)
    assert "Send an e-mail to\ncase-1@x.test\nand click Refresh." in rendered
    assert "to a@x.test:\n\n* Hello\n* Again" in rendered
    assert "b@x.test" not in rendered
    assert "%" not in rendered


def test_compiled_templates_are_cached():
    from chambers.interview import markup
    markup._compiled.cache_clear()
    for _ in range(3):
        render_mako("${ x }!", {"x": 1})
    info = markup._compiled.cache_info()
    assert info.misses == 1 and info.hits == 2 and info.maxsize is not None


# -- undefined_name ---------------------------------------------------------------------------

def test_undefined_name_reads_messages():
    assert undefined_name(NameError("name 'a_b' is not defined")) == "a_b"
    assert undefined_name(NameError("'mako_name' is not defined")) == "mako_name"
    assert undefined_name(UnboundLocalError(
        "cannot access local variable 'loc' where it is not associated with a value")) == "loc"
    assert undefined_name(ValueError("name 'x' is not defined")) is None
    assert undefined_name(NameError("something else")) is None


def test_undefined_name_for_attribute_errors():
    class Thing:
        pass

    thing = Thing()
    thing.instanceName = "client"
    try:
        thing.address
    except AttributeError as exc:
        assert undefined_name(exc) == "client.address"
    try:
        object().colour
    except AttributeError as exc:
        assert undefined_name(exc) == "colour"
    assert undefined_name(AttributeError("'X' object has no attribute 'size'")) == "size"


# -- Markdown ---------------------------------------------------------------------------------

def test_markdown_basics():
    html = markdown_to_html("_em_ and **strong**\n\n> quoted\n\n* one\n* two\n\nText.\n\n    code here\n\n```\nfenced\n```")
    assert "<p><em>em</em> and <strong>strong</strong></p>" in html
    assert "<blockquote>\n<p>quoted</p>\n</blockquote>" in html
    assert "<ul>\n<li>one</li>\n<li>two</li>\n</ul>" in html
    assert "<pre><code>code here\n</code></pre>" in html
    assert "<pre><code>fenced\n</code></pre>" in html


def test_no_smart_quotes_and_newlines_stay():
    assert markdown_to_html('"quoted" -- it\'s\nnext') == '<p>"quoted" -- it\'s\nnext</p>'


def test_strip_outer_paragraph_matches_docassemble_example():
    html = markdown_to_html("_What?_  You like\nAPPLES?", strip_outer_paragraph=True)
    assert html == "<em>What?</em>  You like\nAPPLES?"


def test_strip_outer_paragraph_joins_paragraphs_and_keeps_other_blocks():
    assert markdown_to_html("one\n\ntwo\n\nthree", strip_outer_paragraph=True) == "one two three"
    listed = markdown_to_html("intro\n\n* item", strip_outer_paragraph=True)
    assert listed.startswith("<p>intro</p>") and "<li>item</li>" in listed
    assert markdown_to_html("", strip_outer_paragraph=True) == ""


def test_target_areas():
    html = markdown_to_html("Type here.\n\n[TARGET feedback]")
    assert '<span class="datargetfeedback"></span>' in html
    assert "[TARGET" not in html
    inline = markdown_to_html("a [TARGET my-area_2!] b", strip_outer_paragraph=True)
    assert inline == 'a <span class="datargetmyarea_2"></span> b'
    assert target_name(" top area ") == "toparea"


def test_target_name_with_underscores_is_not_emphasis():
    html = markdown_to_html("[TARGET _a_] and [TARGET _b_]", strip_outer_paragraph=True)
    assert html == '<span class="datarget_a_"></span> and <span class="datarget_b_"></span>'
