//! Numbers out of their field's range (a negative count, one too large for its type, a fraction
//! for a whole number) are `invalid-value`s saying what the field takes, not YAML syntax errors.

// Test code asserts by panicking: the library-only denials of the workspace (clippy.toml)
// do not apply, here in its helpers as in its tests.
#![allow(clippy::panic, clippy::indexing_slicing)]

use lpo_config::Diagnostic;

mod support;

use support::{diagnostics, edit, error_at, mini, render, root_of};

/// The diagnostics of the mini config with `find` replaced by `replace` in `file`.
fn with(name: &str, file: &str, find: &str, replace: &str) -> Vec<Diagnostic> {
    let manifest = mini(name);
    edit(&root_of(&manifest).join(file), find, replace);
    diagnostics(&manifest)
}

#[test]
fn a_negative_max_parcels_is_an_invalid_value() {
    let d = with(
        "max_parcels_negative",
        "constraints/daily.yaml",
        "max_parcels: 100",
        "max_parcels: -5",
    );
    let e = error_at(&d, "invalid-value", "constraints/daily.yaml");
    assert_eq!(e.message, "must be a whole number ≥ 0", "{e}");
    assert_eq!(e.line, 2, "{e}");
    assert!(e.column > 0, "{e}");
    assert!(d.iter().all(|d| d.code != "yaml-syntax"), "{}", render(&d));
}

#[test]
fn a_count_too_large_or_with_a_fraction_is_an_invalid_value() {
    for (name, value) in [
        ("max_parcels_huge", "99999999999999999999999"),
        ("max_parcels_fraction", "2.5"),
    ] {
        let d = with(
            name,
            "constraints/daily.yaml",
            "max_parcels: 100",
            &format!("max_parcels: {value}"),
        );
        let e = error_at(&d, "invalid-value", "constraints/daily.yaml");
        assert_eq!(e.message, "must be a whole number ≥ 0", "{value}: {e}");
    }
}

#[test]
fn a_negative_cubic_factor_is_an_invalid_value_naming_its_range() {
    let d = with(
        "cubic_negative",
        "carriers/acme.yaml",
        "cubic: { factor: 250 }",
        "cubic: { factor: -250 }",
    );
    let e = error_at(&d, "invalid-value", "carriers/acme.yaml");
    assert_eq!(
        e.message, "must be a whole number from 0 to 4294967295",
        "{e}"
    );
    assert_eq!(e.line, 25, "{e}");
}

#[test]
fn a_yaml_syntax_error_is_still_one() {
    let d = with(
        "still_syntax",
        "constraints/daily.yaml",
        "max_parcels: 100 }",
        "max_parcels: 100 ",
    );
    error_at(&d, "yaml-syntax", "constraints/daily.yaml");
}
