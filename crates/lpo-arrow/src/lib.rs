//! LPO's tables as Apache Arrow, for Parquet files and for Python (through the Arrow C data
//! interface, in `lpo-py`):
//! - [`orders`]: orders read from record batches by the orders CSV's own parser;
//! - [`table`]: the plan and options as typed columns, converted from and to the CSV text LPO
//!   writes, so the Parquet plan holds exactly what the CSV plan says;
//! - [`parquet_file`]: Parquet files in and out;
//! - [`Format`]: CSV or Parquet, by flag or by file extension.

pub mod orders;
pub mod parquet_file;
pub mod table;
mod text;

use std::path::Path;

/// A table file's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Parquet,
}

impl Format {
    /// The format a path's extension names: `.parquet` or `.pq` (any case) is Parquet,
    /// anything else CSV.
    pub fn of(path: &Path) -> Format {
        match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("parquet") || e.eq_ignore_ascii_case("pq") => {
                Format::Parquet
            }
            _ => Format::Csv,
        }
    }

    /// `given`, or else the format of `path`'s extension.
    pub fn choose(given: Option<Format>, path: &Path) -> Format {
        given.unwrap_or_else(|| Format::of(path))
    }
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Format, String> {
        match s {
            "csv" => Ok(Format::Csv),
            "parquet" => Ok(Format::Parquet),
            _ => Err(format!("`{s}` is not a format: csv or parquet")),
        }
    }
}
