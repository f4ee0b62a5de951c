//! `lpo diff`: the same orders priced (or optimised) under two configurations — a folder or a git
//! revision each — and what changed: totals, moves between services, orders that became
//! unallocated or allocated, volume and cost by carrier and zone, and the rules and rate lines
//! responsible. Text, JSON or Markdown; `--report FILE.html` draws it.

mod source;

use std::path::PathBuf;
use std::time::Instant;

use clap::ValueEnum;
use lpo_engine::QuoteRequest;
use lpo_format::orders::InputOrder;
use lpo_model::{Date, Strategy};
use lpo_plan::compare::{Side, SideError, SideRun, compare};
use lpo_plan::{GlobalOpts, Method, infeasible_message};

use crate::common::{Failure, Global, Outcome, date_or_today, manifest_path, parse_date};
use lpo_model::ExitCode;
use source::{Which, load_side};

#[derive(Debug, Clone, Copy, Default, ValueEnum)]
pub enum Format {
    #[default]
    Text,
    Json,
    Markdown,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The configuration before the change: a folder (holding lpo.yaml), a manifest file, or a
    /// git revision of the repository that holds the config (`origin/main`, `HEAD~1`, a hash),
    /// read from git objects without a checkout.
    #[arg(long, value_name = "REV_OR_DIR")]
    base: String,
    /// The configuration after the change (same forms); default: the config in use (`--config`
    /// or the lpo.yaml found from here).
    #[arg(long, value_name = "REV_OR_DIR")]
    head: Option<String>,
    /// Orders CSV (one row per parcel).
    #[arg(long, value_name = "FILE")]
    orders: PathBuf,
    /// Output format on stdout (or in --out).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Write the diff to this file (atomically) instead of stdout.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Also write a self-contained HTML report with charts.
    #[arg(long, value_name = "FILE.html")]
    report: Option<PathBuf>,
    /// How many changed orders to list, largest cost change first.
    #[arg(long, default_value_t = 20)]
    top: usize,
    /// Ship date for orders without one (YYYY-MM-DD); default today.
    #[arg(long, value_parser = parse_date)]
    date: Option<Date>,
    /// cheapest, fastest or best_value (per-order choice only).
    #[arg(long, default_value = "cheapest")]
    strategy: Strategy,
    #[arg(long, default_value_t = 1)]
    within_days: u8,
    /// Ignore global constraints on both sides: each order's own best option.
    #[arg(long, conflicts_with = "global")]
    greedy: bool,
    /// Solve both sides globally even without constraints.
    #[arg(long)]
    global: bool,
    /// Global optimisation: wall-clock limit per side (its pricing and solve), seconds.
    #[arg(long, default_value_t = 60.0, value_name = "SECS", value_parser = crate::common::parse_time_limit)]
    time_limit: f64,
    /// Global optimisation: stop once proven within this percentage of optimal.
    #[arg(long, default_value_t = 0.01, value_name = "PCT", value_parser = crate::common::parse_gap)]
    gap: f64,
    /// No progress lines on stderr.
    #[arg(long, short)]
    quiet: bool,
}

/// Runs one side, with the errors said as `lpo diff` says them (naming the side).
fn run_side(
    a: &Args,
    side: &Side,
    which: Which,
    orders: &[InputOrder],
    req: &QuoteRequest,
) -> Result<SideRun, Failure> {
    let method = Method::choose(a.greedy, a.global, &side.loaded.constraints);
    if !method.takes(&req.strategy) {
        return Err(Failure::usage(format!(
            "the {} configuration has global constraints, which minimise cost: use --strategy cheapest, or --greedy to ignore them",
            which.name()
        )));
    }
    let opts = GlobalOpts {
        time_limit: a.time_limit,
        started: Instant::now(),
        gap: a.gap,
        solver_threads: 1,
        with_options: false,
    };
    lpo_plan::compare::run_side(method, &opts, side, orders, req).map_err(|e| match e {
        SideError::Infeasible(reasons) => Failure {
            code: ExitCode::Infeasible,
            message: format!(
                "{} ({}): {}",
                which.name(),
                side.label,
                infeasible_message(&reasons)
            ),
        },
        SideError::Plan(e) => {
            let f = crate::optimise::plan_failure(a.time_limit, a.gap)(e);
            Failure {
                code: f.code,
                message: format!("{}: {}", which.name(), f.message),
            }
        }
    })
}

pub fn run(cli: &Global, a: &Args) -> Outcome {
    let t0 = Instant::now();
    let manifest = manifest_path(cli);
    let (base, head) = rayon::join(
        || load_side(&manifest, Some(&a.base), Which::Base),
        || load_side(&manifest, a.head.as_deref(), Which::Head),
    );
    let (base, head) = (base?, head?);
    let mut phases: Vec<(&str, f64)> = vec![("configs", t0.elapsed().as_secs_f64())];
    let mut t = Instant::now();
    let mut lap = |name: &'static str, phases: &mut Vec<(&str, f64)>| {
        phases.push((name, t.elapsed().as_secs_f64()));
        t = Instant::now();
    };
    let orders = crate::common::read_orders_file(cli, &a.orders, None)?;
    let req = QuoteRequest {
        strategy: crate::common::with_within_days(a.strategy, a.within_days),
        date: date_or_today(a.date),
        explain: false,
    };
    lap("read", &mut phases);
    let rb = run_side(a, &base.side, Which::Base, &orders, &req)?;
    lap("base", &mut phases);
    let rh = run_side(a, &head.side, Which::Head, &orders, &req)?;
    lap("head", &mut phases);
    let d = compare(&base.side, &head.side, &rb, &rh, &orders, &req);
    lap("compare", &mut phases);
    let body = match a.format {
        Format::Text => lpo_report::text(&d, a.top),
        Format::Markdown => lpo_report::markdown(&d, a.top),
        Format::Json => {
            let mut v = serde_json::to_value(&d).map_err(|e| Failure::io(e.to_string()))?;
            for (side, run) in [("base", &rb), ("head", &rh)] {
                let report =
                    serde_json::to_value(&run.report).map_err(|e| Failure::io(e.to_string()))?;
                if let Some(s) = v.get_mut(side).and_then(|s| s.as_object_mut()) {
                    s.insert("report".into(), report);
                }
            }
            serde_json::to_string_pretty(&v).map_err(|e| Failure::io(e.to_string()))? + "\n"
        }
    };
    // The report and the output file are written together or not at all.
    let html = a.report.as_ref().map(|_| {
        lpo_report::html::diff_report(&d, &base.side, &head.side, &rb, &rh, &orders, a.top)
    });
    let mut outputs = crate::outputs::Outputs::new();
    if let (Some(path), Some(html)) = (&a.report, &html) {
        outputs.add(path, &[html.as_bytes()])?;
    }
    outputs.add(
        a.out.as_deref().unwrap_or(std::path::Path::new("-")),
        &[body.as_bytes()],
    )?;
    outputs.commit()?;
    lap("write", &mut phases);
    if !a.quiet {
        let phases: Vec<String> = phases
            .iter()
            .map(|(n, s)| format!("{n} {:.0} ms", s * 1e3))
            .collect();
        note!(
            "diff of {} orders in {:.2} s ({}){}",
            orders.len(),
            t0.elapsed().as_secs_f64(),
            phases.join(", "),
            a.report
                .as_ref()
                .map(|p| format!("; report written to {}", p.display()))
                .unwrap_or_default()
        );
    }
    let partial = d.base.unallocated + d.base.rejected + d.head.unallocated + d.head.rejected > 0;
    // Hundreds of thousands of small allocations; the process is about to exit, so let the
    // operating system reclaim them at once. (The sides are dropped: their temporary folders
    // must be removed.)
    std::mem::forget((orders, rb, rh, d));
    Ok(if partial {
        ExitCode::Partial
    } else {
        ExitCode::Ok
    })
}
