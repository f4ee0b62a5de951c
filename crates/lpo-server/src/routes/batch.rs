//! The batch routes' shared input: query parameters, and orders from a CSV or JSON body.

use axum::extract::Query;
use axum::extract::rejection::QueryRejection;
use lpo_format::orders::{InputOrder, RowError, read_orders};
use lpo_format::request::QuoteRequestJson;
use lpo_model::{Date, Strategy};

use super::body::*;
use super::quote::*;
use crate::api::MAX_PARCELS;
use crate::echo;
use crate::problem::{FieldProblem, Problem, json_problem};

/// Query parameters of the batch routes, checked by hand so that an unknown or bad one is named.
#[derive(Debug, Default)]
pub(crate) struct BatchParams {
    pub(crate) strategy: Option<Strategy>,
    pub(crate) within_days: Option<u8>,
    pub(crate) explain: bool,
    pub(crate) date: Option<Date>,
    pub(crate) greedy: bool,
    pub(crate) global: bool,
    pub(crate) time_limit: Option<f64>,
    pub(crate) gap: Option<f64>,
}

pub(crate) fn parse_bool(field: &str, v: &str) -> Result<bool, Problem> {
    match v {
        "true" | "1" | "" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(Problem::field(field, format!("`{v}` is not true or false"))),
    }
}

pub(crate) fn parse_params(
    q: Result<Query<Vec<(String, String)>>, QueryRejection>,
    allowed: &[&str],
) -> Result<BatchParams, Problem> {
    let Query(pairs) = q.map_err(|e| Problem::field("query", e.body_text()))?;
    let mut p = BatchParams::default();
    for (k, v) in pairs {
        let field = format!("query.{k}");
        if !allowed.contains(&k.as_str()) {
            return Err(Problem::field(
                field,
                format!("unknown parameter; this route takes {}", allowed.join(", ")),
            ));
        }
        match k.as_str() {
            "strategy" => {
                p.strategy = Some(
                    v.parse::<Strategy>()
                        .map_err(|m| Problem::field(field, m))?,
                );
            }
            "within_days" => {
                p.within_days = Some(v.parse::<u8>().map_err(|_| {
                    Problem::field(field, format!("`{v}` is not a number of days (0-255)"))
                })?);
            }
            "explain" => p.explain = parse_bool(&field, &v)?,
            "greedy" => p.greedy = parse_bool(&field, &v)?,
            "global" => p.global = parse_bool(&field, &v)?,
            "date" => {
                p.date = Some(
                    v.parse::<Date>()
                        .map_err(|e| Problem::field(field, e.to_string()))?,
                );
            }
            "time_limit" | "gap" => {
                let x: f64 = v
                    .parse()
                    .ok()
                    .filter(|x: &f64| x.is_finite() && *x > 0.0)
                    .ok_or_else(|| {
                        Problem::field(&field, format!("`{v}` is not a positive number"))
                    })?;
                if k == "gap" {
                    p.gap = Some(x);
                } else {
                    p.time_limit = Some(x);
                }
            }
            _ => {}
        }
    }
    Ok(p)
}

impl BatchParams {
    pub(crate) fn strategy(&self) -> Strategy {
        match self.strategy {
            Some(Strategy::BestValue { within_days }) => Strategy::BestValue {
                within_days: self.within_days.unwrap_or(within_days),
            },
            s => strategy_or_default(s),
        }
    }
}

/// The elements of a JSON array, unparsed; more than `limit` is refused while reading, so a
/// huge array of tiny elements never becomes a huge vector.
pub(crate) fn raw_array(
    bytes: &[u8],
    limit: usize,
) -> Result<Vec<&serde_json::value::RawValue>, Problem> {
    use serde::de::{DeserializeSeed, Error as _, SeqAccess, Visitor};
    struct Limited(usize);
    impl<'de> Visitor<'de> for Limited {
        type Value = Vec<&'de serde_json::value::RawValue>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            write!(f, "an array of quote requests")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut v = Vec::new();
            while let Some(x) = seq.next_element()? {
                if v.len() == self.0 {
                    return Err(A::Error::custom(format!(
                        "more than {} orders in one request",
                        self.0
                    )));
                }
                v.push(x);
            }
            Ok(v)
        }
    }
    impl<'de> DeserializeSeed<'de> for Limited {
        type Value = Vec<&'de serde_json::value::RawValue>;
        fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_seq(self)
        }
    }
    let text = std::str::from_utf8(bytes)
        .map_err(|e| Problem::malformed(format!("the body is not UTF-8: {e}")))?;
    let mut de = serde_json::Deserializer::from_str(text);
    match Limited(limit)
        .deserialize(&mut de)
        .and_then(|v| de.end().map(|()| v))
    {
        Ok(v) => Ok(v),
        Err(e) if e.is_data() && e.to_string().starts_with("more than") => Err(Problem::field(
            "body",
            format!("{}; the limit is {limit}", strip_at(&e.to_string())),
        )),
        Err(e) if e.is_data() => Err(Problem::field(
            "body",
            "expected a JSON array of quote requests",
        )),
        Err(e) => Err(Problem::malformed(format!(
            "the body is not valid JSON: {e}"
        ))),
    }
}

pub(crate) fn strip_at(s: &str) -> &str {
    s.rfind(" at line ").map_or(s, |i| &s[..i])
}

/// A batch's orders, with each JSON order's own strategy and `explain` (CSV orders have none).
pub(crate) type BatchOrders = (Vec<InputOrder>, Vec<Option<Strategy>>, Vec<bool>);

/// The orders of a batch body: the orders CSV, or a JSON array of quote requests. Each JSON
/// element that fails becomes a rejected order (field paths start `[i]`), like a bad CSV row.
pub(crate) fn batch_orders(
    kind: BodyKind,
    bytes: &[u8],
    limit: usize,
) -> Result<BatchOrders, Problem> {
    match kind {
        BodyKind::Csv => {
            let orders = read_orders(bytes).map_err(|e| match e {
                lpo_format::orders::OrdersError::Csv { line, message } => {
                    Problem::field(format!("line {line}"), message)
                }
                other => Problem::field("body", other.to_string()),
            })?;
            if orders.len() > limit {
                return Err(too_many(orders.len(), limit));
            }
            let mut orders = orders;
            for o in &mut orders {
                if o.rows() > MAX_PARCELS && o.order.is_ok() {
                    o.order = Err(vec![RowError {
                        line: o.line,
                        field: "order_id".into(),
                        message: format!(
                            "{} parcels in one order; the limit is {MAX_PARCELS}",
                            o.rows()
                        ),
                    }]);
                }
            }
            let n = orders.len();
            Ok((orders, vec![None; n], vec![false; n]))
        }
        BodyKind::Json => {
            let items = raw_array(bytes, limit)?;
            let mut orders = Vec::with_capacity(items.len());
            let mut strategies = Vec::with_capacity(items.len());
            let mut explains = Vec::with_capacity(items.len());
            for (i, v) in items.into_iter().enumerate() {
                let line = i as u64 + 1;
                let mut de = serde_json::Deserializer::from_str(v.get());
                let parsed = serde_path_to_error::deserialize::<_, QuoteRequestJson>(&mut de)
                    .map_err(|e| {
                        let p = json_problem(e);
                        p.errors
                            .into_iter()
                            .map(|f| (f.field, f.message))
                            .collect::<Vec<_>>()
                    })
                    .and_then(|r| r.into_order().map_err(|e| vec![(e.field, e.message)]));
                let (id, order) = match parsed {
                    Ok((mut o, s, explain)) => {
                        if o.id.is_empty() {
                            o.id = line.to_string();
                        }
                        strategies.push(s);
                        explains.push(explain);
                        (o.id.to_string(), Ok(o))
                    }
                    Err(errs) => {
                        strategies.push(None);
                        explains.push(false);
                        let errs = errs
                            .into_iter()
                            .map(|(f, m)| RowError {
                                line,
                                field: format!("[{i}].{f}"),
                                message: m,
                            })
                            .collect();
                        (line.to_string(), Err(errs))
                    }
                };
                orders.push(InputOrder {
                    id,
                    line,
                    more_lines: Vec::new(),
                    order,
                });
            }
            Ok((orders, strategies, explains))
        }
    }
}

pub(crate) fn too_many(n: usize, limit: usize) -> Problem {
    Problem::field(
        "body",
        format!("{n} orders in one request; the limit is {limit}"),
    )
}

/// A rejected order's errors as the answer lists them: at most [`echo::ERRORS_PER_ORDER`], then
/// one entry counting the rest, each clipped ([`FieldProblem::new`]).
pub(crate) fn reject_errors(errs: &[RowError], csv: bool) -> Vec<FieldProblem> {
    let mut out: Vec<FieldProblem> = errs
        .iter()
        .take(echo::ERRORS_PER_ORDER)
        .map(|e| {
            if csv {
                FieldProblem::new(format!("line {}, {}", e.line, e.field), e.message.as_str())
            } else {
                FieldProblem::new(e.field.as_str(), e.message.as_str())
            }
        })
        .collect();
    if let Some(more) = errs
        .len()
        .checked_sub(echo::ERRORS_PER_ORDER)
        .filter(|&n| n > 0)
    {
        out.push(FieldProblem::new(
            "order",
            format!("{more} more error(s) in this order not listed"),
        ));
    }
    out
}
