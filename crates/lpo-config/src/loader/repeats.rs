//! Rows of a CSV table that repeat an earlier row: each is a `duplicate-row` warning naming the
//! line it repeats, and is left out. Only the first [`LISTED`] of a file are listed one by one;
//! one more warning counts the rest, so a file of one row written 600,000 times does not give
//! 600,000 warnings.

use std::hash::Hash;

use rustc_hash::FxHashMap;

use crate::diag::{Diagnostics, Pos};

/// Repeated rows listed one by one in a file; the rest are counted.
pub(crate) const LISTED: usize = 20;

/// The rows of one file seen so far, by key (what the row means, e.g. postcode and suburb),
/// each with the line it was first seen at.
pub(crate) struct Repeats<K> {
    file: String,
    first: FxHashMap<K, u64>,
    /// Repeats found so far.
    found: usize,
    /// The line of the first repeat not listed.
    unlisted_at: u64,
}

impl<K: Hash + Eq> Repeats<K> {
    pub(crate) fn new(file: &str) -> Repeats<K> {
        Repeats {
            file: file.to_string(),
            first: FxHashMap::default(),
            found: 0,
            unlisted_at: 0,
        }
    }

    /// Whether the row `key` at `line` repeats an earlier one (warned about: leave it out).
    pub(crate) fn repeats(&mut self, diags: &mut Diagnostics, key: K, line: u64) -> bool {
        let Some(&first) = self.first.get(&key) else {
            self.first.insert(key, line);
            return false;
        };
        self.found += 1;
        if self.found <= LISTED {
            diags.warning(
                "duplicate-row",
                &Pos::at(&self.file, line, 0),
                format!("this row repeats line {first}"),
                Some("remove the repeated row".into()),
            );
        } else if self.found == LISTED + 1 {
            self.unlisted_at = line;
        }
        true
    }

    /// Warns once about the repeats that were not listed.
    pub(crate) fn finish(self, diags: &mut Diagnostics) {
        if self.found > LISTED {
            diags.warning(
                "duplicate-row",
                &Pos::at(&self.file, self.unlisted_at, 0),
                format!(
                    "and {} more rows from here on repeat earlier ones (only the first {LISTED} are listed)",
                    self.found - LISTED
                ),
                Some("remove the repeated rows".into()),
            );
        }
    }
}
