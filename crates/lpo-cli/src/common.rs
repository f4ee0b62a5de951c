//! What every command shares: the global flags, the failure type and exit outcome, writing to
//! stdout and stderr without panicking, and loading the configuration and the orders.

use lpo_arrow::Format;
use std::path::{Path, PathBuf};

use lpo_config::{Diagnostic, Loaded};
use lpo_model::{Date, ExitCode};

/// Flags every command takes.
#[derive(Debug, clap::Args)]
pub struct Global {
    /// The configuration manifest; default: `lpo.yaml` in the current folder or the nearest above.
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Largest orders or plan file read, MiB: a bigger file is refused unread, and a stream that
    /// goes on past it (a pipe, /dev/zero) is refused there.
    #[arg(
        long,
        global = true,
        value_name = "MIB",
        env = "LPO_MAX_INPUT_MIB",
        default_value_t = 2048,
        value_parser = clap::value_parser!(u64).range(1..=1_048_576)
    )]
    pub max_input_mib: u64,
}

impl Global {
    /// The input budget of `--max-input-mib`, in bytes.
    pub fn input_limit(&self) -> u64 {
        self.max_input_mib << 20
    }
}

/// Most threads a `--threads`-like flag takes.
pub const MAX_THREADS: usize = 1024;

/// `--threads N` and the like: a whole number from 1 to [`MAX_THREADS`].
pub fn parse_threads(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n) if (1..=MAX_THREADS).contains(&n) => Ok(n),
        _ => Err(format!(
            "`{s}`: give a whole number of threads from 1 to {MAX_THREADS}"
        )),
    }
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
pub fn manifest_path(cli: &Global) -> Result<PathBuf, Failure> {
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
pub fn load_config(cli: &Global) -> Result<Loaded, Failure> {
    let path = manifest_path(cli)?;
    if path.symlink_metadata().is_err() {
        return Err(Failure::usage(format!(
            "config file {} does not exist",
            path.display()
        )));
    }
    match lpo_config::load(&path) {
        Ok(l) => Ok(l),
        Err(diags) => {
            print_diagnostics(&diags);
            let (errors, _) = lpo_config::errors_of(&diags);
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

/// Reads and parses an orders file, CSV or Parquet (`format`, or else by extension): exit 1
/// when it cannot be read (a Parquet file that is damaged included), 2 when it is not an orders
/// table (a column missing or of a type that holds no order field). Bad rows come back as
/// rejected orders, never as an error.
pub fn read_orders_file(
    cli: &Global,
    path: &Path,
    format: Option<Format>,
) -> Result<Vec<lpo_format::orders::InputOrder>, Failure> {
    match Format::choose(format, path) {
        Format::Csv => {
            let data = read_input(cli, path)?;
            lpo_format::orders::read_orders(&data)
                .map_err(|e| Failure::usage(format!("{}: {e}", path.display())))
        }
        Format::Parquet => {
            check_input_size(cli, path)?;
            let batches = lpo_arrow::parquet_file::read_parquet(path)
                .map_err(|e| Failure::io(e.to_string()))?;
            lpo_arrow::orders::read_orders(&batches, None)
                .map_err(|e| Failure::usage(format!("{}: {e}", path.display())))
        }
    }
}

/// The bytes of an input file within `--max-input-mib`: exit 1 when it cannot be read, 2 when
/// it is too large.
pub fn read_input(cli: &Global, path: &Path) -> Result<Vec<u8>, Failure> {
    use lpo_format::input::InputError;
    lpo_format::input::read_capped(path, cli.input_limit()).map_err(|e| match e {
        InputError::Io { .. } => Failure::io(e.to_string()),
        InputError::TooLarge { .. } | InputError::Endless { .. } => Failure::usage(format!(
            "{e}\n  = help: --max-input-mib (or LPO_MAX_INPUT_MIB) raises the limit"
        )),
    })
}

/// Refuses a file (Parquet, read by its own reader) above `--max-input-mib`, as [`read_input`].
pub fn check_input_size(cli: &Global, path: &Path) -> Result<(), Failure> {
    let limit = cli.input_limit();
    match std::fs::metadata(path) {
        Ok(m) if m.len() > limit => Err(Failure::usage(format!(
            "{} is {} MiB, above the input limit of {} MiB\n  = help: --max-input-mib (or LPO_MAX_INPUT_MIB) raises the limit",
            path.display(),
            m.len() >> 20,
            limit >> 20
        ))),
        _ => Ok(()),
    }
}

/// `--format`: csv or parquet.
pub fn parse_format(s: &str) -> Result<Format, String> {
    s.parse()
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
