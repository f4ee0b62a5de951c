//! The quote request JSON (`lpo quote --input FILE`, HTTP `POST /v1/quote`).

use lpo_model::{
    AddressType, Cents, Date, Order, Parcel, ServiceLevel, State, Strategy, parse_decimal,
};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ToJson {
    pub postcode: String,
    #[serde(default)]
    pub suburb: Option<String>,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub address_type: Option<String>,
    #[serde(default)]
    pub residential: Option<bool>,
    #[serde(default)]
    pub lat: Option<f64>,
    #[serde(default)]
    pub lon: Option<f64>,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ParcelJson {
    pub weight_kg: f64,
    pub length_cm: f64,
    pub width_cm: f64,
    pub height_cm: f64,
}

/// A quote request as the contract describes it.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QuoteRequestJson {
    #[serde(default)]
    pub order_id: Option<String>,
    pub to: ToJson,
    pub parcels: Vec<ParcelJson>,
    #[serde(default)]
    pub from: Vec<String>,
    #[serde(default)]
    pub service_level: Option<String>,
    #[serde(default)]
    pub ship_date: Option<String>,
    #[serde(default)]
    pub declared_value: Option<f64>,
    #[serde(default)]
    pub dangerous_goods: bool,
    #[serde(default)]
    pub signature: bool,
    #[serde(default)]
    pub channel: Option<String>,
    #[serde(default)]
    pub sku: Vec<String>,
    #[serde(default)]
    pub strategy: Option<String>,
    #[serde(default)]
    pub explain: bool,
}

/// A request field that is present but wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    /// JSON path of the field, e.g. `parcels[1].weight_kg`.
    pub field: String,
    pub message: String,
}

fn err(field: impl Into<String>, message: impl Into<String>) -> FieldError {
    FieldError {
        field: field.into(),
        message: message.into(),
    }
}

/// `f64` → exact scaled integer through its shortest decimal text, rounded half away from zero.
fn scaled(v: f64, scale: u32, field: &str, max: i64) -> Result<u32, FieldError> {
    if !v.is_finite() {
        return Err(err(field, "must be a finite number"));
    }
    let n =
        parse_decimal(&v.to_string(), scale, true).map_err(|e| err(field, format!("`{v}` {e}")))?;
    if n <= 0 {
        return Err(err(field, format!("`{v}` must be greater than 0")));
    }
    if n > max {
        return Err(err(field, format!("`{v}` is not plausible")));
    }
    u32::try_from(n).map_err(|_| err(field, "too large"))
}

impl QuoteRequestJson {
    /// Checks every field and builds the order and strategy; `None` strategy means the default.
    pub fn into_order(self) -> Result<(Order, Option<Strategy>, bool), FieldError> {
        let pc = self.to.postcode.trim();
        if pc.len() != 4 || !pc.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err(
                "to.postcode",
                format!("`{pc}` is not a 4-digit postcode"),
            ));
        }
        let postcode: u16 = pc
            .parse()
            .map_err(|_| err("to.postcode", "not a postcode"))?;
        if self.parcels.is_empty() {
            return Err(err("parcels", "at least one parcel is needed"));
        }
        if self.parcels.len() > 1000 {
            return Err(err(
                "parcels",
                format!(
                    "{} parcels in one order; the limit is 1000",
                    self.parcels.len()
                ),
            ));
        }
        let mut parcels = Vec::with_capacity(self.parcels.len());
        for (i, p) in self.parcels.iter().enumerate() {
            let f = |n: &str| format!("parcels[{i}].{n}");
            parcels.push(Parcel::new(
                scaled(p.weight_kg, 3, &f("weight_kg"), 10_000_000)?,
                scaled(p.length_cm, 1, &f("length_cm"), 20_000)?,
                scaled(p.width_cm, 1, &f("width_cm"), 20_000)?,
                scaled(p.height_cm, 1, &f("height_cm"), 20_000)?,
            ));
        }
        let mut order = Order {
            id: self.order_id.unwrap_or_default(),
            parcels,
            from: self.from,
            ..Order::default()
        };
        order.to.postcode = postcode;
        order.to.suburb = self
            .to
            .suburb
            .map(|s| s.trim().to_uppercase())
            .filter(|s| !s.is_empty());
        order.to.state = self
            .to
            .state
            .map(|s| s.parse::<State>().map_err(|m| err("to.state", m)))
            .transpose()?;
        order.to.address_type = self
            .to
            .address_type
            .map(|s| {
                s.parse::<AddressType>()
                    .map_err(|m| err("to.address_type", m))
            })
            .transpose()?
            .unwrap_or_default();
        order.to.residential = self.to.residential.unwrap_or(true);
        order.to.point = match (self.to.lat, self.to.lon) {
            (None, None) => None,
            (Some(a), Some(b)) if (-90.0..=90.0).contains(&a) && (-180.0..=180.0).contains(&b) => {
                Some((a, b))
            }
            _ => {
                return Err(err(
                    "to.lat",
                    "give both lat and lon, as a valid latitude and longitude",
                ));
            }
        };
        order.service_level = self
            .service_level
            .map(|s| {
                s.parse::<ServiceLevel>()
                    .map_err(|m| err("service_level", m))
            })
            .transpose()?
            .unwrap_or_default();
        order.ship_date = self
            .ship_date
            .map(|s| {
                s.parse::<Date>()
                    .map_err(|e| err("ship_date", e.to_string()))
            })
            .transpose()?;
        order.declared_value = match self.declared_value {
            None => None,
            Some(v) if v.is_finite() && v >= 0.0 => {
                let c = parse_decimal(&v.to_string(), 2, true)
                    .map_err(|e| err("declared_value", e.to_string()))?;
                if c > crate::orders::MAX_DECLARED_CENTS {
                    return Err(err(
                        "declared_value",
                        format!("`{v}` is not a plausible declared value"),
                    ));
                }
                Some(Cents(c))
            }
            Some(v) => {
                return Err(err(
                    "declared_value",
                    format!("`{v}` must be a non-negative amount"),
                ));
            }
        };
        order.dangerous_goods = self.dangerous_goods;
        order.signature = self.signature;
        order.channel = self.channel.map(Into::into);
        if let Some(bad) = self.sku.iter().find(|s| s.contains('|')) {
            return Err(err(
                "sku",
                format!("`{bad}` contains `|`, which separates SKUs"),
            ));
        }
        order.skus = self.sku.join("|");
        let strategy = self
            .strategy
            .map(|s| s.parse::<Strategy>().map_err(|m| err("strategy", m)))
            .transpose()?;
        Ok((order, strategy, self.explain))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<(Order, Option<Strategy>, bool), String> {
        let r: QuoteRequestJson = serde_json::from_str(json).map_err(|e| e.to_string())?;
        r.into_order().map_err(|e| e.to_string())
    }

    #[test]
    fn contract_example_parses_exactly() {
        let (o, s, explain) = parse(
            r#"{"to":{"postcode":"3000","suburb":"Melbourne","state":"VIC","address_type":"street","residential":true},
            "parcels":[{"weight_kg":2.5,"length_cm":30,"width_cm":20,"height_cm":10}],"from":["syd","mel"],
            "service_level":"standard","ship_date":"2026-11-26","declared_value":120.0,"dangerous_goods":false,
            "signature":false,"channel":"web","sku":["AB-123"],"strategy":"cheapest","explain":false}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(o.to.postcode, 3000);
        assert_eq!(o.to.suburb.as_deref(), Some("MELBOURNE"));
        assert_eq!(o.parcels, vec![Parcel::new(2500, 300, 200, 100)]);
        assert_eq!(o.declared_value, Some(Cents(12_000)));
        assert_eq!(s, Some(Strategy::Cheapest));
        assert!(!explain);
    }

    #[test]
    fn bad_fields_are_named() {
        let e = parse(
            r#"{"to":{"postcode":"800"},"parcels":[{"weight_kg":1,"length_cm":1,"width_cm":1,"height_cm":1}]}"#,
        );
        assert!(e.is_err_and(|e| e.starts_with("to.postcode")));
        let e = parse(
            r#"{"to":{"postcode":"0800"},"parcels":[{"weight_kg":1,"length_cm":1,"width_cm":1,"height_cm":1},{"weight_kg":-1,"length_cm":1,"width_cm":1,"height_cm":1}]}"#,
        );
        assert!(e.is_err_and(|e| e.starts_with("parcels[1].weight_kg")));
        let e = parse(r#"{"to":{"postcode":"0800"},"parcels":[],"colour":"red"}"#);
        assert!(e.is_err_and(|e| e.contains("unknown field")));
    }
}
