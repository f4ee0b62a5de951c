//! `lpo validate` and `lpo schema`.

use std::time::Instant;

use clap::ValueEnum;
use lpo_config::validate_manifest;
use schemars::schema_for;

use crate::common::{Failure, Global, Outcome, manifest_path, print_diagnostics};
use lpo_model::ExitCode;

#[derive(Debug, Clone, Copy, Default, ValueEnum)]
pub enum Format {
    #[default]
    Human,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Output format of the diagnostics.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Fail (exit 2) on warnings too.
    #[arg(long)]
    deny_warnings: bool,
}

pub fn run(cli: &Global, args: &Args) -> Outcome {
    let path = manifest_path(cli)?;
    if path.symlink_metadata().is_err() {
        return Err(Failure::usage(format!(
            "config file {} does not exist",
            path.display()
        )));
    }
    let start = Instant::now();
    let v = validate_manifest(&path, args.deny_warnings);
    let elapsed = start.elapsed();
    match args.format {
        Format::Json => {
            say!(
                "{}",
                serde_json::to_string_pretty(&v.to_json())
                    .map_err(|e| Failure::io(e.to_string()))?
            );
        }
        Format::Human => {
            let (errors, warnings, failed) = (v.errors, v.warnings, v.failed);
            print_diagnostics(&v.diagnostics);
            match &v.summary {
                Some(s) if !failed => note!(
                    "config OK: {} carriers, {} services, {} warehouses, {} postcodes, {} rules ({} cases), {} constraints from {} files ({} warning(s)); version {} [{:.0} ms]",
                    s["carriers"],
                    s["services"],
                    s["warehouses"],
                    s["postcodes"],
                    s["rules"],
                    s["cases"],
                    s["constraints"],
                    s["files"],
                    warnings,
                    s["config_version"].as_str().unwrap_or(""),
                    elapsed.as_secs_f64() * 1000.0
                ),
                _ => note!("config invalid: {errors} error(s), {warnings} warning(s)"),
            }
        }
    }
    Ok(if v.failed {
        ExitCode::Invalid
    } else {
        ExitCode::Ok
    })
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SchemaKind {
    /// `lpo.yaml`
    Manifest,
    /// The warehouses file.
    Warehouses,
    /// A carrier file (zones, fuel, surcharges, services).
    Carrier,
    /// A rule file (rules and their cases).
    Rules,
    /// A constraints file (capacities, commitments, tier discounts).
    Constraints,
    /// The HTTP service (`lpo serve`): its OpenAPI 3.0 document.
    Openapi,
}

#[derive(Debug, clap::Args)]
pub struct SchemaArgs {
    /// Which file type.
    #[arg(value_enum)]
    kind: SchemaKind,
}

/// The JSON Schema of a configuration file type, pretty-printed.
pub fn schema_text(kind: SchemaKind) -> String {
    let s = match kind {
        SchemaKind::Manifest => schema_for!(lpo_config::files::ManifestFile),
        SchemaKind::Warehouses => schema_for!(lpo_config::files::WarehousesFile),
        SchemaKind::Carrier => schema_for!(lpo_config::files::CarrierFile),
        SchemaKind::Rules => schema_for!(lpo_config::files::RulesFile),
        SchemaKind::Constraints => schema_for!(lpo_config::constraints::ConstraintsFile),
        SchemaKind::Openapi => {
            return serde_json::to_string_pretty(&lpo_server::openapi::document())
                .unwrap_or_default()
                + "\n";
        }
    };
    serde_json::to_string_pretty(&s).unwrap_or_default() + "\n"
}

pub fn schema(args: &SchemaArgs) -> Outcome {
    say!("{}", schema_text(args.kind).trim_end_matches('\n'));
    Ok(ExitCode::Ok)
}
