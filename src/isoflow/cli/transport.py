"""``isoflow transport classify``: the package a consignment needs (IAEA SSR-6 as in 49 CFR
173), its UN number, transport index and label, from the shell.

Contents are ``NUCLIDE=ACTIVITY`` arguments (several make a mixture, judged by the sum of
fractions). With ``--calibrated-at`` and ``--dispatch-at`` the activities are the calibrated
ones and the package is judged by the activity at dispatch. Bad input exits 2 with a message
naming the option.
"""

from __future__ import annotations

import json
import math
from typing import Any

import typer

from isoflow.errors import InvalidInput


def _contents(items: list[str], form: str | None, special_form: bool,
              calibrated_at: str | None, dispatch_at: str | None) -> list[Any]:
    from isoflow.physics.times import parse_datetime
    from isoflow.physics.units import parse_activity
    from isoflow.transport.classification import Content, activity_at_dispatch
    from isoflow.transport.values import values_for

    if special_form:
        if form not in (None, "solid"):
            raise InvalidInput("special-form material is a sealed solid; leave out --form or "
                               "give --form solid", field="form")
        form = "solid"
    if form is None:
        raise InvalidInput("give the physical form: --form solid, liquid or gas (or "
                           "--special-form for a sealed source)", field="form")
    if (calibrated_at is None) != (dispatch_at is None):
        raise InvalidInput("give --calibrated-at and --dispatch-at together (the activities "
                           "are decayed from calibration to dispatch)",
                           field="calibrated_at" if calibrated_at is None else "dispatch_at")
    cal = None if calibrated_at is None else parse_datetime(calibrated_at,
                                                           field="calibrated_at")
    out = []
    for text in items:
        name, sep, amount = text.partition("=")
        if not sep or not name.strip() or not amount.strip():
            raise InvalidInput(f"contents {text!r} must look like 'Mo-99=100 GBq'",
                               field="contents")
        nuclide = values_for(name.strip(), field="contents").nuclide
        activity = parse_activity(amount.strip(), field="contents")
        if not activity > 0:
            raise InvalidInput(f"the activity of {nuclide} must be above zero",
                               field="contents")
        if cal is not None and dispatch_at is not None:
            activity = activity_at_dispatch(nuclide, activity, cal,
                                            parse_datetime(dispatch_at, field="dispatch_at"))
        out.append(Content(nuclide=nuclide, activity_bq=activity, form=form,
                           special_form=special_form))
    return out


#: the field an error names -> the option or argument the user typed
OPTIONS = {"contents": "CONTENTS", "nuclide": "CONTENTS", "activity": "CONTENTS",
           "form": "--form", "calibrated_at": "--calibrated-at", "dispatch_at": "--dispatch-at",
           "surface_dose_rate": "--surface-dose-rate", "dose_rate_1m": "--dose-rate-1m",
           "package": "--package"}


def _number(x: float) -> float | None:
    return None if math.isinf(x) else x


def register(app: typer.Typer) -> None:
    group = typer.Typer(no_args_is_help=True,
                        help="Transport of radioactive material (IAEA SSR-6).")
    app.add_typer(group, name="transport")

    @group.command()
    def classify(
        contents: list[str] = typer.Argument(..., help="NUCLIDE=ACTIVITY, e.g. "
                                                       "'Mo-99=100 GBq'; several: a mixture"),
        form: str | None = typer.Option(None, "--form", help="solid, liquid or gas"),
        special_form: bool = typer.Option(False, "--special-form",
                                          help="Sealed, non-dispersible source (A1)."),
        calibrated_at: str | None = typer.Option(
            None, "--calibrated-at", help="When the activities are stated, with its zone."),
        dispatch_at: str | None = typer.Option(
            None, "--dispatch-at", help="When the package leaves, with its zone."),
        surface: str | None = typer.Option(None, "--surface-dose-rate",
                                           help="Measured at the surface, e.g. '0.3 mSv/h'."),
        at_1m: str | None = typer.Option(None, "--dose-rate-1m",
                                         help="Measured at 1 m, e.g. '8 µSv/h'."),
        package: str | None = typer.Option(
            None, "--package", help="The package chosen (excepted, Type A, Type B(U)): "
                                    "refused if the contents need more."),
        as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    ) -> None:
        """The package type, UN number, transport index and label a consignment needs."""
        try:
            _classify(contents, form, special_form, calibrated_at, dispatch_at, surface, at_1m,
                      package, as_json)
        except InvalidInput as exc:
            option = OPTIONS.get(exc.field or "")
            if option is None:
                raise
            raise InvalidInput(f"{option}: {exc.message}", field=exc.field) from None


def _classify(contents: list[str], form: str | None, special_form: bool,
              calibrated_at: str | None, dispatch_at: str | None, surface: str | None,
              at_1m: str | None, package: str | None, as_json: bool) -> None:
    from isoflow.transport.classification import check_package
    from isoflow.transport.classification import classify as classify_package
    from isoflow.transport.values import parse_dose_rate

    items = _contents(contents, form, special_form, calibrated_at, dispatch_at)
    result = classify_package(
        items,
        surface_sv_h=None if surface is None else parse_dose_rate(
            surface, field="surface_dose_rate"),
        at_1m_sv_h=None if at_1m is None else parse_dose_rate(at_1m, field="dose_rate_1m"))
    if package is not None:
        check_package(package, result)
    info = {
        "package": result.package,
        "un_number": result.un_number,
        "proper_shipping_name": result.proper_shipping_name,
        "sum_of_fractions": round(result.sum_of_fractions, 4),
        "excepted_fraction": round(result.excepted_fraction, 4),
        "transport_index": result.transport_index,
        "label": result.label,
        "exclusive_use": result.exclusive_use,
        "hrcq": result.hrcq,
        "type_c_required_by_air": result.type_c_required_by_air,
        "contents": [{"nuclide": c.nuclide, "activity_bq": c.activity_bq,
                      "a1_bq": _number(c.a1_bq), "a2_bq": _number(c.a2_bq),
                      "fraction": c.fraction, "special_form": i.special_form,
                      "form": i.form}
                     for c, i in zip(result.lines, items, strict=True)],
        "activity_at": "dispatch" if dispatch_at is not None else "as given",
        "notes": list(result.notes),
    }
    if as_json:
        print(json.dumps(info, ensure_ascii=False))
        return
    print(f"{result.package}  {result.un_number}  {result.proper_shipping_name}")
    print(f"  sum of fractions  {result.sum_of_fractions:.3f} of the Type A limits "
          f"({result.excepted_fraction:.3g} of the excepted limits)")
    if result.transport_index is not None:
        print(f"  transport index   {result.transport_index:g}")
    if result.label is not None:
        print(f"  label             {result.label}")
    for c in result.lines:
        print(f"  {c.nuclide:<9} {c.activity_bq:.4g} Bq  {c.fraction:.3g} of "
              f"{'A1' if items[0].special_form else 'A2'}")
    for note in result.notes:
        print(f"  note: {note}")
