//! `lpo optimise`: a service for every order of a batch, in parallel, written as the plan CSV.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use lpo_engine::{Engine, QuoteRequest};
use lpo_format::orders::InputOrder;
use lpo_format::output::{OPTIONS_HEADER, PLAN_HEADER};

use crate::outputs::{Outputs, is_stdout};
use lpo_model::{Cents, Date, Strategy};
use lpo_plan::compare::plan_rows;
use lpo_plan::{
    Chunk, GlobalOpts, Method, OrderStatus as Status, PlanError, Progress, Solved, Timings,
    infeasible_message,
};

use crate::common::{Failure, Global, Outcome, date_or_today, load_config, parse_date};
use lpo_arrow::table;
use lpo_model::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Orders file, one row per parcel: CSV, or Parquet (`.parquet`, or `--format parquet`).
    #[arg(long, value_name = "FILE")]
    pub(crate) orders: PathBuf,
    /// Where to write the plan (written atomically): CSV, or Parquet by extension or `--format`.
    #[arg(long, value_name = "FILE")]
    pub(crate) out: PathBuf,
    /// Also write every feasible option of every order (the rate-shopping table).
    #[arg(long, value_name = "FILE")]
    pub(crate) options_out: Option<PathBuf>,
    /// csv or parquet, for the orders, the plan and the options alike; default: each file's
    /// extension (`.parquet` or `.pq` is Parquet, anything else CSV).
    #[arg(long, value_name = "FORMAT", value_parser = crate::common::parse_format)]
    pub(crate) format: Option<lpo_arrow::Format>,
    /// cheapest, fastest or best_value.
    #[arg(long, default_value = "cheapest")]
    pub(crate) strategy: Strategy,
    /// best_value: how many days slower than the fastest an option may be.
    #[arg(long, default_value_t = 1)]
    pub(crate) within_days: u8,
    /// Ship date for orders without one (YYYY-MM-DD); default today.
    #[arg(long, value_parser = parse_date)]
    pub(crate) date: Option<Date>,
    /// Worker threads, 1 to 1024 (default: one per core). Results never depend on it.
    #[arg(long, value_parser = crate::common::parse_threads)]
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
    #[arg(long, default_value_t = 60.0, value_name = "SECS", value_parser = crate::common::parse_time_limit)]
    pub(crate) time_limit: f64,
    /// Global optimisation: stop once the plan is proven within this percentage of optimal.
    #[arg(long, default_value_t = 0.01, value_name = "PCT", value_parser = crate::common::parse_gap)]
    pub(crate) gap: f64,
    /// Global optimisation: HiGHS threads. With more than one, HiGHS may pick a different one
    /// of several equally cheap plans from run to run of different machines; with the default
    /// (1) the plan depends only on the inputs. `--threads` never changes the plan.
    #[arg(long, default_value_t = 1, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub(crate) solver_threads: u32,
}

/// The global solver's settings from the flags; the time limit counts from `started`.
pub(crate) fn global_opts(a: &Args, started: Instant) -> GlobalOpts {
    GlobalOpts {
        time_limit: a.time_limit,
        started,
        gap: a.gap,
        solver_threads: a.solver_threads,
        with_options: a.options_out.is_some(),
    }
}

/// Progress bars on stderr for big batches, and the solver's lines, unless `--quiet`.
pub(crate) struct Bars {
    quiet: bool,
    bar: std::sync::Mutex<ProgressBar>,
}

impl Bars {
    pub(crate) fn new(quiet: bool) -> Bars {
        Bars {
            quiet,
            bar: std::sync::Mutex::new(ProgressBar::hidden()),
        }
    }

    fn bar(&self) -> std::sync::MutexGuard<'_, ProgressBar> {
        self.bar
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Progress for Bars {
    fn start(&self, what: &str, len: usize) {
        *self.bar() = progress(len, self.quiet, what);
    }
    fn advance(&self, n: usize) {
        self.bar().inc(n as u64);
    }
    fn finish(&self) {
        self.bar().finish_and_clear();
    }
    fn message(&self, line: &str) {
        if !self.quiet {
            note!("{line}");
        }
    }
}

pub fn run(cli: &Global, a: &Args) -> Outcome {
    if let Some(n) = a.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
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
                crate::common::print_diagnostics(&warnings);
                c
            }
            Err(diags) => {
                crate::common::print_diagnostics(&diags);
                return Err(Failure::usage(format!(
                    "the constraints at {} have errors",
                    path.display()
                )));
            }
        },
        None => loaded.constraints.clone(),
    };
    let method = Method::choose(a.greedy, a.global, &constraints);
    let global = method == Method::Global;
    if !method.takes(&a.strategy) {
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
    let orders = crate::common::read_orders_file(cli, &a.orders, a.format)?;
    tm.read = t1.elapsed();

    let strategy = crate::common::with_within_days(a.strategy, a.within_days);
    let req = QuoteRequest {
        strategy,
        date: date_or_today(a.date),
        explain: false,
    };
    let bars = Bars::new(a.quiet);
    // Every output of the run is put in place together, at the end, or none is.
    let mut outputs = Outputs::new();
    let solved = lpo_plan::run_batch(
        method,
        &global_opts(a, t0),
        engine,
        &constraints,
        &orders,
        &req,
        &mut tm,
        &bars,
    )
    .map_err(plan_failure(a.time_limit, a.gap))?;
    let done = match solved {
        Solved::Plan { done, report } => {
            if let Some(report) = report {
                if !a.quiet {
                    note!("{}", lpo_report::solver_summary(&report));
                }
                if let (Some(path), None) = (&a.report, html) {
                    stage_report(&mut outputs, path, &*report)?;
                }
            }
            done
        }
        Solved::Infeasible { reasons, report } => {
            note!("error: {}", infeasible_message(&reasons));
            if let (Some(path), None) = (&a.report, html) {
                stage_report(&mut outputs, path, &report)?;
            }
            outputs.commit()?;
            return Ok(ExitCode::Infeasible);
        }
    };
    if let Some(path) = html {
        let rows = plan_rows(&done).map_err(|e| Failure::io(e.to_string()))?;
        let page = lpo_report::html::optimise_report(
            engine,
            &orders,
            &rows,
            if global { "global" } else { "per-order choice" },
            &a.orders.display().to_string(),
        );
        outputs.add(path, &[page.as_bytes()])?;
    }
    let outcome = finish(a, engine, &orders, done, outputs, tm, t0);
    // A million orders own millions of small allocations; the process is about to exit, so let
    // the operating system reclaim them at once instead of freeing them one by one.
    std::mem::forget(orders);
    outcome
}

/// A failed batch as the CLI says it: a solver that stopped without a plan gets the flags to
/// change.
pub(crate) fn plan_failure(time_limit: f64, gap: f64) -> impl Fn(PlanError) -> Failure {
    move |e| match e {
        PlanError::Solve(e) => Failure::io(format!(
            "{e}\n  = help: raise --time-limit (now {time_limit} s) or --gap (now {gap} %)"
        )),
        e @ PlanError::Internal(_) => Failure::io(e.to_string()),
    }
}

/// Stages a solver report as pretty JSON.
fn stage_report<T: serde::Serialize>(
    outputs: &mut Outputs,
    path: &std::path::Path,
    report: &T,
) -> Result<(), Failure> {
    let text = lpo_plan::report::to_json_text(report)
        .map_err(|e| Failure::io(format!("cannot encode the report: {e}")))?;
    outputs.add(path, &[text.as_bytes()])
}

/// A progress bar on stderr for big batches.
fn progress(len: usize, quiet: bool, what: &str) -> ProgressBar {
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
    mut outputs: Outputs,
    mut tm: Timings,
    t0: Instant,
) -> Outcome {
    let t3 = Instant::now();
    // The chunks' text, in input order.
    let plan: Vec<&[u8]> = done.iter().map(|c| c.plan.as_bytes()).collect();
    outputs.add_table(&a.out, a.format, PLAN_HEADER, &table::PLAN, &plan)?;
    if let Some(path) = &a.options_out {
        let options: Vec<&[u8]> = done.iter().map(|c| c.options.as_bytes()).collect();
        outputs.add_table(path, a.format, OPTIONS_HEADER, &table::OPTIONS, &options)?;
    }
    outputs.commit()?;
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
        if is_stdout(&a.out) {
            let _ = write!(s, "plan written to standard output");
        } else {
            let _ = write!(s, "plan written to {}", a.out.display());
        }
        if let Some(p) = &a.options_out {
            let _ = write!(s, ", options to {}", p.display());
        }
        note!("{s}");
    }
    // A million orders own millions of small allocations; the process is about to exit, so let
    // the operating system reclaim them at once instead of freeing them one by one.
    std::mem::forget(done);
    Ok(if unallocated + rejected > 0 {
        ExitCode::Partial
    } else {
        ExitCode::Ok
    })
}
