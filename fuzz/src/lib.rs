//! What the fuzz targets share: an independent orders writer (for the parse → write → parse
//! round trip) and an independent check that no row of an orders file went missing.

use lpo_format::orders::InputOrder;
use lpo_model::Order;

/// The columns the writer fills, in this order.
const COLUMNS: [&str; 20] = [
    "order_id",
    "to_postcode",
    "weight_kg",
    "length_cm",
    "width_cm",
    "height_cm",
    "from",
    "to_suburb",
    "to_state",
    "to_lat",
    "to_lon",
    "address_type",
    "residential",
    "service_level",
    "ship_date",
    "declared_value",
    "dangerous_goods",
    "signature",
    "channel",
    "sku",
];

fn scaled(v: u64, scale: u32) -> String {
    let d = 10u64.pow(scale);
    format!("{}.{:0w$}", v / d, v % d, w = scale as usize)
}

/// The orders CSV of `orders` (id, order), one row per parcel, every column written out: what a
/// reader of it must read back as the same orders. Written with the csv crate, not LPO's code.
pub fn write_orders(orders: &[(String, Order)]) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    w.write_record(COLUMNS).expect("a Vec takes the header");
    for (id, o) in orders {
        for (k, p) in o.parcels.iter().enumerate() {
            let (lat, lon) = o.to.point.map_or((String::new(), String::new()), |(a, b)| {
                (a.to_string(), b.to_string())
            });
            let row = [
                id.clone(),
                format!("{:04}", o.to.postcode),
                scaled(u64::from(p.weight_g), 3),
                scaled(u64::from(p.dims_mm[0]), 1),
                scaled(u64::from(p.dims_mm[1]), 1),
                scaled(u64::from(p.dims_mm[2]), 1),
                o.from.join("|"),
                o.to.suburb.clone().unwrap_or_default(),
                o.to.state.map_or(String::new(), |s| s.as_str().to_string()),
                lat,
                lon,
                o.to.address_type.as_str().to_string(),
                o.to.residential.to_string(),
                o.service_level.as_str().to_string(),
                o.ship_date.map_or(String::new(), |d| d.to_string()),
                o.declared_value
                    .map_or(String::new(), |c| scaled(c.0.unsigned_abs(), 2)),
                o.dangerous_goods.to_string(),
                o.signature.to_string(),
                o.channel.as_deref().unwrap_or("").to_string(),
                // The SKUs of an order add up over its rows: all of them on the first.
                if k == 0 {
                    o.skus.clone()
                } else {
                    String::new()
                },
            ];
            w.write_record(&row).expect("a Vec takes a row");
        }
    }
    w.into_inner().expect("a Vec flushes")
}

/// The accepted orders of a read, with their ids.
pub fn accepted(orders: &[InputOrder]) -> Vec<(String, Order)> {
    orders
        .iter()
        .filter_map(|o| o.order.as_ref().ok().map(|ord| (o.id.clone(), ord.clone())))
        .collect()
}

/// The lines (1-based) of `data`, the rows after the header, on which a CSV record starts and
/// that hold at least one byte: the rows a reader must account for. Found by its own scan of the quotes (a
/// `"` opens a quoted field only at the start of a field; `""` inside one is a quote), after lone
/// CRs became line ends and a leading byte-order mark was dropped, as the orders reader does.
pub fn row_lines(data: &[u8]) -> Vec<u64> {
    let mut out = Vec::new();
    let mut line = 1u64;
    let mut quoted = false;
    let mut field_start = true;
    let mut line_start = true;
    let mut i = 0;
    while let Some(&b) = data.get(i) {
        // A lone CR ends a line as an LF does (outside quotes).
        let b = if b == b'\r' && !quoted && data.get(i + 1) != Some(&b'\n') {
            b'\n'
        } else {
            b
        };
        if line_start && !quoted && b != b'\n' && b != b'\r' {
            out.push(line);
        }
        line_start = false;
        if quoted {
            if b == b'"' {
                if data.get(i + 1) == Some(&b'"') {
                    i += 1;
                } else {
                    quoted = false;
                    field_start = false;
                }
            }
        } else if b == b'"' && field_start {
            quoted = true;
        } else {
            field_start = b == b',' || b == b'\n' || b == b'\r';
        }
        if b == b'\n' {
            line += 1;
            if !quoted {
                line_start = true;
                field_start = true;
            }
        }
        i += 1;
    }
    out
}
