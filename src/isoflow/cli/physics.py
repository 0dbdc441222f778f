"""``isoflow nuclide`` and ``isoflow decay``: the physics core from the shell."""

from __future__ import annotations

import json
import sys

import typer

from isoflow.errors import InvalidInput


def _parse_item(text: str) -> tuple[str, str]:
    if "=" not in text:
        raise InvalidInput(f"inventory item {text!r} must look like 'Mo-99=10 GBq' or "
                           "'Co-60=1 mg'",
                           field="inventory")
    name, _, amount = text.partition("=")
    return name.strip(), amount.strip()


def register(app: typer.Typer) -> None:
    @app.command()
    def nuclide(
        name: str = typer.Argument(..., help="e.g. Tc-99m, 99mTc, Technetium-99m"),
        as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    ) -> None:
        """Half-life, decay modes and progeny of a nuclide (ICRP-107 data)."""
        from isoflow.physics.nuclides import get_nuclide

        nuc = get_nuclide(name)
        info = {
            "name": nuc.name,
            "element": nuc.element_name,
            "half_life_s": None if nuc.stable else nuc.half_life_s,
            "half_life": nuc.half_life_text,
            "decay_constant_per_s": nuc.decay_constant_per_s,
            "stable": nuc.stable,
            "modes": list(nuc.modes),
            "progeny": [{"nuclide": p.nuclide, "branching": p.branching, "mode": p.mode}
                        for p in nuc.progeny],
            "atomic_mass_g_per_mol": nuc.atomic_mass_g_per_mol,
        }
        if as_json:
            print(json.dumps(info, ensure_ascii=False))
            return
        print(f"{nuc.name} ({nuc.element_name}-{nuc.mass_number}{nuc.state})")
        if nuc.stable:
            print("  stable")
            return
        print(f"  half-life   {nuc.half_life_text} = {nuc.half_life_s:.6g} s")
        print(f"  λ           {nuc.decay_constant_per_s:.6g} 1/s")
        print(f"  modes       {', '.join(nuc.modes)}")
        for p in nuc.progeny:
            print(f"  -> {p.nuclide:<9} {p.branching:>10.6g}  ({p.mode})")
        if nuc.fission_branching:
            print(f"  -> fission   {nuc.fission_branching:>10.6g}  (SF)")

    @app.command()
    def decay(
        inventory: list[str] = typer.Argument(
            ..., help='Items like "Mo-99=10 GBq", "Co-60=1 mg" or "Tc-99=2 umol" (an '
            'activity, a mass or moles; a bare number is Bq).'),
        after: str = typer.Option(None, "--after",
                                  help='Elapsed time, e.g. "6h", "90 min", "5 ky", "PT6H".'),
        start: str = typer.Option(None, "--from", help="Reference time with its zone: "
                            "'2026-11-22T12:00+03:00' or '2026-11-22T12:00 Europe/Moscow'."),
        end: str = typer.Option(None, "--to", help="Time of interest (as --from)."),
        unit: str = typer.Option(None, "--unit", help="Unit shown: an activity (Bq, mBq, "
                                 "GBq, mCi, dpm...), a mass (mg, µg...) or moles (mol, umol...)."),
        as_json: bool = typer.Option(False, "--json", help="Print JSON (activities in Bq; "
                                     "with a mass or mole --unit also masses_g or moles_mol)."),
    ) -> None:
        """Activities (or masses, or moles) of an inventory, progeny included, after a time."""
        from isoflow.physics.decay import Inventory
        from isoflow.physics.units import (
            format_activity,
            parse_duration,
            seconds_between,
            unit_factor,
        )

        if after is not None and (start or end):
            raise InvalidInput("give either --after or --from/--to, not both", field="after")
        if after is not None:
            t_s = parse_duration(after, field="after")
        elif start and end:
            t_s = seconds_between(start, end)
        else:
            raise InvalidInput("give --after DURATION, or both --from and --to", field="after")
        kind = "activity"
        if unit is not None:
            kind = unit_factor(unit, ("activity", "mass", "moles"))[0]
        items = dict(_parse_item(x) for x in inventory)
        later = Inventory.from_amounts(items).decay(t_s)
        result = later.activities_bq()
        if as_json:
            out: dict[str, object] = {"t_s": t_s, "activities_bq": result}
            if kind == "mass":
                out["masses_g"] = later.masses_g()
            elif kind == "moles":
                out["moles_mol"] = later.moles()
            print(json.dumps(out))
            return
        print(f"after {t_s:g} s:")
        width = max(len(n) for n in result)
        if kind == "activity":
            shown = {name: format_activity(bq, unit, digits=6) for name, bq in result.items()}
        else:
            amounts = later.masses(unit) if kind == "mass" else later.moles(unit)
            shown = {name: f"{v:.6g} {unit}" for name, v in amounts.items()}
        for name, text in shown.items():
            print(f"  {name:<{width}}  {text}")
        sys.stdout.flush()
