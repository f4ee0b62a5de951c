//! The orders CSV (one row per parcel; rows sharing `order_id` are one consignment), read in
//! parallel chunks. A bad row never disappears: its order comes back as rejected, naming the line
//! and field.

use lpo_model::{AddressType, Cents, Date, Order, Parcel, ServiceLevel, State, parse_decimal};
use std::collections::HashMap;

use csv::ByteRecord;
use rayon::prelude::*;
use std::hash::BuildHasher;

/// Longest field read, in bytes (a longer one rejects its row; an id that long is shown cut).
pub const MAX_FIELD_BYTES: usize = 4096;
/// How much of an over-long id a rejection shows, in characters.
const SHOWN_ID_CHARS: usize = 100;
/// What a rejected row of nothing but blank cells says.
const BLANK_ROW: &str = "every cell of the row is blank";

/// Heaviest item accepted as input at all (anything above is a typo): 10 t.
const MAX_WEIGHT_G: i64 = 10_000_000;
/// Largest declared value accepted: $100 million (anything above is a typo).
pub const MAX_DECLARED_CENTS: i64 = 10_000_000_000;
/// Longest side accepted as input at all: 20 m.
const MAX_SIDE_MM: i64 = 20_000;

/// Why an order was rejected before pricing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// Line in the file (the header is line 1).
    pub line: u64,
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}, {}: {}", self.line, self.field, self.message)
    }
}

/// One order as read: either parsed, or rejected with every problem found in its rows.
#[derive(Debug, Clone, PartialEq)]
pub struct InputOrder {
    pub id: String,
    /// Line of the order's first row.
    pub line: u64,
    /// Lines of its further rows (consignments of several parcels).
    pub more_lines: Vec<u64>,
    pub order: Result<Order, Vec<RowError>>,
}

impl InputOrder {
    /// Lines of every row of the order, in file order.
    pub fn lines(&self) -> impl Iterator<Item = u64> + '_ {
        std::iter::once(self.line).chain(self.more_lines.iter().copied())
    }

    /// Number of rows (parcels) the order had in the file.
    pub fn rows(&self) -> usize {
        1 + self.more_lines.len()
    }
}

/// A whole orders file that cannot be read (as opposed to bad rows).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrdersError {
    #[error("the orders file is empty: it needs a header row")]
    Empty,
    #[error("the orders file lacks required column(s): {0}")]
    MissingColumns(String),
    #[error("line 1: column `{0}` appears twice")]
    DuplicateColumn(String),
    #[error("line {line}: {message}")]
    Csv { line: u64, message: String },
    /// Text after the header, but not one row with a value in it.
    #[error("no order rows: the {lines} row(s) after the header hold only blank cells")]
    NoRows { lines: u64 },
    /// The header line is longer than any row may be.
    #[error("line 1: the header is {0} bytes long; a row may have at most {MAX_ROW_BYTES}")]
    HeaderTooLong(usize),
}

#[derive(Debug, Clone, Copy, Default)]
struct Columns {
    order_id: usize,
    to_postcode: usize,
    weight_kg: usize,
    length_cm: usize,
    width_cm: usize,
    height_cm: usize,
    from: Option<usize>,
    to_suburb: Option<usize>,
    to_state: Option<usize>,
    to_lat: Option<usize>,
    to_lon: Option<usize>,
    address_type: Option<usize>,
    residential: Option<usize>,
    service_level: Option<usize>,
    ship_date: Option<usize>,
    declared_value: Option<usize>,
    dangerous_goods: Option<usize>,
    signature: Option<usize>,
    channel: Option<usize>,
    sku: Option<usize>,
}

impl Columns {
    /// Every column LPO reads, by name, with its position (`None`: the file lacks it); the
    /// six required ones first.
    fn named(&self) -> [(&'static str, Option<usize>); 20] {
        [
            ("order_id", Some(self.order_id)),
            ("to_postcode", Some(self.to_postcode)),
            ("weight_kg", Some(self.weight_kg)),
            ("length_cm", Some(self.length_cm)),
            ("width_cm", Some(self.width_cm)),
            ("height_cm", Some(self.height_cm)),
            ("from", self.from),
            ("to_suburb", self.to_suburb),
            ("to_state", self.to_state),
            ("to_lat", self.to_lat),
            ("to_lon", self.to_lon),
            ("address_type", self.address_type),
            ("residential", self.residential),
            ("service_level", self.service_level),
            ("ship_date", self.ship_date),
            ("declared_value", self.declared_value),
            ("dangerous_goods", self.dangerous_goods),
            ("signature", self.signature),
            ("channel", self.channel),
            ("sku", self.sku),
        ]
    }

    /// Whether LPO reads the column at position `i` (every other column is ignored).
    fn reads(&self, i: usize) -> bool {
        self.named().iter().any(|&(_, at)| at == Some(i))
    }

    /// Whether the column at position `i` is free text, which may hold a line break: the id,
    /// the suburb, the channel, the SKUs, or a column LPO ignores.
    fn is_free_text(&self, i: usize) -> bool {
        [Some(self.order_id), self.to_suburb, self.channel, self.sku].contains(&Some(i))
            || !self.reads(i)
    }

    /// The name of the column at position `i`, as a row error names it.
    fn name_of(&self, i: usize) -> String {
        self.named()
            .iter()
            .find(|&&(_, at)| at == Some(i))
            .map_or_else(|| format!("column {}", i + 1), |&(n, _)| n.to_string())
    }
}

/// One parsed row: the order-level fields and its parcel.
#[derive(Debug, Clone)]
struct Row {
    line: u64,
    id: String,
    /// `id` is not the id as given but a shown form of it (bad bytes escaped, or cut short): it
    /// never groups with an id given as that text.
    shown: bool,
    /// Hash of `id`, worked out while parsing (in parallel).
    hash: u64,
    /// The order with this row's parcel as its only parcel.
    result: Result<Order, Vec<RowError>>,
}

impl Row {
    fn new(line: u64, id: String, shown: bool, result: Result<Order, Vec<RowError>>) -> Row {
        let hash = rustc_hash::FxBuildHasher.hash_one((id.as_str(), shown));
        Row {
            line,
            id,
            shown,
            hash,
            result,
        }
    }

    /// Adds a problem: the row is rejected, with its other problems if it had some.
    fn reject(&mut self, e: RowError) {
        match &mut self.result {
            Ok(_) => self.result = Err(vec![e]),
            Err(errs) => errs.push(e),
        }
    }
}

/// An id as a rejection shows it: cut to its first [`SHOWN_ID_CHARS`] characters when longer
/// than a field may be.
fn shown_id(id: &str) -> String {
    if id.len() <= MAX_FIELD_BYTES {
        return id.to_string();
    }
    let cut: String = id.chars().take(SHOWN_ID_CHARS).collect();
    format!("{cut}… ({} bytes)", id.len())
}

/// Splits `data` into about `parts` pieces at line ends that are outside quoted fields.
fn split_chunks(data: &[u8], parts: usize) -> Vec<&[u8]> {
    let target = (data.len() / parts.max(1)).max(1 << 16);
    let mut out = Vec::new();
    let mut start = 0;
    if !data.contains(&b'"') {
        // No quoted fields: cut at the first line end after each target offset.
        while start < data.len() {
            let from = (start + target).min(data.len());
            let cut = data
                .get(from..)
                .and_then(|rest| rest.iter().position(|&b| b == b'\n'))
                .map(|p| from + p + 1);
            let end = cut.unwrap_or(data.len());
            out.push(data.get(start..end).unwrap_or(&[]));
            start = end;
        }
        return out;
    }
    let mut quotes = crate::line_ends::CsvQuotes::new(b',');
    let mut next_cut = target;
    for (i, &b) in data.iter().enumerate() {
        if quotes.outside(b) && b == b'\n' && i >= next_cut {
            out.push(data.get(start..=i).unwrap_or(&[]));
            start = i + 1;
            next_cut = i + target;
        }
    }
    if start < data.len() {
        out.push(data.get(start..).unwrap_or(&[]));
    }
    out
}

fn parse_bool(s: &str) -> Result<bool, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" | "1" => Ok(true),
        "false" | "no" | "n" | "0" => Ok(false),
        _ => Err(format!("`{s}` is not true or false")),
    }
}

fn parse_postcode(s: &str) -> Result<u16, String> {
    let t = s.trim();
    if t.len() == 4 && t.bytes().all(|b| b.is_ascii_digit()) {
        return t.parse().map_err(|_| format!("`{s}` is not a postcode"));
    }
    if t.len() == 3 && t.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "`{s}` has 3 digits; Australian postcodes have 4 (did a spreadsheet drop the leading zero of 0{t}?)"
        ));
    }
    Err(format!("`{s}` is not a 4-digit postcode"))
}

fn parse_measure(s: &str, scale: u32, max: i64, what: &str) -> Result<u32, String> {
    if s.trim().is_empty() {
        return Err("is missing".into());
    }
    let v = parse_decimal(s, scale, true).map_err(|e| format!("`{s}` {e}"))?;
    if v <= 0 {
        return Err(format!("`{s}` must be greater than 0"));
    }
    if v > max {
        return Err(format!("`{s}` is not a plausible {what}"));
    }
    u32::try_from(v).map_err(|_| format!("`{s}` is too large"))
}

/// Shares the few distinct channel names of a file instead of allocating one per row.
#[derive(Default)]
struct Interner(Vec<std::sync::Arc<str>>);

impl Interner {
    fn get(&mut self, s: &str) -> std::sync::Arc<str> {
        if let Some(a) = self.0.iter().find(|a| &***a == s) {
            return a.clone();
        }
        let a: std::sync::Arc<str> = s.into();
        if self.0.len() < 64 {
            self.0.push(a.clone());
        }
        a
    }
}

fn parse_row(rec: &csv::StringRecord, line: u64, c: &Columns, interner: &mut Interner) -> Row {
    let get = |i: usize| rec.get(i).unwrap_or("");
    let opt = |i: Option<usize>| i.map(get).map(str::trim).filter(|s| !s.is_empty());
    let mut errs = Vec::new();
    let mut err = |field: &str, message: String| {
        errs.push(RowError {
            line,
            field: field.into(),
            message,
        })
    };
    for (i, f) in rec.iter().enumerate() {
        if f.len() > MAX_FIELD_BYTES && c.reads(i) {
            err(
                &c.name_of(i),
                format!(
                    "is {} bytes long; a field may have at most {MAX_FIELD_BYTES}",
                    f.len()
                ),
            );
        }
    }
    // The id is kept exactly as given (the plan must name the order as the file did), unless it
    // is too long to be an id at all.
    let given = get(c.order_id);
    let shown = given.len() > MAX_FIELD_BYTES;
    let id = shown_id(given);
    if id.trim().is_empty() {
        err("order_id", "is missing".into());
    }
    let postcode = parse_postcode(get(c.to_postcode))
        .map_err(|m| err("to_postcode", m))
        .unwrap_or(0);
    let weight_g = parse_measure(get(c.weight_kg), 3, MAX_WEIGHT_G, "weight")
        .map_err(|m| err("weight_kg", m))
        .unwrap_or(0);
    let mut side = |i: usize, name: &str| {
        parse_measure(get(i), 1, MAX_SIDE_MM, "length")
            .map_err(|m| err(name, m))
            .unwrap_or(0)
    };
    let l = side(c.length_cm, "length_cm");
    let w = side(c.width_cm, "width_cm");
    let h = side(c.height_cm, "height_cm");
    // The id is kept once, in `InputOrder::id`.
    let mut order = Order::default();
    order.to.postcode = postcode;
    order.to.residential = true;
    if let Some(s) = opt(c.from) {
        for part in s.split('|').map(str::trim) {
            if part.is_empty() {
                err("from", format!("`{s}` has an empty warehouse id"));
            } else {
                order.from.push(part.to_string());
            }
        }
    }
    order.to.suburb = opt(c.to_suburb).map(str::to_uppercase);
    if let Some(s) = opt(c.to_state) {
        match s.parse::<State>() {
            Ok(st) => order.to.state = Some(st),
            Err(m) => err("to_state", m),
        }
    }
    match (opt(c.to_lat), opt(c.to_lon)) {
        (None, None) => {}
        (Some(la), Some(lo)) => match (la.parse::<f64>(), lo.parse::<f64>()) {
            (Ok(a), Ok(b)) if (-90.0..=90.0).contains(&a) && (-180.0..=180.0).contains(&b) => {
                order.to.point = Some((a, b))
            }
            _ => err(
                "to_lat",
                format!("`{la}`, `{lo}` is not a latitude and longitude"),
            ),
        },
        _ => err(
            "to_lat",
            "to_lat and to_lon go together: give both or neither".into(),
        ),
    }
    if let Some(s) = opt(c.address_type) {
        match s.parse::<AddressType>() {
            Ok(a) => order.to.address_type = a,
            Err(m) => err("address_type", m),
        }
    }
    if let Some(s) = opt(c.residential) {
        match parse_bool(s) {
            Ok(b) => order.to.residential = b,
            Err(m) => err("residential", m),
        }
    }
    if let Some(s) = opt(c.service_level) {
        match s.parse::<ServiceLevel>() {
            Ok(l) => order.service_level = l,
            Err(m) => err("service_level", m),
        }
    }
    if let Some(s) = opt(c.ship_date) {
        match s.parse::<Date>() {
            Ok(d) => order.ship_date = Some(d),
            Err(m) => err("ship_date", m.to_string()),
        }
    }
    if let Some(s) = opt(c.declared_value) {
        match parse_decimal(s, 2, true) {
            Ok(v) if (0..=MAX_DECLARED_CENTS).contains(&v) => order.declared_value = Some(Cents(v)),
            Ok(v) if v < 0 => err("declared_value", format!("`{s}` is negative")),
            Ok(_) => err(
                "declared_value",
                format!("`{s}` is not a plausible declared value"),
            ),
            Err(e) => err("declared_value", format!("`{s}` {e}")),
        }
    }
    if let Some(s) = opt(c.dangerous_goods) {
        match parse_bool(s) {
            Ok(b) => order.dangerous_goods = b,
            Err(m) => err("dangerous_goods", m),
        }
    }
    if let Some(s) = opt(c.signature) {
        match parse_bool(s) {
            Ok(b) => order.signature = b,
            Err(m) => err("signature", m),
        }
    }
    order.channel = opt(c.channel).map(|s| interner.get(s));
    if let Some(s) = opt(c.sku) {
        order.skus = s.to_string();
    }
    let result = if errs.is_empty() {
        order.parcels = vec![Parcel::new(weight_g, l, w, h)];
        Ok(order)
    } else {
        Err(errs)
    };
    Row::new(line, id, shown, result)
}

fn columns<'a>(headers: impl IntoIterator<Item = &'a str>) -> Result<Columns, OrdersError> {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, h) in headers.into_iter().enumerate() {
        let h = h.trim();
        if seen.insert(h, i).is_some() && !h.is_empty() {
            return Err(OrdersError::DuplicateColumn(h.to_string()));
        }
    }
    let find = |n: &str| seen.get(n).copied();
    let required = [
        "order_id",
        "to_postcode",
        "weight_kg",
        "length_cm",
        "width_cm",
        "height_cm",
    ];
    let missing: Vec<&str> = required
        .iter()
        .copied()
        .filter(|n| find(n).is_none())
        .collect();
    if !missing.is_empty() {
        return Err(OrdersError::MissingColumns(missing.join(", ")));
    }
    let r = |n: &str| find(n).unwrap_or(0);
    Ok(Columns {
        order_id: r("order_id"),
        to_postcode: r("to_postcode"),
        weight_kg: r("weight_kg"),
        length_cm: r("length_cm"),
        width_cm: r("width_cm"),
        height_cm: r("height_cm"),
        from: find("from"),
        to_suburb: find("to_suburb"),
        to_state: find("to_state"),
        to_lat: find("to_lat"),
        to_lon: find("to_lon"),
        address_type: find("address_type"),
        residential: find("residential"),
        service_level: find("service_level"),
        ship_date: find("ship_date"),
        declared_value: find("declared_value"),
        dangerous_goods: find("dangerous_goods"),
        signature: find("signature"),
        channel: find("channel"),
        sku: find("sku"),
    })
}

/// Fields that every row of one order must agree on.
/// Order-level fields that every row of one order must agree on (documented in docs/formats.md).
/// Per-parcel facts combine instead: see [`merge_row`].
fn same_consignment(a: &Order, b: &Order) -> Option<&'static str> {
    if a.to != b.to {
        Some("destination")
    } else if a.from != b.from {
        Some("from")
    } else if a.service_level != b.service_level {
        Some("service_level")
    } else if a.ship_date != b.ship_date {
        Some("ship_date")
    } else if a.declared_value != b.declared_value {
        Some("declared_value")
    } else if a.channel != b.channel {
        Some("channel")
    } else {
        None
    }
}

/// Adds a further row's parcel to an order: dangerous goods or a signature on any parcel
/// applies to the whole consignment, and the SKUs add up.
fn merge_row(o: &mut Order, row: &Order) {
    o.parcels.extend_from_slice(&row.parcels);
    o.dangerous_goods |= row.dangerous_goods;
    o.signature |= row.signature;
    if !row.skus.is_empty() {
        if !o.skus.is_empty() {
            o.skus.push('|');
        }
        o.skus.push_str(&row.skus);
    }
}

/// Reads an orders CSV held in memory. Orders come back in order of first appearance.
/// Lines may end in LF, CRLF or a lone CR.
pub fn read_orders(data: &[u8]) -> Result<Vec<InputOrder>, OrdersError> {
    let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    // The header is the first line (ended by LF, CRLF or a lone CR), whatever quotes it holds;
    // the rows start afresh after it, their lone CRs made line ends as the quotes allow.
    let header_end = (0..data.len())
        .find(|&i| match data.get(i) {
            Some(b'\n') => true,
            Some(b'\r') => data.get(i + 1) != Some(&b'\n'),
            _ => false,
        })
        .map_or(data.len(), |i| i + 1);
    let (head, body) = data.split_at(header_end);
    let body = crate::line_ends::unify(body, crate::line_ends::Syntax::Csv(b','));
    let body = &*body;
    if head.len() > MAX_ROW_BYTES {
        return Err(OrdersError::HeaderTooLong(head.len()));
    }
    let mut hr = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(head);
    let headers = match hr.records().next() {
        Some(Ok(h)) => h,
        Some(Err(e)) => {
            return Err(OrdersError::Csv {
                line: 1,
                message: e.to_string(),
            });
        }
        None => return Err(OrdersError::Empty),
    };
    let cols = OrderColumns::from_names(headers.iter())?;
    let width = headers.len();
    if body.iter().all(u8::is_ascii_whitespace) {
        // Blank lines after the header: a day of no orders.
        return Ok(Vec::new());
    }
    let chunks = split_chunks(body, rayon::current_num_threads() * 4);
    // Line number each chunk starts at.
    let counts: Vec<u64> = chunks
        .par_iter()
        .map(|c| memchr::memchr_iter(b'\n', c).count() as u64)
        .collect();
    let mut starts = Vec::with_capacity(chunks.len());
    let mut line = 2u64;
    for n in counts {
        starts.push(line);
        line += n;
    }
    let rows: Vec<RowBatch> = chunks
        .par_iter()
        .zip(starts.par_iter())
        .map(|(chunk, &start)| parse_chunk(chunk, start, &cols, width))
        .collect();
    // A file of nothing but blank rows is not a day of orders, as an empty one is.
    if let Some(lines) = only_blank(&rows) {
        return Err(OrdersError::NoRows { lines });
    }
    Ok(orders_from_rows(rows))
}

/// The columns of an orders table, found by name: what a reader of another format (Arrow,
/// Parquet) needs to hand its rows to the parser the CSV reader uses.
#[derive(Debug, Clone, Copy)]
pub struct OrderColumns(Columns);

impl OrderColumns {
    /// Finds the columns by name, as the CSV reader does with a header: the same errors for a
    /// missing or repeated column.
    pub fn from_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<Self, OrdersError> {
        columns(names).map(OrderColumns)
    }

    /// Whether LPO reads the column at position `i` (every other column is ignored).
    pub fn reads(&self, i: usize) -> bool {
        self.0.reads(i)
    }

    fn name_of(&self, i: usize) -> String {
        self.0.name_of(i)
    }
}

/// Rows of one part of a table, parsed exactly as the CSV reader parses its rows.
#[derive(Default)]
pub struct RowBatch {
    rows: Vec<Row>,
    /// How many of `rows` are rows of blank cells.
    blank: usize,
    interner: Interner,
}

impl RowBatch {
    pub fn with_capacity(rows: usize) -> RowBatch {
        RowBatch {
            rows: Vec::with_capacity(rows),
            blank: 0,
            interner: Interner::default(),
        }
    }

    /// Parses one row. `rec` holds its fields as text, in the table's column order (a null is
    /// an empty field); `line` is the line the row has in the equivalent CSV, whose header is
    /// line 1. A row of blank cells is rejected as such, an order of its own.
    pub fn push(&mut self, cols: &OrderColumns, rec: &csv::StringRecord, line: u64) {
        if rec.iter().all(|f| f.trim().is_empty()) {
            self.blank += 1;
            self.rows.push(Row::new(
                line,
                String::new(),
                false,
                Err(vec![RowError {
                    line,
                    field: "row".into(),
                    message: BLANK_ROW.into(),
                }]),
            ));
        } else {
            self.rows
                .push(parse_row(rec, line, &cols.0, &mut self.interner));
        }
    }
}

/// Orders from parsed parts (in table order), in order of first appearance, consignments
/// grouped as [`read_orders`] groups them. A row of blank cells is a rejected order of its own.
pub fn orders_from_rows(parts: Vec<RowBatch>) -> Vec<InputOrder> {
    group(parts.into_iter().map(|p| p.rows).collect())
}

/// How many rows `parts` hold when every one of them is a row of blank cells.
fn only_blank(parts: &[RowBatch]) -> Option<u64> {
    let rows: usize = parts.iter().map(|p| p.rows.len()).sum();
    let blank: usize = parts.iter().map(|p| p.blank).sum();
    (rows > 0 && blank == rows).then_some(rows as u64)
}

/// Groups parsed rows (in parts, in order) into orders, in order of first appearance. Rows of one
/// order are found by sorting (id hash, row) pairs in parallel; equal hashes are confirmed by
/// comparing the ids, so a hash collision never merges two orders.
fn group(rows: Vec<Vec<Row>>) -> Vec<InputOrder> {
    let offsets: Vec<usize> = rows
        .iter()
        .scan(0usize, |acc, c| {
            let start = *acc;
            *acc += c.len();
            Some(start)
        })
        .collect();
    let row_at = |g: usize| -> Option<&Row> {
        let ci = offsets.partition_point(|&o| o <= g).checked_sub(1)?;
        rows.get(ci)?.get(g - offsets.get(ci)?)
    };
    let mut keys: Vec<(u64, u32)> = rows
        .par_iter()
        .zip(offsets.par_iter())
        .flat_map_iter(|(c, &start)| {
            c.iter()
                .enumerate()
                .filter(|(_, r)| !r.id.trim().is_empty())
                .map(move |(k, r)| (r.hash, (start + k) as u32))
        })
        .collect();
    keys.par_sort_unstable();
    // owner[g]: the first row of row g's order (`u32::MAX`: g is a first row); slot[f]: where the
    // order whose first row is f went, kept only for orders with several rows.
    const NONE: u32 = u32::MAX;
    let n = offsets
        .last()
        .zip(rows.last())
        .map_or(0, |(o, c)| o + c.len());
    let mut owner: Vec<u32> = vec![NONE; n];
    let mut has_more: Vec<bool> = vec![false; n];
    for run in keys.chunk_by(|a, b| a.0 == b.0).filter(|r| r.len() > 1) {
        let mut firsts: Vec<u32> = Vec::new();
        for &(_, g) in run {
            let id = row_at(g as usize).map(|r| (r.id.as_str(), r.shown));
            match firsts
                .iter()
                .find(|&&f| row_at(f as usize).map(|r| (r.id.as_str(), r.shown)) == id)
            {
                Some(&f) => {
                    if let Some(o) = owner.get_mut(g as usize) {
                        *o = f;
                    }
                    if let Some(h) = has_more.get_mut(f as usize) {
                        *h = true;
                    }
                }
                None => firsts.push(g),
            }
        }
    }
    let mut slot_of: Vec<u32> = vec![NONE; n];
    let mut orders: Vec<InputOrder> = Vec::with_capacity(n);
    for (g, row) in rows.into_iter().flatten().enumerate() {
        let first = owner.get(g).copied().unwrap_or(NONE);
        let slot = if first == NONE {
            if has_more.get(g).copied().unwrap_or(false)
                && let Some(s) = slot_of.get_mut(g)
            {
                *s = orders.len() as u32;
            }
            None
        } else {
            slot_of.get(first as usize).map(|&s| s as usize)
        };
        match slot {
            None => {
                orders.push(InputOrder {
                    id: row.id,
                    line: row.line,
                    more_lines: Vec::new(),
                    order: row.result,
                });
            }
            Some(i) => {
                let Some(existing) = orders.get_mut(i) else {
                    continue;
                };
                existing.more_lines.push(row.line);
                match (&mut existing.order, row.result) {
                    (Ok(o), Ok(other)) => match same_consignment(o, &other) {
                        None => merge_row(o, &other),
                        Some(field) => {
                            let first = existing.line;
                            existing.order = Err(vec![RowError {
                                line: row.line,
                                field: field.into(),
                                message: format!(
                                    "rows of order `{}` disagree on {field} (see line {first})",
                                    row.id
                                ),
                            }]);
                        }
                    },
                    (Ok(_), Err(e)) => existing.order = Err(e),
                    (Err(errs), Err(e)) => errs.extend(e),
                    (Err(_), Ok(_)) => {}
                }
            }
        }
    }
    orders
}

// ---- The records of one chunk ----
// The records of one chunk of an orders CSV, read so that no row goes missing and no hostile
// row costs more than its bytes:
// - a physical line longer than [`MAX_ROW_BYTES`] is cut out and rejected whole, before the CSV
//   parser buffers it (a file of NUL bytes is one such line);
// - a record that spans several lines but has another number of fields than the header (a stray
//   `"` opened a quoted field that swallowed the rows after it) is read again line by line, so
//   every swallowed row comes back as a row of its own;
// - a byte-order mark at the start of a row is reported, never silently dropped (the csv crate
//   drops one at the start of its input, which is the start of a chunk here);
// - a row that is not UTF-8 keeps an id with its bad bytes escaped (`A\xFF`), so two such ids
//   stay two orders.
/// Longest row read, in bytes: a longer one is rejected whole.
pub const MAX_ROW_BYTES: usize = 64 * 1024;

const BOM: &[u8] = b"\xEF\xBB\xBF";
/// What a row that starts with a byte-order mark says.
const BOM_MESSAGE: &str =
    "starts with a byte-order mark (U+FEFF); was a file that has one appended to this one?";

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
    if bom && data.first().is_none_or(|&b| b == b'\n' || b == b'\r') {
        // A line of nothing but the mark: the reader would skip it as blank.
        bom = false;
        out.rows.push(rejected(
            String::new(),
            false,
            start,
            "row",
            BOM_MESSAGE.into(),
        ));
    }
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
                            if marked && l.is_empty() {
                                out.rows.push(rejected(
                                    String::new(),
                                    false,
                                    first + k as u64,
                                    "row",
                                    BOM_MESSAGE.into(),
                                ));
                                continue;
                            }
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
            message: BOM_MESSAGE.into(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "order_id,to_postcode,weight_kg,length_cm,width_cm,height_cm,from,extra\n";

    #[test]
    fn groups_rows_into_consignments_in_first_appearance_order() {
        let csv = format!(
            "{HEAD}A,2000,1.5,30,20,10,syd,x\nB,0800,2,10,10,10,,\nA,2000,0.5,10,10,10,syd,\n"
        );
        let orders = read_orders(csv.as_bytes()).unwrap_or_default();
        assert_eq!(orders.len(), 2);
        let a = orders.first().map(|o| o.order.clone());
        let Some(Ok(a)) = a else {
            panic!("order A should parse: {orders:?}")
        };
        assert_eq!(a.parcels.len(), 2);
        assert_eq!(a.total_weight_g(), 2000);
        assert_eq!(a.from, vec!["syd".to_string()]);
        assert_eq!(
            orders.get(1).map(|o| o.lines().collect::<Vec<_>>()),
            Some(vec![3])
        );
        assert_eq!(
            orders.first().map(|o| o.lines().collect::<Vec<_>>()),
            Some(vec![2, 4])
        );
        let Some(Ok(b)) = orders.get(1).map(|o| o.order.clone()) else {
            panic!("order B should parse")
        };
        assert_eq!(b.to.postcode, 800);
    }

    #[test]
    fn bad_rows_are_rejected_with_line_and_field() {
        let csv = format!(
            "{HEAD}A,20x0,1,1,1,1,,\nB,2000,-2,1,1,1,,\nC,2000,abc,1,1,1,,\nD,800,1,1,1,1,,\nE,2000,1,1,,1,,\n"
        );
        let orders = read_orders(csv.as_bytes()).unwrap_or_default();
        let errs: Vec<(u64, String)> = orders
            .iter()
            .map(|o| match &o.order {
                Err(e) => e
                    .first()
                    .map(|e| (e.line, e.field.clone()))
                    .unwrap_or_default(),
                Ok(_) => (0, String::new()),
            })
            .collect();
        assert_eq!(
            errs,
            vec![
                (2, "to_postcode".into()),
                (3, "weight_kg".into()),
                (4, "weight_kg".into()),
                (5, "to_postcode".into()),
                (6, "width_cm".into())
            ]
        );
    }

    #[test]
    fn a_row_that_is_not_utf8_is_kept_and_named() {
        let mut csv = HEAD.as_bytes().to_vec();
        csv.extend_from_slice(
            b"OK,2000,1,1,1,1,,\nBAD\xff,2000,1,1,1,1,,\nALSO-OK,2000,1,1,1,1,,\n",
        );
        let orders = read_orders(&csv).unwrap_or_default();
        let ids: Vec<&str> = orders.iter().map(|o| o.id.as_str()).collect();
        assert_eq!(ids, vec!["OK", "BAD\\xFF", "ALSO-OK"]);
        let err = orders
            .get(1)
            .and_then(|o| o.order.as_ref().err())
            .and_then(|e| e.first())
            .cloned();
        assert_eq!(
            err.map(|e| (e.line, e.field)),
            Some((3, "order_id".to_string()))
        );
    }

    #[test]
    fn blank_lines_do_not_shift_line_numbers() {
        let csv = format!("{HEAD}A,2000,1,1,1,1,,\n\nB,20x0,1,1,1,1,,\n\n\nC,2000,-1,1,1,1,,\n");
        let orders = read_orders(csv.as_bytes()).unwrap_or_default();
        let lines: Vec<u64> = orders.iter().map(|o| o.line).collect();
        assert_eq!(lines, vec![2, 4, 7]);
        let err_line = |i: usize| {
            orders
                .get(i)
                .and_then(|o| o.order.as_ref().err())
                .and_then(|e| e.first())
                .map(|e| e.line)
        };
        assert_eq!((err_line(1), err_line(2)), (Some(4), Some(7)));
    }

    #[test]
    fn a_stray_quote_inside_an_unquoted_field_does_not_split_records() {
        // Regression: the chunk splitter used to flip its quote state on every `"`, cutting
        // quoted records in two after a field like `12" pizza box`.
        let mut csv = String::from(HEAD);
        csv.push_str("S1,2000,1,10,10,10,12\" pizza box,\n");
        for i in 0..20_000 {
            csv.push_str(&format!("\"O{i}\nx\",2000,1,10,10,10,,\n"));
        }
        let run = |threads| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .ok()?;
            pool.install(|| read_orders(csv.as_bytes()).ok())
        };
        let one = run(1).unwrap_or_default();
        assert_eq!(one.len(), 20_001);
        assert!(
            one.iter().all(|o| o.order.is_ok()),
            "no record may be split"
        );
        assert_eq!(run(2).unwrap_or_default(), one);
    }

    #[test]
    fn per_parcel_facts_combine_across_rows() {
        let head = "order_id,to_postcode,weight_kg,length_cm,width_cm,height_cm,dangerous_goods,signature,sku,declared_value\n";
        let csv = format!(
            "{head}A,2000,1,10,10,10,false,false,X,10\nA,2000,1,10,10,10,true,true,Y,10\nB,2000,1,1,1,1,,,,10\nB,2000,1,1,1,1,,,,5000\n"
        );
        let orders = read_orders(csv.as_bytes()).unwrap_or_default();
        let Some(Ok(a)) = orders.first().map(|o| o.order.clone()) else {
            panic!("A should parse: {orders:?}")
        };
        assert!(a.dangerous_goods && a.signature);
        assert_eq!(a.skus().collect::<Vec<_>>(), vec!["X", "Y"]);
        // Different declared values for one order cannot both hold.
        assert!(
            matches!(orders.get(1).map(|o| &o.order), Some(Err(e)) if e.first().is_some_and(|e| e.field == "declared_value"))
        );
    }

    #[test]
    fn conflicting_rows_reject_the_order() {
        let csv = format!("{HEAD}A,2000,1,1,1,1,syd,\nA,3000,1,1,1,1,syd,\n");
        let orders = read_orders(csv.as_bytes()).unwrap_or_default();
        assert_eq!(orders.len(), 1);
        assert!(
            matches!(&orders.first().map(|o| &o.order), Some(Err(e)) if e.first().is_some_and(|e| e.field == "destination"))
        );
    }

    #[test]
    fn missing_columns_are_named() {
        let err = read_orders(b"order_id,weight_kg\nA,1\n");
        assert_eq!(
            err,
            Err(OrdersError::MissingColumns(
                "to_postcode, length_cm, width_cm, height_cm".into()
            ))
        );
    }

    #[test]
    fn chunking_respects_quotes_and_keeps_line_numbers() {
        let mut csv = String::from(HEAD);
        for i in 0..20_000 {
            csv.push_str(&format!("\"O{i}\nx\",2000,1,10,10,10,,\n"));
        }
        let orders = read_orders(csv.as_bytes()).unwrap_or_default();
        assert_eq!(orders.len(), 20_000);
        // Each record spans two lines.
        assert_eq!(orders.last().map(|o| o.line), Some(2 + 2 * 19_999));
        assert!(orders.iter().all(|o| o.order.is_ok()));
    }
}

#[cfg(test)]
mod record_tests {
    use super::{InputOrder, read_orders};

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
    fn a_line_of_nothing_but_a_byte_order_mark_is_a_rejected_row() {
        // Right after the header (where a piece of the file starts), in mid-file, and inside
        // rows a stray quote swallowed: each such line comes back as a row of its own.
        for (body, want, at) in [
            (&b"\xEF\xBB\xBF\nA1,2000,1,1,1,1\n"[..], vec![2, 3], 0),
            (
                &b"A1,2000,1,1,1,1\n\xEF\xBB\xBF\r\nA2,2000,1,1,1,1\n"[..],
                vec![2, 3, 4],
                1,
            ),
            (
                &b"A1,\"2000,1,1,1,1\n\xEF\xBB\xBF\nA2,2000,1,1,1,1\n"[..],
                vec![2, 3, 4],
                1,
            ),
        ] {
            let orders = read(body);
            let s = summary(&orders);
            let lines: Vec<u64> = s.iter().map(|r| r.1).collect();
            assert_eq!(lines, want, "{s:?}");
            assert!(
                orders[at].order.as_ref().is_err_and(|e| e
                    .iter()
                    .any(|e| e.field == "row" && e.message.contains("byte-order mark"))),
                "{s:?}"
            );
        }
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
                Some(("row".into(), super::BLANK_ROW.into())),
                "{s:?}"
            );
        }
        let all_blank = read_orders(format!("{HEAD},,,,,\n  ,\n").as_bytes());
        assert!(
            matches!(all_blank, Err(super::OrdersError::NoRows { lines: 2 })),
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
        let long = "X".repeat(super::MAX_FIELD_BYTES + 1);
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
