//! The records of one chunk of an orders CSV, read so that no row goes missing and no hostile
//! row costs more than its bytes:
//! - a physical line longer than [`MAX_ROW_BYTES`] is cut out and rejected whole, before the CSV
//!   parser buffers it (a file of NUL bytes is one such line);
//! - a record that spans several lines but has another number of fields than the header (a stray
//!   `"` opened a quoted field that swallowed the rows after it) is read again line by line, so
//!   every swallowed row comes back as a row of its own;
//! - a byte-order mark at the start of a row is reported, never silently dropped (the csv crate
//!   drops one at the start of its input, which is the start of a chunk here);
//! - a row that is not UTF-8 keeps an id with its bad bytes escaped (`A\xFF`), so two such ids
//!   stay two orders.

use csv::ByteRecord;

use super::{MAX_FIELD_BYTES, OrderColumns, Row, RowBatch, RowError, SHOWN_ID_CHARS, shown_id};

/// Longest row read, in bytes: a longer one is rejected whole.
pub const MAX_ROW_BYTES: usize = 64 * 1024;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Parses one chunk (whole lines of the body) whose first line is `start`. `width`: the number of
/// columns in the header.
pub(super) fn parse_chunk(chunk: &[u8], start: u64, cols: &OrderColumns, width: usize) -> RowBatch {
    let mut out = RowBatch::with_capacity(memchr::memchr_iter(b'\n', chunk).count() + 1);
    // Pieces between over-long lines go to the CSV parser; each over-long line is one row.
    let (mut piece, mut piece_line) = (0usize, start);
    let (mut line_start, mut line) = (0usize, start);
    let ends = memchr::memchr_iter(b'\n', chunk).chain(std::iter::once(chunk.len()));
    for end in ends {
        if end - line_start > MAX_ROW_BYTES {
            parse_records(
                chunk.get(piece..line_start).unwrap_or(&[]),
                piece_line,
                cols,
                width,
                &mut out,
            );
            out.rows.push(too_long(
                chunk.get(line_start..end).unwrap_or(&[]),
                line,
                cols,
            ));
            (piece, piece_line) = (end + 1, line + 1);
        }
        (line_start, line) = (end + 1, line + 1);
    }
    parse_records(
        chunk.get(piece..).unwrap_or(&[]),
        piece_line,
        cols,
        width,
        &mut out,
    );
    out
}

/// A row rejected for its length, named by as much of its first field as is shown.
fn too_long(bytes: &[u8], line: u64, cols: &OrderColumns) -> Row {
    let id_field = bytes
        .split(|&b| b == b',')
        .nth(cols.0.order_id)
        .unwrap_or(&[]);
    // Enough bytes for the characters shown, escaped or not.
    let head = escaped(id_field.get(..4 * SHOWN_ID_CHARS).unwrap_or(id_field));
    let id = if id_field.len() > 4 * SHOWN_ID_CHARS {
        let cut: String = head.chars().take(SHOWN_ID_CHARS).collect();
        format!("{cut}… ({} bytes)", id_field.len())
    } else {
        head
    };
    rejected(
        id,
        true,
        line,
        "row",
        format!(
            "is {} bytes long; a row may have at most {MAX_ROW_BYTES}",
            bytes.len()
        ),
    )
}

fn rejected(id: String, escaped: bool, line: u64, field: &str, message: String) -> Row {
    Row::new(
        line,
        id,
        escaped,
        Err(vec![RowError {
            line,
            field: field.into(),
            message,
        }]),
    )
}

/// `bytes` as text, each byte that is not part of valid UTF-8 written `\xHH`.
pub(super) fn escaped(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        s.push_str(chunk.valid());
        for b in chunk.invalid() {
            s.push_str(&format!("\\x{b:02X}"));
        }
    }
    s
}

/// Parses `data` (whole lines; its first line is `start`) record by record into `out`.
fn parse_records(data: &[u8], start: u64, cols: &OrderColumns, width: usize, out: &mut RowBatch) {
    // The csv crate drops a byte-order mark at the start of its input: take it off here, and
    // report it on the row it began.
    let (data, mut bom) = match data.strip_prefix(BOM) {
        Some(rest) => (rest, true),
        None => (data, false),
    };
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(data);
    let mut raw = ByteRecord::new();
    loop {
        let from = usize::try_from(rdr.position().byte()).unwrap_or(usize::MAX);
        let line = start + crate::line_ends::record_line(data, rdr.position()) - 1;
        match rdr.read_byte_record(&mut raw) {
            Ok(false) => break,
            Ok(true) => {
                let to = usize::try_from(rdr.position().byte()).unwrap_or(usize::MAX);
                let span = data.get(from..to).unwrap_or(&[]);
                let text = trim_line_ends(span);
                if text.contains(&b'\n') && swallowed(&raw, text, cols, width) {
                    // A stray quote opened a field that swallowed the rows after it: read each
                    // of the record's lines as a row of its own.
                    let first = line;
                    for (k, l) in text.split(|&b| b == b'\n').enumerate() {
                        // A lone CR was kept as data inside the quotes; here it ends a row too
                        // (rows it ends share their line, as lines are counted outside quotes).
                        let l = l.strip_suffix(b"\r").unwrap_or(l);
                        for l in l.split(|&b| b == b'\r').filter(|l| !l.is_empty()) {
                            // The reader would drop a byte-order mark at the start of the line.
                            let (l, marked) = match l.strip_prefix(BOM) {
                                Some(rest) => (rest, true),
                                None => (l, false),
                            };
                            let mut one = csv::ReaderBuilder::new()
                                .has_headers(false)
                                .flexible(true)
                                .from_reader(l);
                            let mut rec = ByteRecord::new();
                            if one.read_byte_record(&mut rec).unwrap_or(false) {
                                push_raw(
                                    out,
                                    cols,
                                    &rec,
                                    first + k as u64,
                                    std::mem::take(&mut bom) || marked,
                                );
                            }
                        }
                    }
                } else {
                    push_raw(out, cols, &raw, line, std::mem::take(&mut bom));
                }
            }
            Err(e) => {
                out.rows
                    .push(rejected(String::new(), false, line, "row", e.to_string()));
                // A broken row may leave the reader mid-record: stop this piece here.
                break;
            }
        }
    }
}

/// Whether a record that spans lines (`text`) is rows a stray quote ran together rather than one
/// row with a quoted line break: it has another width than the header, or a line break sits in
/// a field that holds a value (a postcode, a weight, a date: only the id, suburb, channel, SKUs
/// and columns LPO ignores are free text), or one of its inner lines is a whole row by itself.
fn swallowed(raw: &ByteRecord, text: &[u8], cols: &OrderColumns, width: usize) -> bool {
    if raw.len() != width {
        return true;
    }
    if raw
        .iter()
        .enumerate()
        .any(|(i, f)| f.contains(&b'\n') && !cols.0.is_free_text(i))
    {
        return true;
    }
    let lines: Vec<&[u8]> = text.split(|&b| b == b'\n').collect();
    lines
        .get(1..lines.len().saturating_sub(1))
        .unwrap_or(&[])
        .iter()
        .any(|l| {
            let mut one = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(*l);
            let mut rec = ByteRecord::new();
            one.read_byte_record(&mut rec).unwrap_or(false) && rec.len() >= width
        })
}

/// A record's bytes without the blank lines before it and its line end.
fn trim_line_ends(span: &[u8]) -> &[u8] {
    let start = span
        .iter()
        .position(|&b| b != b'\n' && b != b'\r')
        .unwrap_or(span.len());
    let s = span.get(start..).unwrap_or(&[]);
    let s = s.strip_suffix(b"\n").unwrap_or(s);
    s.strip_suffix(b"\r").unwrap_or(s)
}

/// One record, as read, into a row of `out`.
fn push_raw(out: &mut RowBatch, cols: &OrderColumns, raw: &ByteRecord, line: u64, bom: bool) {
    let bom = bom || raw.get(0).is_some_and(|f| f.starts_with(BOM));
    // The first six columns `named` lists are the required ones.
    let missing: Vec<&str> = cols
        .0
        .named()
        .iter()
        .take(6)
        .filter(|(_, at)| at.is_some_and(|i| i >= raw.len()))
        .map(|&(n, _)| n)
        .collect();
    let id_bytes = raw.get(cols.0.order_id).unwrap_or(&[]);
    // Whether the id is shown otherwise than given (bad bytes escaped, or cut).
    let shown = std::str::from_utf8(id_bytes).is_err() || id_bytes.len() > MAX_FIELD_BYTES;
    if !missing.is_empty() && !raw.iter().all(|f| f.trim_ascii().is_empty()) {
        // Too short a row to be an order: one problem, not one per missing cell (a file of
        // short garbage lines would otherwise take far more memory than its bytes).
        let message = format!(
            "has {} field(s), so it lacks the required {}",
            raw.len(),
            missing.join(", ")
        );
        let id = shown_id(&escaped(id_bytes));
        out.rows.push(rejected(id, shown, line, "row", message));
    } else {
        match csv::StringRecord::from_byte_record(raw.clone()) {
            Ok(rec) => out.push(cols, &rec, line),
            Err(e) => {
                // Keep the row, named by its id with the bad bytes escaped.
                let name = cols.name_of(e.utf8_error().field());
                let id = shown_id(&escaped(id_bytes));
                let message = "is not valid UTF-8 text".to_string();
                out.rows.push(rejected(id, shown, line, &name, message));
            }
        }
    }
    if bom && let Some(row) = out.rows.last_mut() {
        row.reject(RowError {
            line,
            field: "row".into(),
            message: "starts with a byte-order mark (U+FEFF); was a file that has one appended \
                      to this one?"
                .into(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::super::{InputOrder, read_orders};

    const HEAD: &str = "order_id,to_postcode,weight_kg,length_cm,width_cm,height_cm\n";

    fn read(body: &[u8]) -> Vec<InputOrder> {
        let mut csv = HEAD.as_bytes().to_vec();
        csv.extend_from_slice(body);
        read_orders(&csv).expect("the file reads")
    }

    /// An order's id, line, and its first problem's field and message.
    type Summary = (String, u64, Option<(String, String)>);

    /// The [`Summary`] of every order.
    fn summary(orders: &[InputOrder]) -> Vec<Summary> {
        orders
            .iter()
            .map(|o| {
                let e = o.order.as_ref().err().and_then(|e| e.first());
                (
                    o.id.clone(),
                    o.line,
                    e.map(|e| (e.field.clone(), e.message.clone())),
                )
            })
            .collect()
    }

    #[test]
    fn ids_that_are_not_utf8_stay_apart_and_are_shown_escaped() {
        let orders = read(
            b"A\xff,2000,1,1,1,1\nA\xfe,2000,1,1,1,1\nA\xff,2000,1,1,1,1\nA\\xFF,2000,1,1,1,1\n",
        );
        let ids: Vec<(&str, Vec<u64>)> = orders
            .iter()
            .map(|o| (o.id.as_str(), o.lines().collect()))
            .collect();
        // The third row is the first's order; the fourth, whose id is the text `A\xFF`, is not.
        assert_eq!(
            ids,
            vec![
                ("A\\xFF", vec![2, 4]),
                ("A\\xFE", vec![3]),
                ("A\\xFF", vec![5])
            ]
        );
        assert!(orders[0].order.is_err() && orders[1].order.is_err());
        assert!(
            orders[2].order.is_ok(),
            "a valid id that looks escaped is an id"
        );
    }

    #[test]
    fn a_byte_order_mark_at_the_start_of_a_data_row_is_reported() {
        let orders =
            read(b"\xEF\xBB\xBFA1,2000,1,1,1,1\nA2,2000,1,1,1,1\n\xEF\xBB\xBFA3,2000,1,1,1,1\n");
        let s = summary(&orders);
        assert_eq!(s.len(), 3);
        assert_eq!((s[0].0.as_str(), s[0].1), ("A1", 2));
        assert!(
            s[0].2
                .as_ref()
                .is_some_and(|(f, m)| f == "row" && m.contains("byte-order mark")),
            "{s:?}"
        );
        assert_eq!(s[1].2, None);
        assert!(
            s[2].2
                .as_ref()
                .is_some_and(|(_, m)| m.contains("byte-order mark")),
            "{s:?}"
        );
    }

    #[test]
    fn rows_of_blank_cells_are_rejected_rows_of_their_own() {
        let orders = read(b"A1,2000,1,1,1,1\n,,,,,\n\n   \nA2,2000,1,1,1,1\n,,\n");
        let s = summary(&orders);
        let lines: Vec<u64> = s.iter().map(|r| r.1).collect();
        // Line 4 is empty (no cell at all) and is not a row.
        assert_eq!(lines, vec![2, 3, 5, 6, 7]);
        for i in [1, 2, 4] {
            assert_eq!(s[i].0, "");
            assert_eq!(
                s[i].2,
                Some(("row".into(), super::super::BLANK_ROW.into())),
                "{s:?}"
            );
        }
        let all_blank = read_orders(format!("{HEAD},,,,,\n  ,\n").as_bytes());
        assert!(
            matches!(
                all_blank,
                Err(super::super::OrdersError::NoRows { lines: 2 })
            ),
            "{all_blank:?}"
        );
    }

    #[test]
    fn a_row_too_short_to_hold_the_required_fields_is_one_problem() {
        let s = summary(&read(b"\0\0\0\nA2,2000\nA3,2000,1,1,1,1\n"));
        assert_eq!(
            s[0].2,
            Some((
                "row".into(),
                "has 1 field(s), so it lacks the required to_postcode, weight_kg, length_cm, \
                 width_cm, height_cm"
                    .into()
            ))
        );
        assert_eq!(s[1].0, "A2");
        assert_eq!(
            s[1].2.as_ref().map(|e| e.1.as_str()),
            Some(
                "has 2 field(s), so it lacks the required weight_kg, length_cm, width_cm, height_cm"
            )
        );
        assert_eq!(s[2].2, None);
        let orders = read(b"A2,2000,1,1,1,1\nA2,2000\n");
        assert_eq!(
            orders.len(),
            1,
            "a short row of an order is still that order's"
        );
    }

    #[test]
    fn rows_start_afresh_after_a_header_with_an_open_quote() {
        // Found by the orders_csv fuzz target: the header's open quote used to keep the rows'
        // lone CRs from ending lines.
        let csv = b"order_id,to_postcode,weight_kg,length_cm,width_cm,height_cm,\"note\rA,2000,1,1,1,1\rB,2000,1,1,1,1\r";
        let orders = read_orders(csv).expect("the file reads");
        let got: Vec<(&str, u64)> = orders.iter().map(|o| (o.id.as_str(), o.line)).collect();
        assert_eq!(got, vec![("A", 2), ("B", 3)]);
    }

    #[test]
    fn an_overlong_id_is_rejected_and_shown_cut() {
        let long = "X".repeat(super::super::MAX_FIELD_BYTES + 1);
        let orders = read(format!("{long},2000,1,1,1,1\nB,2000,1,1,1,1\n").as_bytes());
        let s = summary(&orders);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].0, format!("{}… (4097 bytes)", "X".repeat(100)));
        assert_eq!(
            s[0].2,
            Some((
                "order_id".into(),
                "is 4097 bytes long; a field may have at most 4096".into()
            ))
        );
        assert_eq!(s[1].2, None);
    }

    #[test]
    fn a_line_of_nul_bytes_longer_than_a_row_is_one_rejected_row() {
        let mut body = b"A,2000,1,1,1,1\n".to_vec();
        body.extend(std::iter::repeat_n(0u8, super::MAX_ROW_BYTES * 3));
        body.extend_from_slice(b"\nB,2000,1,1,1,1\n");
        let orders = read(&body);
        let s = summary(&orders);
        assert_eq!(
            s.len(),
            3,
            "{:?}",
            s.iter().map(|r| r.1).collect::<Vec<_>>()
        );
        assert_eq!(s[1].1, 3);
        assert_eq!(
            s[1].0.chars().count(),
            100 + " (196608 bytes)".chars().count() + 1
        );
        assert_eq!(s[1].2.as_ref().map(|(f, _)| f.as_str()), Some("row"));
        assert_eq!((s[2].0.as_str(), s[2].1, &s[2].2), ("B", 4, &None));
    }

    #[test]
    fn rows_a_stray_quote_swallowed_come_back_as_rows() {
        let orders =
            read(b"A1,\"2000,1,1,1,1\nA2,2000,1,1,1,1\nA3,2000,1,1,1,1\n\"Q,1\",2000,1,1,1,1\n");
        let s = summary(&orders);
        let got: Vec<(&str, u64, bool)> = s
            .iter()
            .map(|r| (r.0.as_str(), r.1, r.2.is_none()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("A1", 2, false),
                ("A2", 3, true),
                ("A3", 4, true),
                ("Q,1", 5, true)
            ]
        );
        // A byte-order mark at the start of a swallowed row is reported there too.
        let s = summary(&read(b"A1,\"2000,1,1,1,1\n\xEF\xBB\xBFA2,2000,1,1,1,1\n"));
        assert_eq!((s[1].0.as_str(), s[1].1), ("A2", 3));
        assert!(
            s[1].2
                .as_ref()
                .is_some_and(|(_, m)| m.contains("byte-order mark")),
            "{s:?}"
        );
        // A quoted line break in a record of the header's width is data.
        let orders = read(b"\"A\nB\",2000,1,1,1,1\nC,2000,1,1,1,1\n\"X\nY\nZ\",2000,1,1,1,1\n");
        let ids: Vec<&str> = orders.iter().map(|o| o.id.as_str()).collect();
        assert_eq!(ids, vec!["A\nB", "C", "X\nY\nZ"]);
        // Two stray quotes in one column give a record of the header's width: the line break in
        // a weight, and the whole row inside it, give them away.
        let orders =
            read(b"A1,2000,\"1,1,1,1\nA2,2000,1,1,1,1\nA3,2000,\"1,1,1,1\nA4,2000,1,1,1,1\n");
        let ids: Vec<&str> = orders.iter().map(|o| o.id.as_str()).collect();
        assert_eq!(ids, vec!["A1", "A2", "A3", "A4"]);
        let orders = read(b"A1,2000,1,1,\"1,1\nA2,2000,1,1,\"1,1\n");
        let ids: Vec<&str> = orders.iter().map(|o| o.id.as_str()).collect();
        assert_eq!(ids, vec!["A1", "A2"]);
    }
}
