//! Errors as `application/problem+json` (RFC 9457), each with the CLI exit code that the same
//! failure gets from the command line.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use lpo_config::Diagnostic;
use schemars::JsonSchema;
use serde::Serialize;

use lpo_model::ExitCode;

use crate::echo;
use crate::validate_child::{ChildLimits, Limit};

/// One field of a request at fault.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct FieldProblem {
    /// JSON path (`parcels[0].weight_kg`), CSV column (`line 3, weight_kg`) or query parameter.
    pub field: String,
    pub message: String,
}

impl FieldProblem {
    /// A field at fault, its name and message clipped to a bounded length ([`crate::echo`]).
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> FieldProblem {
        FieldProblem {
            field: echo::clip_owned(field.into(), echo::FIELD_BYTES),
            message: echo::clip_owned(message.into(), echo::MESSAGE_BYTES),
        }
    }
}

/// An error answer. `type` is a stable URN naming the problem; `code` is the exit code the CLI
/// gives the same failure (2 bad input or configuration, 1 internal or I/O, 4 infeasible).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    pub code: u8,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub errors: Vec<FieldProblem>,
    /// Configuration diagnostics (an invalid config sent for reload or validation).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub diagnostics: Vec<Diagnostic>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Seconds after which a retry may succeed (also sent as `Retry-After`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u32>,
    /// `validation-limit`: the limit the bundle's validation ran into (`memory`, `stack`,
    /// `cpu_time` or `wall_time`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<&'static str>,
}

impl Problem {
    pub fn new(status: StatusCode, slug: &str, title: &str, detail: impl Into<String>) -> Problem {
        let code = if status.is_client_error() {
            ExitCode::Invalid.code()
        } else {
            ExitCode::Failure.code()
        };
        Problem {
            kind: format!("urn:lpo:problem:{slug}"),
            title: title.to_string(),
            status: status.as_u16(),
            detail: echo::clip_owned(detail.into(), echo::DETAIL_BYTES),
            code,
            errors: Vec::new(),
            diagnostics: Vec::new(),
            config_version: None,
            request_id: None,
            retry_after: None,
            limit: None,
        }
    }

    /// A request field that is wrong.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Problem {
        let f = FieldProblem::new(field, message);
        let mut p = Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-field",
            "Invalid request field",
            format!("{}: {}", f.field, f.message),
        );
        p.errors.push(f);
        p
    }

    /// Body that is not JSON at all.
    pub fn malformed(detail: impl Into<String>) -> Problem {
        Problem::new(
            StatusCode::BAD_REQUEST,
            "malformed-body",
            "Malformed request body",
            detail,
        )
    }

    pub fn too_large(limit: usize) -> Problem {
        Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body-too-large",
            "Request body too large",
            format!("the body exceeds this route's limit of {limit} bytes"),
        )
    }

    pub fn uri_too_long(limit: usize) -> Problem {
        Problem::new(
            StatusCode::URI_TOO_LONG,
            "uri-too-long",
            "URI too long",
            format!("the request target exceeds this service's limit of {limit} bytes"),
        )
    }

    pub fn headers_too_large(limit: usize) -> Problem {
        Problem::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "headers-too-large",
            "Request headers too large",
            format!("the request headers exceed this service's limit of {limit} bytes"),
        )
    }

    pub fn media_type(got: &str, want: &str) -> Problem {
        Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "Unsupported media type",
            format!("Content-Type `{got}` is not accepted here; send {want}"),
        )
    }

    /// Saturated: the work pool has no room. 503 with `Retry-After`.
    pub fn busy(what: &str) -> Problem {
        let mut p = Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "busy",
            "Service busy",
            format!("{what}; retry shortly"),
        );
        p.retry_after = Some(1);
        p
    }

    /// A bundle whose validation ran into one of the child's limits: the bundle is too much for
    /// this service, and sending it again cannot succeed (so no `Retry-After`).
    pub fn validation_limit(limit: Limit, limits: &ChildLimits) -> Problem {
        let what = limit.describe(limits);
        let mut p = Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation-limit",
            "Bundle exceeds the validation limits",
            format!(
                "validating the bundle ran out of {what}, this service's limit; a retry will not succeed, a smaller bundle may"
            ),
        );
        p.errors.push(FieldProblem::new(
            "files",
            format!("the bundle could not be validated within {what}"),
        ));
        p.limit = Some(limit.as_str());
        p
    }

    /// The client did not send its body in time.
    pub fn slow_client(secs: f64) -> Problem {
        let mut p = Problem::new(
            StatusCode::REQUEST_TIMEOUT,
            "timeout",
            "Request timed out",
            format!("the request body did not arrive within {secs} s"),
        );
        p.code = ExitCode::Failure.code();
        p
    }

    /// The service did not answer in time (its own slowness, not the client's).
    pub fn timeout(secs: f64) -> Problem {
        let mut p = Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "server-timeout",
            "Answer timed out",
            format!("the answer was not ready within {secs} s; retry, or send a smaller batch"),
        );
        p.retry_after = Some(1);
        p
    }

    pub fn internal(detail: impl Into<String>) -> Problem {
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal error",
            detail,
        )
    }

    /// A configuration that does not load (reload, validate).
    pub fn invalid_config(diagnostics: Vec<Diagnostic>, detail: impl Into<String>) -> Problem {
        let mut p = Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-config",
            "Invalid configuration",
            detail,
        );
        p.diagnostics = diagnostics;
        p
    }

    pub fn with_version(mut self, v: &str) -> Problem {
        self.config_version = Some(v.to_string());
        self
    }

    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// The response, body included (the observing middleware adds the request id).
    pub fn to_response(&self) -> Response {
        let body = serde_json::to_vec(self).unwrap_or_default();
        let mut r = (self.status(), body).into_response();
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(s) = self.retry_after {
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        if self.status == 401 {
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"lpo-admin\""),
            );
        }
        r
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let mut r = self.to_response();
        r.extensions_mut().insert(self);
        r
    }
}

/// The JSON path and message of a serde error on `body`.
pub fn json_problem(e: serde_path_to_error::Error<serde_json::Error>) -> Problem {
    let path = e.path().to_string();
    let inner = e.into_inner();
    use serde_json::error::Category;
    match inner.classify() {
        Category::Data => {
            // serde's message names the problem; the path names the field.
            let msg = strip_position(&inner.to_string());
            let root = path == "." || path.is_empty();
            // serde names a missing field in the message, at its parent's path.
            let missing = msg
                .strip_prefix("missing field `")
                .and_then(|r| r.strip_suffix('`'));
            let field = match (missing, root) {
                (Some(m), true) => m.to_string(),
                (Some(m), false) => format!("{path}.{m}"),
                (None, true) => "body".to_string(),
                (None, false) => path,
            };
            Problem::field(field, msg)
        }
        Category::Syntax | Category::Eof | Category::Io => {
            Problem::malformed(format!("the body is not valid JSON: {inner}"))
        }
    }
}

/// `missing field `x` at line 1 column 9` → `missing field `x``.
fn strip_position(s: &str) -> String {
    match s.rfind(" at line ") {
        Some(i) => s[..i].to_string(),
        None => s.to_string(),
    }
}
