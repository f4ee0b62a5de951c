//! `lpo serve`: the flags of the HTTP service; the service itself is `lpo-server`.

use std::net::SocketAddr;
use std::time::Duration;

use lpo_model::ExitCode;
use lpo_server::{ServeError, Settings, Start};

use crate::common::{Failure, Global, Outcome, manifest_path, parse_date, print_diagnostics};

#[derive(Debug, Clone, Copy, Default, clap::ValueEnum)]
pub enum LogFormat {
    /// One human-readable line per event.
    #[default]
    Text,
    /// One JSON object per event.
    Json,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to listen on. The default is loopback only; give 0.0.0.0:PORT to serve the network.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: String,
    /// Threads answering HTTP, 1 to 1024 (default: one per core).
    #[arg(long, value_parser = crate::common::parse_threads)]
    workers: Option<usize>,
    /// Threads of the work pool for batches, validation and big orders, 1 to 1024 (default: one
    /// per core).
    #[arg(long, value_parser = crate::common::parse_threads)]
    pool_threads: Option<usize>,
    /// Jobs that may run or wait on the work pool; beyond that, 503 with Retry-After.
    #[arg(long, default_value_t = 64)]
    queue: usize,
    /// Requests that may be in flight at once; beyond that, 503 with Retry-After.
    #[arg(long, default_value_t = 4096)]
    max_in_flight: usize,
    /// Seconds a request may take, body included (optimise: plus its time limit).
    #[arg(long, default_value_t = 10.0, value_name = "SECS")]
    request_timeout: f64,
    /// Seconds a client has to send a request's headers (slowloris defence; also the idle
    /// keep-alive limit).
    #[arg(long, default_value_t = 5.0, value_name = "SECS")]
    header_timeout: f64,
    /// Seconds SIGTERM waits for in-flight requests before closing the rest; default: the
    /// longest a request may take (request timeout + max time limit) plus 5.
    #[arg(long, value_name = "SECS")]
    drain_timeout: Option<f64>,
    /// Connections served at once; further ones wait in the listen backlog.
    #[arg(long, default_value_t = 10_000)]
    max_connections: usize,
    /// Body limit of POST /v1/quote, KiB.
    #[arg(long, default_value_t = 1024, value_name = "KIB")]
    max_quote_kib: usize,
    /// Body limit of the batch routes, MiB.
    #[arg(long, default_value_t = 64, value_name = "MIB")]
    max_batch_mib: usize,
    /// Most orders in one POST /v1/quotes.
    #[arg(long, default_value_t = 10_000)]
    max_batch_orders: usize,
    /// Most orders in one POST /v1/optimise.
    #[arg(long, default_value_t = 200_000)]
    max_optimise_orders: usize,
    /// Upper bound of an optimisation's time limit, seconds.
    #[arg(long, default_value_t = 60.0, value_name = "SECS")]
    max_time_limit: f64,
    /// /v1/quote orders with at most this many parcels are priced on the HTTP thread (they take
    /// microseconds); bigger ones go to the work pool. 0 sends every quote to the pool.
    #[arg(long, default_value_t = 20)]
    inline_max_parcels: usize,
    /// Environment variable holding the bearer token of the admin routes (POST /admin/reload);
    /// when it is unset or empty, admin routes do not exist.
    #[arg(long, default_value = "LPO_ADMIN_TOKEN", value_name = "NAME")]
    admin_token_env: String,
    /// Ship date for requests without one (YYYY-MM-DD); default today (UTC) per request.
    #[arg(long, value_parser = parse_date)]
    date: Option<lpo_model::Date>,
    /// Log format on stderr; the level comes from RUST_LOG (default `info`; `debug` logs every
    /// request).
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
}

/// A flag in seconds: positive, at most a day.
fn secs(v: f64, flag: &str) -> Result<Duration, Failure> {
    Duration::try_from_secs_f64(v)
        .ok()
        .filter(|d| !d.is_zero() && d.as_secs() <= 86_400)
        .ok_or_else(|| {
            Failure::usage(format!(
                "--{flag} {v}: give a positive number of seconds, at most 86400"
            ))
        })
}

impl Args {
    fn settings(&self) -> Result<Settings, Failure> {
        let d = Settings::default();
        Ok(Settings {
            request_timeout: secs(self.request_timeout, "request-timeout")?,
            header_read_timeout: secs(self.header_timeout, "header-timeout")?,
            drain_timeout: match self.drain_timeout {
                Some(v) => secs(v, "drain-timeout")?,
                None => {
                    Duration::try_from_secs_f64(self.request_timeout + self.max_time_limit + 5.0)
                        .unwrap_or(Duration::from_secs(86_400))
                }
            },
            max_quote_body: self.max_quote_kib.max(1) << 10,
            max_batch_body: self.max_batch_mib.max(1) << 20,
            max_batch_orders: self.max_batch_orders.max(1),
            max_optimise_orders: self.max_optimise_orders.max(1),
            max_time_limit: secs(self.max_time_limit, "max-time-limit")?.as_secs_f64(),
            validate_exe: None,
            max_connections: self.max_connections.max(1),
            pool_threads: self.pool_threads.unwrap_or(d.pool_threads).max(1),
            queue: self.queue.max(1),
            max_in_flight: self.max_in_flight.max(1),
            inline_max_parcels: self.inline_max_parcels,
            date: self.date,
        })
    }
}

pub fn run(cli: &Global, a: &Args) -> Outcome {
    let settings = a.settings()?;
    let addr: SocketAddr = a.addr.parse().map_err(|e| {
        Failure::usage(format!(
            "--addr `{}` is not an address like 127.0.0.1:8080: {e}",
            a.addr
        ))
    })?;
    let path = manifest_path(cli)?;
    if path.symlink_metadata().is_err() {
        return Err(Failure::usage(format!(
            "config file {} does not exist",
            path.display()
        )));
    }
    let start = Start {
        manifest: path,
        addr,
        workers: a.workers,
        admin_token: std::env::var(&a.admin_token_env).ok(),
        log_format: match a.log_format {
            LogFormat::Text => lpo_server::LogFormat::Text,
            LogFormat::Json => lpo_server::LogFormat::Json,
        },
    };
    // A line on stdout for scripts that start the service on port 0.
    lpo_server::run(start, settings, |local| {
        crate::common::emit(&format!("listening on {local}"))
    })
    .map_err(|e| match e {
        ServeError::Config {
            ref diagnostics, ..
        } => {
            print_diagnostics(diagnostics);
            Failure::usage(e.to_string())
        }
        e => Failure::io(e.to_string()),
    })?;
    Ok(ExitCode::Ok)
}
