//! What a command writes, all or nothing: every file is staged beside its target
//! ([`lpo_format::staged`]) and put in place only once all of them (and standard output, for a
//! path of `-`) have been written. A failure on any leaves every target as it was.

use std::path::Path;

use lpo_arrow::Format;
use lpo_format::staged::Staged;

use crate::common::Failure;

/// The outputs of one run, not yet in place.
#[derive(Default)]
pub struct Outputs {
    staged: Staged,
    /// What goes to standard output (a path of `-`), and for which flag's file.
    stdout: Option<Vec<u8>>,
}

/// Whether `path` means standard output.
pub fn is_stdout(path: &Path) -> bool {
    path.as_os_str() == "-"
}

impl Outputs {
    pub fn new() -> Outputs {
        Outputs::default()
    }

    /// Stages `parts` for `path` (`-`: standard output).
    pub fn add(&mut self, path: &Path, parts: &[&[u8]]) -> Result<(), Failure> {
        if is_stdout(path) {
            if self.stdout.is_some() {
                return Err(Failure::usage(
                    "only one output can go to standard output (`-`)",
                ));
            }
            self.stdout = Some(parts.concat());
            return Ok(());
        }
        self.staged
            .add(path, parts)
            .map_err(|e| Failure::io(format!("cannot write {}: {e}", path.display())))
    }

    /// Stages a table LPO has as CSV text (`header`, then the body in parts): as that text, or
    /// as Parquet with the typed `columns` (`format`, or else by the extension of `path`).
    pub fn add_table(
        &mut self,
        path: &Path,
        format: Option<Format>,
        header: &str,
        columns: &[lpo_arrow::table::Column],
        body: &[&[u8]],
    ) -> Result<(), Failure> {
        let cannot = |e: &dyn std::fmt::Display| {
            Failure::io(format!("cannot write {}: {e}", path.display()))
        };
        match Format::choose(format, path) {
            Format::Csv => {
                let mut parts: Vec<&[u8]> = Vec::with_capacity(body.len() + 1);
                parts.push(header.as_bytes());
                parts.extend_from_slice(body);
                self.add(path, &parts)
            }
            Format::Parquet => {
                let batches = lpo_arrow::table::batches_from_csv_body(columns, body)
                    .map_err(|e| cannot(&e))?;
                let schema = lpo_arrow::table::schema(columns);
                let bytes = lpo_arrow::parquet_file::parquet_bytes_of(&schema, &batches)
                    .map_err(|e| cannot(&e))?;
                self.add(path, &[&bytes])
            }
        }
    }

    /// Writes standard output, then puts every file in place.
    pub fn commit(self) -> Result<(), Failure> {
        if let Some(bytes) = &self.stdout {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            out.write_all(bytes)
                .and_then(|()| out.flush())
                .map_err(|e| Failure::io(format!("cannot write to standard output: {e}")))?;
        }
        self.staged
            .commit()
            .map_err(|e| Failure::io(format!("cannot put an output in place: {e}")))
    }
}
