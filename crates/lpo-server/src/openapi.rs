//! The OpenAPI 3.0 document of the service. Request and response schemas are generated from the
//! Rust types the handlers read and write (schemars), so they cannot drift from the code; the
//! bounds the validator enforces on a quote request, which the types cannot say, are laid over
//! the generated schemas by [`bound_quote_request`]. The served document (`GET /openapi.json`)
//! also lists the admin route only where it exists, carries the service's own batch limits and
//! is narrowed to the configuration being served ([`crate::openapi_config`]).

use std::sync::OnceLock;

use lpo_format::output::QuoteJson;
use lpo_format::request::QuoteRequestJson;
use lpo_model::{AddressType, ServiceLevel, State};
use schemars::generate::SchemaSettings;
use serde_json::{Map, Value, json};

use super::api::{
    EXIT_CODE_HEADER, Health, MAX_PARCELS, OptimiseResponse, QuotesResponse, VERSION_HEADER,
    ValidateRequest, ValidateResponse,
};
use super::problem::Problem;
use super::state::{App, Reloaded, Settings, Snapshot};

/// The generic document as JSON bytes (`lpo schema openapi`), built once.
pub fn document_bytes() -> Vec<u8> {
    static DOC: OnceLock<Vec<u8>> = OnceLock::new();
    DOC.get_or_init(|| serde_json::to_vec_pretty(&document()).unwrap_or_default())
        .clone()
}

/// The document `GET /openapi.json` serves: this service's admin routes and limits, narrowed to
/// the configuration `snap`.
pub(crate) fn served(app: &App, snap: &Snapshot) -> Vec<u8> {
    let mut doc = document_with(app.admin_enabled(), &app.settings);
    crate::openapi_config::narrow(&mut doc, &snap.engine);
    serde_json::to_vec(&doc).unwrap_or_default()
}

/// The rankings a request may name (`Strategy`'s `FromStr`; checked by a test).
const STRATEGIES: [&str; 3] = ["cheapest", "fastest", "best_value"];
/// `ServiceLevel`'s names (it has no list of its variants).
const SERVICE_LEVELS: [ServiceLevel; 2] = [ServiceLevel::Standard, ServiceLevel::Express];
/// Heaviest parcel, grams, and longest side, millimetres: the values of
/// `lpo_format::orders::MAX_WEIGHT_G` and `MAX_SIDE_MM`, which `QuoteRequestJson::into_order`
/// also checks (as literals). Those constants are private to lpo-format; until they are public,
/// `tests/serve.rs` checks these against the validator at each bound.
const MAX_WEIGHT_G: i64 = 10_000_000;
const MAX_SIDE_MM: i64 = 20_000;

/// `values` as a JSON enum, with `null` for a nullable field (OpenAPI 3.0 lists it).
fn nullable_enum(values: impl IntoIterator<Item = &'static str>) -> Value {
    let mut v: Vec<Value> = values.into_iter().map(Value::from).collect();
    v.push(Value::Null);
    Value::Array(v)
}

/// Merges `bounds` into the schema at `path` under `schemas` (a missing path is left alone;
/// tests/serve.rs checks every bound is present).
fn bound(schemas: &mut Map<String, Value>, path: &[&str], bounds: Value) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    let at = rest
        .iter()
        .try_fold(schemas.get_mut(*first), |v, key| v.map(|v| v.get_mut(*key)))
        .flatten();
    if let (Some(Value::Object(o)), Value::Object(b)) = (at, bounds) {
        o.extend(b);
    }
}

/// The bounds `QuoteRequestJson::into_order` enforces, laid over the schemas schemars generated
/// for the quote request types. Postcodes must also be in the configuration's postcode table,
/// which only the served document can say.
fn bound_quote_request(s: &mut Map<String, Value>) {
    let rq = "QuoteRequestJson";
    bound(
        s,
        &[rq, "properties", "parcels"],
        json!({"minItems": 1, "maxItems": MAX_PARCELS}),
    );
    bound(
        s,
        &[rq, "properties", "service_level"],
        json!({"enum": nullable_enum(SERVICE_LEVELS.map(ServiceLevel::as_str))}),
    );
    bound(
        s,
        &[rq, "properties", "strategy"],
        json!({"enum": nullable_enum(STRATEGIES)}),
    );
    bound(
        s,
        &[rq, "properties", "ship_date"],
        json!({"format": "date"}),
    );
    bound(
        s,
        &[rq, "properties", "declared_value"],
        json!({"minimum": 0, "maximum": lpo_format::orders::MAX_DECLARED_CENTS / 100}),
    );
    bound(
        s,
        &[rq, "properties", "sku", "items"],
        json!({"pattern": "^[^|]*$"}),
    );
    let to = "ToJson";
    bound(
        s,
        &[to, "properties", "postcode"],
        json!({"pattern": "^[0-9]{4}$"}),
    );
    bound(
        s,
        &[to, "properties", "state"],
        json!({"enum": nullable_enum(State::ALL.map(State::as_str))}),
    );
    bound(
        s,
        &[to, "properties", "address_type"],
        json!({"enum": nullable_enum(AddressType::ALL.map(AddressType::as_str))}),
    );
    bound(
        s,
        &[to, "properties", "lat"],
        json!({"minimum": -90, "maximum": 90}),
    );
    bound(
        s,
        &[to, "properties", "lon"],
        json!({"minimum": -180, "maximum": 180}),
    );
    // Both coordinates, or neither (absent or null).
    let none = json!({"type": "number", "nullable": true, "enum": [null]});
    bound(
        s,
        &[to],
        json!({"anyOf": [
            {"required": ["lat", "lon"], "properties": {"lat": {"type": "number"}, "lon": {"type": "number"}}},
            {"properties": {"lat": none, "lon": none}}
        ]}),
    );
    let p = "ParcelJson";
    // Weights in whole grams, sides in whole millimetres (finer values are rounded).
    bound(
        s,
        &[p, "properties", "weight_kg"],
        json!({"minimum": 0.001, "maximum": MAX_WEIGHT_G / 1000}),
    );
    for side in ["length_cm", "width_cm", "height_cm"] {
        bound(
            s,
            &[p, "properties", side],
            json!({"minimum": 0.1, "maximum": MAX_SIDE_MM / 10}),
        );
    }
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

/// The OpenAPI document of any LPO service (`lpo schema openapi`): the admin route included, the
/// default limits.
pub fn document() -> Value {
    document_with(true, &Settings::default())
}

/// The document of a service with these settings, and admin routes or not.
fn document_with(admin: bool, settings: &Settings) -> Value {
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
    let mut schemas = g.take_definitions(true);
    bound_quote_request(&mut schemas);

    let batch_body = json!({
        "required": true,
        "content": {
            "application/json": {"schema": {"type": "array", "items": quote_req, "maxItems": settings.max_batch_orders}},
            "text/csv": {"schema": {"type": "string", "description": "The orders CSV (docs/formats.md): one row per parcel."}}
        }
    });
    let q = |name: &str, schema: Value, description: &str| json!({"name": name, "in": "query", "required": false, "schema": schema, "description": description});
    let strategy = q(
        "strategy",
        json!({"type": "string", "enum": STRATEGIES}),
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

    let mut doc = json!({
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
                    problems(&["400", "408", "413", "414", "415", "422", "431", "503"]))
            }},
            "/v1/quotes": {"post": {
                "operationId": "quotes",
                "summary": "Quote many orders; one result per order, in request order",
                "parameters": [strategy, within, q("explain", json!({"type": "boolean"}), "Fill in exclusion details."), date],
                "requestBody": batch_body,
                "responses": merge(json!({"200": ok_json(&quotes, "Per-order results; invalid orders are `rejected` with the field at fault.", true)}),
                    problems(&["400", "408", "413", "414", "415", "422", "431", "503"]))
            }},
            "/v1/optimise": {"post": {
                "operationId": "optimise",
                "summary": "Choose a service for every order of a batch, under the day's global constraints when configured",
                "parameters": [
                    q("strategy", json!({"type": "string", "enum": STRATEGIES}), "Per-order ranking (global runs take cheapest only)."),
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
                        "application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/QuoteRequestJson"}, "maxItems": settings.max_optimise_orders}}
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
                }}), problems(&["400", "408", "413", "414", "415", "422", "431", "503"]))
            }},
            "/v1/validate": {"post": {
                "operationId": "validate",
                "summary": "Validate a configuration bundle (same diagnostics as `lpo validate --format json`)",
                "requestBody": {"required": true, "content": {"application/json": {"schema": validate_req}}},
                "responses": merge(json!({"200": ok_json(&validate, "The diagnostics; `ok` false when the bundle has errors.", true)}),
                    problems(&["400", "408", "413", "414", "415", "422", "431", "503"]))
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
    });
    if !admin {
        // No token, no admin route: the document lists only what the service answers.
        if let Some(p) = doc.get_mut("paths").and_then(Value::as_object_mut) {
            p.remove("/admin/reload");
        }
        if let Some(c) = doc.get_mut("components").and_then(Value::as_object_mut) {
            c.remove("securitySchemes");
        }
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_enums_are_what_the_validator_parses() {
        for s in STRATEGIES {
            assert!(s.parse::<lpo_model::Strategy>().is_ok(), "{s}");
        }
        for l in SERVICE_LEVELS {
            assert_eq!(l.as_str().parse::<ServiceLevel>(), Ok(l));
        }
        assert_eq!(MAX_PARCELS, 1000);
    }

    #[test]
    fn the_generic_document_lists_the_admin_route_and_the_bounds() {
        let d = document();
        assert!(d["paths"]["/admin/reload"].is_object());
        assert!(d["components"]["securitySchemes"]["adminToken"].is_object());
        let to = &d["components"]["schemas"]["ToJson"];
        assert_eq!(to["properties"]["postcode"]["pattern"], "^[0-9]{4}$");
        assert!(to["properties"]["postcode"]["enum"].is_null());
        assert_eq!(to["anyOf"].as_array().map(Vec::len), Some(2));
        let quotes =
            &d["paths"]["/v1/quotes"]["post"]["requestBody"]["content"]["application/json"];
        assert_eq!(
            quotes["schema"]["maxItems"],
            Settings::default().max_batch_orders
        );
    }
}
