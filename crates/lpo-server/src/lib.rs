//! `lpo serve`: the HTTP quote service (axum on hyper), with hot reload, backpressure, limits,
//! graceful shutdown and Prometheus metrics. See docs/http.md.

// `Problem` is a few hundred bytes; it travels only on the error path of a request that also
// does HTTP I/O, so boxing it would buy nothing measurable.
#![allow(clippy::result_large_err)]

mod metrics;
pub mod openapi;
mod problem;
mod routes;
mod state;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;

pub use problem::{FieldProblem, Problem};
pub use routes::{EXIT_CODE_HEADER, VERSION_HEADER, router};
pub use state::{App, Reloaded, Settings, Snapshot};

use crate::{Cli, Failure, Outcome, exit, manifest_path, parse_date, print_diagnostics};

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
    /// Threads answering HTTP (default: one per core).
    #[arg(long)]
    workers: Option<usize>,
    /// Threads of the work pool for batches, validation and big orders (default: one per core).
    #[arg(long)]
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

fn init_logs(format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let b = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // A closed stderr drops the log line; the default reports it with `eprintln!`, which
        // panics when stderr is the stream that failed.
        .log_internal_errors(false)
        .with_target(false);
    let _ = match format {
        LogFormat::Text => b.try_init(),
        LogFormat::Json => b.json().flatten_event(true).try_init(),
    };
}

pub fn run(cli: &Cli, a: &Args) -> Outcome {
    init_logs(a.log_format);
    let settings = a.settings()?;
    let addr: SocketAddr = a.addr.parse().map_err(|e| {
        Failure::usage(format!(
            "--addr `{}` is not an address like 127.0.0.1:8080: {e}",
            a.addr
        ))
    })?;
    let path = manifest_path(cli)?;
    if !path.is_file() {
        return Err(Failure::usage(format!(
            "config file {} does not exist",
            path.display()
        )));
    }
    let token = std::env::var(&a.admin_token_env).ok();
    let app = App::load(&path, settings, token).map_err(|diags| {
        print_diagnostics(&diags);
        Failure::usage(format!(
            "the configuration at {} does not load; the service did not start",
            path.display()
        ))
    })?;
    let mut rt = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = a.workers {
        rt.worker_threads(n.max(1));
    }
    let rt = rt
        .enable_all()
        .thread_name("lpo-http")
        .build()
        .map_err(|e| Failure::io(format!("cannot start the runtime: {e}")))?;
    rt.block_on(async move {
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|e| Failure::io(format!("cannot listen on {addr}: {e}")))?;
        let local = listener
            .local_addr()
            .map_err(|e| Failure::io(e.to_string()))?;
        tracing::info!(
            addr = %local,
            config_version = %app.snapshot().version(),
            admin = app.admin_enabled(),
            "listening"
        );
        if !local.ip().is_loopback() && !app.admin_enabled() {
            tracing::info!("serving beyond loopback; admin routes are off (no token set)");
        }
        // A line on stdout for scripts that start the service on port 0.
        crate::emit(&format!("listening on {local}"));
        spawn_sighup(app.clone());
        serve(app, listener, terminate())
            .await
            .map_err(|e| Failure::io(e.to_string()))
    })?;
    Ok(exit::OK)
}

/// Reloads on every SIGHUP.
fn spawn_sighup(app: Arc<App>) {
    use tokio::signal::unix::{SignalKind, signal};
    let Ok(mut hup) = signal(SignalKind::hangup()) else {
        tracing::warn!("cannot listen for SIGHUP; reload with POST /admin/reload");
        return;
    };
    tokio::spawn(async move {
        while hup.recv().await.is_some() {
            // The outcome is logged and counted by `reload`.
            let _ = app.reload("SIGHUP").await;
        }
    });
}

/// Resolves on SIGTERM or SIGINT.
async fn terminate() {
    use tokio::signal::unix::{SignalKind, signal};
    let term = async {
        match signal(SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = term => tracing::info!("SIGTERM: draining"),
        _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT: draining"),
    }
}

/// How long draining connections get to receive their `Connection: close` answer before idle
/// ones are closed.
const DRAIN_GRACE: Duration = Duration::from_secs(1);

/// Serves HTTP/1.1 on `listener` until `shutdown` resolves, then stops accepting, lets
/// in-flight requests finish (up to the drain timeout) and returns.
///
/// Connections are served by hyper directly (not `axum::serve`) so that a client must send its
/// headers within the header timeout: a slowloris client is cut off instead of holding a
/// connection forever.
pub async fn serve(
    app: Arc<App>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let router = router(app.clone());
    let graceful = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(app.settings.header_read_timeout)
        .keep_alive(true);
    tokio::pin!(shutdown);
    let slots = Arc::new(tokio::sync::Semaphore::new(app.settings.max_connections));
    loop {
        // At the connection limit, stop accepting until one closes (clients wait in the backlog).
        let slot = tokio::select! {
            s = slots.clone().acquire_owned() => match s {
                Ok(s) => s,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(x) => x,
                    Err(e) => {
                        // Out of file descriptors and the like: back off instead of spinning.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let conn = http.serve_connection(
                    TokioIo::new(stream),
                    TowerToHyperService::new(router.clone()),
                );
                let conn = graceful.watch(conn);
                let open = app.connection_opened();
                tokio::spawn(async move {
                    if let Err(e) = conn.await {
                        tracing::debug!(%peer, error = %e, "connection closed with an error");
                    }
                    drop(open);
                    drop(slot);
                });
            }
            () = &mut shutdown => break,
        }
    }
    // Stop accepting. Every connection's next response says `Connection: close`, so a client
    // with a request already on the wire gets its answer instead of a reset; connections still
    // open after the grace period are idle ones, closed by hyper's graceful shutdown.
    app.start_draining();
    drop(listener);
    let drain = app.settings.drain_timeout;
    let grace = DRAIN_GRACE.min(drain);
    let t = tokio::time::Instant::now();
    while app.open_connections() > 0 && t.elapsed() < grace {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::select! {
        () = graceful.shutdown() => tracing::info!("drained; all in-flight requests answered"),
        () = tokio::time::sleep(drain) => tracing::warn!(secs = drain.as_secs_f64(), "drain timeout; closing the remaining connections"),
    }
    Ok(())
}
