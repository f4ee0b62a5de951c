//! The request and answer types of the routes, and the headers they set: shared by the
//! handlers and the OpenAPI document, which generates its schemas from them.

use std::collections::BTreeMap;

use lpo_format::output::QuoteJson;
use lpo_plan::SolverReport;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::problem::FieldProblem;

/// The header that names the configuration a response was computed with.
pub const VERSION_HEADER: &str = "lpo-config-version";
/// The header that carries the CLI exit code of a batch answer.
pub const EXIT_CODE_HEADER: &str = "lpo-exit-code";

/// One order's answer in a `/v1/quotes` response.
#[derive(Debug, Serialize, JsonSchema)]
pub struct QuotesItem {
    /// Position in the request (0-based).
    pub index: usize,
    pub order_id: String,
    /// `quoted` (a service was selected), `unallocated` (no service can take it) or `rejected`
    /// (the order is invalid; see `errors`).
    pub status: &'static str,
    /// The quote, as `POST /v1/quote` answers it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<QuoteJson<'static>>")]
    pub quote: Option<Box<serde_json::value::RawValue>>,
    /// Why a `rejected` order was rejected (absent otherwise).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub errors: Vec<FieldProblem>,
}

/// `POST /v1/quotes` answer: one item per order, in request order.
#[derive(Debug, Serialize, JsonSchema)]
pub struct QuotesResponse {
    pub config_version: String,
    pub orders: usize,
    pub quoted: usize,
    pub unallocated: usize,
    pub rejected: usize,
    /// The CLI's exit code for the same batch: 0, or 3 when an order was rejected or unallocated.
    pub exit_code: u8,
    pub results: Vec<QuotesItem>,
}

/// `POST /v1/optimise` answer (JSON; `Accept: text/csv` gets the plan CSV alone).
#[derive(Debug, Serialize, JsonSchema)]
pub struct OptimiseResponse {
    pub config_version: String,
    /// `per_order` (each order's own best option) or `global` (the day solved under the
    /// configured constraints).
    pub method: &'static str,
    /// The CLI's exit code for the same run: 0, or 3 when an order was rejected or unallocated.
    pub exit_code: u8,
    pub orders: usize,
    pub allocated: usize,
    pub unallocated: usize,
    pub rejected: usize,
    pub total_cents: i64,
    /// The plan rows, with the plan CSV's columns and its exact text values.
    pub plan: Vec<BTreeMap<String, String>>,
    /// The global solver's report (as `lpo optimise --report`), for global runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<serde_json::Value>")]
    pub report: Option<Box<SolverReport>>,
}

/// `POST /v1/validate` body: a config bundle.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ValidateRequest {
    /// Files by path relative to the config root (`/`-separated), with their text; `lpo.yaml`
    /// is the manifest.
    pub files: BTreeMap<String, String>,
    /// Start from the files of the configuration being served and lay these over them (to
    /// check a change to one rule file, send just that file).
    #[serde(default)]
    pub overlay: bool,
    /// Fail on warnings too (like `lpo validate --deny-warnings`).
    #[serde(default)]
    pub deny_warnings: bool,
}

/// `POST /v1/validate` answer: `lpo validate --format json`, plus the exit code and the
/// version being served.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ValidateResponse {
    pub ok: bool,
    pub errors: usize,
    pub warnings: usize,
    #[schemars(with = "Vec<lpo_config::Diagnostic>")]
    pub diagnostics: serde_json::Value,
    /// Counts of what the bundle loaded (absent when it did not load).
    pub summary: Option<serde_json::Value>,
    /// The CLI's exit code for the same check: 0 clean, 2 invalid.
    pub exit_code: u8,
    /// The configuration this service is serving (not the bundle's).
    pub config_version: String,
}

/// `GET /healthz` and `GET /readyz` answer.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Health {
    /// `alive` (healthz) or `ready` (readyz).
    pub status: &'static str,
    pub config_version: String,
}

/// Most parcels in one order (as for a JSON quote request).
pub(crate) const MAX_PARCELS: usize = 1000;
