#!/usr/bin/env python3
"""Mutation sweep of the orders reader, end to end: does a row ever go missing from the plan?

A generated orders file (lpo gen-orders) is mutated by seeded families of damage:
  line-ends  LF rows turned CRLF or lone CR, mixed within the file
  encoding   bytes that are not UTF-8 (Latin-1 accents, lone continuation bytes, UTF-16 halves)
  bom        byte-order marks at the start of the file and at the start of rows
  quotes     stray `"` inserted at the start, middle or end of fields; doubled and unbalanced
  blank      blank rows: empty lines, rows of commas, rows of spaces
  nul        NUL bytes inside fields, whole lines of NULs, a run of NULs longer than a row may be
  mixed      several of the above in one file
Each mutated file goes through `lpo optimise --greedy`. The oracle reads the mutated bytes on its
own (its own scan of quotes and line ends, not LPO's) and knows every row it wrote: every line on
which a record starts, and every row written (on the line it was written to, so a row a stray
quote swallowed is checked too), must be accounted for in the plan, either by an order_id equal to
the id on that line (as LPO shows ids: bytes that are not UTF-8 escaped `\\xHH`, an id over 4,096
bytes cut) or the row's original id, or by a reason naming the line (`line N`). A row it cannot
find is a lost row.

  scripts/mutation-sweep.py [--seeds N] [--first SEED] [--orders N] [--lpo PATH]
Prints one line per family, then `lost rows: K of R` over the whole sweep; exits 1 if K > 0.
"""
import argparse
import csv
import io
import os
import random
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MAX_FIELD = 4096
SHOWN = 100
MAX_ROW = 64 * 1024


def shown(raw: bytes) -> str:
    """An id as LPO shows it."""
    out = []
    i = 0
    while i < len(raw):
        # the longest valid UTF-8 prefix from i
        for n in (4, 3, 2, 1):
            try:
                out.append(raw[i:i + n].decode("utf-8"))
                i += n
                break
            except UnicodeDecodeError:
                continue
        else:
            out.append("\\x%02X" % raw[i])
            i += 1
    s = "".join(out)
    if len(raw) > MAX_FIELD:
        return s[:SHOWN] + "… (%d bytes)" % len(raw)
    return s


def record_starts(data: bytes):
    """(line, the line's bytes) for every line on which a CSV record starts, after the header;
    quotes as the csv crate reads them, lone CRs as line ends outside quotes (inside, a CR is
    data, as docs/formats.md says), empty lines skipped. Also the line of every byte."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    out = []
    line_of = []
    line, quoted, field_start, line_start, start = 1, False, True, True, 0
    i = 0
    n = len(data)
    while i < n:
        b = data[i]
        if b == 13 and not quoted and (i + 1 >= n or data[i + 1] != 10):
            b = 10
        if line_start and not quoted and b not in (10, 13) and line > 1:
            end = i
            while end < n and data[end] not in (10, 13):
                end += 1
            out.append((line, data[i:end]))
        line_start = False
        line_of.append(line)
        if quoted:
            if b == 34:
                if i + 1 < n and data[i + 1] == 34:
                    line_of.append(line)
                    i += 1
                else:
                    quoted, field_start = False, False
        elif b == 34 and field_start:
            quoted = True
        else:
            field_start = b in (44, 10, 13)
        if b == 10:
            line += 1
            if not quoted:
                line_start, field_start = True, True
        i += 1
    return out, line_of


def first_field(line: bytes, at: int) -> bytes:
    """Field `at` of one line read alone, as the csv crate would (bytes)."""
    if len(line) > MAX_ROW:
        return line.split(b",")[at] if at < len(line.split(b",")) else b""
    text = line.decode("latin-1")  # byte-preserving
    row = next(csv.reader(io.StringIO(text)), [])
    return row[at].encode("latin-1") if at < len(row) else b""


def mutate(family: str, rows: list, rng: random.Random) -> bytes:
    """The data rows (bytes, without line ends) mutated by `family`, joined with line ends."""
    out = []
    ends = [b"\n"] * len(rows)
    rows = list(rows)
    fams = [family] if family != "mixed" else rng.sample(
        ["line-ends", "encoding", "bom", "quotes", "blank", "nul"], 3)
    for fam in fams:
        for k in range(len(rows)):
            if rng.random() > 0.08:
                continue
            r = rows[k]
            pos = rng.randrange(len(r) + 1)
            if fam == "line-ends":
                ends[k] = rng.choice([b"\r\n", b"\r", b"\n"])
            elif fam == "encoding":
                rows[k] = r[:pos] + rng.choice([b"\xe9", b"\xff", b"\x80", b"\xc3", b"\xfe\xff", b"\xd8\x00"]) + r[pos:]
            elif fam == "bom":
                rows[k] = b"\xef\xbb\xbf" + r if rng.random() < 0.7 else r[:pos] + b"\xef\xbb\xbf" + r[pos:]
            elif fam == "quotes":
                commas = [i for i, c in enumerate(r) if c == 44]
                at = rng.choice([0] + [c + 1 for c in commas] + [pos])
                rows[k] = r[:at] + rng.choice([b'"', b'""', b'"""', b'" ']) + r[at:]
            elif fam == "blank":
                rows.insert(k, rng.choice([b"", b",,,,,", b"   ", b",", b" , , "]))
                ends.insert(k, rng.choice([b"\n", b"\r\n"]))
            elif fam == "nul":
                rows[k] = rng.choice([
                    r[:pos] + b"\0" + r[pos:],
                    b"\0" * rng.randrange(1, 200),
                    b"\0" * (MAX_ROW + rng.randrange(1, 5000)),
                ])
    if family in ("bom", "mixed") and rng.random() < 0.5:
        out.append(b"\xef\xbb\xbf")
    return b"".join(out), rows, ends


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--first", type=int, default=1)
    ap.add_argument("--orders", type=int, default=300)
    ap.add_argument("--lpo", default=os.path.join(ROOT, "target", "release", "lpo"))
    a = ap.parse_args()
    config = os.path.join(ROOT, "lpo.yaml")
    families = ["line-ends", "encoding", "bom", "quotes", "blank", "nul", "mixed"]
    total_lost = total_rows = runs = 0
    with tempfile.TemporaryDirectory() as tmp:
        base = os.path.join(tmp, "base.csv")
        subprocess.run([a.lpo, "gen-orders", "--config", config, "--count", str(a.orders),
                        "--seed", "7", "--out", base], check=True, capture_output=True)
        lines = open(base, "rb").read().split(b"\n")
        header, body = lines[0], [l for l in lines[1:] if l]
        id_at = header.decode().split(",").index("order_id")
        for fam in families:
            lost = rows_seen = 0
            examples = []
            for seed in range(a.first, a.first + a.seeds):
                rng = random.Random(f"{fam}-{seed}")
                prefix, rows, ends = mutate(fam, body, rng)
                data = prefix + header + b"\n" + b"".join(r + e for r, e in zip(rows, ends))
                path = os.path.join(tmp, "orders.csv")
                plan = os.path.join(tmp, "plan.csv")
                open(path, "wb").write(data)
                p = subprocess.run([a.lpo, "optimise", "--config", config, "--greedy", "-q",
                                    "--date", "2026-11-26", "--orders", path, "--out", plan],
                                   capture_output=True)
                runs += 1
                if p.returncode not in (0, 3):
                    lost += 1
                    examples.append(f"seed {seed}: exit {p.returncode}: {p.stderr[:200]!r}")
                    continue
                with open(plan, newline="", encoding="utf-8") as f:
                    prow = list(csv.DictReader(f))
                ids = {r["order_id"] for r in prow}
                named = set()
                for r in prow:
                    named.update(int(m) for m in re.findall(r"line (\d+)", r["reason"]))
                def found(line, text, original=None):
                    rid = first_field(text, id_at)
                    return (line in named or shown(rid) in ids
                            or (original is not None and original in ids))
                # Every line on which the oracle sees a record start...
                starts, line_of = record_starts(data)
                checks = [(line, text, None) for line, text in starts]
                # ...and every row written, on the line it was written to (a stray quote may
                # have hidden it from the scan above), known by its original id too.
                at = len(header) + 1  # offsets of data without its leading BOM
                for r, e in zip(rows, ends):
                    line = line_of[at] if at < len(line_of) else 0
                    at += len(r) + len(e)
                    if r:
                        original = None
                        m = re.match(rb"(ORD-[0-9]+)", r.lstrip(b'\xef\xbb\xbf"'))
                        if m:
                            original = m.group(1).decode()
                        checks.append((line, r, original))
                for line, text, original in checks:
                    rows_seen += 1
                    if not found(line, text, original):
                        lost += 1
                        if len(examples) < 3:
                            examples.append(f"seed {seed}: line {line} ({text[:60]!r}) is not in the plan")
            total_lost += lost
            total_rows += rows_seen
            print(f"{fam:<10} {a.seeds} files  {rows_seen:>7} rows  lost {lost}")
            for e in examples:
                print("   ", e)
    print(f"lost rows: {total_lost} of {total_rows} ({runs} files, seeds {a.first}..{a.first + a.seeds - 1})")
    sys.exit(1 if total_lost else 0)


if __name__ == "__main__":
    main()
