//! The served OpenAPI document narrowed to the configuration being served: `to.postcode` to the
//! postcodes of its postcode table, by state (the validator checks `to.state` against the
//! postcode), and `from` to its warehouses. A request the narrowed document describes is one
//! this configuration quotes, which the generic document (`lpo schema openapi`) cannot promise:
//! there, any four digits match, and only those in the loaded table quote.

use std::collections::BTreeMap;

use lpo_engine::Engine;
use lpo_model::State;
use serde_json::{Value, json};

/// The schema at `path` under `doc`, when there is one.
fn at<'a>(doc: &'a mut Value, path: &[&str]) -> Option<&'a mut serde_json::Map<String, Value>> {
    path.iter()
        .try_fold(doc, |v, key| v.get_mut(*key))?
        .as_object_mut()
}

/// Narrows the quote request schemas of `doc` to `engine`'s postcodes and warehouses.
pub(crate) fn narrow(doc: &mut Value, engine: &Engine) {
    let schemas = ["components", "schemas"];
    let mut all = Vec::new();
    let mut by_state: BTreeMap<State, Vec<String>> = BTreeMap::new();
    for (code, info) in engine.postcodes.iter() {
        let code = format!("{code:04}");
        for st in info.states.iter() {
            by_state.entry(st).or_default().push(code.clone());
        }
        all.push(code);
    }
    if let Some(postcode) = at(
        doc,
        &[schemas[0], schemas[1], "ToJson", "properties", "postcode"],
    ) {
        postcode.insert("enum".into(), json!(all));
    }
    // Exactly one branch holds: the state named and one of its postcodes, or no state.
    let mut branches: Vec<Value> = by_state
        .into_iter()
        .map(|(st, codes)| {
            json!({
                "required": ["state"],
                "properties": {"state": {"enum": [st.as_str()]}, "postcode": {"enum": codes}}
            })
        })
        .collect();
    branches.push(
        json!({"properties": {"state": {"type": "string", "nullable": true, "enum": [null]}}}),
    );
    if let Some(to) = at(doc, &[schemas[0], schemas[1], "ToJson"]) {
        to.insert("oneOf".into(), Value::Array(branches));
    }
    let ids: Vec<&str> = engine.warehouses.iter().map(|w| w.id.as_str()).collect();
    let from = [
        schemas[0],
        schemas[1],
        "QuoteRequestJson",
        "properties",
        "from",
        "items",
    ];
    if let Some(items) = at(doc, &from) {
        items.insert("enum".into(), json!(ids));
    }
}
