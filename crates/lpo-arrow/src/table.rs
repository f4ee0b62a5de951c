//! Typed Arrow columns for LPO's CSV tables. Every column has a [`Kind`] that says how its CSV
//! text becomes a typed value and how the value is written back, so a table in Arrow or Parquet
//! holds exactly what the CSV holds: text → typed → text gives the text again.
//!
//! An empty CSV field is a null, in every column.

use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, Date32Builder, Decimal128Builder, Float64Builder, Int32Builder, Int64Builder,
    StringBuilder,
};
use arrow_array::cast::AsArray;
use arrow_array::types::Decimal128Type;
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef};
use lpo_model::{Cents, Date, parse_decimal};
use rayon::prelude::*;

use crate::text::{Text, decimal_text};

/// How a column's text is typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Text as written.
    Text,
    /// A decimal with `scale` digits after the point, as `Decimal128(precision, scale)`;
    /// written back with exactly `scale` decimals.
    Decimal {
        precision: u8,
        scale: u8,
    },
    /// Kilograms as `Decimal128(12, 3)`, written back with up to three decimals and no
    /// trailing zeros (`6.75`), as the plan writes `chargeable_kg`.
    Kg,
    /// Money in dollars with two decimals, as `Decimal128(18, 2)`.
    Money,
    Int32,
    Int64,
    /// `true` or `false`.
    Bool,
    /// `YYYY-MM-DD`, as `Date32`.
    Date,
    /// A float, written back as the shortest text that reads back to it.
    Float,
}

impl Kind {
    /// The Arrow type of a column of this kind.
    pub fn data_type(self) -> DataType {
        match self {
            Kind::Text => DataType::Utf8,
            Kind::Decimal { precision, scale } => DataType::Decimal128(precision, scale as i8),
            Kind::Kg => DataType::Decimal128(12, 3),
            Kind::Money => DataType::Decimal128(18, 2),
            Kind::Int32 => DataType::Int32,
            Kind::Int64 => DataType::Int64,
            Kind::Bool => DataType::Boolean,
            Kind::Date => DataType::Date32,
            Kind::Float => DataType::Float64,
        }
    }
}

/// A named, typed column.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub name: &'static str,
    pub kind: Kind,
}

const fn col(name: &'static str, kind: Kind) -> Column {
    Column { name, kind }
}

/// The plan's columns, in the order the plan CSV has them.
pub const PLAN: [Column; 15] = [
    col("order_id", Kind::Text),
    col("status", Kind::Text),
    col("from", Kind::Text),
    col("carrier", Kind::Text),
    col("service", Kind::Text),
    col("zone", Kind::Text),
    col("chargeable_kg", Kind::Kg),
    col("base", Kind::Money),
    col("surcharges", Kind::Money),
    col("fuel", Kind::Money),
    col("gst", Kind::Money),
    col("total", Kind::Money),
    col("eta_days", Kind::Int32),
    col("reason", Kind::Text),
    col("warnings", Kind::Text),
];

/// The options table's columns, in the order the options CSV has them.
pub const OPTIONS: [Column; 9] = [
    col("order_id", Kind::Text),
    col("from", Kind::Text),
    col("carrier", Kind::Text),
    col("service", Kind::Text),
    col("zone", Kind::Text),
    col("chargeable_kg", Kind::Kg),
    col("eta_days", Kind::Int32),
    col("total_cents", Kind::Int64),
    col("score_cents", Kind::Int64),
];

/// The typed columns of an orders table that LPO writes (`lpo gen-orders --out x.parquet`).
/// Any other column is text. A reader takes these types, or text, or any number type.
pub const ORDERS: [Column; 20] = [
    col("order_id", Kind::Text),
    col("to_postcode", Kind::Text),
    col("to_suburb", Kind::Text),
    col("to_state", Kind::Text),
    col(
        "weight_kg",
        Kind::Decimal {
            precision: 12,
            scale: 3,
        },
    ),
    col(
        "length_cm",
        Kind::Decimal {
            precision: 9,
            scale: 1,
        },
    ),
    col(
        "width_cm",
        Kind::Decimal {
            precision: 9,
            scale: 1,
        },
    ),
    col(
        "height_cm",
        Kind::Decimal {
            precision: 9,
            scale: 1,
        },
    ),
    col("from", Kind::Text),
    col("to_lat", Kind::Float),
    col("to_lon", Kind::Float),
    col("address_type", Kind::Text),
    col("residential", Kind::Bool),
    col("service_level", Kind::Text),
    col("ship_date", Kind::Date),
    col("declared_value", Kind::Money),
    col("dangerous_goods", Kind::Bool),
    col("signature", Kind::Bool),
    col("channel", Kind::Text),
    col("sku", Kind::Text),
];

/// Why a table could not be converted.
#[derive(Debug, thiserror::Error)]
pub enum TableError {
    /// A field whose text is not a value of its column's kind.
    #[error("row {row}, column `{column}`: `{value}` is not {expected}")]
    Value {
        /// Data row, from 1.
        row: usize,
        column: String,
        value: String,
        expected: &'static str,
    },
    /// A row with another number of fields than the table has columns.
    #[error("row {row} has {found} fields, the table has {expected} columns")]
    Width {
        row: usize,
        found: usize,
        expected: usize,
    },
    /// A column whose Arrow type is not its kind's.
    #[error("column `{column}` has type {found}, expected {expected}")]
    Type {
        column: String,
        found: DataType,
        expected: DataType,
    },
    /// A column the table must have is missing.
    #[error("the table has no `{0}` column")]
    MissingColumn(String),
    #[error("{0}")]
    Csv(#[from] csv::Error),
    #[error("{0}")]
    Arrow(#[from] ArrowError),
}

/// The Arrow schema of `cols`; every column may be null.
pub fn schema(cols: &[Column]) -> SchemaRef {
    Arc::new(Schema::new(
        cols.iter()
            .map(|c| Field::new(c.name, c.kind.data_type(), true))
            .collect::<Vec<_>>(),
    ))
}

/// One column being built from text.
enum Builder {
    Text(StringBuilder),
    Decimal(Decimal128Builder, u32, DataType),
    Int32(Int32Builder),
    Int64(Int64Builder),
    Bool(BooleanBuilder),
    Date(Date32Builder),
    Float(Float64Builder),
}

impl Builder {
    fn new(kind: Kind, rows: usize) -> Builder {
        let decimal = |scale: u32| {
            let ty = kind.data_type();
            Builder::Decimal(Decimal128Builder::with_capacity(rows), scale, ty)
        };
        match kind {
            Kind::Text => Builder::Text(StringBuilder::with_capacity(rows, rows * 8)),
            Kind::Decimal { scale, .. } => decimal(u32::from(scale)),
            Kind::Kg => decimal(3),
            Kind::Money => decimal(2),
            Kind::Int32 => Builder::Int32(Int32Builder::with_capacity(rows)),
            Kind::Int64 => Builder::Int64(Int64Builder::with_capacity(rows)),
            Kind::Bool => Builder::Bool(BooleanBuilder::with_capacity(rows)),
            Kind::Date => Builder::Date(Date32Builder::with_capacity(rows)),
            Kind::Float => Builder::Float(Float64Builder::with_capacity(rows)),
        }
    }

    /// Appends one field; `Err` names the kind the text is not.
    fn push(&mut self, s: &str) -> Result<(), &'static str> {
        if s.is_empty() {
            match self {
                Builder::Text(b) => b.append_null(),
                Builder::Decimal(b, ..) => b.append_null(),
                Builder::Int32(b) => b.append_null(),
                Builder::Int64(b) => b.append_null(),
                Builder::Bool(b) => b.append_null(),
                Builder::Date(b) => b.append_null(),
                Builder::Float(b) => b.append_null(),
            }
            return Ok(());
        }
        match self {
            Builder::Text(b) => b.append_value(s),
            Builder::Decimal(b, scale, _) => b.append_value(i128::from(
                parse_decimal(s, *scale, false).map_err(|_| "a decimal of this column's scale")?,
            )),
            Builder::Int32(b) => b.append_value(s.parse().map_err(|_| "a 32-bit integer")?),
            Builder::Int64(b) => b.append_value(s.parse().map_err(|_| "a 64-bit integer")?),
            Builder::Bool(b) => b.append_value(match s {
                "true" => true,
                "false" => false,
                _ => return Err("true or false"),
            }),
            Builder::Date(b) => {
                b.append_value(s.parse::<Date>().map_err(|_| "a date (YYYY-MM-DD)")?.days())
            }
            Builder::Float(b) => {
                let v: f64 = s.parse().map_err(|_| "a number")?;
                if !v.is_finite() {
                    return Err("a finite number");
                }
                b.append_value(v)
            }
        }
        Ok(())
    }

    fn finish(self) -> Result<ArrayRef, ArrowError> {
        Ok(match self {
            Builder::Text(mut b) => Arc::new(b.finish()),
            Builder::Decimal(mut b, _, ty) => {
                let DataType::Decimal128(p, s) = ty else {
                    return Err(ArrowError::SchemaError(format!("{ty} is not a decimal")));
                };
                Arc::new(b.finish().with_precision_and_scale(p, s)?)
            }
            Builder::Int32(mut b) => Arc::new(b.finish()),
            Builder::Int64(mut b) => Arc::new(b.finish()),
            Builder::Bool(mut b) => Arc::new(b.finish()),
            Builder::Date(mut b) => Arc::new(b.finish()),
            Builder::Float(mut b) => Arc::new(b.finish()),
        })
    }
}

/// Parses headerless CSV text whose columns are `cols`, in order, into typed arrays. `first_row`
/// numbers the rows in errors.
fn arrays_from_body(
    cols: &[(&str, Kind)],
    body: &[u8],
    first_row: usize,
) -> Result<Vec<ArrayRef>, TableError> {
    let rows = line_count(body);
    let mut builders: Vec<Builder> = cols.iter().map(|c| Builder::new(c.1, rows)).collect();
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(body);
    let mut rec = csv::StringRecord::new();
    let mut row = first_row;
    while rdr.read_record(&mut rec)? {
        if rec.len() != cols.len() {
            return Err(TableError::Width {
                row,
                found: rec.len(),
                expected: cols.len(),
            });
        }
        for ((b, (name, _)), v) in builders.iter_mut().zip(cols).zip(rec.iter()) {
            b.push(v).map_err(|expected| TableError::Value {
                row,
                column: name.to_string(),
                value: v.to_string(),
                expected,
            })?;
        }
        row += 1;
    }
    builders
        .into_iter()
        .map(|b| b.finish().map_err(TableError::from))
        .collect()
}

fn line_count(data: &[u8]) -> usize {
    data.iter().filter(|&&b| b == b'\n').count()
}

/// One record batch per part of headerless CSV text whose columns are `cols` (the plan or
/// options body LPO writes, one part per chunk of orders), converted in parallel. Batches keep
/// the parts' rows; an empty part gives an empty batch.
pub fn batches_from_csv_body(
    cols: &[Column],
    parts: &[&[u8]],
) -> Result<Vec<RecordBatch>, TableError> {
    let mut first = Vec::with_capacity(parts.len());
    let mut row = 1;
    for p in parts {
        first.push(row);
        row += line_count(p);
    }
    let named: Vec<(&str, Kind)> = cols.iter().map(|c| (c.name, c.kind)).collect();
    let schema = schema(cols);
    parts
        .par_iter()
        .zip(first.par_iter())
        .map(|(p, &row)| {
            let arrays = arrays_from_body(&named, p, row)?;
            Ok(RecordBatch::try_new(schema.clone(), arrays)?)
        })
        .collect()
}

/// One record batch from headerless CSV text in parts: [`batches_from_csv_body`], concatenated.
pub fn from_csv_body(cols: &[Column], parts: &[&[u8]]) -> Result<RecordBatch, TableError> {
    let batches = batches_from_csv_body(cols, parts)?;
    Ok(arrow_select::concat::concat_batches(
        &schema(cols),
        &batches,
    )?)
}

/// A whole CSV table (header, then rows; any columns): columns named in `known` get their kind,
/// every other column is text.
pub fn from_csv(known: &[Column], text: &[u8]) -> Result<RecordBatch, TableError> {
    let header_end = text
        .iter()
        .position(|&b| b == b'\n')
        .map_or(text.len(), |i| i + 1);
    let (head, body) = text.split_at(header_end);
    let mut hr = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(head);
    let mut header = csv::StringRecord::new();
    hr.read_record(&mut header)?;
    let cols: Vec<(&str, Kind)> = header
        .iter()
        .map(|name| {
            let kind = known
                .iter()
                .find(|c| c.name == name)
                .map_or(Kind::Text, |c| c.kind);
            (name, kind)
        })
        .collect();
    let arrays = arrays_from_body(&cols, body, 1)?;
    let fields: Vec<Field> = cols
        .iter()
        .map(|(name, kind)| Field::new(*name, kind.data_type(), true))
        .collect();
    Ok(RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)?)
}

/// A column's values as the text the CSV would hold (null: empty): kilograms and money as LPO
/// writes them, anything else as the orders reader renders it (crate::text).
fn text_values(array: &ArrayRef, kind: Kind) -> Result<Vec<String>, ArrowError> {
    let mut scratch = String::new();
    let each = |f: &mut dyn FnMut(usize) -> String| -> Vec<String> {
        (0..array.len())
            .map(|i| {
                if array.is_null(i) {
                    String::new()
                } else {
                    f(i)
                }
            })
            .collect()
    };
    Ok(match (kind, array.data_type()) {
        (Kind::Kg, DataType::Decimal128(_, 3)) => {
            let a = array.as_primitive::<Decimal128Type>();
            each(&mut |i| match u64::try_from(a.value(i)) {
                Ok(g) => lpo_format::output::kg_str(g),
                Err(_) => {
                    scratch.clear();
                    decimal_text(&mut scratch, a.value(i), 3);
                    scratch.clone()
                }
            })
        }
        (Kind::Money, DataType::Decimal128(_, 2)) => {
            let a = array.as_primitive::<Decimal128Type>();
            each(&mut |i| match i64::try_from(a.value(i)) {
                Ok(c) => Cents(c).to_string(),
                Err(_) => {
                    scratch.clear();
                    decimal_text(&mut scratch, a.value(i), 2);
                    scratch.clone()
                }
            })
        }
        _ => {
            let text = Text::of(array)?;
            (0..array.len())
                .map(|i| text.get(i, &mut scratch).to_string())
                .collect()
        }
    })
}

/// The rows of `batch` as CSV text fields, in `cols` order (columns found by name; a missing one
/// is an error). What a Parquet plan says, as the plan CSV says it.
pub fn text_rows(cols: &[Column], batch: &RecordBatch) -> Result<Vec<Vec<String>>, TableError> {
    let mut columns = Vec::with_capacity(cols.len());
    for c in cols {
        let array = batch
            .column_by_name(c.name)
            .ok_or_else(|| TableError::MissingColumn(c.name.to_string()))?;
        columns.push(text_values(array, c.kind)?);
    }
    let mut rows: Vec<Vec<String>> = (0..batch.num_rows())
        .map(|_| Vec::with_capacity(cols.len()))
        .collect();
    for values in columns {
        for (row, v) in rows.iter_mut().zip(values) {
            row.push(v);
        }
    }
    Ok(rows)
}

/// The rows of a Parquet or Arrow plan as the plan CSV reader gives them (line: the row's line
/// in the equivalent CSV).
pub fn plan_records(
    batches: &[RecordBatch],
) -> Result<Vec<lpo_format::plan::PlanRecord>, TableError> {
    let mut out = Vec::new();
    for batch in batches {
        for row in text_rows(&PLAN, batch)? {
            let fields: [String; 15] = row
                .try_into()
                .map_err(|_| TableError::MissingColumn("warnings".into()))?;
            out.push(lpo_format::plan::PlanRecord {
                line: out.len() as u64 + 2,
                fields,
            });
        }
    }
    Ok(out)
}

/// Checks that every column of `cols` is in `batch` with its kind's type.
pub fn check_types(cols: &[Column], batch: &RecordBatch) -> Result<(), TableError> {
    for c in cols {
        let array = batch
            .column_by_name(c.name)
            .ok_or_else(|| TableError::MissingColumn(c.name.to_string()))?;
        let expected = c.kind.data_type();
        if array.data_type() != &expected {
            return Err(TableError::Type {
                column: c.name.to_string(),
                found: array.data_type().clone(),
                expected,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::cast::AsArray;

    #[test]
    fn plan_text_reads_typed_and_writes_back_the_same_text() {
        let body = "A,allocated,syd,auspost,parcel,N1,6.75,10.00,1.50,0.82,1.23,13.55,3,r1 r2,\n\
                    B,unallocated,,,,,,,,,,,,\"no_feasible_service: x (a/b)\",w1; w2\n\
                    C,allocated,mel,tnt,road,\"Z,1\",0.1,-0.05,0.00,0.00,0.01,-0.04,0,,\n";
        let batch = from_csv_body(&PLAN, &[body.as_bytes()]).expect("a plan body converts");
        assert_eq!(batch.num_rows(), 3);
        check_types(&PLAN, &batch).expect("the plan's own types");
        let kg = batch
            .column_by_name("chargeable_kg")
            .map(|a| a.as_primitive::<Decimal128Type>().value(0));
        assert_eq!(kg, Some(6750));
        let base = batch
            .column_by_name("base")
            .map(|a| a.as_primitive::<Decimal128Type>().value(2));
        assert_eq!(base, Some(-5));
        assert!(
            batch
                .column_by_name("from")
                .is_some_and(|a| a.is_null(1) && !a.is_null(0))
        );
        let rows = text_rows(&PLAN, &batch).expect("back to text");
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(body.as_bytes());
        let want: Vec<Vec<String>> = rdr
            .records()
            .map(|r| r.expect("a row").iter().map(str::to_string).collect())
            .collect();
        assert_eq!(rows, want);
    }

    #[test]
    fn a_bad_field_names_row_and_column() {
        let err = from_csv_body(&PLAN, &[b"A,allocated,,,,,x,,,,,,,,\n"])
            .expect_err("`x` is not kilograms");
        assert_eq!(
            err.to_string(),
            "row 1, column `chargeable_kg`: `x` is not a decimal of this column's scale"
        );
        let err = from_csv_body(&OPTIONS, &[b"A,syd\n"]).expect_err("short row");
        assert!(matches!(err, TableError::Width { found: 2, .. }), "{err}");
    }

    #[test]
    fn an_orders_table_keeps_unknown_columns_as_text() {
        let text = "order_id,weight_kg,residential,ship_date,note\nA,0.293,true,2026-11-26,hi\n";
        let batch = from_csv(&ORDERS, text.as_bytes()).expect("orders convert");
        let types: Vec<DataType> = batch
            .schema()
            .fields()
            .iter()
            .map(|f| f.data_type().clone())
            .collect();
        assert_eq!(
            types,
            vec![
                DataType::Utf8,
                DataType::Decimal128(12, 3),
                DataType::Boolean,
                DataType::Date32,
                DataType::Utf8
            ]
        );
        let note = batch
            .column_by_name("note")
            .map(|a| a.as_string::<i32>().value(0).to_string());
        assert_eq!(note.as_deref(), Some("hi"));
    }
}
