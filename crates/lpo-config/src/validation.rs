//! `lpo validate`'s findings for one configuration: every diagnostic, and counts of what
//! loaded. The same answer serves the CLI and the HTTP service's `POST /v1/validate`.

use crate::diag::{Diagnostic, Severity};

/// What `lpo validate` finds in one configuration (also the HTTP `POST /v1/validate` answer).
#[derive(Debug)]
pub struct Validation {
    pub diagnostics: Vec<Diagnostic>,
    /// Counts of what was loaded, when the configuration loaded.
    pub summary: Option<serde_json::Value>,
    pub errors: usize,
    pub warnings: usize,
    /// Errors, or warnings under `deny_warnings`.
    pub failed: bool,
}

impl Validation {
    /// The JSON of `lpo validate --format json`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "ok": !self.failed,
            "errors": self.errors,
            "warnings": self.warnings,
            "diagnostics": self.diagnostics,
            "summary": self.summary,
        })
    }
}

/// Loads the configuration at `path` and reports every diagnostic.
pub fn validate_manifest(path: &std::path::Path, deny_warnings: bool) -> Validation {
    let (diagnostics, summary) = match crate::load::load(path) {
        Ok(l) => {
            let e = &l.engine;
            let summary = serde_json::json!({
                "config_version": e.version,
                "carriers": e.carriers.len(),
                "services": e.services.len(),
                "warehouses": e.warehouses.len(),
                "postcodes": e.postcodes.iter().count(),
                "files": l.files.len(),
                "rules": e.rules.len(),
                "cases": l.cases.len(),
                "constraints": l.constraints.len(),
            });
            (l.warnings, Some(summary))
        }
        Err(d) => (d, None),
    };
    let errors = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let warnings = diagnostics.len() - errors;
    Validation {
        failed: errors > 0 || (deny_warnings && warnings > 0),
        diagnostics,
        summary,
        errors,
        warnings,
    }
}
