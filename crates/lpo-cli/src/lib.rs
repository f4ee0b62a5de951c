//! The `lpo` command line: flags (clap), the git side of `lpo diff`, progress bars and exit
//! codes. It loads the configuration and wires the library crates together; the work itself
//! happens in them (see docs/architecture.md).

/// `println!` that ends the process quietly when standard output is gone (`lpo … | head`),
/// instead of panicking on the broken pipe.
macro_rules! say {
    ($($t:tt)*) => {
        $crate::emit(&format!($($t)*))
    };
}

/// `eprintln!` that never panics: when standard error is gone (`lpo … 2>&1 | head`), the
/// message is dropped and the command goes on to its own exit code.
macro_rules! note {
    ($($t:tt)*) => {
        $crate::note_line(&format!($($t)*))
    };
}

mod check;
mod diff;
mod explain;
mod gen_orders;
mod optimise;
mod quote;
mod rule_test;
pub mod serve;
mod validate;

use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};
use lpo_config::{Diagnostic, Loaded};
use lpo_model::{Date, ExitCode};

/// Last-mile Postage Optimiser: the cheapest feasible courier service for every parcel.
#[derive(Debug, Parser)]
#[command(name = "lpo", version, about, long_about = None)]
pub struct Cli {
    /// The configuration manifest; default: `lpo.yaml` in the current folder or the nearest above.
    #[arg(long, global = true, value_name = "PATH")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Price one order across every service, from flags or a JSON request file.
    Quote(quote::Args),
    /// Choose a service for every order of a batch and write the plan.
    Optimise(optimise::Args),
    /// Independent checker: re-price a plan and verify every order, rule and constraint; exit 1
    /// when something is wrong.
    Check(check::Args),
    /// Check every rate card, zone table, warehouse, rule and constraint file; exit 0 when clean.
    Validate(validate::Args),
    /// Run the example cases that rule files carry; exit 1 when one fails.
    Test(rule_test::Args),
    /// Why an order got its service, and why every other service lost.
    Explain(explain::Args),
    /// Cost impact of a config change: the same orders under two configurations (folders or git
    /// revisions), what moved where, and the rules and rate lines responsible.
    Diff(diff::Args),
    /// The HTTP quote service: quotes, batches, optimisation, validation, metrics, hot reload.
    Serve(serve::Args),
    /// Write realistic synthetic orders for demos and benchmarks.
    GenOrders(gen_orders::Args),
    /// Print the JSON Schema of a configuration file type.
    Schema(validate::SchemaArgs),
}

/// A failure with its exit code; the message is printed on stderr.
#[derive(Debug)]
pub struct Failure {
    pub code: ExitCode,
    pub message: String,
}

impl Failure {
    pub fn usage(message: impl Into<String>) -> Failure {
        Failure {
            code: ExitCode::Invalid,
            message: message.into(),
        }
    }

    pub fn io(message: impl Into<String>) -> Failure {
        Failure {
            code: ExitCode::Failure,
            message: message.into(),
        }
    }
}

pub type Outcome = Result<ExitCode, Failure>;

/// Runs the binary.
pub fn main() -> std::process::ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            let code = if e.use_stderr() {
                ExitCode::Invalid
            } else {
                ExitCode::Ok
            };
            return std::process::ExitCode::from(code.code());
        }
    };
    let result = match &cli.command {
        Command::Quote(a) => quote::run(&cli, a),
        Command::Optimise(a) => optimise::run(&cli, a),
        Command::Check(a) => check::run(&cli, a),
        Command::Validate(a) => validate::run(&cli, a),
        Command::Test(a) => rule_test::run(&cli, a),
        Command::Explain(a) => explain::run(&cli, a),
        Command::Diff(a) => diff::run(&cli, a),
        Command::GenOrders(a) => gen_orders::run(&cli, a),
        Command::Serve(a) => serve::run(&cli, a),
        Command::Schema(a) => validate::schema(a),
    };
    match result {
        Ok(code) => std::process::ExitCode::from(code.code()),
        Err(f) => {
            note!("error: {}", f.message);
            std::process::ExitCode::from(f.code.code())
        }
    }
}

/// Writes one line to standard output; a closed pipe ends the process with exit code 1
/// (an I/O failure) and no panic.
pub fn emit(line: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if writeln!(out, "{line}").is_err() {
        std::process::exit(i32::from(ExitCode::Failure.code()));
    }
}

/// Writes one line to standard error, ignoring a closed or failing stream: what is said there
/// is for a person, and losing it must not change what the command does or its exit code.
pub fn note_line(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// The manifest to use: `--config`, or `lpo.yaml` found from the current folder upwards.
pub fn manifest_path(cli: &Cli) -> Result<PathBuf, Failure> {
    if let Some(p) = &cli.config {
        if p.is_dir() {
            return Ok(p.join("lpo.yaml"));
        }
        return Ok(p.clone());
    }
    let cwd = std::env::current_dir()
        .map_err(|e| Failure::io(format!("cannot read the current folder: {e}")))?;
    lpo_config::discover(&cwd).ok_or_else(|| {
        Failure::usage(format!(
            "no lpo.yaml in {} or any folder above it\n  = help: run lpo from the repository, or pass --config PATH",
            cwd.display()
        ))
    })
}

/// Prints diagnostics to stderr, human-readable.
pub fn print_diagnostics(diags: &[Diagnostic]) {
    for d in diags {
        note!("{d}\n");
    }
}

/// Loads the configuration, printing every diagnostic and failing with exit code 2 on an error.
pub fn load_config(cli: &Cli) -> Result<Loaded, Failure> {
    let path = manifest_path(cli)?;
    if !path.is_file() {
        return Err(Failure::usage(format!(
            "config file {} does not exist",
            path.display()
        )));
    }
    match lpo_config::load(&path) {
        Ok(l) => Ok(l),
        Err(diags) => {
            print_diagnostics(&diags);
            let errors = diags
                .iter()
                .filter(|d| d.severity == lpo_config::Severity::Error)
                .count();
            Err(Failure::usage(format!(
                "the configuration at {} has {errors} error(s); run `lpo validate` for the full list",
                display_path(&path)
            )))
        }
    }
}

pub fn display_path(p: &Path) -> String {
    p.display().to_string()
}

/// A strategy from `--strategy` with `--within-days` applied to `best_value`.
pub fn with_within_days(s: lpo_model::Strategy, within_days: u8) -> lpo_model::Strategy {
    match s {
        lpo_model::Strategy::BestValue { .. } => lpo_model::Strategy::BestValue { within_days },
        s => s,
    }
}

/// Reads and parses an orders CSV file: exit 1 when it cannot be read, 2 when it is not an
/// orders file (bad rows come back as rejected orders, never as an error).
pub fn read_orders_file(path: &Path) -> Result<Vec<lpo_format::orders::InputOrder>, Failure> {
    let data = std::fs::read(path)
        .map_err(|e| Failure::io(format!("cannot read {}: {e}", path.display())))?;
    lpo_format::orders::read_orders(&data)
        .map_err(|e| Failure::usage(format!("{}: {e}", path.display())))
}

/// `--date` or today (UTC).
pub fn date_or_today(d: Option<Date>) -> Date {
    d.unwrap_or_else(Date::today_utc)
}

pub fn parse_date(s: &str) -> Result<Date, String> {
    s.parse::<Date>().map_err(|e| e.to_string())
}

/// Most seconds `--time-limit` takes (a week: beyond it, a run is no longer a day's plan).
const MAX_TIME_LIMIT: f64 = 604_800.0;

/// `--time-limit SECS`: a finite number of seconds above 0, at most a week.
pub fn parse_time_limit(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a number of seconds"))?;
    if !v.is_finite() || v <= 0.0 {
        return Err(format!(
            "`{s}`: the time limit must be a number of seconds above 0"
        ));
    }
    if v > MAX_TIME_LIMIT {
        return Err(format!(
            "`{s}`: the time limit is at most {MAX_TIME_LIMIT} s (a week)"
        ));
    }
    Ok(v)
}

/// `--gap PCT`: a finite percentage from 0 up to (not including) 100.
pub fn parse_gap(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a percentage"))?;
    if !v.is_finite() || !(0.0..100.0).contains(&v) {
        return Err(format!(
            "`{s}`: the gap is a percentage from 0 to below 100"
        ));
    }
    Ok(v)
}
