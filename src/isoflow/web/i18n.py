"""Languages of the pages: Babel message catalogues shipped in the package, the language of a
request, and dates, times, numbers and activities written in it.

Catalogues are compiled when they are written (``make messages``: extract, update, compile)
and shipped as ``web/locale/<lang>/LC_MESSAGES/messages.mo``; a test checks that every .mo
is the compilation of its .po, so nothing needs Babel's tools at run time. The language of a
request is the user's preference, else the browser's ``Accept-Language``, else English
(:func:`negotiate`). API error messages stay English; page text is translated.
"""

from __future__ import annotations

from contextvars import ContextVar
from datetime import date, datetime
from functools import cache, lru_cache
from math import floor, log10
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date
from babel.numbers import get_decimal_symbol, get_group_symbol, get_minus_sign_symbol
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES: dict[str, str] = {"en": "English", "ru": "Русский"}
DEFAULT = "en"
#: Right-to-left languages (Arabic comes next; layouts use logical CSS properties).
RTL = frozenset({"ar", "he", "fa"})

_current: ContextVar[str] = ContextVar("isoflow_language", default=DEFAULT)


@cache
def translations(lang: str) -> NullTranslations:
    if lang == DEFAULT:
        return NullTranslations()
    return Translations.load(str(LOCALE_DIR), [lang], domain="messages")


def use(lang: str) -> None:
    """Set the language of what the current request renders."""
    _current.set(lang if lang in LANGUAGES else DEFAULT)


def current() -> str:
    return _current.get()


def gettext(message: str, **variables: object) -> str:
    text = translations(_current.get()).gettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, **variables: object) -> str:
    text = translations(_current.get()).ngettext(singular, plural, n)
    return text % {"num": n, **variables}


_ = gettext


def negotiate(preference: str | None, accept_language: str | None) -> str:
    """The user's preference if we have it, else the best of ``Accept-Language`` (q-values
    honoured, ``ru-RU`` matches ``ru``), else English."""
    if preference in LANGUAGES:
        return preference
    wanted: list[tuple[float, int, str]] = []
    for i, part in enumerate((accept_language or "").split(",")):
        tag, _sep, params = part.strip().partition(";")
        q = 1.0
        for p in params.split(";"):
            k, _eq, v = p.strip().partition("=")
            if k == "q":
                try:
                    q = float(v)
                except ValueError:
                    q = 0.0
        if tag and q > 0:
            wanted.append((-q, i, tag.strip().lower()))
    for _q, _i, tag in sorted(wanted):
        base = tag.split("-")[0]
        if base in LANGUAGES:
            return base
    return DEFAULT


def direction(lang: str) -> str:
    return "rtl" if lang in RTL else "ltr"


# ------------------------------------------------------------------ writing values
# A container page writes a thousand and more numbers and times (500 events, its chart's hover
# texts); Babel's general formatters take 60-90 us each, these 1-3 us. They write exactly what
# Babel writes (tests/web/test_catalogues.py compares them over many values).
_PREFIXES = ((1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"), (1.0, ""))
#: SI prefixes and the becquerel as each language writes them (ГОСТ 8.417: Бк, кБк, МБк...).
_SYMBOLS = {
    "en": {"P": "PBq", "T": "TBq", "G": "GBq", "M": "MBq", "k": "kBq", "": "Bq"},
    "ru": {"P": "ПБк", "T": "ТБк", "G": "ГБк", "M": "МБк", "k": "кБк", "": "Бк"},
}


@cache
def _number_symbols(lang: str) -> tuple[str, str, str]:
    return get_decimal_symbol(lang), get_group_symbol(lang), get_minus_sign_symbol(lang)


def format_number(value: float, lang: str | None = None, *, digits: int = 4) -> str:
    """``value`` with ``digits`` significant digits in the language's notation
    ('1,234.5'; '1 234,5' in Russian)."""
    if value == 0:
        return "0"
    dec, grp, minus = _number_symbols(lang or current())
    decimals = max(0, digits - 1 - floor(log10(abs(value))))
    text = f"{abs(round(value, decimals)):,.{decimals}f}"
    if decimals:
        text = text.rstrip("0").rstrip(".")
    text = text.replace(",", "\0").replace(".", dec).replace("\0", grp)
    return minus + text if value < 0 and text != "0" else text


def format_activity(activity_bq: float, lang: str | None = None, *, digits: int = 4) -> str:
    """An activity [Bq] with the largest SI prefix that leaves at least 1: '7.77 GBq',
    '7,77 ГБк'."""
    lang = lang or current()
    symbols = _SYMBOLS.get(lang, _SYMBOLS["en"])
    a = abs(activity_bq)
    for factor, prefix in _PREFIXES:
        if a >= factor or factor == 1.0:
            return f"{format_number(activity_bq / factor, lang, digits=digits)}\u00a0" \
                   f"{symbols[prefix]}"
    raise AssertionError("unreachable")


@lru_cache(maxsize=4096)
def _medium_date(day: date, lang: str) -> str:
    return format_date(day, "medium", locale=lang)


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def format_datetime(value: datetime | None, zone: str, lang: str | None = None, *,
                    seconds: bool = False) -> str:
    """``value`` in the site's time zone, the language's medium date and the time, the zone
    named: 'Dec 5, 2026, 14:05 (Asia/Bishkek)', '5 дек. 2026 г., 14:05 (Asia/Bishkek)'."""
    if value is None:
        return "—"
    local = value.astimezone(_zone(zone))
    clock = f"{local:%H:%M:%S}" if seconds else f"{local:%H:%M}"
    return f"{_medium_date(local.date(), lang or current())}, {clock} ({zone})"


def input_datetime(value: datetime, zone: str) -> str:
    """``value`` as the pages' time fields take it back: '2026-12-05T14:05 Asia/Bishkek'."""
    local = value.astimezone(ZoneInfo(zone))
    return f"{local:%Y-%m-%dT%H:%M} {zone}"
