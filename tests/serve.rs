//! `lpo serve`: every route and error class through the router without a socket (`oneshot`),
//! generated bad requests that must never get a 5xx, the CLI as the oracle for quotes and plans,
//! and real sockets for keep-alive, slowloris, reload under load, SIGHUP and a SIGTERM drain.

mod common;

use std::collections::BTreeSet;
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use lpo_server::validate_child::ChildLimits;
use lpo_server::{App, Guards, Settings, router};
use proptest::prelude::*;
use serde_json::{Value, json};
use tower::ServiceExt;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const DATE: &str = "2026-11-26";
const TYPICAL: &str = r#"{"to":{"postcode":"3000","suburb":"MELBOURNE","state":"VIC"},
  "parcels":[{"weight_kg":2.5,"length_cm":30,"width_cm":20,"height_cm":10}],"from":["syd","mel"],"explain":true}"#;

fn settings() -> Settings {
    Settings {
        date: Some(DATE.parse().unwrap_or_else(|e| panic!("{e:?}"))),
        validate_exe: Some(PathBuf::from(env!("CARGO_BIN_EXE_lpo"))),
        ..Settings::default()
    }
}

fn app_at(manifest: &Path, s: Settings, token: Option<&str>) -> Arc<App> {
    App::load(manifest, s, token.map(str::to_string)).unwrap_or_else(|d| panic!("{d:?}"))
}

fn app(token: Option<&str>) -> Arc<App> {
    app_at(&Path::new(ROOT).join("lpo.yaml"), settings(), token)
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body[..self.body.len().min(400)])
            )
        })
    }

    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// Asserts a problem+json answer with `status` and `slug`; returns its body.
    fn problem(&self, status: u16, slug: &str) -> Value {
        assert_eq!(
            self.status.as_u16(),
            status,
            "{}",
            String::from_utf8_lossy(&self.body)
        );
        assert_eq!(self.header("content-type"), "application/problem+json");
        let p = self.json();
        assert_eq!(p["type"], format!("urn:lpo:problem:{slug}"), "{p}");
        assert_eq!(p["status"], status);
        assert!(!p["detail"].as_str().unwrap_or("").is_empty());
        assert!(p["request_id"].as_str().is_some_and(|s| !s.is_empty()));
        assert_eq!(p["request_id"], self.header("x-request-id"));
        assert!(p["config_version"].as_str().is_some_and(|s| !s.is_empty()));
        p
    }
}

async fn call(app: &Arc<App>, req: Request<Body>) -> Answer {
    let resp = router(app.clone())
        .oneshot(req)
        .await
        .unwrap_or_else(|e| match e {});
    let (parts, body) = resp.into_parts();
    let body = body
        .collect()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .to_bytes()
        .to_vec();
    Answer {
        status: parts.status,
        headers: parts.headers,
        body,
    }
}

fn req(method: Method, path: &str, ct: Option<&str>, body: impl Into<Body>) -> Request<Body> {
    let mut b = Request::builder().method(method).uri(path);
    if let Some(ct) = ct {
        b = b.header("content-type", ct);
    }
    b.body(body.into()).unwrap_or_else(|e| panic!("{e}"))
}

fn post_json(path: &str, body: &str) -> Request<Body> {
    req(
        Method::POST,
        path,
        Some("application/json"),
        body.to_string(),
    )
}

/// An orders CSV posted to `path`, asking for the plan CSV back.
fn plan_csv_request(path: &str, orders: &[u8]) -> Request<Body> {
    let mut rq = req(Method::POST, path, Some("text/csv"), orders.to_vec());
    rq.headers_mut().insert(
        "accept",
        "text/csv".parse().unwrap_or_else(|e| panic!("{e:?}")),
    );
    rq
}

fn lpo() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_lpo"));
    c.current_dir(ROOT);
    c
}

/// The quote the CLI gives for a request file (`lpo quote --input F --json`): the oracle for
/// the HTTP answer.
fn cli_quote(request: &str) -> Value {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let f = dir.path().join("req.json");
    std::fs::write(&f, request).unwrap_or_else(|e| panic!("{e}"));
    let out = lpo()
        .args(["quote", "--json", "--date", DATE, "--input"])
        .arg(&f)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)))
}

#[test]
fn quote_is_the_cli_quote_and_lines_sum_to_totals() {
    let a = app(None);
    let r = rt().block_on(call(&a, post_json("/v1/quote", TYPICAL)));
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header("content-type"), "application/json");
    let q = r.json();
    assert_eq!(q, cli_quote(TYPICAL), "HTTP and CLI quotes differ");
    assert_eq!(q["config_version"], r.header("lpo-config-version"));
    assert_eq!(q["config_version"], a.snapshot().version());
    let options = q["options"].as_array().unwrap_or_else(|| panic!("{q}"));
    assert!(options.len() > 3, "{q}");
    let mut last = i64::MIN;
    for o in options {
        let sum: i64 = o["lines"]
            .as_array()
            .unwrap_or_else(|| panic!("{o}"))
            .iter()
            .map(|l| l["amount_cents"].as_i64().unwrap_or(0))
            .sum();
        assert_eq!(sum, o["total_cents"].as_i64().unwrap_or(-1), "{o}");
        let score = o["score_cents"].as_i64().unwrap_or(0);
        assert!(score >= last, "options not sorted best first");
        last = score;
    }
    assert_eq!(q["selected"]["carrier"], options[0]["carrier"]);
    // Every excluded service says why.
    for e in q["excluded"].as_array().unwrap_or_else(|| panic!("{q}")) {
        assert!(!e["reason_code"].as_str().unwrap_or("").is_empty(), "{e}");
        assert!(!e["detail"].as_str().unwrap_or("").is_empty(), "{e}");
    }
    // A big order goes to the work pool and gets the same answer as the CLI.
    let parcels: Vec<Value> = (0..40)
        .map(|i| json!({"weight_kg": 1.0 + f64::from(i) / 10.0, "length_cm": 20, "width_cm": 20, "height_cm": 10}))
        .collect();
    let big = json!({"to": {"postcode": "2000"}, "parcels": parcels, "explain": true}).to_string();
    let r = rt().block_on(call(&a, post_json("/v1/quote", &big)));
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json(), cli_quote(&big));
}

/// (method, path, content type, body, status, problem slug, field at fault).
type Case = (
    Method,
    &'static str,
    Option<&'static str>,
    String,
    u16,
    &'static str,
    Option<&'static str>,
);

#[test]
fn every_error_class_is_problem_json_naming_the_field() {
    let parcel = r#"{"weight_kg":2,"length_cm":10,"width_cm":10,"height_cm":10}"#;
    let quote = |body: &str| -> String { body.replace("P", parcel) };
    let ten_thousand = format!(
        r#"{{"to":{{"postcode":"3000"}},"parcels":[{}]}}"#,
        vec![parcel; 10_000].join(",")
    );
    let j = Some("application/json");
    let cases: Vec<Case> = vec![
        (Method::POST, "/v1/quote", j, "{\"to\":".into(), 400, "malformed-body", None),
        (Method::POST, "/v1/quote", j, "{} trailing".into(), 400, "malformed-body", None),
        (Method::POST, "/v1/quote", j, quote(r#"{"parcels":[P]}"#), 422, "invalid-field", Some("to")),
        (Method::POST, "/v1/quote", j, r#"{"to":{"postcode":"3000"}}"#.into(), 422, "invalid-field", Some("parcels")),
        (Method::POST, "/v1/quote", j, quote(r#"{"to":{},"parcels":[P]}"#), 422, "invalid-field", Some("to.postcode")),
        (Method::POST, "/v1/quote", j, r#"{"to":{"postcode":"3000"},"parcels":[{"weight_kg":"2","length_cm":1,"width_cm":1,"height_cm":1}]}"#.into(), 422, "invalid-field", Some("parcels[0].weight_kg")),
        (Method::POST, "/v1/quote", j, r#"{"to":{"postcode":"3000"},"parcels":[{"weight_kg":-2,"length_cm":1,"width_cm":1,"height_cm":1}]}"#.into(), 422, "invalid-field", Some("parcels[0].weight_kg")),
        (Method::POST, "/v1/quote", j, r#"{"to":{"postcode":"3000"},"parcels":[{"weight_kg":1e300,"length_cm":1,"width_cm":1,"height_cm":1}]}"#.into(), 422, "invalid-field", Some("parcels[0].weight_kg")),
        (Method::POST, "/v1/quote", j, r#"{"to":{"postcode":"3000"},"parcels":[{"weight_kg":1,"length_cm":0,"width_cm":1,"height_cm":1}]}"#.into(), 422, "invalid-field", Some("parcels[0].length_cm")),
        (Method::POST, "/v1/quote", j, quote(r#"{"to":{"postcode":"9999"},"parcels":[P]}"#), 422, "invalid-field", Some("to.postcode")),
        (Method::POST, "/v1/quote", j, quote(r#"{"to":{"postcode":"30000"},"parcels":[P]}"#), 422, "invalid-field", Some("to.postcode")),
        (Method::POST, "/v1/quote", j, quote(r#"{"to":{"postcode":"3000"},"parcels":[P],"from":["nowhere"]}"#), 422, "invalid-field", Some("from")),
        (Method::POST, "/v1/quote", j, quote(r#"{"to":{"postcode":"3000","state":"XX"},"parcels":[P]}"#), 422, "invalid-field", Some("to.state")),
        (Method::POST, "/v1/quote", j, quote(r#"{"to":{"postcode":"3000"},"parcels":[P],"strategy":"random"}"#), 422, "invalid-field", Some("strategy")),
        (Method::POST, "/v1/quote", j, quote(r#"{"to":{"postcode":"3000"},"parcels":[P],"ship_date":"2026-02-30"}"#), 422, "invalid-field", Some("ship_date")),
        (Method::POST, "/v1/quote", j, quote(r#"{"to":{"postcode":"3000"},"parcels":[P],"colour":"red"}"#), 422, "invalid-field", Some("colour")),
        (Method::POST, "/v1/quote", j, quote("[P]"), 422, "invalid-field", Some("body")),
        (Method::POST, "/v1/quote", j, ten_thousand, 422, "invalid-field", Some("parcels")),
        (Method::POST, "/v1/quote", Some("text/plain"), TYPICAL.into(), 415, "unsupported-media-type", None),
        (Method::POST, "/v1/quote", j, " ".repeat(2 << 20), 413, "body-too-large", None),
        (Method::GET, "/v1/quote", None, String::new(), 405, "method-not-allowed", None),
        (Method::GET, "/nowhere", None, String::new(), 404, "not-found", None),
        (Method::POST, "/admin/reload", None, String::new(), 404, "not-found", None),
        (Method::POST, "/v1/quotes", j, "{}".into(), 422, "invalid-field", Some("body")),
        (Method::POST, "/v1/quotes?colour=red", j, "[]".into(), 422, "invalid-field", Some("query.colour")),
        (Method::POST, "/v1/quotes?strategy=random", j, "[]".into(), 422, "invalid-field", Some("query.strategy")),
        (Method::POST, "/v1/quotes", Some("text/csv"), "order_id,weight_kg\nA,1\n".into(), 422, "invalid-field", Some("body")),
        (Method::POST, "/v1/optimise?time_limit=1000", Some("text/csv"), "x".into(), 422, "invalid-field", Some("query.time_limit")),
        (Method::POST, "/v1/optimise?greedy=true&global=true", Some("text/csv"), "x".into(), 422, "invalid-field", Some("query.greedy")),
        (Method::POST, "/v1/validate", j, r#"{"files":{"../etc/passwd":"x"}}"#.into(), 422, "invalid-field", Some("files.../etc/passwd")),
        (Method::POST, "/v1/validate", j, r#"{"files":{"rules/x.yaml":"rules: []"}}"#.into(), 422, "invalid-field", Some("files")),
        (Method::POST, "/v1/validate", j, r#"{"file":{}}"#.into(), 422, "invalid-field", Some("file")),
        (Method::POST, "/v1/validate", j, r#"{"files":{"lpo.yaml":"x","a":"1","a/b":"2"}}"#.into(), 422, "invalid-field", Some("files.a/b")),
    ];
    let a = app(None);
    let rt = rt();
    for (method, path, ct, body, status, slug, field) in cases {
        let r = rt.block_on(call(&a, req(method.clone(), path, ct, body)));
        let p = r.problem(status, slug);
        assert_eq!(p["code"], if status < 500 { 2 } else { 1 }, "{p}");
        if let Some(f) = field {
            let fields: Vec<&str> = p["errors"]
                .as_array()
                .unwrap_or_else(|| panic!("{method} {path}: no errors in {p}"))
                .iter()
                .filter_map(|e| e["field"].as_str())
                .collect();
            assert_eq!(fields, [f], "{method} {path}: {p}");
        }
    }
}

#[test]
fn saturation_timeouts_and_admin_auth() {
    let rt = rt();
    // Nothing may be in flight: every request but health and metrics gets 503 + Retry-After.
    let busy = app_at(
        &Path::new(ROOT).join("lpo.yaml"),
        Settings {
            max_in_flight: 0,
            ..settings()
        },
        None,
    );
    let r = rt.block_on(call(&busy, post_json("/v1/quote", TYPICAL)));
    let p = r.problem(503, "busy");
    assert_eq!(p["code"], 1);
    assert_eq!(r.header("retry-after"), "1");
    let r = rt.block_on(call(&busy, req(Method::GET, "/healthz", None, "")));
    assert_eq!(r.status, StatusCode::OK);
    let m = rt.block_on(call(&busy, req(Method::GET, "/metrics", None, "")));
    assert!(
        String::from_utf8_lossy(&m.body).contains("lpo_busy_rejections_total 1\n"),
        "{}",
        String::from_utf8_lossy(&m.body)
    );

    // A body that never ends: 408 after the request timeout, not a hang.
    let slow = app_at(
        &Path::new(ROOT).join("lpo.yaml"),
        Settings {
            request_timeout: Duration::from_millis(300),
            ..settings()
        },
        None,
    );
    let never = futures_pending_body();
    let r = rt.block_on(call(
        &slow,
        req(Method::POST, "/v1/quote", Some("application/json"), never),
    ));
    r.problem(408, "timeout");

    // Admin routes: on with a token, and the token must match.
    let admin = app(Some("s3cret"));
    for auth in [
        None,
        Some("Bearer wrong"),
        Some("Basic s3cret"),
        Some("Bearer s3cre"),
    ] {
        let mut b = Request::builder().method(Method::POST).uri("/admin/reload");
        if let Some(h) = auth {
            b = b.header("authorization", h);
        }
        let r = rt.block_on(call(
            &admin,
            b.body(Body::empty()).unwrap_or_else(|e| panic!("{e}")),
        ));
        r.problem(401, "unauthorized");
        assert!(r.header("www-authenticate").starts_with("Bearer"));
    }
    let ok = Request::builder()
        .method(Method::POST)
        .uri("/admin/reload")
        .header("authorization", "Bearer s3cret")
        .body(Body::empty())
        .unwrap_or_else(|e| panic!("{e}"));
    let r = rt.block_on(call(&admin, ok));
    assert_eq!(r.status, StatusCode::OK);
    let j = r.json();
    assert_eq!(j["changed"], false);
    assert_eq!(j["config_version"], admin.snapshot().version());
}

/// A request body that never yields a byte and never ends (a stalled client).
fn futures_pending_body() -> Body {
    struct Stalled;
    impl http_body::Body for Stalled {
        type Data = axum::body::Bytes;
        type Error = std::io::Error;
        fn poll_frame(
            self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
            std::task::Poll::Pending
        }
    }
    Body::new(Stalled)
}

#[test]
fn quotes_answer_every_order_in_order_like_single_quotes() {
    let a = app(None);
    let rt = rt();
    let good = |pc: &str, kg: f64| json!({"to": {"postcode": pc}, "parcels": [{"weight_kg": kg, "length_cm": 30, "width_cm": 20, "height_cm": 10}]});
    // Quoted, rejected (wrong type), rejected (unknown postcode), unallocated (too heavy for
    // every service), quoted with an id.
    let mut named = good("2000", 1.0);
    named["order_id"] = json!("web-42");
    let items = vec![
        good("3000", 2.5),
        json!({"to": {"postcode": "3000"}, "parcels": [{"weight_kg": "heavy", "length_cm": 1, "width_cm": 1, "height_cm": 1}]}),
        good("9999", 1.0),
        good("3000", 9000.0),
        named,
    ];
    let r = rt.block_on(call(
        &a,
        post_json("/v1/quotes", &Value::Array(items.clone()).to_string()),
    ));
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header("lpo-exit-code"), "3");
    let j = r.json();
    assert_eq!(j["config_version"], a.snapshot().version());
    assert_eq!(
        (
            j["orders"].as_u64(),
            j["quoted"].as_u64(),
            j["unallocated"].as_u64(),
            j["rejected"].as_u64()
        ),
        (Some(5), Some(2), Some(1), Some(2))
    );
    assert_eq!(j["exit_code"], 3);
    let res = j["results"].as_array().unwrap_or_else(|| panic!("{j}"));
    let statuses: Vec<&str> = res
        .iter()
        .map(|r| r["status"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        statuses,
        ["quoted", "rejected", "rejected", "unallocated", "quoted"]
    );
    let ids: Vec<&str> = res
        .iter()
        .map(|r| r["order_id"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(ids, ["1", "2", "3", "4", "web-42"]);
    assert_eq!(res[1]["errors"][0]["field"], "[1].parcels[0].weight_kg");
    assert_eq!(res[2]["errors"][0]["field"], "[2].to.postcode");
    // Each quote is exactly what /v1/quote answers for the same order.
    for i in [0usize, 3, 4] {
        let single = rt.block_on(call(&a, post_json("/v1/quote", &items[i].to_string())));
        assert_eq!(single.status, StatusCode::OK);
        assert_eq!(res[i]["quote"], single.json(), "order {i}");
    }

    // The orders CSV: multi-parcel consignments, a bad row named by line and column.
    let csv = "order_id,to_postcode,weight_kg,length_cm,width_cm,height_cm\n\
               A,3000,2.5,30,20,10\n\
               B,2000,1,10,10,10\n\
               B,2000,3,20,20,20\n\
               C,4000,-1,10,10,10\n\
               D,0800,1,10,10,10\n";
    let r = rt.block_on(call(
        &a,
        req(
            Method::POST,
            "/v1/quotes?explain=true",
            Some("text/csv"),
            csv,
        ),
    ));
    assert_eq!(r.status, StatusCode::OK);
    let j = r.json();
    let res = j["results"].as_array().unwrap_or_else(|| panic!("{j}"));
    let ids: Vec<&str> = res
        .iter()
        .map(|r| r["order_id"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(ids, ["A", "B", "C", "D"]);
    assert_eq!(res[2]["status"], "rejected");
    assert_eq!(res[2]["errors"][0]["field"], "line 5, weight_kg");
    // B's two parcels are one consignment: the same as the JSON order with both parcels.
    let b = json!({"order_id": "B", "to": {"postcode": "2000"}, "explain": true, "parcels": [
        {"weight_kg": 1, "length_cm": 10, "width_cm": 10, "height_cm": 10},
        {"weight_kg": 3, "length_cm": 20, "width_cm": 20, "height_cm": 20}]});
    let single = rt.block_on(call(&a, post_json("/v1/quote", &b.to_string())));
    assert_eq!(res[1]["quote"], single.json());

    // Over the order limit: refused as a whole, naming the limit.
    let small = app_at(
        &Path::new(ROOT).join("lpo.yaml"),
        Settings {
            max_batch_orders: 2,
            ..settings()
        },
        None,
    );
    let r = rt.block_on(call(
        &small,
        post_json("/v1/quotes", &Value::Array(items).to_string()),
    ));
    let p = r.problem(422, "invalid-field");
    assert!(
        p["detail"].as_str().unwrap_or("").contains("limit is 2"),
        "{p}"
    );
}

#[test]
fn optimise_answers_the_cli_plan_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let plan = dir.path().join("plan.csv");
    let out = lpo()
        .args([
            "optimise",
            "--quiet",
            // Proven optimal is what is asserted: the limits only bound a hang.
            "--time-limit",
            "3600",
            "--date",
            DATE,
            "--orders",
            "examples/orders.csv",
            "--out",
        ])
        .arg(&plan)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cli_plan = std::fs::read(&plan).unwrap_or_else(|e| panic!("{e}"));
    let orders = std::fs::read(Path::new(ROOT).join("examples/orders.csv"))
        .unwrap_or_else(|e| panic!("{e}"));

    let long = Settings {
        max_time_limit: 3600.0,
        ..settings()
    };
    let a = app_at(&Path::new(ROOT).join("lpo.yaml"), long, None);
    let rt = rt();
    let r = rt.block_on(call(
        &a,
        plan_csv_request("/v1/optimise?time_limit=3600", &orders),
    ));
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    assert_eq!(r.header("lpo-exit-code"), "3");
    assert!(
        r.body == cli_plan,
        "the HTTP plan differs from the CLI plan"
    );

    // JSON: the same rows, the summary and the solver's report.
    let r = rt.block_on(call(
        &a,
        req(
            Method::POST,
            "/v1/optimise?time_limit=3600",
            Some("text/csv"),
            orders.clone(),
        ),
    ));
    let j = r.json();
    assert_eq!(j["method"], "global");
    assert_eq!(j["report"]["status"], "optimal");
    let rows = j["plan"].as_array().unwrap_or_else(|| panic!("{j}"));
    let mut rd = csv::Reader::from_reader(cli_plan.as_slice());
    let mut total = 0i64;
    let mut n = 0;
    for (rec, row) in rd.records().zip(rows) {
        let rec = rec.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(row["order_id"], rec[0]);
        assert_eq!(row["total"], rec[11]);
        if &rec[1] == "allocated" {
            total += (rec[11].parse::<f64>().unwrap_or(0.0) * 100.0).round() as i64;
        }
        n += 1;
    }
    assert_eq!(n, rows.len());
    assert_eq!(j["orders"], 1000);
    assert_eq!(j["total_cents"], total);

    // greedy: the per-order choice, which is the CLI's --greedy plan.
    let greedy = dir.path().join("greedy.csv");
    let out = lpo()
        .args([
            "optimise",
            "--quiet",
            "--greedy",
            "--date",
            DATE,
            "--orders",
            "examples/orders.csv",
            "--out",
        ])
        .arg(&greedy)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(3));
    let r = rt.block_on(call(
        &a,
        plan_csv_request("/v1/optimise?greedy=true", &orders),
    ));
    assert!(
        r.body == std::fs::read(&greedy).unwrap_or_default(),
        "greedy plans differ"
    );

    // Infeasible constraints: 422 with the CLI's exit code 4 and the reason.
    let (_keep, manifest) = common::config_copy();
    let daily = manifest.with_file_name("constraints").join("daily.yaml");
    let text = std::fs::read_to_string(&daily).unwrap_or_default();
    std::fs::write(&daily, format!("{text}\n# added by the test\n"))
        .unwrap_or_else(|e| panic!("{e}"));
    let tight = std::fs::read_to_string(&daily).unwrap_or_default();
    assert!(tight.contains("commitments:"), "{tight}");
    let tight = tight.replacen(
        "commitments:",
        "commitments:\n  - id: impossible\n    carrier: aramex\n    min_parcels: 100000\n",
        1,
    );
    std::fs::write(&daily, tight).unwrap_or_else(|e| panic!("{e}"));
    let b = app_at(&manifest, settings(), None);
    let r = rt.block_on(call(
        &b,
        req(Method::POST, "/v1/optimise", Some("text/csv"), orders),
    ));
    let p = r.problem(422, "infeasible");
    assert_eq!(p["code"], 4);
    assert!(
        p["errors"][0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("impossible"),
        "{p}"
    );
}

#[test]
fn lone_cr_bodies_answer_like_lf_and_an_empty_day_under_a_hard_commitment_is_422() {
    let a = app(None);
    let rt = rt();
    let lf = std::fs::read(Path::new(ROOT).join("examples/orders.csv"))
        .unwrap_or_else(|e| panic!("{e}"));
    let cr = String::from_utf8_lossy(&lf)
        .replace('\n', "\r")
        .into_bytes();
    for path in ["/v1/optimise?greedy=true", "/v1/optimise?time_limit=60"] {
        let want = rt.block_on(call(&a, plan_csv_request(path, &lf)));
        assert_eq!(want.status, StatusCode::OK, "{path}");
        assert_eq!(want.body.iter().filter(|&&b| b == b'\n').count(), 1001);
        let got = rt.block_on(call(&a, plan_csv_request(path, &cr)));
        assert_eq!(got.status, StatusCode::OK, "{path}");
        assert!(
            got.body == want.body,
            "{path}: the CR body planned differently"
        );
    }
    let quotes = |body: &[u8]| {
        let r = rt.block_on(call(
            &a,
            req(Method::POST, "/v1/quotes", Some("text/csv"), body.to_vec()),
        ));
        assert_eq!(r.status, StatusCode::OK);
        r.json()["results"].as_array().map_or(0, Vec::len)
    };
    assert_eq!(quotes(&cr), 1000);
    assert_eq!(quotes(&lf), 1000);
    // Text after the header but no row: a field problem, not an empty answer.
    let r = rt.block_on(call(
        &a,
        plan_csv_request(
            "/v1/optimise",
            b"order_id,to_postcode,weight_kg,length_cm,width_cm,height_cm\r,,,,,\r",
        ),
    ));
    r.problem(422, "invalid-field");
    // A header alone under the bundled constraints: the hard Aramex commitment cannot hold.
    let r = rt.block_on(call(
        &a,
        plan_csv_request(
            "/v1/optimise",
            b"order_id,to_postcode,weight_kg,length_cm,width_cm,height_cm\n",
        ),
    ));
    let p = r.problem(422, "infeasible");
    assert_eq!(p["code"], 4, "{p}");
    assert!(p.to_string().contains("aramex_daily_minimum"), "{p}");
}

#[test]
fn validate_reports_the_diagnostics_of_lpo_validate() {
    let a = app(None);
    let rt = rt();
    // The served config, sent back as an overlay with no change: clean, same version.
    let r = rt.block_on(call(
        &a,
        post_json("/v1/validate", r#"{"files":{},"overlay":true}"#),
    ));
    assert_eq!(r.status, StatusCode::OK);
    let j = r.json();
    assert_eq!(j["ok"], true, "{j}");
    assert_eq!(j["exit_code"], 0);
    assert_eq!(j["summary"]["config_version"], a.snapshot().version());

    // A broken rule file laid over it: the same diagnostics as `lpo validate --format json`.
    let broken = "rules:\n  - id: Bad Id\n    when: {}\n";
    let body = json!({"files": {"rules/99-broken.yaml": broken}, "overlay": true}).to_string();
    let r = rt.block_on(call(&a, post_json("/v1/validate", &body)));
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header("lpo-exit-code"), "2");
    let j = r.json();
    assert_eq!(j["ok"], false);
    let (_keep, manifest) = common::config_copy();
    std::fs::write(
        manifest.with_file_name("rules").join("99-broken.yaml"),
        broken,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let out = lpo()
        .args(["validate", "--format", "json", "--config"])
        .arg(&manifest)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(2));
    let cli: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(j["diagnostics"], cli["diagnostics"]);
    assert!(
        j["diagnostics"].as_array().is_some_and(|d| d
            .iter()
            .any(|d| d["file"] == "rules/99-broken.yaml" && d["line"].as_u64() > Some(0))),
        "{j}"
    );
}

/// `name{labels} value` lines of the exposition text.
fn samples(text: &str) -> Vec<(String, f64)> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let (k, v) = l.rsplit_once(' ').unwrap_or_else(|| panic!("bad line {l}"));
            (
                k.to_string(),
                v.parse().unwrap_or_else(|e| panic!("{l}: {e}")),
            )
        })
        .collect()
}

/// `lpo_http_requests_in_flight` of a `/metrics` body.
fn in_flight(metrics: &[u8]) -> f64 {
    samples(&String::from_utf8_lossy(metrics))
        .into_iter()
        .find(|(k, _)| k == "lpo_http_requests_in_flight")
        .map_or(-1.0, |(_, v)| v)
}

#[test]
fn metrics_count_routes_statuses_carriers_and_reloads() {
    let (_keep, manifest) = common::config_copy();
    let a = app_at(&manifest, settings(), Some("t"));
    let rt = rt();
    for _ in 0..3 {
        let r = rt.block_on(call(&a, post_json("/v1/quote", TYPICAL)));
        assert_eq!(r.status, StatusCode::OK);
    }
    let carrier = rt
        .block_on(call(&a, post_json("/v1/quote", TYPICAL)))
        .json()["selected"]["carrier"]
        .as_str()
        .unwrap_or("")
        .to_string();
    rt.block_on(call(&a, post_json("/v1/quote", "{")));
    // A reload that works and one refused.
    assert!(rt.block_on(a.reload("test")).is_ok());
    std::fs::write(&manifest, "postcodes: [").unwrap_or_else(|e| panic!("{e}"));
    let refused = rt
        .block_on(a.reload("test"))
        .err()
        .unwrap_or_else(|| panic!("an invalid config was accepted"));
    assert_eq!(refused.status, 422);
    assert!(!refused.diagnostics.is_empty());
    let r = rt.block_on(call(&a, req(Method::GET, "/metrics", None, "")));
    assert_eq!(
        r.header("content-type"),
        "text/plain; version=0.0.4; charset=utf-8"
    );
    let text = String::from_utf8_lossy(&r.body).to_string();
    let s = samples(&text);
    let get = |k: &str| {
        s.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| *v)
            .unwrap_or_else(|| panic!("no {k} in\n{text}"))
    };
    assert_eq!(
        get(r#"lpo_http_requests_total{route="/v1/quote",status="200"}"#),
        4.0
    );
    assert_eq!(
        get(r#"lpo_http_requests_total{route="/v1/quote",status="400"}"#),
        1.0
    );
    assert_eq!(
        get(&format!(r#"lpo_quotes_total{{carrier="{carrier}"}}"#)),
        4.0
    );
    assert_eq!(get(r#"lpo_config_reloads_total{result="ok"}"#), 1.0);
    assert_eq!(get(r#"lpo_config_reloads_total{result="failed"}"#), 1.0);
    assert_eq!(
        get(&format!(
            r#"lpo_config_info{{config_version="{}"}}"#,
            a.snapshot().version()
        )),
        1.0
    );
    // Histograms: cumulative buckets ending at the count.
    let buckets: Vec<f64> = s
        .iter()
        .filter(|(n, _)| {
            n.starts_with(
                r#"lpo_http_request_duration_seconds_bucket{route="/v1/quote",status="200""#,
            )
        })
        .map(|(_, v)| *v)
        .collect();
    assert!(buckets.len() > 5);
    assert!(buckets.windows(2).all(|w| w[0] <= w[1]), "{buckets:?}");
    assert_eq!(buckets.last().copied(), Some(4.0));
    assert_eq!(
        get(r#"lpo_http_request_duration_seconds_count{route="/v1/quote",status="200"}"#),
        4.0
    );
    // The old configuration still serves after the refused reload.
    let r = rt.block_on(call(&a, post_json("/v1/quote", TYPICAL)));
    assert_eq!(r.status, StatusCode::OK);
}

/// Every `$ref` in `v`.
fn refs<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if k == "$ref" {
                    out.push(x.as_str().unwrap_or(""));
                } else {
                    refs(x, out);
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
        _ => {}
    }
}

#[test]
fn openapi_covers_every_route_and_its_refs_resolve() {
    let a = app(Some("t"));
    let rt = rt();
    let r = rt.block_on(call(&a, req(Method::GET, "/openapi.json", None, "")));
    assert_eq!(r.status, StatusCode::OK);
    let doc = r.json();
    assert_eq!(doc["openapi"], "3.0.3");
    let paths: BTreeSet<&str> = doc["paths"]
        .as_object()
        .unwrap_or_else(|| panic!("{doc}"))
        .keys()
        .map(String::as_str)
        .collect();
    let want: BTreeSet<&str> = [
        "/v1/quote",
        "/v1/quotes",
        "/v1/optimise",
        "/v1/validate",
        "/healthz",
        "/readyz",
        "/metrics",
        "/openapi.json",
        "/admin/reload",
    ]
    .into();
    assert_eq!(paths, want);
    // Every documented route exists (answers something other than 404/405 to its method).
    for (path, ops) in doc["paths"].as_object().unwrap_or_else(|| panic!()) {
        for method in ops.as_object().unwrap_or_else(|| panic!()).keys() {
            let m: Method = method
                .to_uppercase()
                .parse()
                .unwrap_or_else(|e| panic!("{e}"));
            let r = rt.block_on(call(&a, req(m, path, Some("application/json"), "{}")));
            assert!(
                r.status != StatusCode::NOT_FOUND && r.status != StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path}"
            );
        }
    }
    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(all.len() > 20);
    for r in all {
        let ptr = r
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("external ref {r}"));
        assert!(doc.pointer(ptr).is_some(), "unresolved {r}");
    }
    // The real quote answer has every property its schema requires, and no other.
    let schema = &doc["components"]["schemas"]["QuoteJson"];
    let q = rt
        .block_on(call(&a, post_json("/v1/quote", TYPICAL)))
        .json();
    let props: BTreeSet<&str> = schema["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("{schema}"))
        .keys()
        .map(String::as_str)
        .collect();
    let got: BTreeSet<&str> = q
        .as_object()
        .unwrap_or_else(|| panic!())
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(props, got);
    for req_prop in schema["required"]
        .as_array()
        .unwrap_or_else(|| panic!("{schema}"))
    {
        assert!(got.contains(req_prop.as_str().unwrap_or("")), "{req_prop}");
    }
    let rq = &doc["components"]["schemas"]["QuoteRequestJson"];
    let required: BTreeSet<&str> = rq["required"]
        .as_array()
        .unwrap_or_else(|| panic!("{rq}"))
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(required, BTreeSet::from(["to", "parcels"]));
}

/// Bad requests made by mutating good ones.
fn bad_body() -> impl Strategy<Value = String> {
    let base = TYPICAL.to_string();
    prop_oneof![
        // Random bytes replaced.
        (
            any::<prop::sample::Index>(),
            any::<u8>(),
            Just(base.clone())
        )
            .prop_map(|(i, b, s)| {
                let mut v = s.into_bytes();
                let i = i.index(v.len());
                v[i] = b;
                String::from_utf8_lossy(&v).into_owned()
            }),
        // Truncated.
        (any::<prop::sample::Index>(), Just(base.clone())).prop_map(|(i, s)| {
            let i = i.index(s.len());
            s.get(..i).unwrap_or("").to_string()
        }),
        // One value swapped for something of the wrong type or out of range.
        (
            prop::sample::select(vec![
                "\"3000\"",
                "2.5",
                "30",
                "20",
                "10",
                "[\"syd\",\"mel\"]",
                "\"web\"",
                "true",
                "\"VIC\""
            ]),
            prop::sample::select(vec![
                "null",
                "-1",
                "0",
                "1e309",
                "-0.0",
                "\"\"",
                "[]",
                "{}",
                "\"NaN\"",
                "18446744073709551616",
                "\"\\u0000\"",
                "\"💥\"",
                "[[[[[[[[[[]]]]]]]]]]",
                "99999999999999999999999999",
            ]),
            Just(base),
        )
            .prop_map(|(from, to, s)| s.replacen(from, to, 1)),
        // Noise.
        "\\PC{0,200}",
        // Deep nesting.
        (1usize..2000).prop_map(|n| format!("{}{}", "[".repeat(n), "]".repeat(n))),
        // Config bundles with awkward paths and contents (for /v1/validate).
        (
            prop::collection::vec(
                (
                    prop_oneof![
                        Just("lpo.yaml".to_string()),
                        Just("rules".to_string()),
                        Just("a".to_string()),
                        Just("a/b".to_string()),
                        Just("x".repeat(300)),
                        Just("data/carriers/new.yaml".to_string()),
                        "[a-z./]{1,24}",
                    ],
                    prop_oneof![
                        Just(String::new()),
                        Just("rules: []\n".to_string()),
                        Just("carrier: [".to_string()),
                        "\\PC{0,80}"
                    ],
                ),
                0..5,
            ),
            any::<bool>(),
        )
            .prop_map(|(files, overlay)| {
                let files: serde_json::Map<String, Value> = files
                    .into_iter()
                    .map(|(k, v)| (k, Value::String(v)))
                    .collect();
                json!({"files": files, "overlay": overlay}).to_string()
            }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// Whatever arrives, the answer is 200 or a 4xx problem+json — never a 5xx or a panic.
    #[test]
    fn generated_bad_requests_get_4xx_never_5xx(
        body in bad_body(),
        route in prop::sample::select(vec!["/v1/quote", "/v1/quotes", "/v1/validate", "/v1/optimise?greedy=true"]),
    ) {
        use std::sync::OnceLock;
        static APP: OnceLock<Arc<App>> = OnceLock::new();
        static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
        let a = APP.get_or_init(|| app(None));
        let body = if route == "/v1/quotes" { format!("[{body}]") } else { body };
        let r = RT.get_or_init(rt).block_on(call(a, post_json(route, &body)));
        prop_assert!(r.status == StatusCode::OK || r.status.is_client_error(), "{} {}: {}", r.status, body, String::from_utf8_lossy(&r.body));
        if r.status.is_client_error() {
            let p = r.problem(r.status.as_u16(), r.json()["type"].as_str().unwrap_or("").trim_start_matches("urn:lpo:problem:"));
            prop_assert_eq!(&p["code"], &json!(2));
        }
    }
}

// ---- Real sockets -------------------------------------------------------------------------

/// A blocking HTTP/1.1 client connection, enough for these tests.
struct Conn {
    s: std::net::TcpStream,
    buf: Vec<u8>,
}

struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Resp {
    fn header(&self, name: &str) -> &str {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map_or("", |(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

impl Conn {
    fn open(addr: std::net::SocketAddr) -> Conn {
        let s = std::net::TcpStream::connect(addr).unwrap_or_else(|e| panic!("{addr}: {e}"));
        s.set_read_timeout(Some(Duration::from_secs(300)))
            .unwrap_or_else(|e| panic!("{e}"));
        Conn { s, buf: Vec::new() }
    }

    fn head(method: &str, path: &str, len: usize) -> String {
        format!(
            "{method} {path} HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: {len}\r\n\r\n"
        )
    }

    fn send(&mut self, method: &str, path: &str, body: &str) -> std::io::Result<Resp> {
        let mut msg = Conn::head(method, path, body.len()).into_bytes();
        msg.extend_from_slice(body.as_bytes());
        self.s.write_all(&msg)?;
        self.read()
    }

    fn read(&mut self) -> std::io::Result<Resp> {
        let mut chunk = [0u8; 16384];
        let end = loop {
            if let Some(i) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            let n = self.s.read(&mut chunk)?;
            if n == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            self.buf.extend_from_slice(&chunk[..n]);
        };
        let head = String::from_utf8_lossy(&self.buf[..end]).to_string();
        let mut lines = head.split("\r\n");
        let status: u16 = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        let len: usize = headers
            .iter()
            .find(|(k, _)| k == "content-length")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        while self.buf.len() < end + len {
            let n = self.s.read(&mut chunk)?;
            if n == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
        let body = self.buf[end..end + len].to_vec();
        self.buf.drain(..end + len);
        Ok(Resp {
            status,
            headers,
            body,
        })
    }

    /// Whether the server closes the connection (read gives EOF or a reset); a read that is
    /// still waiting after 300 s (a bound on a hang, not a speed) means it stays open.
    fn closed(&mut self) -> bool {
        let mut b = [0u8; 64];
        let _ = self.s.set_read_timeout(Some(Duration::from_secs(300)));
        match self.s.read(&mut b) {
            Ok(0) => true,
            Ok(_) => false,
            Err(e) => !matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ),
        }
    }
}

/// Serves `app` in-process on a free loopback port until the returned sender fires.
fn start(
    app: Arc<App>,
) -> (
    std::net::SocketAddr,
    tokio::sync::oneshot::Sender<()>,
    std::thread::JoinHandle<()>,
) {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (tx, rx) = std::sync::mpsc::channel();
    let h = std::thread::spawn(move || {
        rt().block_on(async move {
            let l = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            tx.send(l.local_addr().unwrap_or_else(|e| panic!("{e}")))
                .unwrap_or_else(|e| panic!("{e}"));
            lpo_server::serve(app, l, async {
                let _ = stopped.await;
            })
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        });
    });
    let addr = rx.recv().unwrap_or_else(|e| panic!("{e}"));
    (addr, stop, h)
}

/// Waits until `ok()` holds. The deadline only bounds a hang (a slow machine just waits
/// longer); running out of it fails the test, naming what never happened.
fn wait_until(what: &str, mut ok: impl FnMut() -> bool) {
    let t = Instant::now();
    while !ok() {
        assert!(
            t.elapsed() < Duration::from_secs(300),
            "gave up waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// `POST /admin/reload` on its own connection; the answer comes once the reload has finished
/// (swapped in, or refused).
fn admin_reload(addr: std::net::SocketAddr) -> Resp {
    let mut c = Conn::open(addr);
    c.s.set_read_timeout(Some(Duration::from_secs(300)))
        .unwrap_or_else(|e| panic!("{e}"));
    c.s.write_all(
        b"POST /admin/reload HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer tok\r\nContent-Length: 0\r\n\r\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    c.read()
        .unwrap_or_else(|e| panic!("the reload got no answer: {e}"))
}

#[test]
fn reloads_under_load_fail_no_request() {
    // Good reloads (a new version each) and broken ones (refused), in a fixed order, each driven
    // through the admin route and waited for, while four clients keep quoting.
    const STEPS: [bool; 10] = [
        true, true, false, true, true, false, true, true, false, true,
    ];
    const BETWEEN: u64 = 8;
    let (_keep, manifest) = common::config_copy();
    let a = app_at(&manifest, settings(), Some("tok"));
    let (addr, stop, server) = start(a.clone());
    let initial = a.snapshot().version().to_string();
    let stopping = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let answered = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let seen = Arc::new(std::sync::Mutex::new(BTreeSet::<String>::new()));
    let clients: Vec<_> = (0..4)
        .map(|_| {
            let (stopping, answered, seen) = (stopping.clone(), answered.clone(), seen.clone());
            std::thread::spawn(move || {
                let mut c = Conn::open(addr);
                while !stopping.load(std::sync::atomic::Ordering::SeqCst) {
                    let r = c
                        .send("POST", "/v1/quote", TYPICAL)
                        .unwrap_or_else(|e| panic!("request failed: {e}"));
                    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
                    let v = r.json()["config_version"]
                        .as_str()
                        .unwrap_or("")
                        .to_string();
                    assert_eq!(r.header("lpo-config-version"), v);
                    seen.lock().unwrap_or_else(|e| e.into_inner()).insert(v);
                    answered.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                }
            })
        })
        .collect();
    let more_answers = |n: u64| {
        let target = answered.load(std::sync::atomic::Ordering::SeqCst) + n;
        wait_until(&format!("{target} answered quotes"), || {
            answered.load(std::sync::atomic::Ordering::SeqCst) >= target
        });
    };
    let daily = manifest.with_file_name("constraints").join("daily.yaml");
    let original = std::fs::read_to_string(&daily).unwrap_or_else(|e| panic!("{e}"));
    let good_manifest = std::fs::read_to_string(&manifest).unwrap_or_else(|e| panic!("{e}"));
    let mut loaded = vec![initial.clone()];
    for (k, good) in STEPS.into_iter().enumerate() {
        more_answers(BETWEEN);
        let serving = loaded.last().cloned().unwrap_or_default();
        if good {
            std::fs::write(&daily, format!("{original}\n# variant {k}\n"))
                .unwrap_or_else(|e| panic!("{e}"));
            let r = admin_reload(addr);
            assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
            let v = r.json()["config_version"]
                .as_str()
                .unwrap_or("")
                .to_string();
            assert_eq!(r.json()["previous_version"], serving.as_str());
            assert_eq!(r.json()["changed"], true);
            assert!(!loaded.contains(&v), "step {k}: version {v} again");
            assert_eq!(a.snapshot().version(), v);
            loaded.push(v.clone());
            wait_until(&format!("a quote answered by version {v}"), || {
                seen.lock().unwrap_or_else(|e| e.into_inner()).contains(&v)
            });
        } else {
            // A broken manifest: refused, and the old config keeps serving.
            std::fs::write(&manifest, "carriers: [").unwrap_or_else(|e| panic!("{e}"));
            let r = admin_reload(addr);
            assert_eq!(r.status, 422, "{}", String::from_utf8_lossy(&r.body));
            assert_eq!(r.header("lpo-config-version"), serving);
            assert_eq!(
                a.snapshot().version(),
                serving,
                "a broken config was swapped in"
            );
            std::fs::write(&manifest, &good_manifest).unwrap_or_else(|e| panic!("{e}"));
        }
    }
    more_answers(BETWEEN);
    stopping.store(true, std::sync::atomic::Ordering::SeqCst);
    for c in clients {
        c.join()
            .unwrap_or_else(|_| panic!("a client saw a failed request"));
    }
    let text = String::from_utf8_lossy(
        &Conn::open(addr)
            .send("GET", "/metrics", "")
            .unwrap_or_else(|e| panic!("{e}"))
            .body,
    )
    .to_string();
    let _ = stop.send(());
    server.join().unwrap_or_else(|_| panic!("server panicked"));
    // Every version served was seen by a client, and no other.
    let seen = seen.lock().unwrap_or_else(|e| e.into_inner()).clone();
    assert_eq!(seen, loaded.iter().cloned().collect::<BTreeSet<_>>());
    assert_eq!(loaded.len(), 1 + STEPS.iter().filter(|g| **g).count());
    let reloads = |result: &str| {
        samples(&text)
            .into_iter()
            .find(|(k, _)| *k == format!(r#"lpo_config_reloads_total{{result="{result}"}}"#))
            .map(|(_, v)| v)
    };
    assert_eq!(reloads("ok"), Some(7.0), "{text}");
    assert_eq!(reloads("failed"), Some(3.0), "{text}");
}

#[test]
fn shutdown_drains_in_flight_requests_and_stops_accepting() {
    let a = app(None);
    let (addr, stop, server) = start(a.clone());
    let mut idle = Conn::open(addr);
    assert_eq!(
        idle.send("GET", "/healthz", "")
            .unwrap_or_else(|e| panic!("{e}"))
            .status,
        200
    );
    // A request half sent when shutdown begins.
    let mut busy = Conn::open(addr);
    let (first, rest) = TYPICAL.split_at(TYPICAL.len() / 2);
    busy.s
        .write_all(format!("{}{first}", Conn::head("POST", "/v1/quote", TYPICAL.len())).as_bytes())
        .unwrap_or_else(|e| panic!("{e}"));
    let rt = rt();
    wait_until("the half-sent quote to be in flight", || {
        // The `/metrics` request counts itself.
        in_flight(
            &rt.block_on(call(&a, req(Method::GET, "/metrics", None, "")))
                .body,
        ) == 2.0
    });
    let _ = stop.send(());
    wait_until("the service to drain", || a.draining());
    wait_until("the listener to close", || {
        std::net::TcpStream::connect(addr).is_err()
    });
    assert!(
        idle.closed(),
        "an idle keep-alive connection was kept open while draining"
    );
    busy.s
        .write_all(rest.as_bytes())
        .unwrap_or_else(|e| panic!("{e}"));
    let r = busy
        .read()
        .unwrap_or_else(|e| panic!("the in-flight request was cut: {e}"));
    assert_eq!(r.status, 200);
    assert!(r.json()["selected"].is_object());
    server.join().unwrap_or_else(|_| panic!("server panicked"));
}

fn kill(pid: u32, sig: &str) {
    let st = Command::new("kill")
        .args([sig, &pid.to_string()])
        .status()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(st.success());
}

#[test]
fn the_binary_serves_reloads_on_sighup_resists_slowloris_and_drains_on_sigterm() {
    let (_keep, manifest) = common::config_copy();
    let mut child = lpo()
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--date",
            DATE,
            "--header-timeout",
            "1",
            "--config",
        ])
        .arg(&manifest)
        .env("LPO_ADMIN_TOKEN", "tok")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let pid = child.id();
    let mut line = String::new();
    let mut out =
        std::io::BufReader::new(child.stdout.take().unwrap_or_else(|| panic!("no stdout")));
    std::io::BufRead::read_line(&mut out, &mut line).unwrap_or_else(|e| panic!("{e}"));
    let addr: std::net::SocketAddr = line
        .trim()
        .strip_prefix("listening on ")
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("first line: {line:?}"));

    // Each request on a connection of its own: with a 1 s header timeout, an idle keep-alive
    // connection is closed whenever this test is slower than that between two requests.
    let ask = |method: &str, path: &str, body: &str| {
        Conn::open(addr)
            .send(method, path, body)
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
    };
    let r = ask("POST", "/v1/quote", TYPICAL);
    assert_eq!(r.status, 200);
    let v0 = r.header("lpo-config-version").to_string();

    // Slowloris: headers trickling in are cut off once the header timeout (1 s) has passed,
    // while other clients are served. The 300 s only bounds a hang.
    let mut slow = std::net::TcpStream::connect(addr).unwrap_or_else(|e| panic!("{e}"));
    let t = Instant::now();
    let _ = slow.write_all(b"POST /v1/quote HTTP/1.1\r\nHost: x\r\n");
    loop {
        std::thread::sleep(Duration::from_millis(200));
        if slow.write_all(b"X-Slow: 1\r\n").is_err() {
            break;
        }
        assert!(
            t.elapsed() < Duration::from_secs(300),
            "a client sending headers slowly held its connection for 300 s"
        );
        assert_eq!(ask("GET", "/healthz", "").status, 200);
    }
    assert!(
        t.elapsed() >= Duration::from_secs(1),
        "cut after {:?}, before the header timeout",
        t.elapsed()
    );

    // SIGHUP with a changed file: the new version is served.
    let daily = manifest.with_file_name("constraints").join("daily.yaml");
    let text = std::fs::read_to_string(&daily).unwrap_or_default();
    std::fs::write(&daily, format!("{text}\n# changed\n")).unwrap_or_else(|e| panic!("{e}"));
    kill(pid, "-HUP");
    let mut v1 = String::new();
    wait_until("SIGHUP to reload the changed config", || {
        let r = ask("POST", "/v1/quote", TYPICAL);
        assert_eq!(r.status, 200);
        v1 = r.header("lpo-config-version").to_string();
        v1 != v0
    });
    // SIGHUP with a broken config: refused, counted, the last good one keeps serving.
    let good = std::fs::read_to_string(&manifest).unwrap_or_default();
    std::fs::write(&manifest, "warehouses: [").unwrap_or_else(|e| panic!("{e}"));
    kill(pid, "-HUP");
    wait_until("the refused reload to be counted", || {
        String::from_utf8_lossy(&ask("GET", "/metrics", "").body)
            .contains("lpo_config_reloads_total{result=\"failed\"} 1")
    });
    let r = ask("POST", "/v1/quote", TYPICAL);
    assert_eq!(
        (r.status, r.header("lpo-config-version")),
        (200, v1.as_str())
    );
    // The admin route reports the refusal too.
    let r = admin_reload(addr);
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["config_version"], v1.as_str());
    std::fs::write(&manifest, good).unwrap_or_else(|e| panic!("{e}"));

    // SIGTERM with a request in flight: it completes, then the process exits 0.
    let mut busy = Conn::open(addr);
    let (first, rest) = TYPICAL.split_at(TYPICAL.len() / 2);
    busy.s
        .write_all(format!("{}{first}", Conn::head("POST", "/v1/quote", TYPICAL.len())).as_bytes())
        .unwrap_or_else(|e| panic!("{e}"));
    wait_until("the half-sent quote to be in flight", || {
        in_flight(&ask("GET", "/metrics", "").body) == 2.0
    });
    kill(pid, "-TERM");
    wait_until("the listener to close", || {
        std::net::TcpStream::connect(addr).is_err()
    });
    busy.s
        .write_all(rest.as_bytes())
        .unwrap_or_else(|e| panic!("{e}"));
    let r = busy
        .read()
        .unwrap_or_else(|e| panic!("the in-flight request was cut: {e}"));
    assert_eq!(r.status, 200);
    let t = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap_or_else(|e| panic!("{e}")) {
            break s;
        }
        assert!(
            t.elapsed() < Duration::from_secs(300),
            "no exit 300 s after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(0));
}

// ---- Findings of the outside probe: each test failed before its fix. ----

/// An overlay whose areas CSV repeats one row `rows` times (17 bytes a row).
fn hostile_bundle(rows: usize) -> String {
    let csv = format!("postcode,suburb\n{}", "0822,EAST ARNHEM\n".repeat(rows));
    json!({"files": {"data/carriers/areas/tge-regional-area-1.csv": csv}, "overlay": true})
        .to_string()
}

fn app_guarded(s: Settings, g: Guards) -> Arc<App> {
    App::load_with(&Path::new(ROOT).join("lpo.yaml"), s, g, None)
        .unwrap_or_else(|d| panic!("{d:?}"))
}

#[test]
fn validate_of_a_bundle_that_exhausts_the_child_is_422_naming_the_limit() {
    let rt = rt();
    let over = |a: &Arc<App>, body: &str, limit: &str| {
        let r = rt.block_on(call(a, post_json("/v1/validate", body)));
        let p = r.problem(422, "validation-limit");
        assert_eq!(r.header("retry-after"), "", "a retry cannot succeed: {p}");
        assert_eq!(p["limit"], limit, "{p}");
        assert_eq!(p["errors"][0]["field"], "files", "{p}");
    };
    // Memory: the loader reads each file whole, so a 66 MB file (within the loader's 64 MiB file
    // limit) cannot fit in 128 MiB of address space, while the served config validates within
    // it (the control: about 85 MiB in a debug build).
    let small_memory = app_guarded(
        Settings {
            max_batch_body: 256 << 20,
            ..settings()
        },
        Guards {
            validate: ChildLimits {
                memory_bytes: 128 << 20,
                ..ChildLimits::default()
            },
            ..Guards::default()
        },
    );
    let r = rt.block_on(call(
        &small_memory,
        post_json("/v1/validate", r#"{"files":{},"overlay":true}"#),
    ));
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    assert_eq!(r.json()["ok"], true);
    over(&small_memory, &hostile_bundle(3_900_000), "memory");
    // Wall-clock time: the 600,000 rows the probe sent take longer than 100 ms (the served
    // config alone takes about 200 ms in a debug build).
    let short = app_guarded(
        settings(),
        Guards {
            validate: ChildLimits {
                wall: Duration::from_millis(100),
                ..ChildLimits::default()
            },
            ..Guards::default()
        },
    );
    over(&short, &hostile_bundle(600_000), "wall_time");
}

#[test]
fn concurrent_validations_are_the_overload_that_gets_503() {
    // A stand-in validator that waits for the test's word, so one validation is surely running
    // while the second arrives.
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let (started, go) = (dir.path().join("started"), dir.path().join("go"));
    let exe = dir.path().join("validator.sh");
    std::fs::write(
        &exe,
        format!(
            "#!/bin/sh\ntouch '{}'\nwhile [ ! -e '{}' ]; do sleep 0.01; done\nprintf '{{\"ok\":true,\"errors\":0,\"warnings\":0,\"diagnostics\":[],\"summary\":null}}'\n",
            started.display(),
            go.display()
        ),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let mut perms = std::fs::metadata(&exe)
        .unwrap_or_else(|e| panic!("{e}"))
        .permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&exe, perms).unwrap_or_else(|e| panic!("{e}"));
    let a = app_at(
        &Path::new(ROOT).join("lpo.yaml"),
        Settings {
            validate_exe: Some(exe),
            ..settings()
        },
        None,
    );
    let overlay = r#"{"files":{},"overlay":true}"#;
    let first = {
        let a = a.clone();
        std::thread::spawn(move || rt().block_on(call(&a, post_json("/v1/validate", overlay))))
    };
    wait_until("the first validation to start", || started.exists());
    let rt = rt();
    let r = rt.block_on(call(&a, post_json("/v1/validate", overlay)));
    r.problem(503, "busy");
    assert_eq!(r.header("retry-after"), "1");
    std::fs::write(&go, "").unwrap_or_else(|e| panic!("{e}"));
    let r = first
        .join()
        .unwrap_or_else(|_| panic!("the first validation panicked"));
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    // The slot is free again: the retry succeeds.
    let r = rt.block_on(call(&a, post_json("/v1/validate", overlay)));
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
}

#[test]
fn quotes_answers_are_bounded_whatever_the_rows_echo() {
    let a = app(None);
    let rt = rt();
    let nul = "\0".repeat(3 << 20);
    let header = "order_id,to_postcode,weight_kg,length_cm,width_cm,height_cm\n";
    // An id of 3 MiB of NUL (6 bytes each in JSON), a valid order otherwise; a rejected row with
    // a 3 MiB weight; a JSON item whose wrong value is a 3 MiB string.
    let bodies: Vec<(&str, String)> = vec![
        ("text/csv", format!("{header}{nul},3000,1,10,10,10\n")),
        ("text/csv", format!("{header}A,3000,{nul},10,10,10\n")),
        (
            "application/json",
            json!([{"to": {"postcode": nul}, "parcels": []}]).to_string(),
        ),
        (
            "application/json",
            json!([{"to": {"postcode": "3000"}, "parcels": nul}]).to_string(),
        ),
    ];
    for (ct, body) in bodies {
        let r = rt.block_on(call(&a, req(Method::POST, "/v1/quotes", Some(ct), body)));
        assert!(
            r.status == StatusCode::OK || r.status.is_client_error(),
            "{}",
            r.status
        );
        assert!(
            r.body.len() < 64 << 10,
            "{ct}: a {} byte answer to one order: {}",
            r.body.len(),
            String::from_utf8_lossy(&r.body[..r.body.len().min(300)])
        );
        // The answer still says which order and field is at fault.
        let j = r.json();
        if r.status == StatusCode::OK {
            assert_eq!(j["orders"], 1, "{ct}");
        }
    }
    // A single quote whose wrong value is a long string: the problem is bounded too.
    let body = json!({"to": {"postcode": "3000"}, "parcels": "x".repeat(900 << 10)}).to_string();
    let r = rt.block_on(call(&a, post_json("/v1/quote", &body)));
    r.problem(422, "invalid-field");
    assert!(r.body.len() < 16 << 10, "{} bytes", r.body.len());
}

/// Sends `raw` on a fresh connection and reads the first answer (head and body).
fn raw_exchange(addr: std::net::SocketAddr, raw: &[u8]) -> Resp {
    let mut c = Conn::open(addr);
    // A server that answers before the whole request is written may reset the rest.
    let _ = c.s.write_all(raw);
    c.read().unwrap_or_else(|e| {
        panic!(
            "no answer to {:?}: {e}",
            String::from_utf8_lossy(&raw[..raw.len().min(80)])
        )
    })
}

#[test]
fn protocol_errors_the_service_sees_are_problem_json_with_the_config_version() {
    let a = app(None);
    let version = a.snapshot().version().to_string();
    let (addr, stop, server) = start(a);
    let problem = |r: &Resp, status: u16, slug: &str| {
        assert_eq!(r.status, status, "{}", String::from_utf8_lossy(&r.body));
        assert_eq!(r.header("content-type"), "application/problem+json");
        assert_eq!(r.header("lpo-config-version"), version);
        let p = r.json();
        assert_eq!(p["type"], format!("urn:lpo:problem:{slug}"), "{p}");
        assert_eq!(p["config_version"], version.as_str());
    };
    // A URI too long for the service (but within hyper's 65,534 bytes).
    let long = format!(
        "GET /healthz?pad={} HTTP/1.1\r\nHost: t\r\n\r\n",
        "a".repeat(9000)
    );
    problem(&raw_exchange(addr, long.as_bytes()), 414, "uri-too-long");
    // A header block too large for the service (but within hyper's buffer).
    let big = format!(
        "GET /healthz HTTP/1.1\r\nHost: t\r\nX-Big: {}\r\n\r\n",
        "b".repeat(40 << 10)
    );
    problem(
        &raw_exchange(addr, big.as_bytes()),
        431,
        "headers-too-large",
    );
    // A Content-Length over the route's limit: refused before the body is read.
    let cl = b"POST /v1/quote HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 99999999999\r\n\r\n{}";
    problem(&raw_exchange(addr, cl), 413, "body-too-large");
    // A chunked body that is not valid chunked encoding.
    let chunked = b"POST /v1/quote HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n";
    problem(&raw_exchange(addr, chunked), 400, "malformed-body");
    // What hyper answers itself, before any service runs (docs/http.md, "Protocol errors"):
    // a bare status with no body, no problem+json and no config version.
    let bare: [(&[u8], u16); 5] = [
        (b"POST /v1/quote HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n{}", 400),
        (b"POST /v1/quote HTTP/1.1\r\nHost: t\r\nContent-Length: -1\r\n\r\n{}", 400),
        (b"GET /healthz HTTP/9.9\r\nHost: t\r\n\r\n", 400),
        (format!("GET /healthz?pad={} HTTP/1.1\r\nHost: t\r\n\r\n", "a".repeat(64 << 10)).leak().as_bytes(), 414),
        (format!("GET /healthz HTTP/1.1\r\nHost: t\r\n{}\r\n", (0..1000).map(|i| format!("X-H{i}: 1\r\n")).collect::<String>()).leak().as_bytes(), 431),
    ];
    for (raw, status) in bare {
        let r = raw_exchange(addr, raw);
        assert_eq!(
            r.status,
            status,
            "{:?}",
            String::from_utf8_lossy(&raw[..raw.len().min(60)])
        );
        assert_eq!(r.header("content-type"), "");
        assert_eq!(r.header("lpo-config-version"), "");
        assert!(r.body.is_empty());
    }
    let _ = stop.send(());
    server.join().unwrap_or_else(|_| panic!("server panicked"));
}

/// A connection whose socket receives into a small buffer, so that a large answer fills it and
/// the server's socket buffer long before it is all sent.
fn small_window_conn(addr: std::net::SocketAddr) -> Conn {
    let s = rt()
        .block_on(async {
            let s = tokio::net::TcpSocket::new_v4()?;
            s.set_recv_buffer_size(4096)?;
            s.connect(addr).await?.into_std()
        })
        .unwrap_or_else(|e| panic!("{e}"));
    s.set_nonblocking(false).unwrap_or_else(|e| panic!("{e}"));
    s.set_read_timeout(Some(Duration::from_secs(300)))
        .unwrap_or_else(|e| panic!("{e}"));
    Conn { s, buf: Vec::new() }
}

#[test]
fn a_client_that_stops_reading_a_large_answer_is_disconnected() {
    let a = app_guarded(
        settings(),
        Guards {
            write_timeout: Duration::from_secs(1),
            ..Guards::default()
        },
    );
    let (addr, stop, server) = start(a.clone());
    // About 20 MB of answer: far more than the socket buffers hold.
    let body = format!("[{}]", vec![TYPICAL; 2000].join(","));
    let mut c = small_window_conn(addr);
    c.s.write_all(format!("{}{body}", Conn::head("POST", "/v1/quotes", body.len())).as_bytes())
        .unwrap_or_else(|e| panic!("{e}"));
    // The answer is made (and counted) before it is written; then the client reads nothing.
    let rt = rt();
    wait_until("the batch to be answered", || {
        let m = rt.block_on(call(&a, req(Method::GET, "/metrics", None, "")));
        String::from_utf8_lossy(&m.body)
            .contains(r#"lpo_http_requests_total{route="/v1/quotes",status="200"} 1"#)
    });
    wait_until("the server to close the stalled connection", || {
        a.open_connections() == 0
    });
    // Reading again: what the buffers held, then the end; never the whole answer.
    let mut got = Vec::new();
    let mut chunk = vec![0u8; 1 << 16];
    loop {
        match c.s.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => got.extend_from_slice(&chunk[..n]),
        }
    }
    let head = String::from_utf8_lossy(&got[..got.len().min(400)]).to_string();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    let len: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length: "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("{head}"));
    assert!(len > 10 << 20, "the answer is only {len} bytes");
    assert!(
        got.len() < len,
        "the whole answer was delivered to a stalled client"
    );
    let _ = stop.send(());
    server.join().unwrap_or_else(|_| panic!("server panicked"));
}

#[test]
fn openapi_request_schema_has_the_validators_bounds() {
    let rt = rt();
    let doc = |token: Option<&str>| {
        let r = rt.block_on(call(
            &app(token),
            req(Method::GET, "/openapi.json", None, ""),
        ));
        assert_eq!(r.status, StatusCode::OK);
        r.json()
    };
    // The admin route is documented only where it exists.
    assert!(doc(Some("t"))["paths"]["/admin/reload"].is_object());
    let d = doc(None);
    assert!(
        d["paths"]["/admin/reload"].is_null(),
        "documented without a token"
    );
    let s = &d["components"]["schemas"];
    let rq = &s["QuoteRequestJson"]["properties"];
    assert_eq!(rq["parcels"]["minItems"], 1, "{rq}");
    assert_eq!(rq["parcels"]["maxItems"], 1000, "{rq}");
    // Nullable fields list `null` among their values (OpenAPI 3.0).
    assert_eq!(
        rq["service_level"]["enum"],
        json!(["standard", "express", null])
    );
    assert_eq!(
        rq["strategy"]["enum"],
        json!(["cheapest", "fastest", "best_value", null])
    );
    assert_eq!(rq["declared_value"]["minimum"], 0);
    assert_eq!(rq["declared_value"]["maximum"], 100_000_000);
    assert_eq!(rq["sku"]["items"]["pattern"], "^[^|]*$");
    assert_eq!(rq["ship_date"]["format"], "date");
    let to = &s["ToJson"]["properties"];
    assert_eq!(to["postcode"]["pattern"], "^[0-9]{4}$", "{to}");
    assert_eq!(
        to["address_type"]["enum"],
        json!(["street", "po_box", "parcel_locker", null])
    );
    assert_eq!(
        to["state"]["enum"],
        json!(["NSW", "VIC", "QLD", "SA", "WA", "TAS", "NT", "ACT", null])
    );
    assert_eq!(
        (&to["lat"]["minimum"], &to["lat"]["maximum"]),
        (&json!(-90), &json!(90))
    );
    assert_eq!(
        (&to["lon"]["minimum"], &to["lon"]["maximum"]),
        (&json!(-180), &json!(180))
    );
    let p = &s["ParcelJson"]["properties"];
    assert_eq!(
        (&p["weight_kg"]["minimum"], &p["weight_kg"]["maximum"]),
        (&json!(0.001), &json!(10_000))
    );
    for side in ["length_cm", "width_cm", "height_cm"] {
        assert_eq!(
            (&p[side]["minimum"], &p[side]["maximum"]),
            (&json!(0.1), &json!(2000)),
            "{side}"
        );
    }
    // The bounds are the validator's: at each bound accepted, just past it refused.
    let a = app(None);
    let quote = |parcel: Value, extra: Value| {
        let mut q = json!({"to": {"postcode": "3000"}, "parcels": [parcel]});
        if let (Some(q), Value::Object(e)) = (q.as_object_mut(), extra) {
            q.extend(e);
        }
        rt.block_on(call(&a, post_json("/v1/quote", &q.to_string())))
            .status
    };
    let parcel =
        |w: f64, l: f64| json!({"weight_kg": w, "length_cm": l, "width_cm": 0.1, "height_cm": 0.1});
    assert_eq!(quote(parcel(0.001, 0.1), json!({})), StatusCode::OK);
    assert_eq!(quote(parcel(10_000.0, 2000.0), json!({})), StatusCode::OK);
    assert_eq!(
        quote(parcel(0.0004, 1.0), json!({})),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        quote(parcel(10_000.01, 1.0), json!({})),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        quote(parcel(1.0, 0.04), json!({})),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        quote(parcel(1.0, 2000.1), json!({})),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let one = parcel(1.0, 1.0);
    assert_eq!(
        quote(one.clone(), json!({"declared_value": 100_000_000.0})),
        StatusCode::OK
    );
    assert_eq!(
        quote(one.clone(), json!({"declared_value": 100_000_000.01})),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let parcels = |n: usize| {
        let q = json!({"to": {"postcode": "3000"}, "parcels": vec![one.clone(); n]});
        rt.block_on(call(&a, post_json("/v1/quote", &q.to_string())))
            .status
    };
    assert_eq!(parcels(1000), StatusCode::OK);
    assert_eq!(parcels(1001), StatusCode::UNPROCESSABLE_ENTITY);
}
