//! `lpo diff` as Markdown, for a pull-request comment.

use std::fmt::Write as _;

use lpo_plan::compare::{Diff, Volume, money, signed};

use crate::diff_text::{count, pct};

/// Text for a Markdown table cell: no table, HTML or line breaks can leak out of it.
fn md_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('|', "\\|")
        .replace('`', "\\`")
        .replace(['\r', '\n'], " ")
}

/// The diff as a pull-request comment.
pub fn markdown(d: &Diff, top: usize) -> String {
    let mut s = String::new();
    // The headline is the like-for-like change: orders dropped on one side would otherwise
    // read as savings.
    let arrow = if d.like_for_like_cents > 0 {
        "🔺"
    } else if d.like_for_like_cents < 0 {
        "🔻"
    } else {
        "＝"
    };
    let _ = writeln!(
        s,
        "### LPO cost impact: {arrow} {} like for like{}\n",
        signed(d.like_for_like_cents),
        pct(d.like_for_like_cents, d.base.total_cents)
    );
    for w in &d.warnings {
        let _ = writeln!(s, "> ⚠️ {}\n", md_escape(w));
    }
    let _ = writeln!(s, "| | base | head |\n|---|---|---|");
    let _ = writeln!(
        s,
        "| config | {} `{}` | {} `{}` |",
        md_escape(&d.base.label),
        md_escape(&d.base.config_version),
        md_escape(&d.head.label),
        md_escape(&d.head.config_version)
    );
    let _ = writeln!(
        s,
        "| total (incl. GST) | {} | {} |",
        money(d.base.total_cents),
        money(d.head.total_cents)
    );
    let _ = writeln!(
        s,
        "| difference | | {} (like for like {}) |",
        signed(d.delta_cents),
        signed(d.like_for_like_cents)
    );
    let _ = writeln!(
        s,
        "| allocated | {} | {} |",
        d.base.allocated, d.head.allocated
    );
    let _ = writeln!(
        s,
        "| unallocated | {} | {} |",
        d.base.unallocated, d.head.unallocated
    );
    let _ = writeln!(
        s,
        "| rejected | {} | {} |",
        d.base.rejected, d.head.rejected
    );
    let _ = writeln!(
        s,
        "\n{} orders ({} parcels): {} moved, {} repriced, {} newly unallocated, {} newly allocated, {} rejected on one side only.\n",
        d.orders,
        d.parcels,
        count(d, "moved"),
        count(d, "repriced"),
        count(d, "newly_unallocated"),
        count(d, "newly_allocated"),
        count(d, "rejected_on_base_only") + count(d, "rejected_on_head_only")
    );
    for (title, column, groups) in [
        ("Responsible", "cause", &d.causes),
        ("Moves", "base → head", &d.moves),
    ] {
        if groups.is_empty() {
            continue;
        }
        let _ = writeln!(
            s,
            "**{title}**\n\n| {column} | orders | Δ cost |\n|---|--:|--:|"
        );
        for g in groups {
            let _ = writeln!(
                s,
                "| {} | {} | {} |",
                md_escape(&g.key),
                g.orders,
                signed(g.delta_cents)
            );
        }
        s.push('\n');
    }
    for (title, map) in [
        ("By carrier", &d.by_carrier),
        ("By zone (carrier/zone)", &d.by_zone),
    ] {
        let rows: Vec<(&String, &Volume)> = map.iter().filter(|(_, v)| v.changed()).collect();
        if rows.is_empty() {
            continue;
        }
        let _ = writeln!(
            s,
            "**{title}**\n\n| | parcels | cost | Δ cost |\n|---|--:|--:|--:|"
        );
        for (k, v) in rows {
            let _ = writeln!(
                s,
                "| {} | {} → {} | {} → {} | {} |",
                md_escape(k),
                v.base_parcels,
                v.head_parcels,
                money(v.base_cents),
                money(v.head_cents),
                signed(v.head_cents - v.base_cents)
            );
        }
        s.push('\n');
    }
    if !d.changes.is_empty() {
        let _ = writeln!(
            s,
            "<details><summary>Top {} changed orders (of {})</summary>\n\n| order | change | base | head | Δ | why |\n|---|---|---|---|--:|---|",
            top.min(d.changes.len()),
            d.changes.len()
        );
        for c in d.changes.iter().take(top) {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} | {} |",
                md_escape(&c.order_id),
                c.change.name(),
                md_escape(c.base.as_deref().unwrap_or("—")),
                md_escape(c.head.as_deref().unwrap_or("—")),
                signed(c.delta_cents),
                md_escape(&c.cause)
            );
        }
        s.push_str("\n</details>\n");
    }
    if !d.changed_files.is_empty() {
        let files: Vec<String> = d
            .changed_files
            .iter()
            .map(|f| format!("`{}` ({})", f.path, f.change))
            .collect();
        let _ = writeln!(s, "\nChanged files: {}", files.join(", "));
    }
    s
}
