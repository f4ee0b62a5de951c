//! Where a long batch reports its progress: the CLI draws bars, the HTTP service ignores it.

/// Where a long batch reports its progress. Every method has a default that does nothing.
pub trait Progress: Sync {
    /// A phase over `len` orders begins (`what`: `pricing`).
    fn start(&self, what: &str, len: usize) {
        let _ = (what, len);
    }
    /// `n` more orders of the phase are done.
    fn advance(&self, n: usize) {
        let _ = n;
    }
    /// The phase is over.
    fn finish(&self) {}
    /// A line worth showing a person while the run goes on.
    fn message(&self, line: &str) {
        let _ = line;
    }
}

/// A [`Progress`] that reports nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Progress for Silent {}
