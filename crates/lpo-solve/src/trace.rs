//! Progress lines for people tuning the solver (`LPO_TRACE_CG`).

/// With `LPO_TRACE_CG` set, writes a line of the solver's progress to stderr (a closed stderr
/// drops it: tracing never changes a run's outcome).
pub(crate) fn trace(line: impl FnOnce() -> String) {
    if std::env::var_os("LPO_TRACE_CG").is_some() {
        use std::io::Write;
        let _ = writeln!(std::io::stderr().lock(), "{}", line());
    }
}
