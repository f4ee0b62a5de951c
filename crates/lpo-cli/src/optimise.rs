//! `lpo optimise`: a service for every order of a batch, in parallel, written as the plan CSV.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use lpo_config::orders::InputOrder;
use lpo_config::output::{
    OPTIONS_HEADER, PLAN_HEADER, push_allocated, push_options, push_unplaced, rule_ids,
    write_atomic,
};
use lpo_engine::{Engine, Quote, QuoteRequest};
use lpo_model::{Cents, Date, ReasonCode, Strategy};
use rayon::prelude::*;

use crate::{Cli, Failure, Outcome, date_or_today, exit, load_config, parse_date};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Orders CSV (one row per parcel).
    #[arg(long, value_name = "FILE")]
    pub(crate) orders: PathBuf,
    /// Where to write the plan CSV (written atomically).
    #[arg(long, value_name = "FILE")]
    pub(crate) out: PathBuf,
    /// Also write every feasible option of every order (the rate-shopping table).
    #[arg(long, value_name = "FILE")]
    pub(crate) options_out: Option<PathBuf>,
    /// cheapest, fastest or best_value.
    #[arg(long, default_value = "cheapest")]
    pub(crate) strategy: Strategy,
    /// best_value: how many days slower than the fastest an option may be.
    #[arg(long, default_value_t = 1)]
    pub(crate) within_days: u8,
    /// Ship date for orders without one (YYYY-MM-DD); default today.
    #[arg(long, value_parser = parse_date)]
    pub(crate) date: Option<Date>,
    /// Worker threads (default: one per core). Results never depend on it.
    #[arg(long)]
    pub(crate) threads: Option<usize>,
    /// No summary on stderr.
    #[arg(long, short)]
    pub(crate) quiet: bool,
    /// Global constraints file or folder (docs/constraints.md), instead of the manifest's.
    #[arg(long, value_name = "PATH")]
    pub(crate) constraints: Option<PathBuf>,
    /// Ignore the global constraints: the cheapest option per order.
    #[arg(long, conflicts_with = "global")]
    pub(crate) greedy: bool,
    /// Solve the batch as one MIP even without constraints (the result is the per-order choice).
    #[arg(long)]
    pub(crate) global: bool,
    /// A report: `FILE.html` is a self-contained HTML report with charts (any run); another name
    /// gets the global solver's JSON report.
    #[arg(long, value_name = "FILE")]
    pub(crate) report: Option<PathBuf>,
    /// Global optimisation: wall-clock limit for the whole run (reading, pricing, solving and
    /// writing), seconds. When it ends the search, the best plan found is written with its
    /// proven gap.
    #[arg(long, default_value_t = 60.0, value_name = "SECS", value_parser = crate::parse_time_limit)]
    pub(crate) time_limit: f64,
    /// Global optimisation: stop once the plan is proven within this percentage of optimal.
    #[arg(long, default_value_t = 0.01, value_name = "PCT", value_parser = crate::parse_gap)]
    pub(crate) gap: f64,
    /// Global optimisation: HiGHS threads. With more than one, HiGHS may pick a different one
    /// of several equally cheap plans from run to run of different machines; with the default
    /// (1) the plan depends only on the inputs. `--threads` never changes the plan.
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub(crate) solver_threads: u32,
}

/// What became of one order.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    Allocated { carrier: u16, total: Cents },
    Unallocated,
    Rejected,
}

/// The written plan (and options) text of a run of orders, and each order's status.
#[derive(Default)]
pub(crate) struct Chunk {
    pub(crate) plan: String,
    pub(crate) options: String,
    pub(crate) statuses: Vec<Status>,
}

pub(crate) fn unallocated_reason(engine: &Engine, q: &Quote) -> String {
    let mut by_code: BTreeMap<(ReasonCode, Option<u32>), Vec<String>> = BTreeMap::new();
    for e in &q.excluded {
        let (c, s) = engine.service_ids(e.service);
        let name = format!("{c}/{s}");
        let list = by_code.entry((e.reason, e.rule)).or_default();
        if !list.contains(&name) {
            list.push(name);
        }
    }
    let parts: Vec<String> = by_code
        .into_iter()
        .map(
            |((code, rule), services)| match rule.and_then(|r| engine.rules.get(r as usize)) {
                Some(r) => format!("{code} by rule {} ({})", r.id, services.join(" ")),
                None => format!("{code} ({})", services.join(" ")),
            },
        )
        .collect();
    format!("no_feasible_service: {}", parts.join("; "))
}

/// Quotes one order into `q`, appending its options rows when asked. An invalid or unpriceable
/// order gets its `rejected` plan row instead, and `false` comes back.
pub(crate) fn quote_or_reject(
    engine: &Engine,
    input: &InputOrder,
    req: &QuoteRequest,
    q: &mut Quote,
    out: &mut Chunk,
    with_options: bool,
) -> bool {
    let order = match &input.order {
        Ok(order) => order,
        Err(errs) => {
            let reason: Vec<String> = errs.iter().map(|e| format!("invalid_input: {e}")).collect();
            push_unplaced(
                &mut out.plan,
                &input.id,
                "rejected",
                &reason.join("; "),
                &[],
            );
            return false;
        }
    };
    if let Err(e) = engine.quote_into(order, req, q) {
        let lines: Vec<String> = input.lines().map(|l| l.to_string()).collect();
        push_unplaced(
            &mut out.plan,
            &input.id,
            "rejected",
            &format!("{}: line {}, {e}", e.code, lines.join(" ")),
            &[],
        );
        return false;
    }
    if with_options {
        push_options(&mut out.options, engine, &input.id, &q.options);
    }
    true
}

/// Prices one order and appends its plan row (and options rows) to the chunk's buffers.
fn process(
    engine: &Engine,
    input: &InputOrder,
    req: &QuoteRequest,
    q: &mut Quote,
    out: &mut Chunk,
    with_options: bool,
) -> Status {
    if !quote_or_reject(engine, input, req, q, out, with_options) {
        return Status::Rejected;
    }
    match q.selected() {
        Some(best) => {
            let rules = rule_ids(engine, q);
            push_allocated(
                &mut out.plan,
                engine,
                &input.id,
                best,
                &rules.join(" "),
                &q.warnings,
            );
            let carrier = engine.service(best.service).map_or(0, |s| s.carrier);
            Status::Allocated {
                carrier,
                total: best.total,
            }
        }
        None => {
            push_unplaced(
                &mut out.plan,
                &input.id,
                "unallocated",
                &unallocated_reason(engine, q),
                &q.warnings,
            );
            Status::Unallocated
        }
    }
}

/// Times of the phases of a run, for the summary.
#[derive(Default)]
pub(crate) struct Timings {
    pub(crate) config: std::time::Duration,
    pub(crate) read: std::time::Duration,
    pub(crate) price: std::time::Duration,
    pub(crate) solve: std::time::Duration,
    pub(crate) write: std::time::Duration,
}

pub fn run(cli: &Cli, a: &Args) -> Outcome {
    if let Some(n) = a.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build_global()
            .map_err(|e| Failure::io(format!("cannot start {n} threads: {e}")))?;
    }
    let t0 = Instant::now();
    let mut tm = Timings::default();
    let loaded = load_config(cli)?;
    let engine = &loaded.engine;
    let constraints = match &a.constraints {
        Some(path) => match lpo_config::load_constraints(path, engine) {
            Ok((c, warnings)) => {
                crate::print_diagnostics(&warnings);
                c
            }
            Err(diags) => {
                crate::print_diagnostics(&diags);
                return Err(Failure::usage(format!(
                    "the constraints at {} have errors",
                    path.display()
                )));
            }
        },
        None => loaded.constraints.clone(),
    };
    let global = !a.greedy && (a.global || !constraints.is_empty());
    if global && !matches!(a.strategy, Strategy::Cheapest) {
        return Err(Failure::usage(
            "global optimisation minimises cost: it takes --strategy cheapest only (or pass --greedy to ignore the constraints)",
        ));
    }
    let html = a.report.as_ref().filter(|p| {
        p.extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("html"))
    });
    if a.report.is_some() && html.is_none() && !global {
        return Err(Failure::usage(
            "--report FILE.json is the global solver's report: give constraints (or --global), or name the report FILE.html for the HTML report of any run",
        ));
    }
    tm.config = t0.elapsed();

    let t1 = Instant::now();
    let orders = crate::read_orders_file(&a.orders)?;
    tm.read = t1.elapsed();

    let strategy = crate::with_within_days(a.strategy, a.within_days);
    let req = QuoteRequest {
        strategy,
        date: date_or_today(a.date),
        explain: false,
    };
    let done = if global {
        match crate::global::run(
            &crate::global::GlobalOpts::of(a, t0),
            engine,
            &constraints,
            &orders,
            &req,
            &mut tm,
        )? {
            crate::global::Solved::Plan { done, report } => {
                if let (Some(path), None) = (&a.report, html) {
                    crate::global::write_report(path, &report)?;
                }
                done
            }
            crate::global::Solved::Infeasible { reasons, report } => {
                note!("error: {}", crate::global::infeasible_message(&reasons));
                if let (Some(path), None) = (&a.report, html) {
                    crate::global::write_report(path, &report)?;
                }
                return Ok(crate::exit::INFEASIBLE);
            }
        }
    } else {
        let t2 = Instant::now();
        let done = price_orders(engine, &orders, &req, a.options_out.is_some(), a.quiet);
        tm.price = t2.elapsed();
        done
    };
    if let Some(path) = html {
        let rows = crate::diff::plan_rows(&done)?;
        let page = crate::html::optimise_report(
            engine,
            &orders,
            &rows,
            if global { "global" } else { "per-order choice" },
            &a.orders.display().to_string(),
        );
        write_atomic(path, &[page.as_bytes()])
            .map_err(|e| Failure::io(format!("cannot write {}: {e}", path.display())))?;
    }
    let outcome = finish(a, engine, &orders, done, tm, t0);
    // A million orders own millions of small allocations; the process is about to exit, so let
    // the operating system reclaim them at once instead of freeing them one by one.
    std::mem::forget(orders);
    outcome
}

/// The per-order choice for every order, in parallel chunks (in input order).
pub(crate) fn price_orders(
    engine: &Engine,
    orders: &[InputOrder],
    req: &QuoteRequest,
    with_options: bool,
    quiet: bool,
) -> Vec<Chunk> {
    let pb = progress(orders.len(), quiet, "pricing");
    const CHUNK: usize = 8192;
    let done: Vec<Chunk> = orders
        .par_chunks(CHUNK)
        .map(|chunk| {
            let mut out = Chunk {
                plan: String::with_capacity(chunk.len() * 96),
                ..Chunk::default()
            };
            let mut q = Quote::default();
            for o in chunk {
                let status = process(engine, o, req, &mut q, &mut out, with_options);
                out.statuses.push(status);
            }
            pb.inc(chunk.len() as u64);
            out
        })
        .collect();
    pb.finish_and_clear();
    done
}

/// A progress bar on stderr for big batches.
pub(crate) fn progress(len: usize, quiet: bool, what: &str) -> ProgressBar {
    if len >= 50_000 && !quiet {
        let pb = ProgressBar::new(len as u64);
        if let Ok(style) = ProgressStyle::with_template(&format!(
            "{{spinner}} {what} {{pos}}/{{len}} orders [{{bar:40}}] {{per_sec}} eta {{eta}}"
        )) {
            pb.set_style(style.progress_chars("=> "));
        }
        pb
    } else {
        ProgressBar::hidden()
    }
}

/// Writes the plan (and options) and prints the summary.
fn finish(
    a: &Args,
    engine: &Engine,
    orders: &[InputOrder],
    done: Vec<Chunk>,
    mut tm: Timings,
    t0: Instant,
) -> Outcome {
    let t3 = Instant::now();
    // The chunks' text, in input order.
    let mut parts: Vec<&[u8]> = vec![PLAN_HEADER.as_bytes()];
    parts.extend(done.iter().map(|c| c.plan.as_bytes()));
    write_atomic(&a.out, &parts)
        .map_err(|e| Failure::io(format!("cannot write {}: {e}", a.out.display())))?;
    if let Some(path) = &a.options_out {
        let mut parts: Vec<&[u8]> = vec![OPTIONS_HEADER.as_bytes()];
        parts.extend(done.iter().map(|c| c.options.as_bytes()));
        write_atomic(path, &parts)
            .map_err(|e| Failure::io(format!("cannot write {}: {e}", path.display())))?;
    }
    tm.write = t3.elapsed();

    // Summary.
    let (mut allocated, mut unallocated, mut rejected) = (0usize, 0usize, 0usize);
    let mut total = Cents::ZERO;
    let mut by_carrier: BTreeMap<u16, (usize, Cents)> = BTreeMap::new();
    for status in done.iter().flat_map(|c| &c.statuses) {
        match *status {
            Status::Allocated { carrier, total: t } => {
                allocated += 1;
                total += t;
                let e = by_carrier.entry(carrier).or_default();
                e.0 += 1;
                e.1 += t;
            }
            Status::Unallocated => unallocated += 1,
            Status::Rejected => rejected += 1,
        }
    }
    if !a.quiet {
        let parcels: usize = orders.iter().map(InputOrder::rows).sum();
        let mut s = String::new();
        let _ = writeln!(s, "orders     {:>10}   ({} parcels)", orders.len(), parcels);
        let _ = writeln!(s, "allocated  {allocated:>10}");
        let _ = writeln!(s, "unallocated{unallocated:>10}");
        let _ = writeln!(s, "rejected   {rejected:>10}");
        let _ = writeln!(s, "total cost {:>10}   AUD incl. GST", total.to_string());
        if allocated > 0 {
            let _ = writeln!(s, "by carrier:");
            let mut rows: Vec<_> = by_carrier.iter().collect();
            rows.sort_by(|a, b| b.1.1.cmp(&a.1.1).then(a.0.cmp(b.0)));
            for (c, (n, t)) in rows {
                let name = engine
                    .carriers
                    .get(usize::from(*c))
                    .map_or("?", |c| c.id.as_str());
                let _ = writeln!(
                    s,
                    "  {name:<16} {n:>9} orders {:>14} AUD  ({:.1} %)",
                    t.to_string(),
                    100.0 * t.0 as f64 / total.0.max(1) as f64
                );
            }
        }
        let secs = t0.elapsed().as_secs_f64();
        let solve = if tm.solve.is_zero() {
            String::new()
        } else {
            format!(", solve {:.0} ms", tm.solve.as_secs_f64() * 1e3)
        };
        let _ = writeln!(
            s,
            "time: config {:.0} ms, read {:.0} ms, price {:.0} ms{solve}, write {:.0} ms; {:.0} orders/s",
            tm.config.as_secs_f64() * 1e3,
            tm.read.as_secs_f64() * 1e3,
            tm.price.as_secs_f64() * 1e3,
            tm.write.as_secs_f64() * 1e3,
            orders.len() as f64 / secs.max(1e-9)
        );
        let _ = write!(s, "plan written to {}", a.out.display());
        if let Some(p) = &a.options_out {
            let _ = write!(s, ", options to {}", p.display());
        }
        note!("{s}");
    }
    // A million orders own millions of small allocations; the process is about to exit, so let
    // the operating system reclaim them at once instead of freeing them one by one.
    std::mem::forget(done);
    Ok(if unallocated + rejected > 0 {
        exit::PARTIAL
    } else {
        exit::OK
    })
}
