//! The HTTP quote service behind `lpo serve` (axum on hyper), with hot reload, backpressure, limits,
//! graceful shutdown and Prometheus metrics. See docs/http.md.

// `Problem` is a few hundred bytes; it travels only on the error path of a request that also
// does HTTP I/O, so boxing it would buy nothing measurable.
#![allow(clippy::result_large_err)]

mod api;
mod echo;
mod metrics;
pub mod openapi;
mod openapi_config;
mod problem;
mod routes;
mod state;
pub mod validate_child;
mod write_timeout;

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;

pub use api::{EXIT_CODE_HEADER, VERSION_HEADER};
pub use problem::{FieldProblem, Problem};
pub use routes::router;
pub use state::{App, Guards, Reloaded, Settings, Snapshot};

/// The log format on stderr.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LogFormat {
    /// One human-readable line per event.
    #[default]
    Text,
    /// One JSON object per event.
    Json,
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

/// How `lpo serve` starts the service.
#[derive(Debug, Clone)]
pub struct Start {
    /// The manifest to serve.
    pub manifest: PathBuf,
    pub addr: SocketAddr,
    /// Threads answering HTTP (`None`: one per core).
    pub workers: Option<usize>,
    /// The bearer token of the admin routes; `None` or empty: no admin routes.
    pub admin_token: Option<String>,
    pub log_format: LogFormat,
}

/// Why the service did not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The configuration does not load: its diagnostics.
    #[error("the configuration at {} does not load; the service did not start", .manifest.display())]
    Config {
        manifest: PathBuf,
        diagnostics: Vec<lpo_config::Diagnostic>,
    },
    #[error("cannot start the runtime: {0}")]
    Runtime(std::io::Error),
    #[error("cannot listen on {addr}: {error}")]
    Listen {
        addr: SocketAddr,
        error: std::io::Error,
    },
    #[error("{0}")]
    Io(std::io::Error),
}

/// Loads the configuration and serves it until SIGTERM or SIGINT. `listening` is called with
/// the bound address once the service accepts connections.
pub fn run(
    start: Start,
    settings: Settings,
    listening: impl FnOnce(SocketAddr),
) -> Result<(), ServeError> {
    init_logs(start.log_format);
    let app = App::load(&start.manifest, settings, start.admin_token).map_err(|diagnostics| {
        ServeError::Config {
            manifest: start.manifest.clone(),
            diagnostics,
        }
    })?;
    let mut rt = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = start.workers {
        rt.worker_threads(n.max(1));
    }
    let rt = rt
        .enable_all()
        .thread_name("lpo-http")
        .build()
        .map_err(ServeError::Runtime)?;
    let addr = start.addr;
    rt.block_on(async move {
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|error| ServeError::Listen { addr, error })?;
        let local = listener.local_addr().map_err(ServeError::Io)?;
        tracing::info!(
            addr = %local,
            config_version = %app.snapshot().version(),
            admin = app.admin_enabled(),
            "listening"
        );
        if !local.ip().is_loopback() && !app.admin_enabled() {
            tracing::info!("serving beyond loopback; admin routes are off (no token set)");
        }
        listening(local);
        spawn_sighup(app.clone());
        serve(app, listener, terminate())
            .await
            .map_err(ServeError::Io)
    })
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
/// connection forever. A client that stops reading its answer is cut off after the write
/// timeout ([`Guards::write_timeout`]).
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
                let io = write_timeout::WriteTimeout::new(stream, app.guards.write_timeout);
                let conn = http.serve_connection(
                    TokioIo::new(io),
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
