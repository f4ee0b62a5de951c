#!/usr/bin/env python3
"""Writes one seeded random family of global constraints (docs/constraints.md) for an orders batch.

The family is sized on the batch's own per-order (greedy) plan, so that its figures are near what
the day actually ships: parcels, dead kg and spend per carrier, per carrier x warehouse and per
carrier's service, counted over the plan's `allocated` rows (dead weight and parcels from the
orders CSV, where a row is a parcel and rows sharing an order_id are one order).

  capacities   2-12, each on a distinct scope with volume (a carrier, a carrier `from:` one
               warehouse, or a carrier's `service:`), max_parcels or max_kg at 40-120 % of that
               scope's volume
  commitments  0-4, each on a carrier with volume, min_parcels or min_spend at 50-150 % of the
               carrier's volume, hard or soft (`penalty:` 0.05-1.00 AUD per parcel / per dollar);
               a hard min_parcels is kept at or below any carrier-wide max_parcels of the family,
               so that a family is not infeasible by two contradicting lines unless on purpose
  tiers        0-3 schedules on distinct carriers, `all` or `beyond`, 1-4 tiers each, thresholds
               strictly increasing at 20-150 % of the carrier's parcels, discounts strictly
               increasing in 0.5 % steps within 1-10 %
  infeasible   1 seed in 8 (the seeds S with S % 8 == 3: 3, 11, 19, ...) adds a hard min_parcels commitment above
               the batch's total parcels: no plan can meet it, the solver must prove it (exit 4)

Same inputs and seed give a byte-identical file. Python 3 standard library only.

Usage:
  lpo optimise --greedy --orders ORDERS.csv --out GREEDY_PLAN.csv --date 2026-11-26 -q
  scripts/gen_constraint_family.py --orders ORDERS.csv --plan GREEDY_PLAN.csv --seed S --out FILE.yaml
Prints one line to stdout: the output path, the counts of each kind, and `infeasible=yes|no`.
"""
import argparse
import csv
import hashlib
import math
import os
import random
import sys
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

INFEASIBLE_EVERY = 8  # seeds S with S % 8 == 3 are made infeasible on purpose (1 in 8, 12.5 %)
GRAM = Decimal("0.001")
CENT = Decimal("0.01")


def sha12(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:12]


def read_orders(path):
    """order_id -> [parcels, dead weight in grams]; also the total of parcel rows."""
    orders = defaultdict(lambda: [0, 0])
    rows = 0
    with open(path, newline="", encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            oid = row.get("order_id")
            if oid is None or all(not (v or "").strip() for v in row.values()):
                continue
            rows += 1
            o = orders[oid]
            o[0] += 1
            try:
                o[1] += int((Decimal(row["weight_kg"].strip()) / GRAM).to_integral_value(ROUND_HALF_UP))
            except Exception:  # a rejected order (bad weight) is never allocated: not counted
                pass
    return orders, rows


def read_plan(path, orders):
    """Volumes per scope: {scope: [parcels, grams, cents]} with scope one of
    ("carrier", c), ("from", c, warehouse), ("service", c, service)."""
    vol = defaultdict(lambda: [0, 0, 0])
    allocated = 0
    with open(path, newline="", encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            if row["status"] != "allocated":
                continue
            allocated += 1
            parcels, grams = orders.get(row["order_id"], (1, 0))
            cents = int((Decimal(row["total"]) / CENT).to_integral_value(ROUND_HALF_UP))
            c = row["carrier"]
            for scope in (("carrier", c), ("from", c, row["from"]), ("service", c, row["service"])):
                v = vol[scope]
                v[0] += parcels
                v[1] += grams
                v[2] += cents
    return vol, allocated


def pct(rng, lo, hi):
    """A uniform share in [lo, hi] %, to a tenth of a percent (so the file shows round figures)."""
    return rng.randint(lo * 10, hi * 10) / 1000


def kg_text(grams):
    return f"{grams // 1000}.{grams % 1000:03d}".rstrip("0").rstrip(".")


def money_text(cents):
    return f"{cents // 100}.{cents % 100:02d}"


def scope_text(scope):
    if scope[0] == "carrier":
        return f"{scope[1]}"
    if scope[0] == "from":
        return f"{scope[1]} from {scope[2]}"
    return f"{scope[1]} service {scope[2]}"


def slug(text):
    return "".join(ch if ch.isalnum() else "_" for ch in text.lower())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--orders", required=True, help="the orders CSV of the batch")
    ap.add_argument("--plan", required=True, help="its `lpo optimise --greedy` plan CSV")
    ap.add_argument("--seed", required=True, type=int)
    ap.add_argument("--out", required=True, help="the constraints YAML to write")
    a = ap.parse_args()

    orders, total_parcels = read_orders(a.orders)
    vol, allocated = read_plan(a.plan, orders)
    carriers = sorted(s[1] for s in vol if s[0] == "carrier" and vol[s][0] > 0)
    if not carriers:
        sys.exit(f"gen_constraint_family: no allocated order in {a.plan}: nothing to size a family on")

    rng = random.Random(a.seed)
    infeasible = a.seed % INFEASIBLE_EVERY == 3

    # Capacities: distinct scopes with volume, in a fixed (sorted) order before sampling.
    scopes = sorted(s for s in vol if vol[s][0] > 0)
    n_cap = min(rng.randint(2, 12), len(scopes))
    capacities = []  # (id, scope, unit, value text, comment)
    carrier_cap_parcels = {}  # carrier -> least carrier-wide max_parcels
    for i, scope in enumerate(sorted(rng.sample(scopes, n_cap)), 1):
        parcels, grams, _ = vol[scope]
        share = pct(rng, 40, 120)
        if rng.random() < 0.5 and grams > 0:
            unit, value = "max_kg", kg_text(int(grams * share))
            basis = f"{share:.1%} of {kg_text(grams)} kg"
        else:
            unit, value = "max_parcels", str(int(parcels * share))
            basis = f"{share:.1%} of {parcels} parcels"
            if scope[0] == "carrier":
                carrier_cap_parcels[scope[1]] = min(int(value), carrier_cap_parcels.get(scope[1], 1 << 62))
        cid = f"cap{i:02d}_{slug('_'.join(scope[1:]))}_{'kg' if unit == 'max_kg' else 'parcels'}"
        capacities.append((cid, scope, unit, value, f"{scope_text(scope)}: {basis}"))

    # Commitments: distinct (carrier, kind) pairs.
    pairs = [(c, k) for c in carriers for k in ("min_parcels", "min_spend")]
    commitments = []  # (id, carrier, unit, value text, penalty text or None, comment)
    for i, (c, kind) in enumerate(sorted(rng.sample(pairs, min(rng.randint(0, 4), len(pairs)))), 1):
        parcels, _, cents = vol[("carrier", c)]
        share = pct(rng, 50, 150)
        soft = rng.random() < 0.5
        penalty = money_text(rng.randint(5, 100)) if soft else None
        if kind == "min_parcels":
            n = int(parcels * share)
            note = f"{share:.1%} of {parcels} parcels"
            if not soft and c in carrier_cap_parcels and n > carrier_cap_parcels[c]:
                n = carrier_cap_parcels[c]
                note += f", lowered to the carrier's max_parcels {n}"
            value = str(n)
        else:
            value = money_text(int(cents * share))
            note = f"{share:.1%} of ${money_text(cents)}"
        mid = f"com{i:02d}_{slug(c)}_{'parcels' if kind == 'min_parcels' else 'spend'}"
        commitments.append((mid, c, kind, value, penalty, f"{c}: {note}, {'soft' if soft else 'hard'}"))

    impossible = None
    if infeasible:
        c = rng.choice(carriers)
        n = total_parcels + rng.randint(1, max(1, total_parcels // 10))
        mid = f"com{len(commitments) + 1:02d}_{slug(c)}_parcels"
        impossible = mid
        commitments.append((mid, c, "min_parcels", str(n), None,
                            f"{c}: INFEASIBLE ON PURPOSE, {n} > {total_parcels} parcels in the whole batch"))

    # Tier schedules: distinct carriers, thresholds within 20-150 % of the carrier's parcels.
    schedules = []  # (id, carrier, applies, [(from_parcels, discount text)], comment)
    n_tiers = rng.randint(0, 3)
    for i, c in enumerate(sorted(rng.sample(carriers, min(n_tiers, len(carriers)))), 1):
        parcels = vol[("carrier", c)][0]
        lo, hi = math.ceil(parcels * 0.2), math.floor(parcels * 1.5)
        k = min(rng.randint(1, 4), max(0, hi - lo + 1))
        if k == 0:
            continue
        applies = rng.choice(["all", "beyond"])
        thresholds = sorted(rng.sample(range(lo, hi + 1), k))
        discounts = sorted(rng.sample(range(2, 21), k))  # half percents: 1.0 .. 10.0 %
        tiers = [(t, f"{d / 2:g}") for t, d in zip(thresholds, discounts)]
        tid = f"tier{i:02d}_{slug(c)}_{applies}"
        schedules.append((tid, c, applies, tiers, f"{c}: thresholds within 20-150 % of {parcels} parcels"))

    out = [
        f"# Random constraint family, seed {a.seed} (written by scripts/gen_constraint_family.py).",
        f"# orders: {a.orders} (sha256 {sha12(a.orders)}, {len(orders)} orders, {total_parcels} parcels)",
        f"# plan:   {a.plan} (sha256 {sha12(a.plan)}, {allocated} allocated orders)",
        f"# infeasible on purpose: {'yes, ' + impossible if impossible else 'no'}",
        f"# {len(capacities)} capacities, {len(commitments)} commitments, {len(schedules)} tier schedules",
    ]
    # An empty kind is left out rather than written as `[]`.
    if capacities:
        out.append("capacities:")
    for cid, scope, unit, value, note in capacities:
        out += [f"  # {note}", f"  - id: {cid}", f"    carrier: {scope[1]}"]
        if scope[0] == "from":
            out.append(f"    from: {scope[2]}")
        elif scope[0] == "service":
            out.append(f"    service: {scope[2]}")
        out.append(f"    {unit}: {value}")
    if commitments:
        out.append("commitments:")
    for mid, c, kind, value, penalty, note in commitments:
        out += [f"  # {note}", f"  - id: {mid}", f"    carrier: {c}", f"    {kind}: {value}"]
        if penalty is not None:
            out.append(f"    penalty: {penalty}")
    if schedules:
        out.append("tiers:")
    for tid, c, applies, tiers, note in schedules:
        out += [f"  # {note}", f"  - id: {tid}", f"    carrier: {c}", f"    applies: {applies}", "    tiers:"]
        out += [f"      - {{ from_parcels: {t}, discount_pct: {d} }}" for t, d in tiers]

    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w", newline="\n") as f:
        f.write("\n".join(out) + "\n")
    print(f"{a.out}: {len(capacities)} capacities, {len(commitments)} commitments, "
          f"{len(schedules)} tiers, infeasible={'yes' if impossible else 'no'}")


if __name__ == "__main__":
    main()
