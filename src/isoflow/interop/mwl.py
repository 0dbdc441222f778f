"""DICOM Modality Worklist SCP (Basic Worklist Management, C-FIND, SOP class
1.2.840.10008.5.1.4.31) for the gamma cameras of the department (issue #10).

The camera (SCU) associates with its AE title; the title must be an active camera registered in
the database (looked up on every association, so a camera added or deactivated while the server
runs counts at once), else the association is rejected (A-ASSOCIATE-RJ: rejected permanent,
DUL service user, "calling AE title not recognised"); the called AE title must be ours
("called AE title not recognised"). A query is answered with the appointments of the calling
camera's SITE that are neither cancelled nor completed.

Choices (documented for the conformance statement):

* **SPS Start Date/Time** (0040,0002/0003) is the IMAGING start = injection time
  (``Appointment.scheduled_at``) + the procedure's ``uptake_min``, as local date and time of
  the site's zone. The injection itself is the Radiopharmaceutical Start Time (0018,1072) /
  Start DateTime (0018,1078), local, in the Radiopharmaceutical Information Sequence
  (0054,0016), returned at the top level of the item as the NM image carries it.
* **Date/time ranges** are read in the site's zone; SPS Start Date and Time are matched
  combined (PS3.4 C.2.2.2.5.1): ``20261207-20261209`` with time ``0800-1200`` is 7 Dec 08:00
  to 9 Dec 12:00; a time range without a date matches the time of day on any date. An upper
  time bound is inclusive to its precision (``1200`` includes 12:00:59).
* **Wildcards** ``*`` and ``?`` on the VRs that allow them (AE, CS, LO, LT, PN, SH, ST, UC,
  UT); Person Names are matched case-insensitively (optional in the standard), other text
  case-sensitively; ``*`` alone is universal. UIDs: list-of-UID matching. An empty key is
  universal matching; a sequence key matches when one item of the sequence matches all its
  keys (a sequence of empty return keys only is universal; zero items asks for every
  attribute of its items). A non-empty key on an attribute the worklist does not hold matches
  nothing. No date key: every open step of the site, whatever its date.
* **Study Instance UID** = ``2.25.`` + the integer of ``uuid5(ISOFLOW_MWL_NAMESPACE,
  "isoflow/accession/" + accession number)``: the same accession gives the same UID on every
  query and server (PS3.5 B.2: a UUID-derived UID). Requested Procedure ID and SPS ID = the
  accession number.
* **Radionuclide Total Dose** (0018,1074) in MBq (NM, PS3.3 C.8.4.10.1.7) = the
  prescription's activity; absent (empty) until prescribed. Pre-Medication (0040,0012) =
  "<radiopharmaceutical> <MBq> MBq". Radionuclide Code Sequence: SNOMED CT codes of DICOM
  CID 18 (from pydicom's code dictionary), omitted for nuclides not in it.
* Specific Character Set is always returned, ISO_IR 192 (UTF-8): names may be Cyrillic.
"""

from __future__ import annotations

import contextlib
import logging
import re
import socket
import struct
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from time import perf_counter
from typing import Any
from zoneinfo import ZoneInfo

from pydicom.dataelem import DataElement, RawDataElement
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence
from pydicom.tag import BaseTag
from sqlalchemy import and_, func, select

from isoflow.errors import InvalidInput
from isoflow.store.department_models import Appointment, Camera, Patient, Prescription, Procedure
from isoflow.store.models import Site

LOGGER = logging.getLogger("isoflow.mwl")

MWL_FIND = "1.2.840.10008.5.1.4.31"
#: namespace of the accession -> Study Instance UID derivation (fixed forever)
ISOFLOW_MWL_NAMESPACE = uuid.UUID("6f1c3c52-2d8e-5a57-9a51-4d2b2f0e1a10")
CHARSET = "ISO_IR 192"
EXCLUDED = ("cancelled", "completed")
WILDCARD_VRS = frozenset({"AE", "CS", "LO", "LT", "PN", "SH", "ST", "UC", "UT"})
SPS = "ScheduledProcedureStepSequence"
RPH = "RadiopharmaceuticalInformationSequence"
_SPS_DATE, _SPS_TIME = "ScheduledProcedureStepStartDate", "ScheduledProcedureStepStartTime"
_ELEMENTS = {"H": "Hydrogen", "C": "Carbon", "N": "Nitrogen", "O": "Oxygen", "F": "Fluorine",
             "Cr": "Chromium", "Co": "Cobalt", "Ga": "Gallium", "Kr": "Krypton",
             "Rb": "Rubidium", "Sr": "Strontium", "Y": "Yttrium", "Tc": "Technetium",
             "In": "Indium", "I": "Iodine", "Xe": "Xenon", "Sm": "Samarium",
             "Lu": "Lutetium", "Tl": "Thallium", "Ra": "Radium", "Er": "Erbium",
             "Re": "Rhenium", "P": "Phosphorus", "Cu": "Copper", "Zr": "Zirconium"}


class CallingAENotRecognised(Exception):
    """The calling AE title is not an active camera registered in the database."""


@dataclass(frozen=True)
class CallingCamera:
    camera_id: int
    org_id: int
    site_id: int
    zone: ZoneInfo
    #: the longest uptake of the organisation's procedures [min]: an appointment injected
    #: this long before a window's start may still image within it
    max_uptake_min: int = 0


# ---- the query layer ------------------------------------------------------------------------


_MAX_UPTAKE = (select(func.max(Procedure.uptake_min))
               .where(Procedure.org_id == Camera.org_id).scalar_subquery())
_CAMERA_Q = (select(Camera.id, Camera.org_id, Camera.site_id, Site.timezone, _MAX_UPTAKE)
             .join(Site, Site.id == Camera.site_id)
             .where(Camera.active.is_(True)))


def calling_camera(db: Any, calling_ae: str) -> CallingCamera:
    """The active camera whose AE title is ``calling_ae``; raises CallingAENotRecognised."""
    ae = (calling_ae or "").strip()
    if not ae:
        raise CallingAENotRecognised(calling_ae)
    with db.read_rows() as c:
        row = c.execute(_CAMERA_Q.where(Camera.ae_title == ae)).first()
    if row is None:
        raise CallingAENotRecognised(ae)
    return CallingCamera(row[0], row[1], row[2], ZoneInfo(row[3]), int(row[4] or 0))


def study_uid(accession_number: str) -> str:
    """The Study Instance UID of an accession: 2.25.<uuid5 integer> (deterministic)."""
    return "2.25." + str(uuid.uuid5(ISOFLOW_MWL_NAMESPACE,
                                    "isoflow/accession/" + accession_number).int)


@lru_cache(maxsize=64)
def radionuclide_code(nuclide: str) -> tuple[str, str, str] | None:
    """(value, scheme, meaning) of the DICOM CID 18 code of e.g. "Tc-99m", or None."""
    m = re.fullmatch(r"([A-Z][a-z]?)-(\d+)(m?)", nuclide.strip())
    if m is None or m[1] not in _ELEMENTS:
        return None
    try:
        from pydicom.sr.codedict import codes

        code = getattr(codes.cid18, f"_{m[2]}{m[3]}{_ELEMENTS[m[1]]}")
    except AttributeError:
        return None
    return str(code.value), str(code.scheme_designator), str(code.meaning)


def _ds(value: float) -> str:
    text = f"{value:.6g}"
    return text if len(text) <= 16 else f"{value:.4e}"


def _da(d: date | datetime) -> str:
    return d.strftime("%Y%m%d")


def _tm(t: datetime) -> str:
    return t.strftime("%H%M%S")


# -- parsing of DA/TM keys and ranges ---------------------------------------------------------


def _parse_date(text: str, field: str) -> date:
    try:
        return datetime.strptime(text.strip().replace(".", ""), "%Y%m%d").date()
    except ValueError:
        raise InvalidInput(f"{field}: not a DICOM date (YYYYMMDD): {text!r}",
                           field=field) from None


def _parse_time(text: str, field: str, *, upper: bool) -> time:
    t = text.strip().replace(":", "")
    m = re.fullmatch(r"(\d\d)(\d\d)?(\d\d)?(?:\.(\d{1,6}))?", t)
    if m is None or int(m[1]) > 23 or int(m[2] or 0) > 59 or int(m[3] or 0) > 60:
        raise InvalidInput(f"{field}: not a DICOM time (HHMMSS): {text!r}", field=field)
    h, mi, s = int(m[1]), m[2], m[3]
    if upper:  # inclusive to the precision given
        frac = int((m[4] or "").ljust(6, "9")) if m[4] else 999999
        return time(h, 59 if mi is None else int(mi), 59 if s is None else min(int(s), 59),
                    frac)
    frac = int(m[4].ljust(6, "0")) if m[4] else 0
    return time(h, int(mi or 0), min(int(s or 0), 59), frac)


def _range(text: str | None) -> tuple[str | None, str | None] | None:
    """None for universal matching, else (low, high) with None for an open end."""
    if text is None:
        return None
    t = str(text).strip()
    if not t or t == "*":
        return None
    if "-" in t:
        lo, _, hi = t.partition("-")
        return (lo.strip() or None, hi.strip() or None)
    return (t, t)


@dataclass(frozen=True)
class StartWindow:
    """The SPS start date/time keys: a local [low, high] datetime window (either end open),
    and/or a time-of-day window when only the time was given."""

    low: datetime | None = None
    high: datetime | None = None
    day_low: time | None = None
    day_high: time | None = None
    given: bool = False

    def contains(self, local: datetime) -> bool:
        if self.low is not None and local < self.low:
            return False
        if self.high is not None and local > self.high:
            return False
        t = local.time()
        if self.day_low is not None and t < self.day_low:
            return False
        return not (self.day_high is not None and t > self.day_high)


def start_window(date_key: str | None, time_key: str | None) -> StartWindow:
    """PS3.4 C.2.2.2.5.1 combined date-time range matching of SPS Start Date and Time."""
    return _start_window(None if date_key is None else str(date_key),
                         None if time_key is None else str(time_key))


@lru_cache(maxsize=256)
def _start_window(date_key: str | None, time_key: str | None) -> StartWindow:
    dr = _range(date_key)
    tr = _range(time_key)
    if dr is None and tr is None:
        return StartWindow()
    t_lo = None if tr is None or tr[0] is None else _parse_time(tr[0], _SPS_TIME, upper=False)
    t_hi = None if tr is None or tr[1] is None else _parse_time(tr[1], _SPS_TIME, upper=True)
    if dr is None:
        return StartWindow(day_low=t_lo, day_high=t_hi, given=True)
    d_lo = None if dr[0] is None else _parse_date(dr[0], _SPS_DATE)
    d_hi = None if dr[1] is None else _parse_date(dr[1], _SPS_DATE)
    low = None if d_lo is None else datetime.combine(d_lo, t_lo or time.min)
    high = None if d_hi is None else datetime.combine(d_hi, t_hi or time.max)
    if d_lo is None and t_lo is not None:  # "-20261209" with "0800-": time of day too
        return StartWindow(None, high, day_low=t_lo, given=True)
    if d_hi is None and t_hi is not None:
        return StartWindow(low, None, day_high=t_hi, given=True)
    return StartWindow(low, high, given=True)


# -- attribute matching -------------------------------------------------------------------------


_PATTERNS: dict[tuple[str, bool], re.Pattern[str]] = {}


def _wildcard(pattern: str, folded: bool) -> re.Pattern[str]:
    key = (pattern, folded)
    rx = _PATTERNS.get(key)
    if rx is None:
        body = "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch)
                       for ch in pattern)
        rx = re.compile(body, re.DOTALL | (re.IGNORECASE if folded else 0))
        if len(_PATTERNS) < 4096:
            _PATTERNS[key] = rx
    return rx


def _text(value: Any) -> str:
    if value is None:
        return ""
    return str(value).strip()


def value_matches(vr: str, key: Any, value: Any) -> bool:
    """Matching of one non-sequence key against the item's value (the key is not empty)."""
    if vr in WILDCARD_VRS and isinstance(key, str) and key.strip() and \
            key.strip().strip("*") == "":
        return True  # "*" alone is universal matching (PS3.4 C.2.2.2.4)
    if value is None or value == "":
        return False
    if vr == "UI":
        uids = ([str(u).strip() for u in key] if not isinstance(key, str)
                else [u.strip() for u in key.split("\\")])
        return str(value) in uids
    k = _text(key)
    if vr in ("DS", "IS", "FL", "FD", "US", "UL", "SS", "SL"):
        try:
            return float(k) == float(value)
        except ValueError:
            return False
    if vr == "DA":
        r = _range(k)
        if r is None:
            return True
        v = str(value)
        return (r[0] is None or v >= r[0]) and (r[1] is None or v <= r[1])
    if vr == "TM":
        r = _range(k)
        if r is None:
            return True
        tv = _parse_time(str(value), "TM", upper=False)
        return ((r[0] is None or tv >= _parse_time(r[0], "TM", upper=False))
                and (r[1] is None or tv <= _parse_time(r[1], "TM", upper=True)))
    folded = vr == "PN"
    v = _text(value)
    if vr in WILDCARD_VRS and ("*" in k or "?" in k):
        return _wildcard(k, folded).fullmatch(v) is not None
    return v.casefold() == k.casefold() if folded else v == k


def _is_empty(elem: Any) -> bool:
    v = elem.value
    return v is None or v == "" or (isinstance(v, (list, Sequence)) and len(v) == 0)


def _has_matching_keys(keys: Dataset) -> bool:
    """Does the (sequence item) identifier hold a non-empty key, at any depth?"""
    for elem in keys:
        if elem.keyword == "SpecificCharacterSet" or _is_empty(elem):
            continue
        if elem.VR != "SQ" or any(_has_matching_keys(q) for q in elem.value):
            return True
    return False


def _match_item(keys: Dataset, item: dict[str, Any], *, sps: bool = False) -> bool:
    window = None
    for elem in keys:
        kw = elem.keyword
        if kw == "SpecificCharacterSet" or _is_empty(elem):
            continue
        if elem.VR == "SQ" and not any(_has_matching_keys(q) for q in elem.value):
            continue  # return keys only: universal matching of the sequence
        if sps and kw in (_SPS_DATE, _SPS_TIME):
            if window is None:
                window = start_window(keys.get(_SPS_DATE), keys.get(_SPS_TIME))
                if not window.contains(item["_start"]):
                    return False
            continue
        if elem.VR == "SQ":
            sub = item.get(kw)
            if not sub:
                return False
            if not any(_match_item(q, s, sps=kw == SPS) for q in elem.value for s in sub):
                return False
            continue
        if not value_matches(elem.VR, elem.value, item.get(kw)):
            return False
    return True


def matches(identifier: Dataset, item: dict[str, Any]) -> bool:
    """Does the worklist item (see :func:`worklist_item`) match the query identifier?"""
    return _match_item(identifier, item)


def _fill(out: Dataset, keys: Dataset, item: dict[str, Any]) -> None:
    for elem in keys:
        kw = elem.keyword
        if kw == "SpecificCharacterSet":
            continue
        if elem.VR == "SQ":
            sub = item.get(kw) or []
            seq = []
            requested = elem.value[0] if len(elem.value) else None
            for s in sub:
                child = Dataset()
                if requested is None or len(requested) == 0:
                    _fill_all(child, s)
                else:
                    _fill(child, requested, s)
                seq.append(child)
            out.add_new(elem.tag, "SQ", Sequence(seq))
            continue
        value = item.get(kw) if kw else None
        out.add_new(elem.tag, elem.VR, "" if value is None else value)


def _fill_all(out: Dataset, item: dict[str, Any]) -> None:
    for kw, value in item.items():
        if kw.startswith("_"):
            continue
        if isinstance(value, list):
            seq = []
            for s in value:
                child = Dataset()
                _fill_all(child, s)
                seq.append(child)
            setattr(out, kw, Sequence(seq))
        else:
            setattr(out, kw, "" if value is None else value)


def response(identifier: Dataset, item: dict[str, Any]) -> Dataset:
    """The item as a C-FIND response: the requested attributes (empty when the worklist
    holds no value) plus Specific Character Set."""
    out = Dataset()
    out.SpecificCharacterSet = CHARSET
    _fill(out, identifier, item)
    return out


# -- fast encoding of a response ----------------------------------------------------------------
#
# pydicom builds a DataElement per value (with its conversions and checks) and pynetdicom then
# encodes the Dataset element by element: ~0.6 ms an item, most of a 200-item answer. The
# items here hold only strings, so their encoding is written directly (PS3.5 7.1: little
# endian, implicit or explicit VR, defined lengths, values padded to even length) and handed
# to pynetdicom as a Dataset of raw elements in the context's transfer syntax, which pydicom
# writes out as they are. tests/interop/test_mwl.py checks the bytes against pydicom's.

_LONG_VRS = frozenset({"OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT",
                       "UV"})
_ITEM = b"\xfe\xff\x00\xe0"
_CHARSET_BYTES = b"ISO_IR 192"
_CHARSET_PYTHON = ["UTF8"]  # pydicom's name of ISO_IR 192


def _element(tag: int, vr: str, value: bytes, implicit: bool) -> bytes:
    head = struct.pack("<HH", tag >> 16, tag & 0xFFFF)
    if implicit:
        return head + struct.pack("<I", len(value)) + value
    if vr in _LONG_VRS:
        return head + vr.encode() + b"\0\0" + struct.pack("<I", len(value)) + value
    return head + vr.encode() + struct.pack("<H", len(value)) + value


def _value_bytes(vr: str, value: Any) -> bytes:
    if value is None or value == "":
        return b""
    data = str(value).encode("utf-8")
    if len(data) % 2:
        data += b"\0" if vr == "UI" else b" "
    return data


def _encode_values(keys: Dataset, item: dict[str, Any],
                   implicit: bool) -> list[tuple[int, str, bytes]] | None:
    """(tag, VR, encoded value) of each requested key, in tag order; None if a VR is
    ambiguous."""
    parts: list[tuple[int, str, bytes]] = []
    for elem in keys:
        vr = elem.VR
        if len(vr) != 2:
            return None  # an ambiguous VR: leave it to pydicom
        tag = int(elem.tag)
        if tag == 0x00080005:
            continue
        if vr == "SQ":
            requested = elem.value[0] if len(elem.value) else None
            body = []
            for s in item.get(elem.keyword) or []:
                inner = (_encode_all(s, implicit) if requested is None or len(requested) == 0
                         else _encode_keys(requested, s, implicit))
                if inner is None:
                    return None
                body.append(_ITEM + struct.pack("<I", len(inner)) + inner)
            parts.append((tag, vr, b"".join(body)))
            continue
        kw = elem.keyword
        parts.append((tag, vr, _value_bytes(vr, item.get(kw) if kw else None)))
    parts.sort(key=lambda p: p[0])
    return parts


def _encode_keys(keys: Dataset, item: dict[str, Any], implicit: bool) -> bytes | None:
    parts = _encode_values(keys, item, implicit)
    if parts is None:
        return None
    return b"".join(_element(tag, vr, value, implicit) for tag, vr, value in parts)


_KEYWORDS: dict[str, tuple[int, str]] = {}


def _keyword(kw: str) -> tuple[int, str]:
    found = _KEYWORDS.get(kw)
    if found is None:
        from pydicom.datadict import dictionary_VR, tag_for_keyword

        tag = tag_for_keyword(kw)
        if tag is None:
            raise KeyError(kw)
        found = _KEYWORDS[kw] = (tag, dictionary_VR(tag))
    return found


def _encode_all(item: dict[str, Any], implicit: bool) -> bytes | None:
    """Every attribute of a (sequence) item, encoded."""
    parts: list[tuple[int, bytes]] = []
    for kw, value in item.items():
        if kw.startswith("_"):
            continue
        tag, vr = _keyword(kw)
        if isinstance(value, list):
            body = []
            for s in value:
                inner = _encode_all(s, implicit)
                if inner is None:
                    return None
                body.append(_ITEM + struct.pack("<I", len(inner)) + inner)
            parts.append((tag, _element(tag, "SQ", b"".join(body), implicit)))
        else:
            parts.append((tag, _element(tag, vr, _value_bytes(vr, value), implicit)))
    parts.sort(key=lambda p: p[0])
    return b"".join(p[1] for p in parts)


def fast_response(identifier: Dataset, item: dict[str, Any], implicit: bool) -> Dataset:
    """:func:`response` as raw elements already encoded for a little-endian transfer syntax
    (``implicit``: implicit VR, else explicit VR); falls back to :func:`response` for an
    identifier with an element of ambiguous VR."""
    parts = _encode_values(identifier, item, implicit)
    if parts is None:
        return response(identifier, item)
    raw: dict[BaseTag, DataElement | RawDataElement] = {
        BaseTag(0x00080005): RawDataElement(BaseTag(0x00080005), "CS", len(_CHARSET_BYTES),
                                            _CHARSET_BYTES, 0, implicit, True)}
    for tag, vr, value in parts:
        raw[BaseTag(tag)] = RawDataElement(BaseTag(tag), vr, len(value), value, 0, implicit,
                                           True)
    ds = Dataset(raw)
    ds.set_original_encoding(implicit, True, _CHARSET_PYTHON)
    return ds


# -- rows to items ------------------------------------------------------------------------------


_ITEMS_Q = (
    select(Appointment.accession_number, Appointment.scheduled_at, Appointment.weight_kg,
           Patient.record_number, Patient.family_name, Patient.given_name, Patient.birth_date,
           Patient.sex, Patient.weight_kg, Procedure.code, Procedure.name,
           Procedure.radiopharmaceutical, Procedure.nuclide, Procedure.uptake_min,
           Camera.ae_title, Camera.name, Camera.modality, Prescription.activity_bq)
    .join(Patient, Patient.id == Appointment.patient_id)
    .join(Procedure, Procedure.id == Appointment.procedure_id)
    .join(Camera, Camera.id == Appointment.camera_id)
    .outerjoin(Prescription, Prescription.appointment_id == Appointment.id)
    .order_by(Appointment.scheduled_at, Appointment.id)
)


def worklist_item(row: Any, zone: ZoneInfo) -> dict[str, Any]:
    """A worklist item as plain values keyed by DICOM keyword (sequences: lists of dicts);
    ``_start`` is the local imaging start (for combined date-time matching)."""
    (accession, injected_at, appt_weight, record, family, given, birth, sex, patient_weight,
     code, proc_name, rph, nuclide, uptake, ae, cam_name, modality, activity_bq) = row
    injection = injected_at.astimezone(zone)
    start = (injected_at + timedelta(minutes=uptake or 0)).astimezone(zone)
    weight = appt_weight if appt_weight is not None else patient_weight
    mbq = None if activity_bq is None else activity_bq / 1e6
    rph_item: dict[str, Any] = {
        "Radiopharmaceutical": rph[:64],
        "RadiopharmaceuticalStartTime": _tm(injection),
        "RadiopharmaceuticalStartDateTime": injection.strftime("%Y%m%d%H%M%S%z"),
        "RadionuclideTotalDose": None if mbq is None else _ds(mbq),
    }
    coded = radionuclide_code(nuclide)
    if coded is not None:
        rph_item["RadionuclideCodeSequence"] = [{"CodeValue": coded[0],
                                                 "CodingSchemeDesignator": coded[1],
                                                 "CodeMeaning": coded[2]}]
    premed = rph if mbq is None else f"{rph} {_ds(mbq)} MBq"
    return {
        "_start": start.replace(tzinfo=None),
        "PatientName": f"{family}^{given}",
        "PatientID": record,
        "PatientBirthDate": _da(birth),
        "PatientSex": sex if sex in ("F", "M", "O") else None,
        "PatientWeight": None if weight is None else _ds(weight),
        "AccessionNumber": accession,
        "StudyInstanceUID": study_uid(accession),
        "RequestedProcedureID": accession,
        "RequestedProcedureDescription": proc_name[:64],
        "RequestedProcedureCodeSequence": [{"CodeValue": code[:16],
                                            "CodingSchemeDesignator": "99ISOFLOW",
                                            "CodeMeaning": proc_name[:64]}],
        SPS: [{
            "_start": start.replace(tzinfo=None),
            "Modality": modality or "NM",
            "ScheduledStationAETitle": ae,
            "ScheduledStationName": cam_name[:16],
            _SPS_DATE: _da(start),
            _SPS_TIME: _tm(start),
            "ScheduledProcedureStepID": accession,
            "ScheduledProcedureStepDescription": proc_name[:64],
            "ScheduledProcedureStepStatus": "SCHEDULED",
            "PreMedication": premed[:64],
        }],
        RPH: [rph_item],
    }


def _sps_keys(identifier: Dataset) -> Dataset | None:
    seq = identifier.get(SPS)
    if seq is None or len(seq) == 0:
        return None
    first: Dataset = seq[0]
    return first


def _exact_station(keys: Dataset | None) -> str | None:
    if keys is None:
        return None
    v = _text(keys.get("ScheduledStationAETitle"))
    if not v or "*" in v or "?" in v:
        return None
    return v


IMPLICIT_LE = "1.2.840.10008.1.2"
EXPLICIT_LE = "1.2.840.10008.1.2.1"


def worklist_items(db: Any, calling_ae: str, identifier: Dataset, *,
                   camera: CallingCamera | None = None,
                   transfer_syntax: str | None = None) -> Iterator[Dataset]:
    """The C-FIND responses for ``identifier`` asked by the camera ``calling_ae``: the matching
    appointments of its site (not cancelled, not completed), each with the requested
    attributes. One SQL query (after the camera's); the date window is narrowed in SQL
    (its start moved back by the longest uptake of the organisation's procedures), the rest
    is matched here.
    With ``transfer_syntax`` implicit or explicit VR little endian, the responses come
    already encoded for it (:func:`fast_response`). Raises CallingAENotRecognised, or
    InvalidInput for an unparsable date/time key."""
    cam = camera or calling_camera(db, calling_ae)
    implicit = {IMPLICIT_LE: True, EXPLICIT_LE: False}.get(str(transfer_syntax or ""))
    for item in matching_items(db, cam, identifier):
        yield (response(identifier, item) if implicit is None
               else fast_response(identifier, item, implicit))


def matching_items(db: Any, cam: CallingCamera, identifier: Dataset) -> Iterator[dict[str, Any]]:
    """The worklist items (:func:`worklist_item`) of the camera's site matching
    ``identifier``."""
    keys = _sps_keys(identifier)
    window = (start_window(keys.get(_SPS_DATE), keys.get(_SPS_TIME)) if keys is not None
              else StartWindow())
    conditions = [Appointment.site_id == cam.site_id, Appointment.org_id == cam.org_id,
                  Appointment.status.notin_(EXCLUDED)]
    if window.low is not None:
        conditions.append(Appointment.scheduled_at
                          >= window.low.replace(tzinfo=cam.zone).astimezone(UTC)
                          - timedelta(minutes=cam.max_uptake_min))
    if window.high is not None:
        conditions.append(Appointment.scheduled_at
                          <= window.high.replace(tzinfo=cam.zone).astimezone(UTC))
    station = _exact_station(keys)
    if station is not None:
        conditions.append(Camera.ae_title == station)
    with db.read_rows() as c:
        rows = c.execute(_ITEMS_Q.where(and_(*conditions))).all()
    for row in rows:
        item = worklist_item(row, cam.zone)
        if matches(identifier, item):
            yield item


# ---- the SCP ----------------------------------------------------------------------------------


def valid_ae_title(value: str, field: str = "ae_title") -> str:
    """An AE title: 1-16 characters of printable ASCII, no backslash, not only spaces."""
    v = (value or "").strip()
    if not v or len(v) > 16 or not all(" " <= ch <= "~" and ch != "\\" for ch in v):
        raise InvalidInput(f"{field}: an AE title is 1 to 16 printable ASCII characters "
                           f"without a backslash, got {value!r}", field=field)
    return v


def valid_port(value: int, field: str = "port") -> int:
    if not isinstance(value, int) or not 1 <= value <= 65535:
        raise InvalidInput(f"{field}: a TCP port is 1 to 65535, got {value!r}", field=field)
    return value


def _reject(assoc: Any, diagnostic: int) -> None:
    """A-ASSOCIATE-RJ: rejected permanent, by the service user, for ``diagnostic`` (0x03
    calling AE title / 0x07 called AE title not recognised); as pynetdicom's own ACSE does,
    the association is then killed, which lets the DUL send the PDU before the socket
    closes."""
    from pynetdicom import evt

    assoc.acse.send_reject(0x01, 0x01, diagnostic)
    evt.trigger(assoc, evt.EVT_REJECTED, {})
    assoc.kill()


def _no_delay(assoc: Any) -> None:
    """TCP_NODELAY on the association's socket: pynetdicom writes each response as two PDUs
    (command, then identifier); with Nagle's algorithm on, every second write waits for the
    peer's delayed ACK (~40 ms a response measured: an empty C-FIND took 50 ms, 2 ms with
    it)."""
    sock = getattr(getattr(assoc.dul, "socket", None), "socket", None)
    if sock is not None:
        with contextlib.suppress(OSError):  # not TCP, or closed: nothing to tune
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def _handlers(db: Any, ae_title: str) -> list[tuple[Any, Callable[..., Any]]]:
    from pynetdicom import evt

    def on_requested(event: Any) -> None:
        _no_delay(event.assoc)
        primitive = event.assoc.requestor.primitive
        calling = str(primitive.calling_ae_title).strip()
        called = str(primitive.called_ae_title).strip()
        if called != ae_title:
            LOGGER.warning("MWL association from %s refused: called AE title %r is not %r",
                           calling, called, ae_title)
            _reject(event.assoc, 0x07)
            return
        try:
            calling_camera(db, calling)
        except CallingAENotRecognised:
            LOGGER.warning("MWL association refused: calling AE title %r is not an active "
                           "camera", calling)
            _reject(event.assoc, 0x03)

    def on_find(event: Any) -> Iterator[tuple[int, Dataset | None]]:
        calling = str(event.assoc.requestor.ae_title).strip()
        try:
            identifier = event.identifier
        except Exception:  # undecodable identifier
            yield 0xA900, None
            return
        count = 0
        started = perf_counter()
        try:
            cam = calling_camera(db, calling)  # deactivated since the association began?
            syntax = event.context.transfer_syntax
            for ds in worklist_items(db, calling, identifier, camera=cam,
                                     transfer_syntax=syntax):
                if event.is_cancelled:
                    LOGGER.info("MWL C-FIND from %s cancelled after %d items", calling, count)
                    yield 0xFE00, None
                    return
                count += 1
                yield 0xFF00, ds
        except CallingAENotRecognised:
            LOGGER.warning("MWL C-FIND from %s refused: no longer an active camera", calling)
            yield 0xC001, None
            return
        except InvalidInput as exc:
            LOGGER.warning("MWL C-FIND from %s: bad identifier: %s", calling, exc.message)
            yield 0xA900, None
            return
        LOGGER.info("MWL C-FIND from %s: %d items in %.1f ms", calling, count,
                    (perf_counter() - started) * 1000)

    return [(evt.EVT_REQUESTED, on_requested), (evt.EVT_C_FIND, on_find)]


def quiet_pynetdicom() -> None:
    """pynetdicom's defaults cost more than the worklist itself: it pretty-prints every
    response identifier for a DEBUG log line even when DEBUG is off, and logs each DIMSE
    message through its standard event handlers. Both are process-wide settings; the
    server logs its own line per query instead."""
    from pynetdicom import _config

    _config.LOG_HANDLER_LEVEL = "none"
    _config.LOG_RESPONSE_IDENTIFIERS = False
    _config.LOG_REQUEST_IDENTIFIERS = False


def make_ae(ae_title: str) -> Any:
    from pynetdicom import AE
    from pynetdicom.sop_class import (  # type: ignore[attr-defined]
        ModalityWorklistInformationFind,
        Verification,
    )

    ae = AE(ae_title=valid_ae_title(ae_title))
    ae.add_supported_context(ModalityWorklistInformationFind)
    ae.add_supported_context(Verification)
    ae.require_called_aet = True
    return ae


def serve(db: Any, *, host: str, port: int, ae_title: str, block: bool = True,
          stop: threading.Event | None = None) -> Any:
    """Serve the worklist on (host, port) as ``ae_title``. With ``block=False`` returns the
    pynetdicom ThreadedAssociationServer (``.shutdown()`` stops it); with ``block=True``
    serves until ``stop`` is set (or forever), then shuts down."""
    title = valid_ae_title(ae_title)
    valid_port(port)
    quiet_pynetdicom()
    ae = make_ae(title)
    server = ae.start_server((host, port), block=False, evt_handlers=_handlers(db, title))
    LOGGER.info("MWL SCP %s listening on %s:%d", title, host, port)
    if not block:
        return server
    try:
        (stop or threading.Event()).wait()
    finally:
        server.shutdown()
        LOGGER.info("MWL SCP %s stopped", title)
    return None
