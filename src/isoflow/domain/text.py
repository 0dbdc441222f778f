"""The one rule for free text a person types: names, labels, references, lot numbers, notes,
reasons, comments.

Every door applies the same rule: the API field types (isoflow.api.fields), the services
(so the command line and the web pages too) call :func:`clean_text`. A text

* is a ``str`` (never a number or a list taken for one);
* has no control character: no C0 (U+0000-U+001F), DEL (U+007F) or C1 (U+0080-U+009F), except
  tab and line feed in a multi-line text (a note, a reason), where CR LF and a lone CR become LF;
* has no bidirectional override or isolate (U+202A-U+202E, U+2066-U+2069: they make a label
  read differently from what is stored), no line or paragraph separator (U+2028, U+2029) and
  no unpaired surrogate (U+D800-U+DFFF, which no database encoding can store);
* is normalised to Unicode NFC (one spelling of ``é``) and trimmed of surrounding white space;
* is not empty when required, and at most ``max_length`` characters long (after the above).

Letters of every script stay allowed (Arabic, Cyrillic, CJK...), and so do the directional
marks U+200E/U+200F/U+061C that bidirectional text legitimately needs. The database never
sees a string it cannot store: PostgreSQL refuses NUL, and a surrogate cannot be encoded.

:func:`text_pattern` is the same rule as a regular expression (ECMA 262 and Python ``re``
alike) for the OpenAPI document, so a client learns it from the contract.
"""

from __future__ import annotations

import re
import unicodedata

from isoflow.errors import InvalidInput

#: Length limits of the free-text fields (the database columns are at least this long).
NAME_MAX = 200
LABEL_MAX = 200
REFERENCE_MAX = 100
USERNAME_MAX = 100
NOTE_MAX = 2000
REASON_MAX = 2000

# Regular-expression classes of the characters no text may contain (a multi-line text allows
# tab, LF and CR - CR is then folded to LF), and of the white space that trimming removes and
# that does not count as content (str.isspace, less what is forbidden anyway).
_FORBIDDEN_CLASS = r"\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069"
_FORBIDDEN_MULTILINE_CLASS = (r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e"
                              r"\u2066-\u2069")
_SPACE_CLASS = r"\x20\xa0\u1680\u2000-\u200a\u202f\u205f\u3000"
_BLANK_CLASS = r"\t\n\r" + _SPACE_CLASS
_SURROGATES = r"\ud800-\udfff"
_FORBIDDEN = re.compile(f"[{_FORBIDDEN_CLASS}{_SURROGATES}]")
_FORBIDDEN_MULTILINE = re.compile(f"[{_FORBIDDEN_MULTILINE_CLASS}{_SURROGATES}]")
_BLANK = re.compile(f"[{_BLANK_CLASS}]")


def _describe(c: str) -> str:
    o = ord(c)
    if c in "\n\r":
        return f"a line break (U+{o:04X})"
    if c == "\t":
        return "a tab (U+0009)"
    if 0xD800 <= o <= 0xDFFF:
        return f"an unpaired surrogate (U+{o:04X})"
    if o in (0x2028, 0x2029):
        return f"a line or paragraph separator (U+{o:04X})"
    if 0x202A <= o <= 0x202E or 0x2066 <= o <= 0x2069:
        return f"a bidirectional override or isolate (U+{o:04X})"
    return f"a control character (U+{o:04X})"


def text_problem(value: object, *, max_length: int, multiline: bool = False,
                 required: bool = True, spaces: bool = True) -> tuple[str, str | None]:
    """``(cleaned, None)`` for acceptable text, else ``("", why)`` - the rule of
    :func:`clean_text` without the field name, for callers that report the field themselves
    (the API's field types)."""
    if not isinstance(value, str):
        return "", f"must be text, not {type(value).__name__}"
    text = value
    if multiline and "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    bad = (_FORBIDDEN_MULTILINE if multiline else _FORBIDDEN).search(text)
    if bad is not None:
        where = " in a single line of text" if bad.group() in "\t\n\r" else ""
        return "", (f"contains {_describe(bad.group())} at character {bad.start() + 1}, "
                    f"which is not allowed{where}")
    text = unicodedata.normalize("NFC", text).strip()
    inner = None if spaces else _BLANK.search(text)
    if inner is not None:
        return "", (f"may not contain white space (U+{ord(inner.group()):04X} at character "
                    f"{inner.start() + 1} once trimmed)")
    if not text and required:
        return "", "may not be empty"
    if len(text) > max_length:
        return "", f"is {len(text)} characters long; at most {max_length} are allowed"
    return text, None


def clean_text(value: object, *, field: str, max_length: int, multiline: bool = False,
               required: bool = True, spaces: bool = True) -> str:
    """``value`` checked and normalised by the one free-text rule (module docstring):
    NFC, trimmed, no control/bidi/separator/surrogate characters (tab and newline only when
    ``multiline``), not empty if ``required``, at most ``max_length`` characters;
    ``spaces=False`` (a user name) refuses white space inside it. InvalidInput naming
    ``field`` otherwise."""
    text, problem = text_problem(value, max_length=max_length, multiline=multiline,
                                 required=required, spaces=spaces)
    if problem is not None:
        raise InvalidInput(f"{field} {problem}", field=field)
    return text


def clean_optional_text(value: object, *, field: str, max_length: int,
                        multiline: bool = False) -> str | None:
    """:func:`clean_text` for an optional text: None stays None, and so does one that is
    empty once trimmed."""
    if value is None:
        return None
    return clean_text(value, field=field, max_length=max_length, multiline=multiline,
                      required=False) or None


def text_pattern(*, multiline: bool = False, required: bool = True,
                 spaces: bool = True) -> str:
    """The rule as a regular expression over the text as sent (before NFC and trimming), in
    the subset ECMA 262 (JSON Schema) and Python ``re`` read alike: no forbidden character,
    and - when ``required`` - at least one that is not white space. ``spaces=False`` forbids
    white space inside (a user name). Unpaired surrogates are left out: they are not
    Unicode scalar values, so no JSON Schema validator can even be given one (the server
    refuses them all the same)."""
    forbidden = _FORBIDDEN_MULTILINE_CLASS if multiline else _FORBIDDEN_CLASS
    blank = _BLANK_CLASS
    if not spaces:
        return (f"^[{_SPACE_CLASS}]*[^{forbidden}{blank}]{'+' if required else '*'}"
                f"[{_SPACE_CLASS}]*$")
    if not required:
        return f"^[^{forbidden}]*$"
    return f"^[^{forbidden}]*[^{forbidden}{blank}][^{forbidden}]*$"
