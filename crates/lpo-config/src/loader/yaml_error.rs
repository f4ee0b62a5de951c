//! Turning the YAML parser's messages into diagnostics: the position is the diagnostic's, and the
//! message gets a stable code and, where one helps, a hint.

use crate::diag::did_you_mean;

/// Strips the parser's own " at line N, column M" suffix: the diagnostic carries the position.
pub(super) fn strip_location(msg: &str) -> &str {
    match msg.rfind(" at line ") {
        Some(i) if msg[i..].contains("column") => &msg[..i],
        _ => msg,
    }
}

/// The field names a serde "unknown field `x`, expected one of a, b" message offers.
fn expected_names(msg: &str) -> Vec<String> {
    let Some((_, rest)) = msg.split_once("expected one of ") else {
        return Vec::new();
    };
    rest.split(", ")
        .map(|s| s.trim_matches(|c| c == '`' || c == ' ').to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// The diagnostic code of a YAML parser message, and a hint when there is one to give.
pub(super) fn classify_yaml_error(msg: &str) -> (&'static str, Option<String>) {
    let lower = msg.to_lowercase();
    let first_tick = || msg.split('`').nth(1).unwrap_or("").to_string();
    if lower.contains("unknown field") || lower.contains("unknown variant") {
        let names = expected_names(msg);
        let hint = did_you_mean(&first_tick(), names.iter().map(String::as_str)).or_else(|| {
            (!names.is_empty()).then(|| format!("expected one of {}", names.join(", ")))
        });
        (
            if lower.contains("unknown field") {
                "unknown-field"
            } else {
                "invalid-value"
            },
            hint,
        )
    } else if lower.contains("missing field") {
        ("missing-field", None)
    } else if lower.contains("duplicate") {
        (
            "duplicate-key",
            Some("each key may appear once in a mapping".into()),
        )
    } else if lower.contains("budget")
        || lower.contains("alias")
        || lower.contains("recursion")
        || lower.contains("depth")
        || lower.contains("nesting")
    {
        (
            "yaml-too-complex",
            Some("the file nests too deeply or expands too many aliases".into()),
        )
    } else if lower.contains("invalid type")
        || lower.contains("invalid value")
        || lower.contains("decimal")
        || lower.contains("date")
        || lower.contains("not a number")
        || lower.contains("too large")
        || lower.contains("finite")
    {
        ("invalid-value", None)
    } else {
        ("yaml-syntax", None)
    }
}
