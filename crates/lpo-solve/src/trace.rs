//! Progress lines for people tuning the solver (`LPO_TRACE_CG`).

use std::sync::OnceLock;
use std::time::Instant;

/// When the first line was written: each line says how long after it it came.
static FIRST: OnceLock<Instant> = OnceLock::new();

/// With `LPO_TRACE_CG` set, writes a line of the solver's progress to stderr, after the seconds
/// since the first line (a closed stderr drops it: tracing never changes a run's outcome).
pub(crate) fn trace(line: impl FnOnce() -> String) {
    if std::env::var_os("LPO_TRACE_CG").is_some() {
        use std::io::Write;
        let at = FIRST.get_or_init(Instant::now).elapsed().as_secs_f64();
        let _ = writeln!(std::io::stderr().lock(), "[{at:8.3} s] {}", line());
    }
}
