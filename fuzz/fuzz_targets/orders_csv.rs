//! The orders CSV reader: no panic; every row of the file is accounted for in what comes back
//! (as an order, a rejected order, or a line of one); and the accepted orders, written out again
//! by an independent writer, read back as the same orders.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lpo_format::orders::read_orders;
use lpo_fuzz::{accepted, row_lines, write_orders};

fuzz_target!(|data: &[u8]| {
    let Ok(orders) = read_orders(data) else {
        return;
    };
    let seen: std::collections::HashSet<u64> = orders.iter().flat_map(|o| o.lines()).collect();
    // The header is the file's first line, whatever quotes it holds: the rows start afresh
    // after it (docs/formats.md).
    let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    let header_end = (0..data.len())
        .find(|&i| data[i] == b'\n' || (data[i] == b'\r' && data.get(i + 1) != Some(&b'\n')));
    let body = header_end.map_or(&[][..], |i| &data[i + 1..]);
    for line in row_lines(body).into_iter().map(|l| l + 1) {
        assert!(
            seen.contains(&line),
            "line {line} of the file is in no order"
        );
    }
    let good = accepted(&orders);
    // The writer puts an order's SKUs (which add up over its rows) on its first row: past the
    // field limit that row would be refused, which is the limit working, not a changed order.
    if good.is_empty()
        || good
            .iter()
            .any(|(_, o)| o.skus.len() > lpo_format::orders::MAX_FIELD_BYTES)
    {
        return;
    }
    let again =
        read_orders(&write_orders(&good)).expect("a file LPO's orders were written to reads");
    assert_eq!(
        accepted(&again),
        good,
        "accepted orders differ after a write and a read"
    );
    assert_eq!(
        again.len(),
        good.len(),
        "the rewritten file has other orders"
    );
});
