"""The one free-text rule (issue 13 item 2): isoflow.domain.text, and its regular expression
for the OpenAPI document, which must say exactly what the rule refuses."""

from __future__ import annotations

import re

import jsonschema_rs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from isoflow.domain.text import clean_optional_text, clean_text, text_pattern, text_problem
from isoflow.errors import InvalidInput


def test_names_of_every_script_are_kept_normalised_and_trimmed() -> None:
    assert clean_text("  Больница №1 ", field="name", max_length=200) == "Больница №1"
    assert clean_text("مستشفى الأورام", field="name", max_length=200) == "مستشفى الأورام"
    # the Arabic letter mark and the LRM/RLM that bidirectional text needs stay allowed
    assert clean_text("رقم\u061c 12\u200f", field="name", max_length=200) == "رقم\u061c 12\u200f"
    # one spelling of é: NFC (e + combining acute -> é)
    assert clean_text("Cafe\u0301", field="name", max_length=200) == "Caf\u00e9"


@pytest.mark.parametrize(("text", "fragment"), [
    ("vial\x00", "control character (U+0000)"),
    ("vial\x1b[31m", "control character (U+001B)"),
    ("vial\x7f", "control character (U+007F)"),
    ("vial\x85", "control character (U+0085)"),
    ("abc\u202egpj.exe", "bidirectional override or isolate (U+202E)"),
    ("\u2066isolate\u2069", "bidirectional override or isolate (U+2066)"),
    ("line\u2028separator", "line or paragraph separator (U+2028)"),
    ("two\nlines", "line break (U+000A)"),
    ("tab\there", "a tab (U+0009)"),
    ("lone \ud800 surrogate", "unpaired surrogate (U+D800)"),
    ("   ", "may not be empty"),
    ("x" * 201, "at most 200"),
])
def test_a_name_refuses(text: str, fragment: str) -> None:
    with pytest.raises(InvalidInput, match=re.escape(fragment)) as exc:
        clean_text(text, field="label", max_length=200)
    assert exc.value.field == "label" and exc.value.message.startswith("label ")


def test_a_note_has_lines_and_tabs_but_no_other_control() -> None:
    note = clean_text(" first\r\n\tsecond\rthird \n", field="note", max_length=2000,
                      multiline=True)
    assert note == "first\n\tsecond\nthird"
    with pytest.raises(InvalidInput, match="U\\+0000"):
        clean_text("a\nb\x00", field="note", max_length=2000, multiline=True)
    with pytest.raises(InvalidInput, match="U\\+202E"):
        clean_text("a\n\u202eb", field="note", max_length=2000, multiline=True)


def test_optional_and_required_and_not_text() -> None:
    assert clean_optional_text(None, field="note", max_length=10) is None
    assert clean_optional_text("  ", field="note", max_length=10) is None
    assert clean_text("", field="reference", max_length=10, required=False) == ""
    with pytest.raises(InvalidInput, match="must be text, not int"):
        clean_text(5, field="name", max_length=10)
    # the length counts after NFC and trimming
    assert clean_text("  " + "e\u0301" * 10 + "  ", field="name", max_length=10) == "\u00e9" * 10


def test_a_user_name_has_no_space_inside() -> None:
    assert clean_text(" alpha-admin ", field="username", max_length=100,
                      spaces=False) == "alpha-admin"
    with pytest.raises(InvalidInput, match="white space"):
        clean_text("two words", field="username", max_length=100, spaces=False)
    with pytest.raises(InvalidInput, match="white space"):
        clean_text("no\u00a0break", field="username", max_length=100, spaces=False)


# The pattern, read as JSON Schema reads it (ECMA 262, as schemathesis and clients do), must
# accept exactly what the rule accepts (length aside: maxLength states that).
INTERESTING = st.sampled_from([
    *"aZ09 é€Жي\t\n\r\x00\x1f\x7f\x85\x9f\xa0\u1680\u2000\u200a\u200b\u200e\u202a\u202e",
    *"\u202f\u2028\u2029\u205f\u2066\u2069\u3000\ufeff\U0001f600"])
TEXTS = st.lists(INTERESTING, max_size=8).map("".join) | st.text(max_size=12)


@pytest.mark.parametrize(("multiline", "required", "spaces"), [
    (False, True, True), (False, False, True), (True, True, True), (True, False, True),
    (False, True, False)])
@settings(max_examples=300, deadline=None)
@given(text=TEXTS)
def test_the_pattern_says_what_the_rule_accepts(text: str, multiline: bool, required: bool,
                                                spaces: bool) -> None:
    pattern = text_pattern(multiline=multiline, required=required, spaces=spaces)
    schema = jsonschema_rs.validator_for({"type": "string", "pattern": pattern})
    _, problem = text_problem(text, max_length=10_000, multiline=multiline, required=required,
                              spaces=spaces)
    assert schema.is_valid(text) == (problem is None), (text, problem)
