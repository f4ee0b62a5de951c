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

/// What the value must be, for the parser's "invalid u64" (or `u32`, `i64`, `boolean`, …):
/// a value that is not one of its field's type, such as a negative or too large number, or a
/// fraction, for a count.
pub(super) fn expected_scalar(msg: &str) -> Option<String> {
    fn whole(min: i128, max: i128) -> String {
        format!("must be a whole number from {min} to {max}")
    }
    Some(match msg.strip_prefix("invalid ")? {
        "u64" | "u128" | "usize" => "must be a whole number ≥ 0".to_string(),
        "u8" => whole(0, u8::MAX.into()),
        "u16" => whole(0, u16::MAX.into()),
        "u32" => whole(0, u32::MAX.into()),
        "i8" => whole(i8::MIN.into(), i8::MAX.into()),
        "i16" => whole(i16::MIN.into(), i16::MAX.into()),
        "i32" => whole(i32::MIN.into(), i32::MAX.into()),
        "i64" | "isize" => whole(i64::MIN.into(), i64::MAX.into()),
        "i128" => "must be a whole number".to_string(),
        "floating point" => "must be a number".to_string(),
        "boolean" => "must be true or false".to_string(),
        "char" => "must be a single character".to_string(),
        _ => return None,
    })
}

/// The diagnostic code of a YAML parser message, and a hint when there is one to give.
pub(super) fn classify_yaml_error(msg: &str) -> (&'static str, Option<String>) {
    let lower = msg.to_lowercase();
    let first_tick = || msg.split('`').nth(1).unwrap_or("").to_string();
    if expected_scalar(msg).is_some() {
        ("invalid-value", None)
    } else if lower.contains("unknown field") || lower.contains("unknown variant") {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_out_of_its_type_is_an_invalid_value() {
        for (msg, says) in [
            ("invalid u64", "must be a whole number ≥ 0"),
            ("invalid u16", "must be a whole number from 0 to 65535"),
            ("invalid i8", "must be a whole number from -128 to 127"),
            ("invalid boolean", "must be true or false"),
        ] {
            assert_eq!(classify_yaml_error(msg).0, "invalid-value", "{msg}");
            assert_eq!(expected_scalar(msg).as_deref(), Some(says), "{msg}");
        }
        assert_eq!(expected_scalar("invalid type: string, expected u64"), None);
        assert_eq!(classify_yaml_error("invalid indentation").0, "yaml-syntax");
    }
}
