//! Self-contained HTML reports (`lpo diff --report`, `lpo optimise --report FILE.html`): inline
//! CSS and SVG charts drawn here, no scripts, no network, readable on screen and in print.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use lpo_engine::Engine;
use lpo_format::orders::InputOrder;

use lpo_plan::compare::{Diff, PlanRow, Side, SideRun, Volume, money, signed};

const PALETTE: [&str; 12] = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf", "#393b79", "#ad494a",
];
const BASE_GREY: &str = "#b8bcc4";

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A colour per carrier, stable for a set of carrier ids (sorted).
#[expect(
    clippy::indexing_slicing,
    reason = "the index is taken modulo the palette length"
)]
fn colours<'a>(carriers: impl Iterator<Item = &'a str>) -> BTreeMap<String, &'static str> {
    let mut ids: Vec<&str> = carriers.collect();
    ids.sort_unstable();
    ids.dedup();
    ids.into_iter()
        .enumerate()
        .map(|(i, c)| (c.to_string(), PALETTE[i % PALETTE.len()]))
        .collect()
}

/// Horizontal bars, one row per category, one bar per series (`values[row][series]`).
fn bars(
    id: &str,
    title: &str,
    rows: &[(String, Vec<f64>)],
    series: &[(&str, &str)],
    fmt: &dyn Fn(f64) -> String,
) -> String {
    let bar_h = 12.0;
    let row_h = bar_h * series.len() as f64 + 8.0;
    let (left, width) = (130.0, 560.0);
    let top = 34.0;
    let h = top + row_h * rows.len() as f64 + 10.0;
    let max = rows
        .iter()
        .flat_map(|(_, v)| v.iter().copied())
        .fold(0.0_f64, f64::max)
        .max(1e-9);
    let mut s = format!(
        r#"<svg id="{id}" class="chart" role="img" aria-label="{t}" viewBox="0 0 760 {h:.0}" xmlns="http://www.w3.org/2000/svg"><title>{t}</title><text x="0" y="14" class="ct">{t}</text>"#,
        t = esc(title)
    );
    let mut lx = left;
    for (name, colour) in series {
        let _ = write!(
            s,
            r#"<rect x="{lx:.0}" y="20" width="10" height="10" fill="{colour}"/><text x="{:.0}" y="29" class="lg">{}</text>"#,
            lx + 14.0,
            esc(name)
        );
        lx += 24.0 + 7.0 * name.len() as f64;
    }
    for (r, (label, values)) in rows.iter().enumerate() {
        let y0 = top + row_h * r as f64;
        let _ = write!(
            s,
            r#"<text x="{:.0}" y="{:.1}" class="lb" text-anchor="end">{}</text>"#,
            left - 6.0,
            y0 + row_h / 2.0,
            esc(label)
        );
        for (k, v) in values.iter().enumerate() {
            let w = (v / max * width).max(if *v > 0.0 { 1.0 } else { 0.0 });
            let y = y0 + bar_h * k as f64;
            let colour = series.get(k).map_or("#333", |s| s.1);
            let _ = write!(
                s,
                r#"<rect x="{left:.0}" y="{y:.1}" width="{w:.1}" height="{:.1}" fill="{colour}"><title>{}: {}</title></rect><text x="{:.1}" y="{:.1}" class="vl">{}</text>"#,
                bar_h - 2.0,
                esc(label),
                esc(&fmt(*v)),
                left + w + 4.0,
                y + bar_h - 3.0,
                esc(&fmt(*v))
            );
        }
    }
    s.push_str("</svg>");
    s
}

/// Histogram of per-parcel cost (dollars), one outline or fill per series.
#[expect(
    clippy::indexing_slicing,
    reason = "bins are clamped to nb - 1 with nb >= 1, and counts has one entry per series"
)]
fn histogram(id: &str, title: &str, series: &[(&str, &str, Vec<f64>)]) -> String {
    let all: Vec<f64> = series.iter().flat_map(|s| s.2.iter().copied()).collect();
    let mut sorted = all.clone();
    sorted.sort_by(f64::total_cmp);
    let p99 = sorted
        .get(((sorted.len() as f64) * 0.99) as usize)
        .or(sorted.last())
        .copied()
        .unwrap_or(1.0)
        .max(1.0);
    let step = [0.5, 1.0, 2.0, 2.5, 5.0, 10.0, 20.0, 50.0]
        .into_iter()
        .find(|s| p99 / s <= 30.0)
        .unwrap_or(100.0);
    let nb = ((p99 / step).ceil() as usize).max(1) + 1;
    let counts: Vec<Vec<u64>> = series
        .iter()
        .map(|(_, _, v)| {
            let mut c = vec![0u64; nb];
            for x in v {
                let b = ((x / step).floor().max(0.0) as usize).min(nb - 1);
                c[b] += 1;
            }
            c
        })
        .collect();
    let max = counts.iter().flatten().copied().max().unwrap_or(1).max(1) as f64;
    let (left, top, w, h) = (50.0, 34.0, 680.0, 200.0);
    let bw = w / nb as f64;
    let mut s = format!(
        r#"<svg id="{id}" class="chart" role="img" aria-label="{t}" viewBox="0 0 760 270" xmlns="http://www.w3.org/2000/svg"><title>{t}</title><text x="0" y="14" class="ct">{t}</text>"#,
        t = esc(title)
    );
    let mut lx = left;
    for (name, colour, _) in series {
        let _ = write!(
            s,
            r#"<rect x="{lx:.0}" y="20" width="10" height="10" fill="{colour}"/><text x="{:.0}" y="29" class="lg">{}</text>"#,
            lx + 14.0,
            esc(name)
        );
        lx += 24.0 + 7.0 * name.len() as f64;
    }
    let _ = write!(
        s,
        r#"<line x1="{left}" y1="{:.0}" x2="{:.0}" y2="{:.0}" class="ax"/>"#,
        top + h,
        left + w,
        top + h
    );
    for (k, c) in counts.iter().enumerate() {
        let (_, colour, _) = &series[k];
        let inset = if series.len() > 1 && k == 0 {
            0.0
        } else if series.len() > 1 {
            bw * 0.25
        } else {
            0.0
        };
        for (b, n) in c.iter().enumerate() {
            if *n == 0 {
                continue;
            }
            let bh = *n as f64 / max * h;
            let from = step * b as f64;
            let label = if b == nb - 1 {
                format!("≥ ${from:.2}")
            } else {
                format!("${from:.2}–${:.2}", from + step)
            };
            let _ = write!(
                s,
                r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{bh:.1}" fill="{colour}" fill-opacity="{}"><title>{}: {label}: {n} orders</title></rect>"#,
                left + bw * b as f64 + inset,
                top + h - bh,
                (bw - 1.0 - 2.0 * inset).max(0.5),
                if k == 0 { "0.9" } else { "0.75" },
                esc(series[k].0)
            );
        }
    }
    for b in (0..=nb).step_by((nb / 8).max(1)) {
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{:.0}" class="lb" text-anchor="middle">${:.0}</text>"#,
            left + bw * b as f64,
            top + h + 14.0,
            step * b as f64
        );
    }
    let _ = write!(
        s,
        r#"<text x="{left}" y="262" class="lb">order cost per parcel (incl. GST); bars: orders</text><text x="4" y="{:.0}" class="lb">{}</text>"#,
        top + 8.0,
        max as u64
    );
    s.push_str("</svg>");
    s
}

/// Map of Australia: every postcode of the table as a grey dot (the outline), destinations as
/// circles sized by orders and coloured by the carrier most of them went with; `ring` marks
/// postcodes with changed orders.
fn map(
    id: &str,
    title: &str,
    engine: &Engine,
    dest: &BTreeMap<u16, BTreeMap<String, u64>>,
    ring: &BTreeMap<u16, u64>,
    colour: &BTreeMap<String, &str>,
) -> String {
    let (lon0, lon1, lat0, lat1) = (112.0, 154.5, -44.0, -9.5);
    let k = 640.0 / ((lon1 - lon0) * (27.0f64).to_radians().cos());
    let xy = |lat: f64, lon: f64| {
        (
            (lon - lon0) * k * (27.0f64).to_radians().cos() + 10.0,
            (lat1 - lat) * k + 30.0,
        )
    };
    let h = (lat1 - lat0) * k + 40.0;
    let mut s = format!(
        r##"<svg id="{id}" class="chart map" role="img" aria-label="{t}" viewBox="0 0 800 {h:.0}" xmlns="http://www.w3.org/2000/svg"><title>{t}</title><text x="0" y="14" class="ct">{t}</text><g fill="#d9dce1">"##,
        t = esc(title)
    );
    for (_, p) in engine.postcodes.iter() {
        if !(lon0..=lon1).contains(&p.lon) || !(lat0..=lat1).contains(&p.lat) {
            continue;
        }
        let (x, y) = xy(p.lat, p.lon);
        let _ = write!(s, r#"<circle cx="{x:.1}" cy="{y:.1}" r="1.2"/>"#);
    }
    s.push_str("</g><g fill-opacity=\"0.8\">");
    let mut dests: Vec<(&u16, u64, &str)> = dest
        .iter()
        .map(|(pc, by)| {
            let n: u64 = by.values().sum();
            let top = by
                .iter()
                .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
                .map_or("", |(c, _)| c.as_str());
            (pc, n, top)
        })
        .collect();
    // Big circles first, so small ones stay visible on top.
    dests.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    for (pc, n, carrier) in dests {
        let Some(p) = engine.postcodes.get(*pc) else {
            continue;
        };
        let (x, y) = xy(p.lat, p.lon);
        let r = 1.8 + (n as f64).sqrt() * 0.9;
        let fill = colour.get(carrier).copied().unwrap_or("#333");
        let changed = ring
            .get(pc)
            .map(|c| format!(", {c} changed"))
            .unwrap_or_default();
        let stroke = if ring.contains_key(pc) {
            r##" stroke="#000" stroke-width="1.2""##
        } else {
            ""
        };
        let _ = write!(
            s,
            r#"<circle cx="{x:.1}" cy="{y:.1}" r="{r:.1}" fill="{fill}"{stroke}><title>{pc:04}: {n} orders, mostly {}{changed}</title></circle>"#,
            esc(carrier)
        );
    }
    s.push_str("</g>");
    let mut ly = 40.0;
    for (c, col) in colour {
        let _ = write!(
            s,
            r#"<rect x="680" y="{ly:.0}" width="10" height="10" fill="{col}"/><text x="694" y="{:.0}" class="lg">{}</text>"#,
            ly + 9.0,
            esc(c)
        );
        ly += 15.0;
    }
    if !ring.is_empty() {
        let _ = write!(
            s,
            r##"<circle cx="685" cy="{:.0}" r="5" fill="none" stroke="#000" stroke-width="1.2"/><text x="694" y="{:.0}" class="lg">changed</text>"##,
            ly + 5.0,
            ly + 9.0
        );
    }
    s.push_str("</svg>");
    s
}

const STYLE: &str = r#"
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1b1f24; margin: 24px auto; max-width: 1000px; padding: 0 16px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid #e3e5e8; padding-bottom: 4px; }
.meta { color: #59606a; margin-bottom: 16px; }
.tiles { display: flex; flex-wrap: wrap; gap: 10px; }
.tile { border: 1px solid #e3e5e8; border-radius: 6px; padding: 8px 12px; min-width: 150px; }
.tile b { display: block; font-size: 19px; }
.up { color: #b42318; } .down { color: #067647; }
.warn { background: #fff4e5; border-left: 4px solid #f79009; padding: 6px 10px; margin: 6px 0; }
svg.chart { width: 100%; height: auto; display: block; margin: 6px 0 14px; }
svg .ct { font-size: 14px; font-weight: 600; fill: #1b1f24; } svg .lb, svg .vl, svg .lg { font-size: 11px; fill: #3b424b; }
svg .ax { stroke: #9aa1ab; stroke-width: 1; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 4px 6px; border-bottom: 1px solid #eceef1; vertical-align: top; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
footer { color: #59606a; font-size: 12px; margin-top: 30px; }
@media print { body { margin: 0; max-width: none; } section { break-inside: avoid; } h2 { break-after: avoid; } }
"#;

fn page(
    title: &str,
    meta: &str,
    tiles: &[(String, String, &str)],
    sections: &[(String, String)],
) -> String {
    let mut s = String::with_capacity(256 * 1024);
    let _ = write!(
        s,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{}</title><style>{STYLE}</style></head><body>\n<h1>{}</h1><div class=\"meta\">{meta}</div><div class=\"tiles\">",
        esc(title),
        esc(title)
    );
    for (label, value, class) in tiles {
        let _ = write!(
            s,
            "<div class=\"tile\">{}<b class=\"{class}\">{}</b></div>",
            esc(label),
            esc(value)
        );
    }
    s.push_str("</div>\n");
    for (h, body) in sections {
        let _ = writeln!(s, "<section><h2>{}</h2>{body}</section>", esc(h));
    }
    let _ = writeln!(
        s,
        "<footer>LPO {} — postcode data GeoNames (CC BY 4.0). Self-contained: no scripts, no network.</footer></body></html>",
        env!("CARGO_PKG_VERSION")
    );
    s
}

/// (postcode, parcels, dollars per parcel) of each order, `None` for rejected ones.
fn order_facts(orders: &[InputOrder]) -> Vec<Option<(u16, u64)>> {
    orders
        .iter()
        .map(|o| {
            o.order
                .as_ref()
                .ok()
                .map(|ord| (ord.to.postcode, ord.parcels.len() as u64))
        })
        .collect()
}

fn per_parcel(rows: &[PlanRow], facts: &[Option<(u16, u64)>]) -> Vec<f64> {
    rows.iter()
        .zip(facts)
        .filter_map(|(r, f)| match (r.allocated(), f) {
            (true, Some((_, p))) => Some(r.total as f64 / 100.0 / (*p).max(1) as f64),
            _ => None,
        })
        .collect()
}

fn destinations(
    rows: &[PlanRow],
    facts: &[Option<(u16, u64)>],
) -> BTreeMap<u16, BTreeMap<String, u64>> {
    let mut m: BTreeMap<u16, BTreeMap<String, u64>> = BTreeMap::new();
    for (r, f) in rows.iter().zip(facts) {
        if let (true, Some((pc, _))) = (r.allocated(), f) {
            *m.entry(*pc)
                .or_default()
                .entry(r.carrier.clone())
                .or_default() += 1;
        }
    }
    m
}

/// (parcels, cents) by key of allocated rows.
fn volumes(
    rows: &[PlanRow],
    facts: &[Option<(u16, u64)>],
    key: impl Fn(&PlanRow) -> String,
) -> BTreeMap<String, (u64, i64)> {
    let mut m: BTreeMap<String, (u64, i64)> = BTreeMap::new();
    for (r, f) in rows.iter().zip(facts) {
        if r.allocated() {
            let e = m.entry(key(r)).or_default();
            e.0 += f.map_or(1, |f| f.1);
            e.1 += r.total;
        }
    }
    m
}

/// The report of one `lpo optimise` run.
#[expect(
    clippy::indexing_slicing,
    reason = "plan rows are one per order, in order, so a row index is an order index"
)]
pub fn optimise_report(
    engine: &Engine,
    orders: &[InputOrder],
    rows: &[PlanRow],
    method: &str,
    orders_file: &str,
) -> String {
    let facts = order_facts(orders);
    let colour = colours(
        rows.iter()
            .filter(|r| r.allocated())
            .map(|r| r.carrier.as_str()),
    );
    let by_c = volumes(rows, &facts, |r| r.carrier.clone());
    let mut carriers: Vec<(&String, &(u64, i64))> = by_c.iter().collect();
    carriers.sort_by(|a, b| b.1.1.cmp(&a.1.1).then(a.0.cmp(b.0)));
    let total: i64 = rows.iter().filter(|r| r.allocated()).map(|r| r.total).sum();
    let allocated = rows.iter().filter(|r| r.allocated()).count();
    let parcels: u64 = facts.iter().flatten().map(|f| f.1).sum();
    let cost_rows: Vec<(String, Vec<f64>)> = carriers
        .iter()
        .map(|(c, v)| ((*c).clone(), vec![v.1 as f64 / 100.0]))
        .collect();
    let parcel_rows: Vec<(String, Vec<f64>)> = carriers
        .iter()
        .map(|(c, v)| ((*c).clone(), vec![v.0 as f64]))
        .collect();
    let by_z = volumes(rows, &facts, |r| r.zone.clone());
    let mut zones: Vec<(&String, &(u64, i64))> = by_z.iter().collect();
    zones.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.0.cmp(b.0)));
    let zone_rows: Vec<(String, Vec<f64>)> = zones
        .iter()
        .take(20)
        .map(|(z, v)| ((*z).clone(), vec![v.0 as f64]))
        .collect();
    let dollars = |v: f64| money((v * 100.0).round() as i64);
    let count = |v: f64| format!("{v:.0}");
    let mut costly: Vec<(usize, &PlanRow)> = rows
        .iter()
        .enumerate()
        .filter(|(_, r)| r.allocated())
        .collect();
    costly.sort_by(|a, b| b.1.total.cmp(&a.1.total).then(a.0.cmp(&b.0)));
    let mut table = String::from(
        "<table id=\"table-top\"><thead><tr><th>order</th><th>service</th><th>from</th><th>zone</th><th class=\"n\">total</th></tr></thead><tbody>",
    );
    for (i, r) in costly.iter().take(25) {
        let _ = write!(
            table,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td></tr>",
            esc(&orders[*i].id),
            esc(&r.choice()),
            esc(&r.from),
            esc(&r.zone),
            money(r.total)
        );
    }
    table.push_str("</tbody></table>");
    let sections = vec![
        (
            "Cost and parcels by carrier".to_string(),
            bars(
                "chart-carrier-cost",
                "Cost by carrier (AUD incl. GST)",
                &cost_rows,
                &[("plan", "#1f77b4")],
                &dollars,
            ) + &bars(
                "chart-carrier-parcels",
                "Parcels by carrier",
                &parcel_rows,
                &[("plan", "#1f77b4")],
                &count,
            ),
        ),
        (
            "Cost per parcel".to_string(),
            histogram(
                "chart-distribution",
                "Distribution of cost per parcel",
                &[("plan", "#1f77b4", per_parcel(rows, &facts))],
            ),
        ),
        (
            "Parcels by zone".to_string(),
            bars(
                "chart-zone",
                "Parcels by destination zone (top 20)",
                &zone_rows,
                &[("plan", "#1f77b4")],
                &count,
            ),
        ),
        (
            "Destinations".to_string(),
            map(
                "chart-map",
                "Destinations by carrier",
                engine,
                &destinations(rows, &facts),
                &BTreeMap::new(),
                &colour,
            ),
        ),
        ("Costliest orders".to_string(), table),
    ];
    let tiles = vec![
        ("orders".to_string(), format!("{}", orders.len()), ""),
        ("parcels".to_string(), format!("{parcels}"), ""),
        ("allocated".to_string(), format!("{allocated}"), ""),
        (
            "unallocated or rejected".to_string(),
            format!("{}", rows.len() - allocated),
            "",
        ),
        ("total (incl. GST)".to_string(), money(total), ""),
    ];
    page(
        "LPO plan",
        &format!(
            "{} — config {}, {}",
            esc(orders_file),
            esc(&engine.version),
            esc(method)
        ),
        &tiles,
        &sections,
    )
}

/// The entries of `m`, largest `size` first (ties by key).
fn largest_first(
    m: &BTreeMap<String, Volume>,
    size: impl Fn(&Volume) -> i64,
) -> Vec<(&String, &Volume)> {
    let mut v: Vec<(&String, &Volume)> = m.iter().collect();
    v.sort_by(|a, b| size(b.1).cmp(&size(a.1)).then(a.0.cmp(b.0)));
    v
}

/// Bar rows (label, [base, head]) of the first `n` entries.
fn pair_rows(
    entries: &[(&String, &Volume)],
    n: usize,
    figures: impl Fn(&Volume) -> (f64, f64),
) -> Vec<(String, Vec<f64>)> {
    entries
        .iter()
        .take(n)
        .map(|(k, v)| {
            let (b, h) = figures(v);
            ((*k).clone(), vec![b, h])
        })
        .collect()
}

/// The report of an `lpo diff`.
pub fn diff_report(
    d: &Diff,
    base: &Side,
    head: &Side,
    rb: &SideRun,
    rh: &SideRun,
    orders: &[InputOrder],
    top: usize,
) -> String {
    let facts = order_facts(orders);
    let engine = &head.loaded.engine;
    let colour = colours(
        rb.rows
            .iter()
            .chain(&rh.rows)
            .filter(|r| r.allocated())
            .map(|r| r.carrier.as_str()),
    );
    let head_colour = "#1f77b4";
    let series = [("base", BASE_GREY), ("head", head_colour)];
    let carriers = largest_first(&d.by_carrier, |v| v.base_cents.max(v.head_cents));
    let cost_rows = pair_rows(&carriers, usize::MAX, |v| {
        (v.base_cents as f64 / 100.0, v.head_cents as f64 / 100.0)
    });
    let parcel_rows = pair_rows(&carriers, usize::MAX, |v| {
        (v.base_parcels as f64, v.head_parcels as f64)
    });
    let zones = largest_first(&d.by_zone, |v| v.base_parcels.max(v.head_parcels) as i64);
    let zone_rows = pair_rows(&zones, 20, |v| {
        (v.base_parcels as f64, v.head_parcels as f64)
    });
    let dollars = |v: f64| money((v * 100.0).round() as i64);
    let count = |v: f64| format!("{v:.0}");
    let mut ring: BTreeMap<u16, u64> = BTreeMap::new();
    for c in &d.changes {
        if let Some(Some((pc, _))) = facts.get(c.index) {
            *ring.entry(*pc).or_default() += 1;
        }
    }
    let mut table = String::from(
        "<table id=\"table-top\"><thead><tr><th>order</th><th>change</th><th>base</th><th>head</th><th class=\"n\">Δ cost</th><th>why</th></tr></thead><tbody>",
    );
    for c in d.changes.iter().take(top.max(1)) {
        let _ = write!(
            table,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
            esc(&c.order_id),
            c.change.name(),
            esc(c.base.as_deref().unwrap_or("—")),
            esc(c.head.as_deref().unwrap_or("—")),
            signed(c.delta_cents),
            esc(&c.cause)
        );
    }
    if d.changes.is_empty() {
        table.push_str("<tr><td colspan=\"6\">No order changed.</td></tr>");
    }
    table.push_str("</tbody></table>");
    let mut causes = String::from(
        "<table id=\"table-causes\"><thead><tr><th>responsible</th><th class=\"n\">orders</th><th class=\"n\">Δ cost</th></tr></thead><tbody>",
    );
    for g in &d.causes {
        let _ = write!(
            causes,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            esc(&g.key),
            g.orders,
            signed(g.delta_cents)
        );
    }
    for g in &d.moves {
        let _ = write!(
            causes,
            "<tr><td>move {}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            esc(&g.key),
            g.orders,
            signed(g.delta_cents)
        );
    }
    causes.push_str("</tbody></table>");
    let mut warnings = String::new();
    for w in &d.warnings {
        let _ = write!(warnings, "<p class=\"warn\">⚠ {}</p>", esc(w));
    }
    let sections = vec![
        ("What changed and why".to_string(), warnings + &causes),
        (
            "Cost and parcels by carrier".to_string(),
            bars(
                "chart-carrier-cost",
                "Cost by carrier (AUD incl. GST), base vs head",
                &cost_rows,
                &series,
                &dollars,
            ) + &bars(
                "chart-carrier-parcels",
                "Parcels by carrier, base vs head",
                &parcel_rows,
                &series,
                &count,
            ),
        ),
        (
            "Cost per parcel".to_string(),
            histogram(
                "chart-distribution",
                "Distribution of cost per parcel, base vs head",
                &[
                    ("base", BASE_GREY, per_parcel(&rb.rows, &facts)),
                    ("head", head_colour, per_parcel(&rh.rows, &facts)),
                ],
            ),
        ),
        (
            "Parcels by zone".to_string(),
            bars(
                "chart-zone",
                "Parcels by destination zone (top 20), base vs head",
                &zone_rows,
                &series,
                &count,
            ),
        ),
        (
            "Destinations".to_string(),
            map(
                "chart-map",
                "Destinations by carrier (head); rings: changed orders",
                engine,
                &destinations(&rh.rows, &facts),
                &ring,
                &colour,
            ),
        ),
        (
            format!(
                "Top {} changed orders (of {})",
                top.min(d.changes.len()),
                d.changes.len()
            ),
            table,
        ),
    ];
    let class = if d.delta_cents > 0 {
        "up"
    } else if d.delta_cents < 0 {
        "down"
    } else {
        ""
    };
    let like_class = if d.like_for_like_cents > 0 {
        "up"
    } else if d.like_for_like_cents < 0 {
        "down"
    } else {
        ""
    };
    let tiles = vec![
        ("base total".to_string(), money(d.base.total_cents), ""),
        ("head total".to_string(), money(d.head.total_cents), ""),
        ("difference".to_string(), signed(d.delta_cents), class),
        (
            "like for like".to_string(),
            signed(d.like_for_like_cents),
            like_class,
        ),
        (
            "orders changed".to_string(),
            format!("{} of {}", d.changes.len(), d.orders),
            "",
        ),
        (
            "allocated".to_string(),
            format!("{} → {}", d.base.allocated, d.head.allocated),
            "",
        ),
    ];
    page(
        "LPO diff",
        &format!(
            "base {} (config {}, {}) → head {} (config {}, {}); {} orders, {} parcels",
            esc(&base.label),
            esc(&d.base.config_version),
            d.base.method,
            esc(&head.label),
            esc(&d.head.config_version),
            d.head.method,
            d.orders,
            d.parcels
        ),
        &tiles,
        &sections,
    )
}
