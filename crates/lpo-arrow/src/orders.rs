//! Orders from Arrow record batches: every field is handed, as text, to the parser the orders
//! CSV reader uses, so a table gives the same orders, the same rejections and the same messages
//! as the CSV with the same values.
//!
//! Columns may be text or any number, decimal, boolean or date type; a null is an empty field.
//! Rows are numbered as the lines of the equivalent CSV (its header is line 1, so row 0 is line
//! 2), or by a line column the caller names.

use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use arrow_array::{Array, RecordBatch};
use arrow_schema::{ArrowError, DataType};
use lpo_format::orders::{InputOrder, OrderColumns, OrdersError, RowBatch, orders_from_rows};
use rayon::prelude::*;

use crate::text::Text;

/// Rows per parallel piece.
const PIECE: usize = 8192;

/// Why a table cannot be read as orders (as opposed to bad rows, which come back rejected).
#[derive(Debug, thiserror::Error)]
pub enum OrdersReadError {
    /// A required column is missing, or a column appears twice.
    #[error("{0}")]
    Columns(#[from] OrdersError),
    /// A column LPO reads has a type that is not text, a number, a boolean or a date.
    #[error("column `{column}` has type {found}: it must be text, a number, a boolean or a date")]
    Type { column: String, found: DataType },
    /// The batches do not share one schema.
    #[error("batch {batch} has other columns than the first batch")]
    Schema { batch: usize },
    /// The line column is missing, not an integer, or has a null or a value below 2.
    #[error("line column `{column}`: {message}")]
    Line { column: String, message: String },
    #[error("{0}")]
    Arrow(#[from] ArrowError),
}

/// Whether Arrow can write a column of this type as the text an orders CSV would hold.
fn readable(ty: &DataType) -> bool {
    use DataType::*;
    match ty {
        Null | Boolean | Int8 | Int16 | Int32 | Int64 | UInt8 | UInt16 | UInt32 | UInt64
        | Float16 | Float32 | Float64 | Decimal32(..) | Decimal64(..) | Decimal128(..)
        | Decimal256(..) | Date32 | Date64 | Utf8 | LargeUtf8 | Utf8View => true,
        Dictionary(_, v) => readable(v),
        _ => false,
    }
}

/// The line of each row of `batch`, from its line column.
fn lines_of(batch: &RecordBatch, column: &str) -> Result<Vec<u64>, OrdersReadError> {
    let bad = |message: String| OrdersReadError::Line {
        column: column.to_string(),
        message,
    };
    let array = batch
        .column_by_name(column)
        .ok_or_else(|| bad("the table has no such column".into()))?;
    let ints = arrow_cast::cast(array, &DataType::Int64)
        .map_err(|_| bad(format!("type {} is not an integer", array.data_type())))?;
    ints.as_primitive::<Int64Type>()
        .iter()
        .enumerate()
        .map(|(i, v)| match v.map(u64::try_from) {
            Some(Ok(l)) if l >= 2 => Ok(l),
            Some(_) => Err(bad(format!(
                "row {i} has {v:?}: lines of data rows start at 2 (the header is line 1)"
            ))),
            None => Err(bad(format!("row {i} is null"))),
        })
        .collect()
}

/// Reads orders from record batches that share one schema (a table's batches, in order), in
/// parallel. Consignments (rows sharing `order_id`) are grouped across batches. With
/// `line_column`, that column gives each row's line (for a table cut from a bigger file);
/// otherwise rows are numbered as the lines of one CSV.
pub fn read_orders(
    batches: &[RecordBatch],
    line_column: Option<&str>,
) -> Result<Vec<InputOrder>, OrdersReadError> {
    let Some(first) = batches.first() else {
        return Ok(Vec::new());
    };
    let schema = first.schema();
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    let cols = OrderColumns::from_names(names.iter().copied())?;
    for (i, f) in schema.fields().iter().enumerate() {
        if cols.reads(i) && !readable(f.data_type()) {
            return Err(OrdersReadError::Type {
                column: f.name().clone(),
                found: f.data_type().clone(),
            });
        }
    }
    // (batch, first row, rows, line of the first row when numbered by position)
    let mut pieces = Vec::new();
    let mut line = 2u64;
    for (b, batch) in batches.iter().enumerate() {
        if batch.schema().fields() != schema.fields() {
            return Err(OrdersReadError::Schema { batch: b });
        }
        let mut start = 0;
        while start < batch.num_rows() {
            let len = PIECE.min(batch.num_rows() - start);
            pieces.push((b, start, len, line + start as u64));
            start += len;
        }
        line += batch.num_rows() as u64;
    }
    let parts: Vec<RowBatch> = pieces
        .into_par_iter()
        .map(|(b, start, len, first_line)| {
            let Some(batch) = batches.get(b) else {
                return Ok(RowBatch::default());
            };
            let piece = batch.slice(start, len);
            let lines = match line_column {
                Some(c) => Some(lines_of(&piece, c)?),
                None => None,
            };
            let texts: Vec<Text> = piece
                .columns()
                .iter()
                .enumerate()
                .map(|(i, a)| {
                    if cols.reads(i) || a.data_type() == &DataType::Utf8 {
                        Text::of(a)
                    } else {
                        Ok(Text::Presence(a.clone()))
                    }
                })
                .collect::<Result<_, _>>()?;
            // The line column numbers the rows; it is no cell of theirs (a row of blank cells
            // stays blank).
            let line_at = line_column.and_then(|c| names.iter().position(|n| *n == c));
            let mut out = RowBatch::with_capacity(len);
            let mut rec = csv::StringRecord::new();
            let mut scratch = String::new();
            for row in 0..len {
                rec.clear();
                for (i, t) in texts.iter().enumerate() {
                    if Some(i) == line_at {
                        rec.push_field("");
                    } else {
                        rec.push_field(t.get(row, &mut scratch));
                    }
                }
                let line = lines
                    .as_ref()
                    .and_then(|l| l.get(row).copied())
                    .unwrap_or(first_line + row as u64);
                out.push(&cols, &rec, line);
            }
            Ok(out)
        })
        .collect::<Result<_, OrdersReadError>>()?;
    Ok(orders_from_rows(parts))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    use arrow_array::{ArrayRef, Float64Array, Int64Array, StringArray};
    use arrow_schema::{Field, Schema};

    fn batch(cols: Vec<(&str, ArrayRef)>) -> RecordBatch {
        let fields: Vec<Field> = cols
            .iter()
            .map(|(n, a)| Field::new(*n, a.data_type().clone(), true))
            .collect();
        RecordBatch::try_new(
            Arc::new(Schema::new(fields)),
            cols.into_iter().map(|(_, a)| a).collect(),
        )
        .expect("a valid batch")
    }

    fn strings(v: &[Option<&str>]) -> ArrayRef {
        Arc::new(StringArray::from(v.to_vec()))
    }

    #[test]
    fn typed_columns_give_the_orders_the_csv_gives() {
        let csv = "order_id,to_postcode,weight_kg,length_cm,width_cm,height_cm\n\
                   A,0800,2.5,30,20,10\nB,2000,abc,1,1,1\nA,0800,0.5,10,10,10\n";
        let want = lpo_format::orders::read_orders(csv.as_bytes()).expect("the CSV reads");
        let b = batch(vec![
            ("order_id", strings(&[Some("A"), Some("B"), Some("A")])),
            (
                "to_postcode",
                strings(&[Some("0800"), Some("2000"), Some("0800")]),
            ),
            (
                "weight_kg",
                strings(&[Some("2.5"), Some("abc"), Some("0.5")]),
            ),
            (
                "length_cm",
                Arc::new(Float64Array::from(vec![30.0, 1.0, 10.0])),
            ),
            ("width_cm", Arc::new(Int64Array::from(vec![20, 1, 10]))),
            (
                "height_cm",
                Arc::new(Float64Array::from(vec![10.0, 1.0, 10.0])),
            ),
        ]);
        // The same rows split over two batches: the consignment A is grouped across them.
        let got = read_orders(&[b.slice(0, 2), b.slice(2, 1)], None).expect("the table reads");
        assert_eq!(got, want);
    }

    #[test]
    fn rows_blank_but_for_a_column_lpo_ignores_and_blank_rows_are_read_as_the_csv_reads_them() {
        let csv = "order_id,to_postcode,weight_kg,length_cm,width_cm,height_cm,note,n\n\
                   ,,,,,,hi,\n,,,,,,,7\n,,,,,,,\n";
        let want = lpo_format::orders::read_orders(csv.as_bytes()).expect("the CSV reads");
        // Two rows with a value in an ignored column, and one row of blank cells (rejected).
        assert_eq!(want.len(), 3, "{want:?}");
        let e = || strings(&[None, None, None]);
        let b = batch(vec![
            ("order_id", e()),
            ("to_postcode", e()),
            ("weight_kg", e()),
            ("length_cm", e()),
            ("width_cm", e()),
            ("height_cm", e()),
            ("note", strings(&[Some("hi"), None, None])),
            ("n", Arc::new(Int64Array::from(vec![None, Some(7), None]))),
        ]);
        assert_eq!(read_orders(&[b], None).expect("the table reads"), want);
    }

    #[test]
    fn a_line_column_numbers_rows_and_nulls_are_empty_fields() {
        let b = batch(vec![
            ("order_id", strings(&[Some("A"), None])),
            ("to_postcode", strings(&[Some("2000"), Some("2000")])),
            ("weight_kg", strings(&[None, Some("1")])),
            ("length_cm", strings(&[Some("1"), Some("1")])),
            ("width_cm", strings(&[Some("1"), Some("1")])),
            ("height_cm", strings(&[Some("1"), Some("1")])),
            ("line", Arc::new(Int64Array::from(vec![40, 41]))),
        ]);
        let got = read_orders(&[b], Some("line")).expect("the table reads");
        let errs: Vec<String> = got
            .iter()
            .flat_map(|o| o.order.as_ref().err().into_iter().flatten())
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            errs,
            vec![
                "line 40, weight_kg: is missing",
                "line 41, order_id: is missing"
            ]
        );
    }

    #[test]
    fn a_row_blank_but_for_its_line_number_is_a_blank_row() {
        let e = || strings(&[None]);
        let b = batch(vec![
            ("order_id", e()),
            ("to_postcode", e()),
            ("weight_kg", e()),
            ("length_cm", e()),
            ("width_cm", e()),
            ("height_cm", e()),
            ("line", Arc::new(Int64Array::from(vec![7]))),
        ]);
        let got = read_orders(&[b], Some("line")).expect("the table reads");
        let errs: Vec<String> = got
            .iter()
            .flat_map(|o| o.order.as_ref().err().into_iter().flatten())
            .map(ToString::to_string)
            .collect();
        assert_eq!(errs, vec!["line 7, row: every cell of the row is blank"]);
    }

    #[test]
    fn missing_and_untyped_columns_are_named() {
        let b = batch(vec![("order_id", strings(&[Some("A")]))]);
        let err = read_orders(&[b], None).expect_err("columns are missing");
        assert_eq!(
            err.to_string(),
            "the orders file lacks required column(s): to_postcode, weight_kg, length_cm, width_cm, height_cm"
        );
        let list = Arc::new(arrow_array::ListArray::new_null(
            Arc::new(Field::new("item", DataType::Utf8, true)),
            1,
        ));
        let b = batch(vec![
            ("order_id", strings(&[Some("A")])),
            ("to_postcode", strings(&[Some("2000")])),
            ("weight_kg", list),
            ("length_cm", strings(&[Some("1")])),
            ("width_cm", strings(&[Some("1")])),
            ("height_cm", strings(&[Some("1")])),
        ]);
        let err = read_orders(&[b], None).expect_err("a list is not a weight");
        assert!(
            err.to_string()
                .starts_with("column `weight_kg` has type List"),
            "{err}"
        );
    }
}
