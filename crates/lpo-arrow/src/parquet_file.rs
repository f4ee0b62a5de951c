//! Parquet files: read into record batches, written from one, atomically and byte-identically
//! for the same table.

use std::path::Path;

use arrow_array::RecordBatch;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::{Compression, ZstdLevel};
use parquet::errors::ParquetError;
use parquet::file::properties::WriterProperties;

/// Rows per batch read.
const BATCH_ROWS: usize = 65_536;

/// Why a Parquet file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum ParquetFileError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    /// Not a Parquet file, a damaged one, or one this build cannot decode.
    #[error("{path} is not a readable Parquet file: {source}")]
    Parquet { path: String, source: ParquetError },
    #[error("cannot encode the Parquet file: {0}")]
    Encode(ParquetError),
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
}

/// Every record batch of a Parquet file, in order.
pub fn read_parquet(path: &Path) -> Result<Vec<RecordBatch>, ParquetFileError> {
    let shown = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|source| ParquetFileError::Io {
        path: shown.clone(),
        source,
    })?;
    let bad = |source: ParquetError| ParquetFileError::Parquet {
        path: shown.clone(),
        source,
    };
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(bad)?
        .with_batch_size(BATCH_ROWS)
        .build()
        .map_err(bad)?;
    reader
        .map(|b| b.map_err(|e| bad(ParquetError::ArrowError(e.to_string()))))
        .collect()
}

/// `batch` as the bytes of a Parquet file (zstd level 1; the same table gives the same bytes).
pub fn parquet_bytes(batch: &RecordBatch) -> Result<Vec<u8>, ParquetFileError> {
    parquet_bytes_of(&batch.schema(), std::slice::from_ref(batch))
}

/// Batches of one schema as the bytes of one Parquet file.
pub fn parquet_bytes_of(
    schema: &arrow_schema::SchemaRef,
    batches: &[RecordBatch],
) -> Result<Vec<u8>, ParquetFileError> {
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(
            ZstdLevel::try_new(1).map_err(ParquetFileError::Encode)?,
        ))
        .build();
    let mut out = Vec::new();
    let mut w = ArrowWriter::try_new(&mut out, schema.clone(), Some(props))
        .map_err(ParquetFileError::Encode)?;
    for batch in batches {
        w.write(batch).map_err(ParquetFileError::Encode)?;
    }
    w.close().map_err(ParquetFileError::Encode)?;
    Ok(out)
}

/// Writes `batch` as a Parquet file, atomically (see [`lpo_format::output::write_atomic`]).
pub fn write_parquet(path: &Path, batch: &RecordBatch) -> Result<(), ParquetFileError> {
    write_parquet_batches(path, &batch.schema(), std::slice::from_ref(batch))
}

/// Writes batches of one schema as one Parquet file, atomically.
pub fn write_parquet_batches(
    path: &Path,
    schema: &arrow_schema::SchemaRef,
    batches: &[RecordBatch],
) -> Result<(), ParquetFileError> {
    let bytes = parquet_bytes_of(schema, batches)?;
    lpo_format::output::write_atomic(path, &[&bytes]).map_err(|source| ParquetFileError::Write {
        path: path.display().to_string(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::{PLAN, from_csv_body};

    #[test]
    fn a_written_table_reads_back_equal_and_the_bytes_do_not_vary() {
        let body = "A,allocated,syd,auspost,parcel,N1,6.75,10.00,1.50,0.82,1.23,13.55,3,r1,\n\
                    B,rejected,,,,,,,,,,,,invalid_input: line 3,\n";
        let batch = from_csv_body(&PLAN, &[body.as_bytes()]).expect("a plan body converts");
        let dir = tempfile::tempdir().expect("a temp dir");
        let path = dir.path().join("plan.parquet");
        write_parquet(&path, &batch).expect("written");
        let back = read_parquet(&path).expect("read back");
        assert_eq!(back, vec![batch.clone()]);
        assert_eq!(
            std::fs::read(&path).expect("the file"),
            parquet_bytes(&batch).expect("again")
        );
    }

    #[test]
    fn a_corrupt_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let path = dir.path().join("x.parquet");
        std::fs::write(&path, b"PAR1 this is not parquet").expect("written");
        let err = read_parquet(&path).expect_err("not parquet");
        assert!(
            err.to_string()
                .contains("x.parquet is not a readable Parquet file"),
            "{err}"
        );
    }
}
