//! `lpo check`: reads the orders, the plan and the constraints, and runs the independent checker
//! of `lpo-check` over them.

use std::path::PathBuf;

use lpo_engine::{Constraints, QuoteRequest};
use lpo_format::plan::read_plan;
use lpo_model::{Date, Strategy};

use crate::common::{Failure, Global, Outcome, date_or_today, load_config, parse_date};
use lpo_model::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The orders file the plan was made from (CSV, or Parquet by extension).
    #[arg(long, value_name = "FILE")]
    orders: PathBuf,
    /// The plan to check (CSV, or Parquet by extension).
    #[arg(long, value_name = "FILE")]
    plan: PathBuf,
    /// Constraints file or folder, instead of the manifest's.
    #[arg(long, value_name = "PATH")]
    constraints: Option<PathBuf>,
    /// Check without the constraints (a per-order plan).
    #[arg(long)]
    no_constraints: bool,
    /// Ship date for orders without one, as given to `lpo optimise`.
    #[arg(long, value_parser = parse_date)]
    date: Option<Date>,
    /// Show at most this many problems (all are counted).
    #[arg(long, default_value_t = 50)]
    max_problems: usize,
}

pub fn run(cli: &Global, a: &Args) -> Outcome {
    let loaded = load_config(cli)?;
    let engine = &loaded.engine;
    let cons = if a.no_constraints {
        Constraints::default()
    } else {
        match &a.constraints {
            Some(p) => lpo_config::load_constraints(p, engine)
                .map(|(c, _)| c)
                .map_err(|d| {
                    crate::common::print_diagnostics(&d);
                    Failure::usage(format!("the constraints at {} have errors", p.display()))
                })?,
            None => loaded.constraints.clone(),
        }
    };
    let orders = crate::common::read_orders_file(cli, &a.orders, None)?;
    let plan = match lpo_arrow::Format::of(&a.plan) {
        lpo_arrow::Format::Csv => read_plan(&crate::common::read_input(cli, &a.plan)?)
            .map_err(|e| Failure::usage(format!("{}: {e}", a.plan.display())))?,
        lpo_arrow::Format::Parquet => {
            crate::common::check_input_size(cli, &a.plan)?;
            let batches = lpo_arrow::parquet_file::read_parquet(&a.plan)
                .map_err(|e| Failure::io(e.to_string()))?;
            lpo_arrow::table::plan_records(&batches)
                .map_err(|e| Failure::usage(format!("{}: {e}", a.plan.display())))?
        }
    };
    let req = QuoteRequest {
        strategy: Strategy::Cheapest,
        date: date_or_today(a.date),
        explain: false,
    };

    let report = lpo_check::check_plan(engine, &cons, &orders, &plan, &req);
    let problems = &report.problems;
    let shown = problems.len().min(a.max_problems);
    for p in problems.iter().take(shown) {
        note!("error: {p}");
    }
    if problems.len() > shown {
        note!("… and {} more", problems.len() - shown);
    }
    let summary = report.summary();
    if problems.is_empty() {
        say!("ok: {summary}");
        Ok(ExitCode::Ok)
    } else {
        say!("FAILED: {} problem(s); {summary}", problems.len());
        Ok(ExitCode::Failure)
    }
}
