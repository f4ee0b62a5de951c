//! The plan CSV read back: one typed reader for every consumer (`lpo check`, `lpo diff`, the
//! HTTP service's JSON plan and the tests). The writer is [`crate::output`].
//!
//! Fields are kept as the text the plan holds, so a checker can say exactly what a row says;
//! [`PlanRecord::cents`] and friends parse them.

use lpo_model::{Cents, DecimalError, parse_decimal};

use crate::line_ends::{Syntax, unify};

/// The columns of the plan CSV, in the order [`crate::output::PLAN_HEADER`] writes them.
pub const PLAN_COLUMNS: [&str; 15] = [
    "order_id",
    "status",
    "from",
    "carrier",
    "service",
    "zone",
    "chargeable_kg",
    "base",
    "surcharges",
    "fuel",
    "gst",
    "total",
    "eta_days",
    "reason",
    "warnings",
];

/// How many leading columns of [`PLAN_COLUMNS`] a plan must have (`reason` and `warnings` may
/// be absent from a plan written by another tool).
const REQUIRED: usize = 13;

/// A plan row's `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanStatus {
    Allocated,
    Unallocated,
    Rejected,
}

impl PlanStatus {
    /// The status a plan field names, if it is one of the three.
    pub fn parse(s: &str) -> Option<PlanStatus> {
        match s {
            "allocated" => Some(PlanStatus::Allocated),
            "unallocated" => Some(PlanStatus::Unallocated),
            "rejected" => Some(PlanStatus::Rejected),
            _ => None,
        }
    }
}

/// One plan row, as the file has it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlanRecord {
    /// The line the row starts on (1 is the header); 0 for a plan read without one.
    pub line: u64,
    /// The fields, in [`PLAN_COLUMNS`] order; a column the file lacks is empty.
    pub fields: [String; 15],
}

impl PlanRecord {
    pub fn order_id(&self) -> &str {
        &self.fields[0]
    }
    pub fn status_text(&self) -> &str {
        &self.fields[1]
    }
    /// The row's status; `None` when the field is none of the three.
    pub fn status(&self) -> Option<PlanStatus> {
        PlanStatus::parse(self.status_text())
    }
    pub fn from(&self) -> &str {
        &self.fields[2]
    }
    pub fn carrier(&self) -> &str {
        &self.fields[3]
    }
    pub fn service(&self) -> &str {
        &self.fields[4]
    }
    pub fn zone(&self) -> &str {
        &self.fields[5]
    }
    pub fn chargeable_kg(&self) -> &str {
        &self.fields[6]
    }
    /// `base`, `surcharges`, `fuel`, `gst` and `total`, as written.
    pub fn money(&self) -> [&str; 5] {
        [
            &self.fields[7],
            &self.fields[8],
            &self.fields[9],
            &self.fields[10],
            &self.fields[11],
        ]
    }
    pub fn eta_days(&self) -> &str {
        &self.fields[12]
    }
    pub fn reason(&self) -> &str {
        &self.fields[13]
    }
    pub fn warnings(&self) -> &str {
        &self.fields[14]
    }

    /// `(column, value)` for every column, in [`PLAN_COLUMNS`] order.
    pub fn columns(&self) -> impl Iterator<Item = (&'static str, &str)> {
        PLAN_COLUMNS
            .iter()
            .zip(self.fields.iter())
            .map(|(c, v)| (*c, v.as_str()))
    }
}

/// Why a plan could not be read.
#[derive(Debug, thiserror::Error)]
pub enum PlanReadError {
    /// A column the plan must have is missing from its header.
    #[error("the plan has no `{0}` column")]
    MissingColumn(&'static str),
    /// The CSV itself is broken (unbalanced quotes, a row of another width, bad UTF-8).
    #[error("{0}")]
    Csv(#[from] csv::Error),
}

/// Money as written in a plan (`12.34`), in cents; an empty field is `None`.
pub fn money_cents(s: &str) -> Option<Result<Cents, DecimalError>> {
    if s.is_empty() {
        return None;
    }
    Some(parse_decimal(s, 2, false).map(Cents))
}

/// Reads a whole plan file: a header naming the columns (any order, extra columns ignored), then
/// rows. Line endings may be LF, CRLF or CR.
pub fn read_plan(data: &[u8]) -> Result<Vec<PlanRecord>, PlanReadError> {
    let data = unify(data, Syntax::Csv(b','));
    let mut rdr = csv::ReaderBuilder::new().from_reader(&*data);
    let headers = rdr.headers()?.clone();
    let mut at: [Option<usize>; 15] = [None; 15];
    for (i, (slot, name)) in at.iter_mut().zip(PLAN_COLUMNS).enumerate() {
        *slot = headers.iter().position(|h| h == name);
        if slot.is_none() && i < REQUIRED {
            return Err(PlanReadError::MissingColumn(name));
        }
    }
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = rec?;
        let line = rec.position().map_or(0, |p| p.line());
        let fields = at.map(|c| c.and_then(|c| rec.get(c)).unwrap_or("").to_string());
        rows.push(PlanRecord { line, fields });
    }
    Ok(rows)
}

/// Reads plan rows without a header, in the order LPO writes the columns: the body of a plan
/// LPO has just written in memory.
pub fn read_plan_body(data: &[u8]) -> Result<Vec<PlanRecord>, PlanReadError> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(data);
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = rec?;
        let mut fields: [String; 15] = Default::default();
        for (f, v) in fields.iter_mut().zip(rec.iter()) {
            *f = v.to_string();
        }
        rows.push(PlanRecord { line: 0, fields });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::{PLAN_HEADER, push_unplaced};

    #[test]
    fn the_header_written_is_the_columns_read() {
        assert_eq!(PLAN_HEADER.trim_end(), PLAN_COLUMNS.join(","));
    }

    #[test]
    fn a_written_row_reads_back_field_for_field() {
        let mut body = String::new();
        push_unplaced(
            &mut body,
            "A,1",
            "rejected",
            "invalid_input: \"x\"",
            &["w1".into(), "w2".into()],
        );
        let whole = format!("{PLAN_HEADER}{body}");
        let rows = read_plan(whole.as_bytes()).expect("a plan LPO wrote reads back");
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].line, 2);
        assert_eq!(rows[0].order_id(), "A,1");
        assert_eq!(rows[0].status(), Some(PlanStatus::Rejected));
        assert_eq!(rows[0].reason(), "invalid_input: \"x\"");
        assert_eq!(rows[0].warnings(), "w1; w2");
        let body_rows = read_plan_body(body.as_bytes()).expect("a body LPO wrote reads back");
        assert_eq!(body_rows[0].fields, rows[0].fields);
    }

    #[test]
    fn columns_in_another_order_are_found_by_name_and_missing_ones_named() {
        let cols: Vec<&str> = PLAN_COLUMNS[..13].iter().rev().copied().collect();
        let vals: Vec<String> = (0..13).rev().map(|i| format!("v{i}")).collect();
        let text = format!("{}\r\n{}\r\n", cols.join(","), vals.join(","));
        let rows = read_plan(text.as_bytes()).expect("columns in any order read");
        assert_eq!(rows[0].order_id(), "v0");
        assert_eq!(rows[0].eta_days(), "v12");
        assert_eq!(rows[0].reason(), "");
        let err = read_plan(b"order_id,status\nA,allocated\n")
            .expect_err("a plan without `from` is refused");
        assert_eq!(err.to_string(), "the plan has no `from` column");
    }

    #[test]
    fn money_reads_cents_and_empty_is_none() {
        assert_eq!(money_cents("12.34"), Some(Ok(Cents(1234))));
        assert_eq!(money_cents(""), None);
        assert!(matches!(money_cents("x"), Some(Err(_))));
    }
}
