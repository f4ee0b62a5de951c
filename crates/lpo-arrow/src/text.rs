//! An Arrow value as the text an orders or plan CSV holds: one rendering for every reader of
//! this crate.

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Decimal128Type, Float32Type, Float64Type, Int64Type};
use arrow_array::{
    Array, ArrayRef, BooleanArray, Date32Array, Decimal128Array, Float32Array, Float64Array,
    Int64Array, StringArray,
};
use arrow_schema::{ArrowError, DataType};
use lpo_model::Date;

/// A column as text fields, each written when its row is read (no column of strings is made):
/// strings as they are; integers and decimals as their digits (`0.290` at scale 3); floats as
/// the shortest decimal that reads back to them (never an exponent); booleans `true`/`false`;
/// dates `YYYY-MM-DD`; any other type as Arrow casts it to text.
pub(crate) enum Text {
    /// A column LPO does not read, of another type than text: only whether a field is null
    /// matters (a row of blank fields is skipped, as in the CSV).
    Presence(ArrayRef),
    Utf8(StringArray),
    Int(Int64Array),
    Decimal(Decimal128Array, u32),
    Float(Float64Array),
    /// A float32 (or float16) is written as the shortest text of its own precision: `0.1`.
    Float32(Float32Array),
    Bool(BooleanArray),
    Date(Date32Array),
}

impl Text {
    pub(crate) fn of(array: &ArrayRef) -> Result<Text, ArrowError> {
        use DataType::*;
        let cast = |to: &DataType| arrow_cast::cast(array, to);
        Ok(match array.data_type() {
            Utf8 => Text::Utf8(array.as_string::<i32>().clone()),
            Int8 | Int16 | Int32 | Int64 | UInt8 | UInt16 | UInt32 => {
                Text::Int(cast(&Int64)?.as_primitive::<Int64Type>().clone())
            }
            Decimal128(_, scale) if *scale >= 0 => Text::Decimal(
                array.as_primitive::<Decimal128Type>().clone(),
                u32::from(scale.unsigned_abs()),
            ),
            Float64 => Text::Float(array.as_primitive::<Float64Type>().clone()),
            Float16 | Float32 => {
                Text::Float32(cast(&Float32)?.as_primitive::<Float32Type>().clone())
            }
            Boolean => Text::Bool(array.as_boolean().clone()),
            Date32 => Text::Date(array.as_primitive::<Date32Type>().clone()),
            _ => Text::Utf8(cast(&Utf8)?.as_string::<i32>().clone()),
        })
    }

    /// Field `i` as text: a string as it is, anything else written into `scratch`; a null is
    /// empty.
    pub(crate) fn get<'a>(&'a self, i: usize, scratch: &'a mut String) -> &'a str {
        use std::fmt::Write as _;
        let null = match self {
            Text::Presence(a) => a.is_null(i),
            Text::Utf8(a) => a.is_null(i),
            Text::Int(a) => a.is_null(i),
            Text::Decimal(a, _) => a.is_null(i),
            Text::Float(a) => a.is_null(i),
            Text::Float32(a) => a.is_null(i),
            Text::Bool(a) => a.is_null(i),
            Text::Date(a) => a.is_null(i),
        };
        if null {
            return "";
        }
        scratch.clear();
        match self {
            Text::Presence(_) => return "?",
            Text::Utf8(a) => return a.value(i),
            Text::Int(a) => {
                let _ = write!(scratch, "{}", a.value(i));
            }
            Text::Decimal(a, scale) => decimal_text(scratch, a.value(i), *scale),
            Text::Float(a) => {
                let _ = write!(scratch, "{}", a.value(i));
            }
            Text::Float32(a) => {
                let _ = write!(scratch, "{}", a.value(i));
            }
            Text::Bool(a) => return if a.value(i) { "true" } else { "false" },
            Text::Date(a) => {
                let _ = write!(scratch, "{}", Date::from_days(a.value(i)));
            }
        }
        scratch
    }
}

/// `v` at `scale` decimals as text: `-1.250` for (-1250, 3).
pub(crate) fn decimal_text(out: &mut String, v: i128, scale: u32) {
    use std::fmt::Write as _;
    if v < 0 {
        out.push('-');
    }
    let a = v.unsigned_abs();
    match 10u128.checked_pow(scale) {
        Some(p) if scale > 0 => {
            let _ = write!(out, "{}.{:0width$}", a / p, a % p, width = scale as usize);
        }
        _ => {
            let _ = write!(out, "{a}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn numbers_booleans_and_dates_are_the_text_a_csv_holds() {
        let mut out = String::new();
        for (v, scale, want) in [
            (1250i128, 3u32, "1.250"),
            (-5, 2, "-0.05"),
            (7, 0, "7"),
            (0, 1, "0.0"),
        ] {
            out.clear();
            decimal_text(&mut out, v, scale);
            assert_eq!(out, want);
        }
        let cols: Vec<ArrayRef> = vec![
            Arc::new(
                Decimal128Array::from(vec![Some(2500), None])
                    .with_precision_and_scale(12, 3)
                    .expect("a decimal type"),
            ),
            Arc::new(arrow_array::UInt8Array::from(vec![30, 1])),
            Arc::new(arrow_array::Float32Array::from(vec![2.5, 0.1])),
            Arc::new(BooleanArray::from(vec![Some(true), None])),
            Arc::new(Date32Array::from(vec![20_418, 0])),
        ];
        let mut rec = csv::StringRecord::new();
        let mut scratch = String::new();
        let texts: Vec<Text> = cols
            .iter()
            .map(|a| Text::of(a).expect("readable"))
            .collect();
        for row in 0..2 {
            for t in &texts {
                rec.push_field(t.get(row, &mut scratch));
            }
        }
        let got: Vec<&str> = rec.iter().collect();
        assert_eq!(
            got,
            vec![
                "2.500",
                "30",
                "2.5",
                "true",
                "2025-11-26",
                "",
                "1",
                "0.1",
                "",
                "1970-01-01"
            ]
        );
    }
}
