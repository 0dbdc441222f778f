"""The pages' message catalogues: complete in Russian, up to date with the code, and the
shipped .mo files are the compilation of their .po files (nothing compiles at run time)."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from isoflow.web import i18n

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "src" / "isoflow" / "web"
LANGS = [lang for lang in i18n.LANGUAGES if lang != i18n.DEFAULT]
KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}


def _messages_in_code() -> set[str]:
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    options = {"templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    found = set()
    for _file, _line, message, _comments, _ctx in extract_from_dir(
            str(WEB), method_map, options, keywords=KEYWORDS):
        found.add(message if isinstance(message, str) else message[0])
    return found


def _po(lang: str):  # type: ignore[no-untyped-def]
    with open(i18n.LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale=lang)


@pytest.mark.parametrize("lang", LANGS)
def test_every_message_of_the_pages_is_translated(lang: str) -> None:
    catalogue = _po(lang)

    def translated(message_id: str) -> bool:
        entry = catalogue.get(message_id)
        text = entry.string if entry is not None else None
        return all(text) if isinstance(text, tuple) else bool(text)

    missing = sorted(m for m in _messages_in_code() if not translated(m))
    assert not missing, f"{len(missing)} messages without a {lang} translation (run " \
                        f"`make messages` and translate): {missing[:20]}"


@pytest.mark.parametrize("lang", LANGS)
def test_the_shipped_mo_is_the_compiled_po(lang: str) -> None:
    def entries(catalogue) -> dict[object, object]:  # type: ignore[no-untyped-def]
        # plural ids and strings are tuples in a .po, lists in a .mo
        def key(x: object) -> object:
            return tuple(x) if isinstance(x, list) else x

        return {key(m.id): key(m.string) for m in catalogue if m.id and m.string}

    with open(i18n.LOCALE_DIR / lang / "LC_MESSAGES" / "messages.mo", "rb") as f:
        mo = entries(read_mo(f))
    assert mo == entries(_po(lang)), "run `make messages` to recompile"


@pytest.mark.parametrize("lang", LANGS)
def test_placeholders_survive_translation(lang: str) -> None:
    import re

    for m in _po(lang):
        if not m.id or not m.string:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        wanted = set(re.findall(r"%\((\w+)\)s", ids[-1]))
        for s in strings:
            assert set(re.findall(r"%\((\w+)\)s", s)) <= wanted | {"num"}, (m.id, s)
            assert wanted - {"num"} <= set(re.findall(r"%\((\w+)\)s", s)), (m.id, s)


def test_language_negotiation() -> None:
    assert i18n.negotiate(None, "ru-RU,ru;q=0.9,en;q=0.8") == "ru"
    assert i18n.negotiate(None, "de-DE,en;q=0.5,ru;q=0.7") == "ru"
    assert i18n.negotiate("en", "ru") == "en"
    assert i18n.negotiate(None, "fr, de") == "en"
    assert i18n.negotiate(None, None) == "en"
    assert i18n.negotiate("xx", "ru;q=0") == "en"


def test_activities_and_times_in_the_language() -> None:
    from datetime import UTC, datetime

    assert i18n.format_activity(7.77e9, "ru") == "7,77\u00a0ГБк"
    assert i18n.format_activity(7.77e9, "en") == "7.77\u00a0GBq"
    assert i18n.format_activity(370e6, "en") == "370\u00a0MBq"
    t = datetime(2026, 12, 5, 8, 5, tzinfo=UTC)
    assert i18n.format_datetime(t, "Asia/Bishkek", "en") == "Dec 5, 2026, 14:05 (Asia/Bishkek)"
    assert i18n.format_datetime(t, "Europe/Moscow", "ru").endswith("11:05 (Europe/Moscow)")


def test_the_fast_formatters_write_what_babel_writes() -> None:
    """i18n formats numbers and times by hand (Babel's general formatters cost a container
    page of 500 events most of its time): the same text as Babel, in every language."""
    import random
    from datetime import UTC, datetime, timedelta
    from math import floor, log10
    from zoneinfo import ZoneInfo

    from babel import Locale
    from babel.dates import format_datetime
    from babel.numbers import format_decimal

    rng = random.Random(7)
    for lang in i18n.LANGUAGES:
        for _ in range(3000):
            v = rng.choice((1, -1)) * 10 ** rng.uniform(-6, 14)
            decimals = max(0, 3 - floor(log10(abs(v))))
            pattern = f"#,##0.{'#' * decimals}" if decimals else "#,##0"
            assert i18n.format_number(v, lang) == format_decimal(round(v, decimals), pattern,
                                                                 locale=lang)
        medium = Locale.parse(lang).date_formats["medium"].pattern
        t = datetime(2026, 1, 1, tzinfo=UTC)
        for _ in range(300):
            t += timedelta(minutes=rng.uniform(1, 5000))
            for zone in ("Asia/Bishkek", "Europe/Moscow", "America/Havana"):
                babel = format_datetime(t, f"{medium}, HH:mm", tzinfo=ZoneInfo(zone),
                                        locale=lang)
                assert i18n.format_datetime(t, zone, lang) == f"{babel} ({zone})"
