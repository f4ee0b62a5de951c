//! The `lpo` command line: flags (clap), the git side of `lpo diff`, progress bars and exit
//! codes. It loads the configuration and wires the library crates together; the work itself
//! happens in them (see docs/architecture.md).

/// `println!` that ends the process quietly when standard output is gone (`lpo … | head`),
/// instead of panicking on the broken pipe.
macro_rules! say {
    ($($t:tt)*) => {
        $crate::common::emit(&format!($($t)*))
    };
}

/// `eprintln!` that never panics: when standard error is gone (`lpo … 2>&1 | head`), the
/// message is dropped and the command goes on to its own exit code.
macro_rules! note {
    ($($t:tt)*) => {
        $crate::common::note_line(&format!($($t)*))
    };
}

mod check;
pub mod common;
mod diff;
mod explain;
mod gen_orders;
mod optimise;
pub mod outputs;
mod quote;
mod rule_test;
pub mod serve;
mod validate;

use clap::{Parser, Subcommand};
use lpo_model::ExitCode;

use common::Global;

/// Last-mile Postage Optimiser: the cheapest feasible courier service for every parcel.
#[derive(Debug, Parser)]
#[command(name = "lpo", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    global: Global,
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
        Command::Quote(a) => quote::run(&cli.global, a),
        Command::Optimise(a) => optimise::run(&cli.global, a),
        Command::Check(a) => check::run(&cli.global, a),
        Command::Validate(a) => validate::run(&cli.global, a),
        Command::Test(a) => rule_test::run(&cli.global, a),
        Command::Explain(a) => explain::run(&cli.global, a),
        Command::Diff(a) => diff::run(&cli.global, a),
        Command::GenOrders(a) => gen_orders::run(&cli.global, a),
        Command::Serve(a) => serve::run(&cli.global, a),
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
