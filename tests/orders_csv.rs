//! The orders CSV reader against an independent writer: whatever orders go in (awkward ids with
//! commas, quotes and line breaks; several rows per order, not always adjacent; files large
//! enough to be read in parallel chunks) come back grouped, in first-appearance order, with the
//! right lines, and a plan written for them names every order exactly once. Lines may end in LF,
//! CRLF or a lone CR (as old spreadsheet exports write them): the orders and lines are the same.

use lpo_format::orders::read_orders;
use lpo_format::output::{PLAN_HEADER, push_unplaced};
use proptest::prelude::*;

#[derive(Debug, Clone)]
struct Row {
    id: String,
    grams: u32,
}

fn arb_id() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Z]{3}-[0-9]{1,6}",
        "[a-z ,\"]{1,8}[0-9]",
        "[A-Z]{2}\n[0-9]{2}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    #[test]
    fn orders_round_trip_through_the_csv(
        ids in prop::collection::vec(arb_id(), 1..60),
        picks in prop::collection::vec((any::<prop::sample::Index>(), 1u32..50_000), 1..3000),
        plain in any::<bool>(),
        ending in 0u8..3,
    ) {
        // `plain`: no quote anywhere in the file, so the reader takes its fast path.
        let ids: Vec<String> = if plain {
            ids.iter().map(|i| i.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect::<String>() + "x").collect()
        } else {
            ids
        };
        let note = if plain { "plain note" } else { "x, \"y\"" };
        let rows: Vec<Row> = picks.iter().map(|(i, g)| Row { id: i.get(&ids).clone(), grams: *g }).collect();
        let terminator = match ending {
            0 => csv::Terminator::Any(b'\n'),
            1 => csv::Terminator::CRLF,
            _ => csv::Terminator::Any(b'\r'),
        };
        let mut w = csv::WriterBuilder::new().terminator(terminator).from_writer(Vec::new());
        w.write_record(["order_id", "to_postcode", "weight_kg", "length_cm", "width_cm", "height_cm", "note"]).map_err(|e| TestCaseError::fail(e.to_string()))?;
        for r in &rows {
            let kg = format!("{}.{:03}", r.grams / 1000, r.grams % 1000);
            w.write_record([r.id.as_str(), "2000", kg.as_str(), "10", "10", "10", note]).map_err(|e| TestCaseError::fail(e.to_string()))?;
        }
        let data = w.into_inner().map_err(|e| TestCaseError::fail(e.to_string()))?;
        let got = read_orders(&data).map_err(|e| TestCaseError::fail(e.to_string()))?;

        // Expected: orders in order of first appearance, with their parcels' weights and lines.
        let mut expected: Vec<(String, Vec<u32>, Vec<u64>)> = Vec::new();
        let mut line = 2u64;
        for r in &rows {
            match expected.iter_mut().find(|e| e.0 == r.id) {
                Some(e) => { e.1.push(r.grams); e.2.push(line); }
                None => expected.push((r.id.clone(), vec![r.grams], vec![line])),
            }
            line += 1 + r.id.matches('\n').count() as u64;
        }
        prop_assert_eq!(got.len(), expected.len());
        for (g, (id, grams, lines)) in got.iter().zip(&expected) {
            prop_assert_eq!(&g.id, id);
            prop_assert_eq!(&g.lines().collect::<Vec<_>>(), lines);
            let o = g.order.as_ref().map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
            prop_assert_eq!(&o.parcels.iter().map(|p| p.weight_g).collect::<Vec<_>>(), grams);
        }

        // A plan written for them reads back with every id once, in the same order.
        let mut plan = String::from(PLAN_HEADER);
        for g in &got {
            push_unplaced(&mut plan, &g.id, "unallocated", "because, \"reasons\"", &[]);
        }
        let mut r = csv::Reader::from_reader(plan.as_bytes());
        let back: Vec<String> = r.records().filter_map(Result::ok).map(|rec| rec.get(0).unwrap_or("").to_string()).collect();
        prop_assert_eq!(back, expected.iter().map(|e| e.0.clone()).collect::<Vec<_>>());
    }
}
