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
# Dead weight (kg) a day per (carrier, warehouse) in the same greedy plan, rounded.
GREEDY_KG = {
    ("allied", "bne"): 25390, ("allied", "mel"): 87300, ("allied", "syd"): 61210,
    ("aramex", "bne"): 6040, ("aramex", "mel"): 960, ("aramex", "syd"): 730,
    ("auspost", "bne"): 10870, ("auspost", "mel"): 30690, ("auspost", "syd"): 18050,
    ("couriersplease", "bne"): 1290, ("couriersplease", "mel"): 6500, ("couriersplease", "syd"): 12370,
    ("hunter", "bne"): 10960, ("hunter", "mel"): 15460, ("hunter", "syd"): 11430,
    ("startrack", "bne"): 38020, ("startrack", "mel"): 81420, ("startrack", "syd"): 95510,
    ("tge", "bne"): 38580, ("tge", "mel"): 109370, ("tge", "syd"): 83330,
    ("tnt", "bne"): 1740, ("tnt", "mel"): 3680, ("tnt", "syd"): 3050,
    ("zoom2u", "bne"): 610, ("zoom2u", "mel"): 890, ("zoom2u", "syd"): 1550,
}


def write(name, scale, kg):
    lines = [
        f"# Benchmark constraints for {100_000 * scale:,} orders of `lpo gen-orders --seed 7`",
        "# (written by scripts/gen_bench_constraints.py; see docs/constraints.md).",
        "capacities:",
    ]
    for (carrier, wh), n in sorted(GREEDY.items()):
        share = SHARE.get((carrier, wh), 1.25)
        lines += [f"  - id: {carrier}_{wh}", f"    carrier: {carrier}", f"    from: {wh}"]
        if kg:
            lines += [f"    max_kg: {int(GREEDY_KG[(carrier, wh)] * share * scale)}"]
        else:
            lines += [f"    max_parcels: {int(n * share * scale)}"]
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
