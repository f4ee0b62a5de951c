//! `lpo diff` as text for a terminal.

use std::fmt::Write as _;

use std::collections::BTreeMap;

use lpo_plan::compare::{Diff, Group, Volume, money, signed};

pub(crate) fn pct(delta: i64, base: i64) -> String {
    if base == 0 {
        String::new()
    } else {
        format!(" ({:+.2} %)", 100.0 * delta as f64 / base as f64)
    }
}

pub(crate) fn count(d: &Diff, k: &str) -> u64 {
    d.counts.get(k).copied().unwrap_or(0)
}

/// The human-readable diff.
pub fn text(d: &Diff, top: usize) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "lpo diff: {} orders ({} parcels)\n  base: {} — config {}, {}\n  head: {} — config {}, {}",
        d.orders,
        d.parcels,
        d.base.label,
        d.base.config_version,
        d.base.method,
        d.head.label,
        d.head.config_version,
        d.head.method
    );
    let _ = writeln!(
        s,
        "\ntotal      {} → {}   {}{}",
        money(d.base.total_cents),
        money(d.head.total_cents),
        signed(d.delta_cents),
        pct(d.delta_cents, d.base.total_cents)
    );
    let _ = writeln!(
        s,
        "like for like {}   (the orders allocated on both sides)",
        signed(d.like_for_like_cents)
    );
    for w in &d.warnings {
        let _ = writeln!(s, "warning: {w}");
    }
    let _ = writeln!(
        s,
        "allocated  {} → {}; moved {}, repriced {}, newly unallocated {}, newly allocated {}, rejected on one side only {}",
        d.base.allocated,
        d.head.allocated,
        count(d, "moved"),
        count(d, "repriced"),
        count(d, "newly_unallocated"),
        count(d, "newly_allocated"),
        count(d, "rejected_on_base_only") + count(d, "rejected_on_head_only"),
    );
    if d.changes.is_empty() {
        let _ = writeln!(s, "\nNo order changed.");
    }
    let groups = |s: &mut String, title: &str, groups: &[Group], width: usize| {
        if groups.is_empty() {
            return;
        }
        let _ = writeln!(s, "\n{title}");
        for g in groups {
            let _ = writeln!(
                s,
                "  {:<width$} {:>7} orders {:>14}",
                g.key,
                g.orders,
                signed(g.delta_cents)
            );
        }
    };
    groups(&mut s, "moves (base → head)", &d.moves, 56);
    groups(&mut s, "responsible", &d.causes, 72);
    let shifts = |s: &mut String, title: &str, m: &BTreeMap<String, Volume>| {
        let rows: Vec<(&String, &Volume)> = m.iter().filter(|(_, v)| v.changed()).collect();
        if rows.is_empty() {
            return;
        }
        let _ = writeln!(
            s,
            "\n{title:<20} {:>16} {:>28} {:>14}",
            "parcels", "cost", "Δ cost"
        );
        for (k, v) in rows {
            let _ = writeln!(
                s,
                "  {k:<18} {:>7} → {:<7} {:>12} → {:<13} {:>14}",
                v.base_parcels,
                v.head_parcels,
                money(v.base_cents),
                money(v.head_cents),
                signed(v.head_cents - v.base_cents)
            );
        }
    };
    shifts(&mut s, "by carrier", &d.by_carrier);
    shifts(&mut s, "by zone", &d.by_zone);
    if !d.changes.is_empty() {
        let _ = writeln!(
            s,
            "\ntop {} changed orders (of {})",
            top.min(d.changes.len()),
            d.changes.len()
        );
        for c in d.changes.iter().take(top) {
            let _ = writeln!(
                s,
                "  {:<14} {:<18} {} → {}  {}  {}",
                c.order_id,
                c.change.name(),
                c.base.as_deref().unwrap_or("—"),
                c.head.as_deref().unwrap_or("—"),
                signed(c.delta_cents),
                c.cause
            );
        }
    }
    if !d.changed_files.is_empty() {
        let files: Vec<String> = d
            .changed_files
            .iter()
            .map(|f| format!("{} ({})", f.path, f.change))
            .collect();
        let _ = writeln!(s, "\nchanged files: {}", files.join(", "));
    }
    s
}
