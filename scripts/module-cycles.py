#!/usr/bin/env python3
"""Finds import cycles between the modules of each crate under crates/.

A module imports another when its file names it by path: `use crate::a::b`, `crate::a::f()`,
`use super::x`, `pub use x::Y` (a re-export is an import too). A name that is not a module
(`crate::Failure`) is an import of the module that holds it: the crate root for `crate::Name`.
Declaring a child (`mod x;`) is not an import. Test modules (`#[cfg(test)] mod tests`) are
skipped: a test may use anything.

Prints every cycle found and exits 1 if there is one; prints one line per crate otherwise.
Usage: scripts/module-cycles.py [crates-dir]
"""

import re
import sys
from pathlib import Path

root = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "crates")


def modules(src: Path) -> dict[tuple[str, ...], Path]:
    """Module path → file, for lib.rs, foo.rs, foo/mod.rs."""
    out = {}
    for f in src.rglob("*.rs"):
        rel = f.relative_to(src).with_suffix("")
        parts = list(rel.parts)
        if parts == ["lib"] or parts == ["main"]:
            parts = []
        elif parts[-1] == "mod":
            parts = parts[:-1]
        out[tuple(parts)] = f
    return out


def strip_tests(text: str) -> str:
    """The text without `#[cfg(test)]` items (a module or fn and its braces)."""
    out, i = [], 0
    for m in re.finditer(r"#\[cfg\(test\)\]", text):
        if m.start() < i:
            continue
        out.append(text[i : m.start()])
        j = text.find("{", m.end())
        semi = text.find(";", m.end())
        if j == -1 or (semi != -1 and semi < j):
            i = semi + 1
            continue
        depth = 0
        for k in range(j, len(text)):
            if text[k] == "{":
                depth += 1
            elif text[k] == "}":
                depth -= 1
                if depth == 0:
                    i = k + 1
                    break
    out.append(text[i:])
    return "".join(out)


def strip_comments(text: str) -> str:
    text = re.sub(r"//[^\n]*", "", text)
    return re.sub(r"/\*.*?\*/", "", text, flags=re.S)


def paths_in_use(tree: str) -> list[str]:
    """Expand `a::{b, c::{d}}` into `a::b`, `a::c::d`."""
    tree = tree.strip()
    m = re.match(r"^(.*?)\{(.*)\}$", tree, re.S)
    if not m:
        return [tree.split(" as ")[0].strip()]
    prefix, inner = m.group(1), m.group(2)
    parts, depth, cur = [], 0, ""
    for ch in inner:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    out = []
    for p in parts:
        if p.strip():
            out.extend(paths_in_use(prefix + p.strip()))
    return out


def target(mods, here, path: list[str]):
    """The module a path names (longest module prefix), resolved from module `here`."""
    if not path:
        return None
    if path[0] == "crate":
        base, rest = (), path[1:]
    elif path[0] == "super":
        base, rest = here, path
        while rest and rest[0] == "super":
            base, rest = base[:-1], rest[1:]
    elif path[0] == "self":
        base, rest = here, path[1:]
    else:
        # `use child::X` from a parent (re-exports of its own children).
        if (*here, path[0]) in mods:
            base, rest = here, path
        else:
            return None
    best = base if base in mods else None
    for i in range(1, len(rest) + 1):
        cand = (*base, *rest[:i])
        if cand in mods:
            best = cand
    return best


def edges(mods):
    out = {m: set() for m in mods}
    for here, f in mods.items():
        text = strip_comments(strip_tests(f.read_text()))
        found = []
        for m in re.finditer(r"\buse\s+([^;]+);", text):
            found.extend(paths_in_use(m.group(1)))
        for m in re.finditer(r"\b((?:crate|super)(?:::\w+)+)", text):
            found.append(m.group(1))
        # Bare paths into a child module: `quote::run(cli, a)`.
        for m in re.finditer(r"(?<![:\w])(\w+)((?:::\w+)+)", text):
            if (*here, m.group(1)) in mods:
                found.append(m.group(1) + m.group(2))
        for p in found:
            t = target(mods, here, [x for x in p.split("::") if x])
            if t is not None and t != here:
                out[here].add(t)
    return out


def cycles(graph):
    """Strongly connected components with more than one module."""
    index, low, stack, on, comps, n = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = n[0]
        n[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                comps.append(comp)

    sys.setrecursionlimit(10000)
    for v in graph:
        if v not in index:
            visit(v)
    return comps


def name(m):
    return "::".join(m) if m else "lib"


bad = False
for crate in sorted(p for p in root.iterdir() if (p / "src").is_dir()):
    mods = modules(crate / "src")
    comps = cycles(edges(mods))
    if comps:
        bad = True
        for c in comps:
            print(f"{crate.name}: cycle between {', '.join(sorted(name(m) for m in c))}")
    else:
        print(f"{crate.name}: {len(mods)} modules, no import cycle")
sys.exit(1 if bad else 0)
