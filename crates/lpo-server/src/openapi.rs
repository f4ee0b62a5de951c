//! The OpenAPI 3.0 document of the service. Request and response schemas are generated from the
//! Rust types the handlers read and write (schemars), so they cannot drift from the code.

use std::sync::OnceLock;

use lpo_format::output::QuoteJson;
use lpo_format::request::QuoteRequestJson;
use schemars::generate::SchemaSettings;
use serde_json::{Value, json};

use super::api::{
    EXIT_CODE_HEADER, Health, OptimiseResponse, QuotesResponse, VERSION_HEADER, ValidateRequest,
    ValidateResponse,
};
use super::problem::Problem;
use super::state::Reloaded;

/// The document as JSON bytes, built once.
pub fn document_bytes() -> Vec<u8> {
    static DOC: OnceLock<Vec<u8>> = OnceLock::new();
    DOC.get_or_init(|| serde_json::to_vec_pretty(&document()).unwrap_or_default())
        .clone()
}

fn problems(codes: &[&str]) -> Value {
    let mut m = serde_json::Map::new();
    for c in codes {
        m.insert(
            (*c).to_string(),
            json!({"$ref": "#/components/responses/Problem"}),
        );
    }
    Value::Object(m)
}

fn ok_json(schema: &Value, description: &str, exit_code: bool) -> Value {
    let mut headers = json!({ VERSION_HEADER: {"$ref": "#/components/headers/ConfigVersion"} });
    if exit_code && let Some(h) = headers.as_object_mut() {
        h.insert(
            EXIT_CODE_HEADER.into(),
            json!({"$ref": "#/components/headers/ExitCode"}),
        );
    }
    json!({
        "description": description,
        "headers": headers,
        "content": {"application/json": {"schema": schema}}
    })
}

fn merge(mut a: Value, b: Value) -> Value {
    if let (Some(a), Value::Object(b)) = (a.as_object_mut(), b) {
        a.extend(b);
    }
    a
}

/// The OpenAPI document.
pub fn document() -> Value {
    let mut g = SchemaSettings::openapi3().into_generator();
    let quote_req = serde_json::to_value(g.subschema_for::<QuoteRequestJson>()).unwrap_or_default();
    let quote = serde_json::to_value(g.subschema_for::<QuoteJson>()).unwrap_or_default();
    let quotes = serde_json::to_value(g.subschema_for::<QuotesResponse>()).unwrap_or_default();
    let optimise = serde_json::to_value(g.subschema_for::<OptimiseResponse>()).unwrap_or_default();
    let validate_req =
        serde_json::to_value(g.subschema_for::<ValidateRequest>()).unwrap_or_default();
    let validate = serde_json::to_value(g.subschema_for::<ValidateResponse>()).unwrap_or_default();
    let health = serde_json::to_value(g.subschema_for::<Health>()).unwrap_or_default();
    let reloaded = serde_json::to_value(g.subschema_for::<Reloaded>()).unwrap_or_default();
    let problem = serde_json::to_value(g.subschema_for::<Problem>()).unwrap_or_default();
    let schemas = g.take_definitions(true);

    let batch_body = json!({
        "required": true,
        "content": {
            "application/json": {"schema": {"type": "array", "items": quote_req}},
            "text/csv": {"schema": {"type": "string", "description": "The orders CSV (docs/formats.md): one row per parcel."}}
        }
    });
    let q = |name: &str, schema: Value, description: &str| json!({"name": name, "in": "query", "required": false, "schema": schema, "description": description});
    let strategy = q(
        "strategy",
        json!({"type": "string", "enum": ["cheapest", "fastest", "best_value"]}),
        "Ranking for orders that name none (default cheapest).",
    );
    let within = q(
        "within_days",
        json!({"type": "integer", "minimum": 0, "maximum": 255}),
        "best_value: how many days slower than the fastest an option may be.",
    );
    let date = q(
        "date",
        json!({"type": "string", "format": "date"}),
        "Ship date for orders without one (default today, UTC).",
    );

    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "LPO quote service",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Last-mile Postage Optimiser: the cheapest feasible courier service for every order. Every response carries the configuration version it was computed with (header `lpo-config-version`, and `config_version` in JSON bodies). Errors are application/problem+json with `code`, the exit code the CLI gives the same failure."
        },
        "paths": {
            "/v1/quote": {"post": {
                "operationId": "quote",
                "summary": "Quote one order across every service",
                "requestBody": {"required": true, "content": {"application/json": {"schema": quote_req}}},
                "responses": merge(json!({"200": ok_json(&quote, "The quote: options best first, exclusions with reasons, the selected option (null when no service can take the order).", false)}),
                    problems(&["400", "408", "413", "415", "422", "503"]))
            }},
            "/v1/quotes": {"post": {
                "operationId": "quotes",
                "summary": "Quote many orders; one result per order, in request order",
                "parameters": [strategy, within, q("explain", json!({"type": "boolean"}), "Fill in exclusion details."), date],
                "requestBody": batch_body,
                "responses": merge(json!({"200": ok_json(&quotes, "Per-order results; invalid orders are `rejected` with the field at fault.", true)}),
                    problems(&["400", "408", "413", "415", "422", "503"]))
            }},
            "/v1/optimise": {"post": {
                "operationId": "optimise",
                "summary": "Choose a service for every order of a batch, under the day's global constraints when configured",
                "parameters": [
                    q("strategy", json!({"type": "string", "enum": ["cheapest", "fastest", "best_value"]}), "Per-order ranking (global runs take cheapest only)."),
                    q("within_days", json!({"type": "integer", "minimum": 0, "maximum": 255}), "best_value: days slower than the fastest allowed."),
                    q("date", json!({"type": "string", "format": "date"}), "Ship date for orders without one."),
                    q("greedy", json!({"type": "boolean"}), "Ignore the global constraints: each order's own best option."),
                    q("global", json!({"type": "boolean"}), "Solve globally even without constraints."),
                    q("time_limit", json!({"type": "number", "exclusiveMinimum": true, "minimum": 0}), "Solver wall-clock limit, seconds (capped by the service)."),
                    q("gap", json!({"type": "number", "exclusiveMinimum": true, "minimum": 0}), "Stop once proven within this percentage of optimal.")
                ],
                "requestBody": {
                    "required": true,
                    "content": {
                        "text/csv": {"schema": {"type": "string", "description": "The orders CSV."}},
                        "application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/QuoteRequestJson"}}}
                    }
                },
                "responses": merge(json!({"200": {
                    "description": "The plan. JSON by default; `Accept: text/csv` returns the plan CSV alone.",
                    "headers": {
                        VERSION_HEADER: {"$ref": "#/components/headers/ConfigVersion"},
                        EXIT_CODE_HEADER: {"$ref": "#/components/headers/ExitCode"}
                    },
                    "content": {
                        "application/json": {"schema": optimise},
                        "text/csv": {"schema": {"type": "string"}}
                    }
                }}), problems(&["400", "408", "413", "415", "422", "503"]))
            }},
            "/v1/validate": {"post": {
                "operationId": "validate",
                "summary": "Validate a configuration bundle (same diagnostics as `lpo validate --format json`)",
                "requestBody": {"required": true, "content": {"application/json": {"schema": validate_req}}},
                "responses": merge(json!({"200": ok_json(&validate, "The diagnostics; `ok` false when the bundle has errors.", true)}),
                    problems(&["400", "408", "413", "415", "422", "503"]))
            }},
            "/healthz": {"get": {
                "operationId": "healthz",
                "summary": "The process is alive",
                "responses": {"200": ok_json(&health, "Alive.", false)}
            }},
            "/readyz": {"get": {
                "operationId": "readyz",
                "summary": "A configuration is loaded and the service is not shutting down",
                "responses": merge(json!({"200": ok_json(&health, "Ready.", false)}), problems(&["503"]))
            }},
            "/metrics": {"get": {
                "operationId": "metrics",
                "summary": "Prometheus metrics (text exposition format 0.0.4)",
                "responses": {"200": {"description": "Metrics.", "content": {"text/plain": {"schema": {"type": "string"}}}}}
            }},
            "/openapi.json": {"get": {
                "operationId": "openapi",
                "summary": "This document",
                "responses": {"200": {"description": "OpenAPI 3.0 document.", "content": {"application/json": {"schema": {"type": "object"}}}}}
            }},
            "/admin/reload": {"post": {
                "operationId": "reload",
                "summary": "Reload the configuration (only when the service was started with an admin token)",
                "security": [{"adminToken": []}],
                "responses": merge(json!({"200": ok_json(&reloaded, "The new configuration is being served.", false)}),
                    problems(&["401", "422", "503"]))
            }}
        },
        "components": {
            "schemas": schemas,
            "responses": {
                "Problem": {
                    "description": "An error (RFC 9457 problem details).",
                    "content": {"application/problem+json": {"schema": problem}}
                }
            },
            "headers": {
                "ConfigVersion": {"description": "Version (hash) of the configuration the response was computed with.", "schema": {"type": "string"}},
                "ExitCode": {"description": "The CLI exit code for the same work: 0, 2 invalid, 3 some orders rejected or unallocated.", "schema": {"type": "integer"}}
            },
            "securitySchemes": {
                "adminToken": {"type": "http", "scheme": "bearer", "description": "The token in the environment variable named by `--admin-token-env` (default LPO_ADMIN_TOKEN)."}
            }
        }
    })
}
