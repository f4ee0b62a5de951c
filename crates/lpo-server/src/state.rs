//! The service's shared state: the configuration being served (swapped atomically on reload),
//! the work pool, the settings and the metrics.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use std::sync::{Arc, OnceLock};

use arc_swap::ArcSwap;
use axum::body::Bytes;
use lpo_config::{ConfigFile, Diagnostic, Loaded};
use lpo_engine::{Constraints, Engine};
use lpo_model::Date;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::metrics::Metrics;
use super::problem::Problem;
use super::validate_child::ChildLimits;

/// One loaded configuration. Requests hold an `Arc` of it for as long as they run, so a reload
/// never changes the config under a request.
pub struct Snapshot {
    pub engine: Engine,
    pub constraints: Constraints,
    /// The files read, with the bytes loaded (for `POST /v1/validate` overlays: the config as
    /// loaded, whatever happened on disk since).
    pub files: Vec<ConfigFile>,
    pub loaded_at: SystemTime,
    pub warnings: usize,
    /// The served OpenAPI document, narrowed to this configuration; made on first request.
    openapi: OnceLock<Bytes>,
}

impl Snapshot {
    fn of(l: Loaded) -> Snapshot {
        Snapshot {
            engine: l.engine,
            constraints: l.constraints,
            files: l.files,
            loaded_at: SystemTime::now(),
            warnings: l.warnings.len(),
            openapi: OnceLock::new(),
        }
    }

    /// The served OpenAPI document, made by `make` the first time.
    pub(crate) fn openapi(&self, make: impl FnOnce() -> Vec<u8>) -> Bytes {
        self.openapi.get_or_init(|| Bytes::from(make())).clone()
    }

    pub fn version(&self) -> &str {
        &self.engine.version
    }
}

/// Limits and timeouts of the service.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Whole-request limit (reading the body and answering), except `/v1/optimise`.
    pub request_timeout: Duration,
    /// A client must send a request's headers within this (slowloris).
    pub header_read_timeout: Duration,
    /// How long SIGTERM waits for in-flight requests.
    pub drain_timeout: Duration,
    /// Body limit of `POST /v1/quote`.
    pub max_quote_body: usize,
    /// Body limit of the batch routes (`/v1/quotes`, `/v1/optimise`, `/v1/validate`).
    pub max_batch_body: usize,
    /// Most orders in one `/v1/quotes` request.
    pub max_batch_orders: usize,
    /// Most orders in one `/v1/optimise` request.
    pub max_optimise_orders: usize,
    /// Upper bound of an optimisation's `time_limit`, seconds.
    pub max_time_limit: f64,
    /// Threads of the work pool.
    pub pool_threads: usize,
    /// Jobs that may run or wait on the pool; beyond it, 503.
    pub queue: usize,
    /// Requests that may be in flight at once; beyond it, 503 (health and metrics excepted).
    pub max_in_flight: usize,
    /// `/v1/quote` orders with at most this many parcels are priced on the request's own thread
    /// (a few microseconds); bigger ones go to the pool.
    pub inline_max_parcels: usize,
    /// Ship date for requests without one; `None`: today (UTC) at the time of the request.
    pub date: Option<Date>,
    /// The executable that validates bundles in a child process (one whose `main` calls
    /// [`crate::validate_child::run_if_child`] first); `None`: this executable.
    pub validate_exe: Option<PathBuf>,
    /// Connections served at once; further ones wait in the listen backlog.
    pub max_connections: usize,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            request_timeout: Duration::from_secs(10),
            header_read_timeout: Duration::from_secs(5),
            drain_timeout: Duration::from_secs(75),
            max_quote_body: 1 << 20,
            max_batch_body: 64 << 20,
            max_batch_orders: 10_000,
            max_optimise_orders: 200_000,
            max_time_limit: 60.0,
            pool_threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
            queue: 64,
            max_in_flight: 4096,
            inline_max_parcels: 20,
            date: None,
            validate_exe: None,
            max_connections: 10_000,
        }
    }
}

/// Limits of the service that `lpo serve` has no flags for yet: [`Settings`] is built field by
/// field from the flags, so these stay apart, with defaults that hold for `lpo serve`, until
/// flags set them ([`App::load_with`]).
#[derive(Debug, Clone)]
pub struct Guards {
    /// A connection whose client reads nothing of its answer for this long is closed, and the
    /// answer freed.
    pub write_timeout: Duration,
    /// What one `POST /v1/validate` child may use.
    pub validate: ChildLimits,
}

impl Default for Guards {
    fn default() -> Guards {
        Guards {
            write_timeout: Duration::from_secs(30),
            validate: ChildLimits::default(),
        }
    }
}

/// A bounded pool for CPU work: `queue` jobs at most run or wait; beyond that callers get a
/// 503 at once instead of piling up.
pub struct Pool {
    threads: rayon::ThreadPool,
    permits: Arc<Semaphore>,
    capacity: usize,
    /// One optimisation at a time: each can take the pool for seconds.
    optimise: Arc<Semaphore>,
    /// Batch bodies being read or worked on (each up to the batch body limit).
    bodies: Arc<Semaphore>,
    /// One bundle validation at a time: each child may take gigabytes and seconds.
    validate: Arc<Semaphore>,
}

/// Batch bodies held in memory at once.
const BODY_SLOTS: usize = 4;

fn slot(
    s: &Arc<Semaphore>,
    metrics: &Metrics,
    what: &str,
) -> Result<OwnedSemaphorePermit, Problem> {
    s.clone().try_acquire_owned().map_err(|_| {
        metrics.busy();
        Problem::busy(what)
    })
}

impl Pool {
    fn new(threads: usize, queue: usize) -> std::io::Result<Pool> {
        let threads = rayon::ThreadPoolBuilder::new()
            .num_threads(threads.max(1))
            .thread_name(|i| format!("lpo-work-{i}"))
            .build()
            .map_err(std::io::Error::other)?;
        Ok(Pool {
            threads,
            permits: Arc::new(Semaphore::new(queue.max(1))),
            capacity: queue.max(1),
            optimise: Arc::new(Semaphore::new(1)),
            bodies: Arc::new(Semaphore::new(BODY_SLOTS)),
            validate: Arc::new(Semaphore::new(1)),
        })
    }

    /// Jobs running or waiting.
    pub fn in_use(&self) -> usize {
        self.capacity - self.permits.available_permits()
    }

    /// The right to run an optimisation (503 while another runs). Move it into the job.
    pub fn optimise_slot(&self, metrics: &Metrics) -> Result<OwnedSemaphorePermit, Problem> {
        slot(&self.optimise, metrics, "another optimisation is running")
    }

    /// The right to run a bundle validation (503 while another runs). Move it into the job.
    pub fn validate_slot(&self, metrics: &Metrics) -> Result<OwnedSemaphorePermit, Problem> {
        slot(
            &self.validate,
            metrics,
            "another bundle validation is running",
        )
    }

    /// The right to hold a batch body in memory (503 when all slots are taken).
    pub fn body_slot(&self, metrics: &Metrics) -> Result<OwnedSemaphorePermit, Problem> {
        slot(
            &self.bodies,
            metrics,
            "too many batch bodies are being read",
        )
    }

    /// Runs `f` on the pool; a full pool answers 503 at once. A panic in `f` becomes a 500. A job
    /// whose request has gone away by the time a thread is free is skipped.
    pub async fn run<R: Send + 'static>(
        &self,
        metrics: &Metrics,
        f: impl FnOnce() -> R + Send + 'static,
    ) -> Result<R, Problem> {
        let permit = slot(&self.permits, metrics, "the work pool is full")?;
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.threads.spawn(move || {
            if tx.is_closed() {
                return;
            }
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
            drop(permit);
            let _ = tx.send(r);
        });
        match rx.await {
            Ok(Ok(r)) => Ok(r),
            Ok(Err(_)) => Err(Problem::internal(
                "the request's work panicked; this is a bug",
            )),
            Err(_) => Err(Problem::internal("the work pool dropped the request")),
        }
    }
}

/// Everything the handlers share.
pub struct App {
    current: ArcSwap<Snapshot>,
    manifest: PathBuf,
    pub settings: Settings,
    pub guards: Guards,
    pub metrics: Metrics,
    pub pool: Pool,
    admin_token: Option<String>,
    reload_lock: tokio::sync::Mutex<()>,
    draining: AtomicBool,
    connections: Arc<AtomicU64>,
    next_id: AtomicU64,
    id_prefix: String,
}

/// An open connection, counted while it lives.
pub struct ConnectionGuard(Arc<AtomicU64>);

impl Drop for ConnectionGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// What a successful reload did.
#[derive(Debug, Clone, serde::Serialize, schemars::JsonSchema)]
pub struct Reloaded {
    pub config_version: String,
    pub previous_version: String,
    /// Whether the configuration's content changed.
    pub changed: bool,
    pub files: usize,
    pub warnings: usize,
    pub took_ms: f64,
}

impl App {
    /// Loads the configuration at `manifest`, with the default [`Guards`]; every diagnostic on
    /// failure.
    pub fn load(
        manifest: &Path,
        settings: Settings,
        admin_token: Option<String>,
    ) -> Result<Arc<App>, Vec<Diagnostic>> {
        App::load_with(manifest, settings, Guards::default(), admin_token)
    }

    /// [`App::load`] with `guards`.
    pub fn load_with(
        manifest: &Path,
        settings: Settings,
        guards: Guards,
        admin_token: Option<String>,
    ) -> Result<Arc<App>, Vec<Diagnostic>> {
        let loaded = lpo_config::load(manifest)?;
        let pool = Pool::new(settings.pool_threads, settings.queue).map_err(|e| {
            vec![Diagnostic {
                severity: lpo_config::Severity::Error,
                code: "io",
                file: String::new(),
                line: 0,
                column: 0,
                message: format!("cannot start the work pool: {e}"),
                hint: None,
            }]
        })?;
        let started = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Ok(Arc::new(App {
            current: ArcSwap::from_pointee(Snapshot::of(loaded)),
            manifest: manifest.to_path_buf(),
            settings,
            guards,
            metrics: Metrics::default(),
            pool,
            admin_token: admin_token.filter(|t| !t.is_empty()),
            reload_lock: tokio::sync::Mutex::new(()),
            draining: AtomicBool::new(false),
            connections: Arc::new(AtomicU64::new(0)),
            next_id: AtomicU64::new(1),
            id_prefix: format!("{started:x}"),
        }))
    }

    /// The configuration to compute a request with.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.current.load_full()
    }

    pub fn admin_enabled(&self) -> bool {
        self.admin_token.is_some()
    }

    /// Whether `presented` (the bearer token of a request) is the admin token, compared in
    /// constant time.
    pub fn admin_token_matches(&self, presented: &str) -> bool {
        let Some(t) = &self.admin_token else {
            return false;
        };
        let (a, b) = (t.as_bytes(), presented.as_bytes());
        let mut diff = a.len() ^ b.len();
        for (i, x) in a.iter().enumerate() {
            diff |= usize::from(x ^ b.get(i).copied().unwrap_or(0));
        }
        diff == 0
    }

    pub fn draining(&self) -> bool {
        self.draining.load(Ordering::Relaxed)
    }

    pub fn start_draining(&self) {
        self.draining.store(true, Ordering::Relaxed);
    }

    /// Counts an open connection until the returned guard drops.
    pub fn connection_opened(&self) -> ConnectionGuard {
        self.connections.fetch_add(1, Ordering::Relaxed);
        ConnectionGuard(self.connections.clone())
    }

    pub fn open_connections(&self) -> u64 {
        self.connections.load(Ordering::Relaxed)
    }

    /// A fresh request id: `<start time hex>-<counter>`.
    pub fn request_id(&self) -> String {
        let n = self.next_id.fetch_add(1, Ordering::Relaxed);
        format!("{}-{n}", self.id_prefix)
    }

    /// Loads the manifest again off to the side and swaps it in when it is valid. Reloads run
    /// one at a time; requests in flight keep the snapshot they started with.
    pub async fn reload(&self, trigger: &str) -> Result<Reloaded, Problem> {
        let _one = self.reload_lock.lock().await;
        let start = Instant::now();
        let manifest = self.manifest.clone();
        let loaded = tokio::task::spawn_blocking(move || lpo_config::load(&manifest))
            .await
            .map_err(|e| Problem::internal(format!("the reload failed: {e}")))?;
        let previous = self.snapshot();
        match loaded {
            Ok(l) => {
                let snap = Snapshot::of(l);
                let out = Reloaded {
                    config_version: snap.version().to_string(),
                    previous_version: previous.version().to_string(),
                    changed: snap.version() != previous.version(),
                    files: snap.files.len(),
                    warnings: snap.warnings,
                    took_ms: start.elapsed().as_secs_f64() * 1e3,
                };
                self.current.store(Arc::new(snap));
                self.metrics.reload(true);
                tracing::info!(
                    trigger,
                    config_version = %out.config_version,
                    previous_version = %out.previous_version,
                    changed = out.changed,
                    took_ms = out.took_ms,
                    "configuration reloaded"
                );
                Ok(out)
            }
            Err(diags) => {
                self.metrics.reload(false);
                let (errors, first) = lpo_config::errors_of(&diags);
                let first = first
                    .map(|d| format!("; first: {}:{}: {}", d.file, d.line, d.message))
                    .unwrap_or_default();
                tracing::warn!(
                    trigger,
                    errors,
                    serving = %previous.version(),
                    "reload refused: the new configuration is invalid{first}"
                );
                Err(Problem::invalid_config(
                    diags,
                    format!(
                        "the new configuration has {errors} error(s); still serving {}",
                        previous.version()
                    ),
                )
                .with_version(previous.version()))
            }
        }
    }
}
