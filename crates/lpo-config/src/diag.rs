//! Diagnostics: every problem found in a configuration, with file, line, column, a stable code
//! and a hint. Codes are listed in `docs/diagnostics.md`.

use std::fmt;

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One problem, positioned in a file of the config root.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Stable code, e.g. `band-gap`.
    pub code: &'static str,
    /// Path relative to the config root, `/`-separated.
    pub file: String,
    /// 1-based line, 0 when the problem is about the whole file.
    pub line: u64,
    /// 1-based column, 0 when unknown.
    pub column: u64,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{sev}[{}]: {}", self.code, self.message)?;
        write!(f, "\n  --> {}", self.file)?;
        if self.line > 0 {
            write!(f, ":{}", self.line)?;
            if self.column > 0 {
                write!(f, ":{}", self.column)?;
            }
        }
        if let Some(h) = &self.hint {
            write!(f, "\n  = help: {h}")?;
        }
        Ok(())
    }
}

/// A position in a file, for building diagnostics.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pos {
    pub file: String,
    pub line: u64,
    pub column: u64,
}

impl Pos {
    pub fn file(file: &str) -> Pos {
        Pos {
            file: file.to_string(),
            line: 0,
            column: 0,
        }
    }

    pub fn at(file: &str, line: u64, column: u64) -> Pos {
        Pos {
            file: file.to_string(),
            line,
            column,
        }
    }
}

/// Problems collected while loading; loading goes on after an error so that all are reported.
#[derive(Debug, Clone, Default)]
pub struct Diagnostics {
    pub items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn error(
        &mut self,
        code: &'static str,
        pos: &Pos,
        message: impl Into<String>,
        hint: Option<String>,
    ) {
        self.push(Severity::Error, code, pos, message.into(), hint);
    }

    pub fn warning(
        &mut self,
        code: &'static str,
        pos: &Pos,
        message: impl Into<String>,
        hint: Option<String>,
    ) {
        self.push(Severity::Warning, code, pos, message.into(), hint);
    }

    fn push(
        &mut self,
        severity: Severity,
        code: &'static str,
        pos: &Pos,
        message: String,
        hint: Option<String>,
    ) {
        self.items.push(Diagnostic {
            severity,
            code,
            file: pos.file.clone(),
            line: pos.line,
            column: pos.column,
            message,
            hint,
        });
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }

    pub fn errors(&self) -> usize {
        self.items
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count()
    }

    pub fn warnings(&self) -> usize {
        self.items
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .count()
    }

    /// Sorted by file, line, column, code: a stable order for output and tests.
    pub fn sorted(mut self) -> Vec<Diagnostic> {
        self.items.sort_by(|a, b| {
            (&a.file, a.line, a.column, a.code, &a.message)
                .cmp(&(&b.file, b.line, b.column, b.code, &b.message))
        });
        self.items.dedup();
        self.items
    }
}

/// How many of `diags` are errors, and the first of them: what a one-line "the configuration
/// has N error(s)" message names.
pub fn errors_of(diags: &[Diagnostic]) -> (usize, Option<&Diagnostic>) {
    let mut errors = diags.iter().filter(|d| d.severity == Severity::Error);
    let first = errors.next();
    (first.map_or(0, |_| 1 + errors.count()), first)
}

/// The closest candidate to `word` by edit distance, for "did you mean" hints.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let best = candidates
        .into_iter()
        .map(|c| (edit_distance(&word.to_lowercase(), &c.to_lowercase()), c))
        .min()?;
    let n = word.chars().count();
    let limit = if n < 3 { 1 } else { (n / 3).max(2) };
    (best.0 <= limit).then(|| format!("did you mean `{}`?", best.1))
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev.get(j).copied().unwrap_or(0) + usize::from(ca != *cb);
            let del = prev.get(j + 1).copied().unwrap_or(0) + 1;
            let ins = cur.get(j).copied().unwrap_or(0) + 1;
            if let Some(c) = cur.get_mut(j + 1) {
                *c = sub.min(del).min(ins);
            }
        }
        prev = cur;
    }
    prev.last().copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names() {
        assert_eq!(
            did_you_mean("hunterr", ["hunter", "tnt"]).as_deref(),
            Some("did you mean `hunter`?")
        );
        assert_eq!(did_you_mean("xyz", ["hunter", "tnt"]), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
