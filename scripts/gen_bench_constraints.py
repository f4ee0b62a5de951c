#!/usr/bin/env python3
"""Writes the constraint files of the global-optimisation benchmarks (benches/constraints/).

The figures are sized on the per-order (greedy) plan of `lpo gen-orders --seed 7` at 100,000
orders, parcels per (carrier, warehouse), so that some capacities bind, both commitments need
orders moved, and the tiers are within reach. `--scale 10` gives the 1,000,000-order day.
Run: scripts/gen_bench_constraints.py  (writes day-100k.yaml, day-1m.yaml, day-100k-kg.yaml)
"""
import os

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "benches", "constraints")

# Parcels a day per (carrier, warehouse) in the greedy plan of 100,000 generated orders, rounded,
# and the share of that each capacity allows (below 1: binds).
GREEDY = {
    ("startrack", "mel"): 17000, ("startrack", "syd"): 16800, ("startrack", "bne"): 7600,
    ("auspost", "mel"): 11700, ("auspost", "syd"): 6400, ("auspost", "bne"): 4200,
    ("couriersplease", "syd"): 9600, ("couriersplease", "mel"): 5300, ("couriersplease", "bne"): 1500,
    ("tge", "mel"): 11000, ("tge", "syd"): 6600, ("tge", "bne"): 3800,
    ("aramex", "bne"): 8600, ("aramex", "mel"): 1300, ("aramex", "syd"): 900,
    ("allied", "mel"): 2700, ("allied", "syd"): 1300, ("allied", "bne"): 600,
    ("hunter", "mel"): 730, ("hunter", "bne"): 590, ("hunter", "syd"): 450,
    ("tnt", "mel"): 390, ("tnt", "syd"): 260, ("tnt", "bne"): 120,
    ("zoom2u", "syd"): 350, ("zoom2u", "mel"): 140, ("zoom2u", "bne"): 120,
}
SHARE = {("startrack", "mel"): 0.85, ("startrack", "syd"): 0.8, ("couriersplease", "syd"): 0.75,
         ("tge", "mel"): 0.9}
# Average dead weight per parcel of the generated orders is about 6.3 kg.
KG_PER_PARCEL = 6.3


def write(name, scale, kg):
    lines = [
        f"# Benchmark constraints for {100_000 * scale:,} orders of `lpo gen-orders --seed 7`",
        "# (written by scripts/gen_bench_constraints.py; see docs/constraints.md).",
        "capacities:",
    ]
    for (carrier, wh), n in sorted(GREEDY.items()):
        cap = int(n * SHARE.get((carrier, wh), 1.25) * scale)
        lines += [f"  - id: {carrier}_{wh}", f"    carrier: {carrier}", f"    from: {wh}"]
        lines += [f"    max_kg: {int(cap * KG_PER_PARCEL)}" if kg else f"    max_parcels: {cap}"]
    lines += [
        "commitments:",
        "  - id: aramex_minimum",
        "    carrier: aramex",
        f"    min_parcels: {12_000 * scale}",
        "  - id: hunter_spend",
        "    carrier: hunter",
        f"    min_spend: {90_000 * scale}.00",
        "    penalty: 0.25",
        "tiers:",
        "  - id: auspost_volume",
        "    carrier: auspost",
        "    applies: all",
        "    tiers:",
        f"      - {{ from_parcels: {25_000 * scale}, discount_pct: 2 }}",
        f"      - {{ from_parcels: {30_000 * scale}, discount_pct: 4 }}",
        f"      - {{ from_parcels: {35_000 * scale}, discount_pct: 6 }}",
    ]
    with open(os.path.join(HERE, name), "w") as f:
        f.write("\n".join(lines) + "\n")


write("day-100k.yaml", 1, False)
write("day-1m.yaml", 10, False)
write("day-100k-kg.yaml", 1, True)
