//! Prometheus metrics in the text exposition format (version 0.0.4), kept by hand: a few
//! counters and histograms need no framework.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

/// Upper bounds of the latency histogram buckets, seconds.
const BUCKETS: [f64; 16] = [
    0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
    1.0, 5.0, 30.0,
];

#[derive(Default, Clone)]
struct Series {
    count: u64,
    sum_ns: u64,
    /// Non-cumulative counts per bucket; the last is +Inf.
    buckets: [u64; BUCKETS.len() + 1],
}

#[derive(Default)]
struct Inner {
    http: BTreeMap<(&'static str, u16), Series>,
    /// Quotes answered, by selected carrier (`none` when no service could take the order).
    carriers: BTreeMap<String, u64>,
}

/// The service's counters.
#[derive(Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
    reloads_ok: AtomicU64,
    reloads_failed: AtomicU64,
    busy: AtomicU64,
    in_flight: AtomicU64,
}

impl Metrics {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave a counter half-written.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn observe(&self, route: &'static str, status: u16, took: Duration) {
        let ns = u64::try_from(took.as_nanos()).unwrap_or(u64::MAX);
        let secs = took.as_secs_f64();
        let b = BUCKETS
            .iter()
            .position(|&le| secs <= le)
            .unwrap_or(BUCKETS.len());
        let mut g = self.lock();
        let s = g.http.entry((route, status)).or_default();
        s.count += 1;
        s.sum_ns = s.sum_ns.saturating_add(ns);
        if let Some(n) = s.buckets.get_mut(b) {
            *n += 1;
        }
    }

    /// Counts a batch's quotes by the carrier selected.
    pub fn quotes(&self, carriers: BTreeMap<String, u64>) {
        let mut g = self.lock();
        for (c, n) in carriers {
            *g.carriers.entry(c).or_default() += n;
        }
    }

    /// Counts one quote by the carrier selected.
    pub fn quote(&self, carrier: &str) {
        let mut g = self.lock();
        match g.carriers.get_mut(carrier) {
            Some(n) => *n += 1,
            None => {
                g.carriers.insert(carrier.to_string(), 1);
            }
        }
    }

    pub fn reload(&self, ok: bool) {
        let c = if ok {
            &self.reloads_ok
        } else {
            &self.reloads_failed
        };
        c.fetch_add(1, Ordering::Relaxed);
    }

    pub fn busy(&self) {
        self.busy.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a request in; returns how many were in flight before it.
    pub fn enter(&self) -> u64 {
        self.in_flight.fetch_add(1, Ordering::Relaxed)
    }

    pub fn leave(&self) {
        self.in_flight.fetch_sub(1, Ordering::Relaxed);
    }

    /// Requests by route and status so far (for tests and the shutdown log).
    pub fn count(&self, route: &str, status: u16) -> u64 {
        self.lock()
            .http
            .iter()
            .filter(|((r, s), _)| *r == route && *s == status)
            .map(|(_, v)| v.count)
            .sum()
    }

    /// The exposition text.
    pub fn render(
        &self,
        config_version: &str,
        loaded_at: SystemTime,
        pool_in_use: usize,
    ) -> String {
        let (http, carriers) = {
            let g = self.lock();
            (g.http.clone(), g.carriers.clone())
        };
        let mut s = String::with_capacity(4096 + http.len() * 1200);
        s.push_str("# HELP lpo_http_requests_total HTTP requests answered, by route and status.\n# TYPE lpo_http_requests_total counter\n");
        for ((route, status), v) in &http {
            let _ = writeln!(
                s,
                "lpo_http_requests_total{{route=\"{route}\",status=\"{status}\"}} {}",
                v.count
            );
        }
        s.push_str("# HELP lpo_http_request_duration_seconds Time from the request reaching the router to the response, by route and status.\n# TYPE lpo_http_request_duration_seconds histogram\n");
        for ((route, status), v) in &http {
            let mut cum = 0;
            for (i, n) in v.buckets.iter().enumerate() {
                cum += n;
                let le = BUCKETS
                    .get(i)
                    .map_or_else(|| "+Inf".to_string(), |b| b.to_string());
                let _ = writeln!(
                    s,
                    "lpo_http_request_duration_seconds_bucket{{route=\"{route}\",status=\"{status}\",le=\"{le}\"}} {cum}"
                );
            }
            let _ = writeln!(
                s,
                "lpo_http_request_duration_seconds_sum{{route=\"{route}\",status=\"{status}\"}} {}",
                v.sum_ns as f64 / 1e9
            );
            let _ = writeln!(
                s,
                "lpo_http_request_duration_seconds_count{{route=\"{route}\",status=\"{status}\"}} {}",
                v.count
            );
        }
        s.push_str("# HELP lpo_quotes_total Orders quoted, by the carrier selected (`none`: no service could take the order).\n# TYPE lpo_quotes_total counter\n");
        for (c, n) in &carriers {
            let _ = writeln!(s, "lpo_quotes_total{{carrier=\"{c}\"}} {n}");
        }
        let loaded = loaded_at
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64());
        let _ = write!(
            s,
            "# HELP lpo_config_info The configuration being served.\n# TYPE lpo_config_info gauge\nlpo_config_info{{config_version=\"{config_version}\"}} 1\n\
             # HELP lpo_config_loaded_timestamp_seconds When the served configuration was loaded.\n# TYPE lpo_config_loaded_timestamp_seconds gauge\nlpo_config_loaded_timestamp_seconds {loaded:.3}\n\
             # HELP lpo_config_reloads_total Reloads attempted, by result.\n# TYPE lpo_config_reloads_total counter\nlpo_config_reloads_total{{result=\"ok\"}} {}\nlpo_config_reloads_total{{result=\"failed\"}} {}\n\
             # HELP lpo_busy_rejections_total Requests refused with 503 because the work pool was full.\n# TYPE lpo_busy_rejections_total counter\nlpo_busy_rejections_total {}\n\
             # HELP lpo_pool_jobs Jobs running or queued on the work pool.\n# TYPE lpo_pool_jobs gauge\nlpo_pool_jobs {pool_in_use}\n\
             # HELP lpo_http_requests_in_flight Requests being answered.\n# TYPE lpo_http_requests_in_flight gauge\nlpo_http_requests_in_flight {}\n",
            self.reloads_ok.load(Ordering::Relaxed),
            self.reloads_failed.load(Ordering::Relaxed),
            self.busy.load(Ordering::Relaxed),
            self.in_flight.load(Ordering::Relaxed),
        );
        if let Some(rss) = resident_bytes() {
            let _ = write!(
                s,
                "# HELP process_resident_memory_bytes Resident memory size in bytes.\n# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes {rss}\n"
            );
        }
        s
    }
}

/// Resident set size from `/proc/self/statm` (Linux), bytes.
fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}
