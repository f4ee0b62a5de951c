//! Global optimisation against oracles: exhaustive enumeration on tiny batches, the per-order
//! choice when nothing binds, the LP's shadow prices against re-solving, the independent
//! checker on every plan, and the CLI's report, exit codes and determinism.

mod common;
use common::{engine, lpo, path_str as s, req, root};
use std::path::Path;
use std::process::Output;
use std::time::Duration;

use lpo_engine::constraints::{
    Capacity, CapacityUnit, Commitment, CommitmentUnit, Constraints, Scope, Tier, TierKind,
    TierSchedule,
};
use lpo_engine::{Engine, Quote};
use lpo_format::orders::read_orders;
use lpo_model::{Bp, Cents, Order};
use lpo_solve::{Batch, LocalClasses, Row, Settings, SolveError};
use proptest::prelude::*;

fn settings() -> Settings {
    Settings {
        time_limit: Duration::from_secs(3600),
        rel_gap: 0.0,
        threads: 1,
    }
}

fn carrier(e: &Engine, id: &str) -> u16 {
    e.carriers
        .iter()
        .position(|c| c.id == id)
        .unwrap_or_else(|| panic!("no carrier {id}")) as u16
}

fn orders_from_csv(text: &str) -> Vec<Order> {
    read_orders(text.as_bytes())
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .map(|o| o.order.unwrap_or_else(|e| panic!("{e:?}")))
        .collect()
}

fn batch_of(e: &Engine, cons: &Constraints, orders: &[Order]) -> (Batch, Vec<Quote>) {
    let mut local = LocalClasses::default();
    let mut quotes = Vec::new();
    let mut sig = Vec::new();
    let ctx = lpo_solve::SignatureContext::new(e, cons);
    for o in orders {
        let q = e.quote(o, &req()).unwrap_or_else(|err| panic!("{err}"));
        let before = lpo_solve::signature(&ctx, e, cons, o, &q, &mut sig);
        local.push(e, (before > 0).then_some(sig.as_slice()), before);
        quotes.push(q);
    }
    (lpo_solve::merge(vec![local]), quotes)
}

/// The brute-force oracle: every combination of (option, band) per order, checked and costed
/// with this test's own reading of docs/constraints.md. `None` when no combination is feasible.
fn brute_force(e: &Engine, cons: &Constraints, orders: &[Order], quotes: &[Quote]) -> Option<f64> {
    // Per order: its choices (carrier, service, warehouse, band, total, score).
    type Choice = (u16, u32, u16, usize, i64, i64);
    let choices: Vec<Vec<Choice>> = quotes
        .iter()
        .filter(|q| !q.options.is_empty())
        .map(|q| {
            let mut v = Vec::new();
            for o in &q.options {
                let c = e.service(o.service).map_or(u16::MAX, |s| s.carrier);
                let bands = cons.tiers_of(c).map_or(1, |t| t.tiers.len() + 1);
                for b in 0..bands {
                    let d = cons.tiers_of(c).map_or(Bp(0), |t| t.discount(b));
                    let p = e.discounted(q, o, d);
                    v.push((c, o.service, o.warehouse, b, p.total.0, p.score.0));
                }
            }
            v
        })
        .collect();
    let placed: Vec<&Order> = orders
        .iter()
        .zip(quotes)
        .filter(|(_, q)| !q.options.is_empty())
        .map(|(o, _)| o)
        .collect();
    let n = choices.len();
    let mut idx = vec![0usize; n];
    let mut best: Option<f64> = None;
    loop {
        // Evaluate.
        let pick: Vec<&Choice> = (0..n).map(|i| &choices[i][idx[i]]).collect();
        let parcels = |i: usize| placed[i].parcels.len() as u64;
        let grams = |i: usize| {
            placed[i]
                .parcels
                .iter()
                .map(|p| u64::from(p.weight_g))
                .sum::<u64>()
        };
        let mut ok = true;
        for c in &cons.capacities {
            let used: u64 = (0..n)
                .filter(|&i| {
                    let (ca, s, w, ..) = *pick[i];
                    ca == c.scope.carrier
                        && c.scope.service.is_none_or(|x| x == s)
                        && c.scope.warehouse.is_none_or(|x| x == w)
                })
                .map(|i| match c.unit {
                    CapacityUnit::Parcels => parcels(i),
                    CapacityUnit::Grams => grams(i),
                })
                .sum();
            ok &= used <= c.limit;
        }
        let mut penalty = 0.0;
        for m in &cons.commitments {
            let got: i64 = (0..n)
                .filter(|&i| pick[i].0 == m.carrier)
                .map(|i| match m.unit {
                    CommitmentUnit::Parcels => parcels(i) as i64,
                    CommitmentUnit::Spend => pick[i].4,
                })
                .sum();
            let short = (m.min as i64 - got).max(0) as f64;
            match m.penalty {
                None => ok &= short == 0.0,
                Some(p) => {
                    penalty += short
                        * match m.unit {
                            CommitmentUnit::Parcels => p.0 as f64,
                            CommitmentUnit::Spend => p.0 as f64 / 100.0,
                        }
                }
            }
        }
        for t in &cons.tiers {
            let mut bands = vec![0u64; t.tiers.len() + 1];
            for i in 0..n {
                if pick[i].0 == t.carrier {
                    bands[pick[i].3] += parcels(i);
                }
            }
            let volume: u64 = bands.iter().sum();
            let start = |b: usize| {
                if b == 0 {
                    0
                } else {
                    t.tiers[b - 1].from_parcels
                }
            };
            match t.kind {
                TierKind::All => {
                    // The contract: every parcel at the highest tier the volume reaches.
                    let reached = (0..bands.len())
                        .rev()
                        .find(|&b| volume >= start(b))
                        .unwrap_or(0);
                    ok &= bands[reached] == volume;
                }
                TierKind::Beyond => {
                    for b in 0..bands.len() {
                        if b + 1 < bands.len() {
                            ok &= bands[b] <= start(b + 1) - start(b);
                        }
                        if b > 0 && bands[b] > 0 {
                            ok &= bands[b - 1] >= start(b) - start(b - 1);
                        }
                    }
                }
            }
        }
        if ok {
            let cost: i64 = pick.iter().map(|c| c.5).sum();
            let cost = cost as f64 + penalty;
            if best.is_none_or(|b| cost < b) {
                best = Some(cost);
            }
        }
        // Next combination.
        let mut i = 0;
        loop {
            if i == n {
                return best;
            }
            idx[i] += 1;
            if idx[i] < choices[i].len() {
                break;
            }
            idx[i] = 0;
            i += 1;
        }
    }
}

const POSTCODES: [&str; 8] = [
    "2000", "3000", "4000", "2480", "4825", "6000", "2600", "3550",
];
const CARRIERS: [&str; 5] = ["auspost", "startrack", "couriersplease", "aramex", "tge"];

fn tiny_csv(spec: &[(usize, u32, u8)]) -> String {
    let mut csv =
        String::from("order_id,to_postcode,weight_kg,length_cm,width_cm,height_cm,from\n");
    for (i, &(pc, weight_hg, parcels)) in spec.iter().enumerate() {
        for p in 0..parcels {
            csv.push_str(&format!(
                "T{i},{},{}.{},{},20,10,mel\n",
                POSTCODES[pc % POSTCODES.len()],
                weight_hg / 10 + u32::from(p),
                weight_hg % 10,
                20 + weight_hg % 30,
            ));
        }
    }
    csv
}

/// The whole batch path on `csv` (pricing, the global solve, re-pricing, the plan text), and
/// the independent checker's verdict on the plan it writes; `None` when the run proves the
/// constraints infeasible.
fn plan_and_check(e: &Engine, cons: &Constraints, csv: &str) -> Option<lpo_check::CheckReport> {
    let inputs = read_orders(csv.as_bytes()).unwrap_or_else(|err| panic!("{err}"));
    let opts = lpo_plan::GlobalOpts {
        time_limit: 3600.0,
        started: std::time::Instant::now(),
        gap: 0.0,
        solver_threads: 1,
        with_options: false,
    };
    let mut tm = lpo_plan::Timings::default();
    let solved = lpo_plan::run_batch(
        lpo_plan::Method::Global,
        &opts,
        e,
        cons,
        &inputs,
        &req(),
        &mut tm,
        &lpo_plan::Silent,
    )
    .unwrap_or_else(|err| panic!("{err}"));
    let done = match solved {
        lpo_plan::Solved::Plan { done, .. } => done,
        lpo_plan::Solved::Infeasible { .. } => return None,
    };
    let mut text = String::from(lpo_format::output::PLAN_HEADER);
    for c in &done {
        text.push_str(&c.plan);
    }
    let plan = lpo_format::plan::read_plan(text.as_bytes()).unwrap_or_else(|err| panic!("{err}"));
    Some(lpo_check::check_plan(e, cons, &inputs, &plan, &req()))
}

#[derive(Debug, Clone)]
struct ConsSpec {
    cap: Option<(usize, bool, u64)>,
    commit: Option<(usize, bool, u64, Option<i64>)>,
    tiers: Option<(usize, bool, u64, u64)>,
}

fn cons_of(e: &Engine, s: &ConsSpec) -> Constraints {
    let mut c = Constraints::default();
    if let Some((ci, kg, limit)) = s.cap {
        c.capacities.push(Capacity {
            id: "cap".into(),
            origin: String::new(),
            scope: Scope {
                carrier: carrier(e, CARRIERS[ci]),
                service: None,
                warehouse: None,
            },
            unit: if kg {
                CapacityUnit::Grams
            } else {
                CapacityUnit::Parcels
            },
            limit: if kg { limit * 4000 } else { limit },
        });
    }
    if let Some((ci, spend, min, penalty)) = s.commit {
        c.commitments.push(Commitment {
            id: "commit".into(),
            origin: String::new(),
            carrier: carrier(e, CARRIERS[ci]),
            unit: if spend {
                CommitmentUnit::Spend
            } else {
                CommitmentUnit::Parcels
            },
            min: if spend { min * 1500 } else { min },
            penalty: penalty.map(Cents),
        });
    }
    if let Some((ci, beyond, t1, gap)) = s.tiers {
        c.tiers.push(TierSchedule {
            id: "tiers".into(),
            origin: String::new(),
            carrier: carrier(e, CARRIERS[ci]),
            kind: if beyond {
                TierKind::Beyond
            } else {
                TierKind::All
            },
            tiers: vec![
                Tier {
                    from_parcels: t1,
                    discount: Bp(500),
                },
                Tier {
                    from_parcels: t1 + gap,
                    discount: Bp(1200),
                },
            ],
        });
    }
    c
}

fn cons_spec() -> impl proptest::strategy::Strategy<Value = ConsSpec> {
    (
        proptest::option::of((0..5usize, any::<bool>(), 0..4u64)),
        proptest::option::of((
            0..5usize,
            any::<bool>(),
            0..4u64,
            proptest::option::of(0..500i64),
        )),
        proptest::option::of((0..5usize, any::<bool>(), 1..3u64, 1..3u64)),
    )
        .prop_map(|(cap, commit, tiers)| ConsSpec { cap, commit, tiers })
}

proptest! {
    // 40 cases by default; PROPTEST_CASES=2000 for a deeper run.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(40),
        ..ProptestConfig::default()
    })]

    /// On tiny batches the MIP's plan costs exactly what exhaustive enumeration finds, it is
    /// infeasible exactly when enumeration finds nothing, its plan breaks no constraint, and the
    /// plan the batch path writes from it passes `lpo-check`.
    #[test]
    fn mip_equals_exhaustive_enumeration(
        spec in proptest::collection::vec((0..8usize, 5..250u32, 1..3u8), 1..5),
        cs in cons_spec(),
    ) {
        let e = engine();
        let cons = cons_of(e, &cs);
        let csv = tiny_csv(&spec);
        let orders = orders_from_csv(&csv);
        let (batch, quotes) = batch_of(e, &cons, &orders);
        let oracle = brute_force(e, &cons, &orders, &quotes);
        // The plan the whole batch path writes passes the independent checker, in-process.
        let checked = plan_and_check(e, &cons, &csv);
        prop_assert_eq!(checked.is_some(), oracle.is_some(), "plan {:?} vs enumeration {:?}", checked, oracle);
        if let Some(report) = &checked {
            prop_assert!(report.ok(), "the checker refuses the plan: {:?}", report.problems);
            prop_assert_eq!(report.rows, report.orders);
        }
        match (lpo_solve::solve(e, &cons, &batch, &settings()), oracle) {
            (Ok(sol), Some(best)) => {
                prop_assert!((sol.objective_cents - best).abs() < 1e-6,
                    "MIP {} vs enumeration {best}", sol.objective_cents);
                prop_assert_eq!(lpo_solve::violation(e, &cons, &batch, &sol.alloc), None);
                let exact = lpo_solve::objective(&cons, &batch, &sol.alloc);
                prop_assert!((exact - sol.objective_cents).abs() < 1e-9);
            }
            (Err(SolveError::Infeasible(_)), None) => {}
            (got, want) => prop_assert!(false, "solver {got:?}, enumeration {want:?}"),
        }
    }
}

/// The first `n` valid single-parcel orders of the sample (with counts of parcels and orders
/// the same, count capacities and commitments give an integral relaxation).
fn sample_orders(n: usize) -> Vec<Order> {
    let text = std::fs::read(root().join("examples/orders.csv")).unwrap_or_else(|e| panic!("{e}"));
    read_orders(&text)
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .filter_map(|o| o.order.ok())
        .filter(|o| o.parcels.len() == 1)
        .take(n)
        .collect()
}

/// The least cost as a function of a capacity's limit is convex (for an integral relaxation),
/// and the LP's shadow price is a subgradient of it: f(L+1) ≥ f(L) + s and f(L−1) ≥ f(L) − s.
#[test]
fn shadow_prices_bound_the_cost_of_one_more_or_one_less_parcel() {
    let e = engine();
    let orders = sample_orders(300);
    let mk = |limit: u64| Constraints {
        capacities: vec![Capacity {
            id: "st".into(),
            origin: String::new(),
            scope: Scope {
                carrier: carrier(e, "startrack"),
                service: None,
                warehouse: None,
            },
            unit: CapacityUnit::Parcels,
            limit,
        }],
        commitments: vec![Commitment {
            id: "ax".into(),
            origin: String::new(),
            carrier: carrier(e, "aramex"),
            unit: CommitmentUnit::Parcels,
            min: 45,
            penalty: None,
        }],
        tiers: Vec::new(),
    };
    let solve = |limit: u64| {
        let cons = mk(limit);
        let (batch, _) = batch_of(e, &cons, &orders);
        lpo_solve::solve(e, &cons, &batch, &settings()).unwrap_or_else(|err| panic!("{err}"))
    };
    let limit = 40;
    let mid = solve(limit);
    assert!(mid.stats.relaxation_integral);
    let cap = mid
        .rows
        .iter()
        .find(|r| r.row == Row::Capacity(0))
        .unwrap_or_else(|| panic!("no capacity row"));
    assert!(cap.binding, "the test needs a binding capacity: {cap:?}");
    let s = cap
        .shadow_cents
        .unwrap_or_else(|| panic!("no shadow price"));
    assert!(s < 0.0, "more capacity cannot cost more: {s}");
    let up = solve(limit + 1).objective_cents;
    let down = solve(limit - 1).objective_cents;
    let f = mid.objective_cents;
    assert!(up >= f + s - 1e-6, "f(L+1)={up} f(L)={f} s={s}");
    assert!(down >= f - s - 1e-6, "f(L-1)={down} f(L)={f} s={s}");
    assert!(
        up < f,
        "one more parcel of a binding capacity with a price saves money"
    );

    let commit = mid
        .rows
        .iter()
        .find(|r| r.row == Row::Commitment(0))
        .unwrap_or_else(|| panic!("no commitment row"));
    // The commitment half, on a minimum that binds: a few parcels above what aramex takes at
    // a minimum of 45.
    let min = commit.activity + 5;
    let solve_c = |min: u64| {
        let mut cons = mk(limit);
        cons.commitments[0].min = min;
        let (batch, _) = batch_of(e, &cons, &orders);
        lpo_solve::solve(e, &cons, &batch, &settings()).unwrap_or_else(|err| panic!("{err}"))
    };
    let at = solve_c(min);
    assert!(at.stats.relaxation_integral);
    let row = at
        .rows
        .iter()
        .find(|r| r.row == Row::Commitment(0))
        .unwrap_or_else(|| panic!("no commitment row"));
    assert!(row.binding, "the test needs a binding commitment: {row:?}");
    assert_eq!(row.activity, min);
    let c = row
        .shadow_cents
        .unwrap_or_else(|| panic!("no shadow price on a binding commitment"));
    assert!(
        c >= 0.0,
        "a commitment cannot save money at the margin: {c}"
    );
    let f = at.objective_cents;
    let up = solve_c(min + 1).objective_cents;
    let down = solve_c(min - 1).objective_cents;
    assert!(up >= f + c - 1e-6, "f(M+1)={up} f(M)={f} c={c}");
    assert!(down >= f - c - 1e-6, "f(M-1)={down} f(M)={f} c={c}");
    assert!(up >= f - 1e-6, "a higher minimum cannot cost less");
}

/// When no constraint binds, the global plan is the per-order plan: same cost, same choices.
#[test]
fn nothing_binding_gives_the_per_order_choice() {
    let e = engine();
    let orders = sample_orders(400);
    let cons = Constraints {
        capacities: vec![Capacity {
            id: "roomy".into(),
            origin: String::new(),
            scope: Scope {
                carrier: carrier(e, "startrack"),
                service: None,
                warehouse: None,
            },
            unit: CapacityUnit::Parcels,
            limit: 100_000,
        }],
        commitments: vec![Commitment {
            id: "zero".into(),
            origin: String::new(),
            carrier: carrier(e, "aramex"),
            unit: CommitmentUnit::Parcels,
            min: 0,
            penalty: None,
        }],
        tiers: Vec::new(),
    };
    let (batch, quotes) = batch_of(e, &cons, &orders);
    let sol = lpo_solve::solve(e, &cons, &batch, &settings()).unwrap_or_else(|err| panic!("{err}"));
    let greedy: i64 = quotes
        .iter()
        .filter_map(|q| q.options.first())
        .map(|o| o.score.0)
        .sum();
    assert_eq!(sol.objective_cents, greedy as f64);
    let choices = lpo_solve::assign(&batch, &sol.alloc);
    for (i, (c, q)) in choices.iter().zip(&quotes).enumerate() {
        match c {
            Some((opt, band)) => {
                assert_eq!((*opt, *band), (0, 0), "order {i} left its cheapest option");
            }
            None => assert!(q.options.is_empty()),
        }
    }
}

// ---- the command line -------------------------------------------------------------------------

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"))
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// `lpo check` (or any run) exited 0; its output on failure.
fn assert_passed(out: &Output) {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn write(p: &Path, text: &str) {
    std::fs::write(p, text).unwrap_or_else(|e| panic!("{e}"));
}

/// The quick start (the bundled constraints): a plan `lpo check` accepts, a report whose
/// figures agree with the plan, and byte-identical results across runs and thread counts.
#[test]
fn quick_start_plan_passes_the_checker_and_is_deterministic() {
    let dir = tmp();
    let orders = root().join("examples/orders.csv");
    let plan = dir.path().join("plan.csv");
    let report = dir.path().join("report.json");
    let out = lpo(
        &[
            "optimise",
            "--orders",
            s(&orders),
            "--out",
            s(&plan),
            "--report",
            s(&report),
            // Proven optimal is what is asserted: the limit only bounds a hang.
            "--time-limit",
            "3600",
        ],
        &root(),
    );
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("global: optimal"), "{err}");
    let check = lpo(
        &["check", "--orders", s(&orders), "--plan", s(&plan)],
        &root(),
    );
    assert_passed(&check);
    let r: serde_json::Value =
        serde_json::from_str(&read(&report)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r["status"], "optimal");
    assert!(r["gap_pct"].as_f64().unwrap_or(1.0) <= 0.01);
    // The report's plan cost is the plan's total, to the cent.
    let mut total = 0i64;
    let mut rdr = csv::Reader::from_path(&plan).unwrap_or_else(|e| panic!("{e}"));
    let h = rdr.headers().cloned().unwrap_or_default();
    let ti = h.iter().position(|x| x == "total").unwrap_or(0);
    for rec in rdr.records() {
        let rec = rec.unwrap_or_else(|e| panic!("{e}"));
        if let Ok(c) = lpo_model::parse_decimal(rec.get(ti).unwrap_or(""), 2, false) {
            total += c;
        }
    }
    assert_eq!(r["cost"]["plan_cents"].as_i64(), Some(total));
    // Every constraint is in the report with a verdict in words.
    let names: Vec<&str> = r["constraints"]
        .as_array()
        .map(|a| a.iter().filter_map(|c| c["id"].as_str()).collect())
        .unwrap_or_default();
    for id in [
        "startrack_syd_truck",
        "couriersplease_mel",
        "aramex_daily_minimum",
        "hunter_spend",
    ] {
        assert!(names.contains(&id), "{id} missing from {names:?}");
    }
    assert!(r["model"]["classes"].as_u64().unwrap_or(0) > 0);

    // Same inputs, same bytes; the thread count changes nothing.
    for threads in ["1", "2"] {
        let again = dir.path().join(format!("plan-{threads}.csv"));
        let out = lpo(
            &[
                "optimise",
                "--orders",
                s(&orders),
                "--out",
                s(&again),
                "--threads",
                threads,
                "-q",
            ],
            &root(),
        );
        assert_eq!(out.status.code(), Some(3));
        assert!(
            read(&again) == read(&plan),
            "plans differ with --threads {threads}"
        );
    }
}

/// A constraints file no plan can meet: exit 4, the reasons with the numbers, no plan written.
#[test]
fn infeasible_constraints_exit_4_with_reasons_and_no_plan() {
    let dir = tmp();
    let orders = root().join("examples/orders.csv");
    let cons = dir.path().join("c.yaml");
    write(
        &cons,
        "commitments:\n  - id: too_much_aramex\n    carrier: aramex\n    min_parcels: 5000\ncapacities:\n  - id: no_startrack\n    carrier: startrack\n    max_parcels: 0\n",
    );
    let plan = dir.path().join("plan.csv");
    let out = lpo(
        &[
            "optimise",
            "--orders",
            s(&orders),
            "--out",
            s(&plan),
            "--constraints",
            s(&cons),
        ],
        &root(),
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{err}");
    assert!(!plan.exists(), "no plan may be written");
    // How many parcels could go by Aramex at all, counted from the options table.
    let opts = dir.path().join("opts.csv");
    let greedy = lpo(
        &[
            "optimise",
            "--orders",
            s(&orders),
            "--out",
            s(&dir.path().join("g.csv")),
            "--options-out",
            s(&opts),
            "--greedy",
            "-q",
        ],
        &root(),
    );
    assert_eq!(greedy.status.code(), Some(3));
    let mut can = std::collections::BTreeSet::new();
    let mut rdr = csv::Reader::from_path(&opts).unwrap_or_else(|e| panic!("{e}"));
    for rec in rdr.records().flatten() {
        if rec.get(2) == Some("aramex") {
            can.insert(rec.get(0).unwrap_or("").to_string());
        }
    }
    assert!(
        err.contains(&format!("only {} orders of the batch", can.len())),
        "{err}"
    );
    assert!(
        err.contains("too_much_aramex") && err.contains("5,000 parcels"),
        "{err}"
    );
}

/// Changing one cent, one service or one row of a good plan makes `lpo check` fail and say where.
#[test]
fn checker_catches_tampering() {
    let dir = tmp();
    let orders = root().join("examples/orders.csv");
    let plan = dir.path().join("plan.csv");
    let out = lpo(
        &["optimise", "--orders", s(&orders), "--out", s(&plan), "-q"],
        &root(),
    );
    assert_eq!(out.status.code(), Some(3));
    let good = read(&plan);
    let lines: Vec<&str> = good.lines().collect();
    let alloc_line = lines
        .iter()
        .position(|l| l.contains(",allocated,"))
        .unwrap_or_else(|| panic!("no allocated row"));

    let check = |text: &str| {
        let p = dir.path().join("t.csv");
        write(&p, text);
        lpo(&["check", "--orders", s(&orders), "--plan", s(&p)], &root())
    };
    let ok = check(&good);
    assert_eq!(ok.status.code(), Some(0));

    // One cent off the total.
    let mut fields: Vec<String> = lines[alloc_line].split(',').map(String::from).collect();
    let total: i64 = lpo_model::parse_decimal(&fields[11], 2, false).unwrap_or(0);
    fields[11] = Cents(total + 1).to_string();
    let mut bad = lines.clone();
    let edited = fields.join(",");
    bad[alloc_line] = &edited;
    let out = check(&(bad.join("\n") + "\n"));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        err.contains(&format!("plan line {}", alloc_line + 1)) && err.contains("does not re-price"),
        "{err}"
    );

    // A row dropped.
    let mut bad = lines.clone();
    bad.remove(alloc_line);
    let out = check(&(bad.join("\n") + "\n"));
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing from the plan"));

    // The bundled capacity broken: the per-order plan sends 169 parcels by StarTrack from syd.
    let greedy = dir.path().join("greedy.csv");
    let out = lpo(
        &[
            "optimise",
            "--orders",
            s(&orders),
            "--out",
            s(&greedy),
            "--greedy",
            "-q",
        ],
        &root(),
    );
    assert_eq!(out.status.code(), Some(3));
    let out = lpo(
        &["check", "--orders", s(&orders), "--plan", s(&greedy)],
        &root(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("capacity `startrack_syd_truck`"));
    let out = lpo(
        &[
            "check",
            "--orders",
            s(&orders),
            "--plan",
            s(&greedy),
            "--no-constraints",
        ],
        &root(),
    );
    assert_eq!(out.status.code(), Some(0));
}

/// Broken constraint files are refused with file:line and a hint, and nothing runs.
#[test]
fn constraint_file_errors_name_the_line() {
    let dir = tmp();
    let orders = root().join("examples/orders.csv");
    let plan = dir.path().join("plan.csv");
    for (text, want) in [
        (
            "capacities:\n  - id: a\n    carrier: startrak\n    max_parcels: 5\n",
            "unknown carrier `startrak`\n  --> c.yaml:3:14",
        ),
        (
            "capacities:\n  - id: a\n    carrier: startrack\n    max_parcels: 5\n    max_kg: 4\n",
            "needs exactly one of max_parcels and max_kg",
        ),
        (
            "capacities:\n  - id: a\n    carrier: startrack\n    from: sydney\n    max_parcels: 5\n",
            "unknown warehouse `sydney`",
        ),
        (
            "commitments:\n  - id: a\n    carrier: aramex\n    min_parcels: 5\n    penalty: -1\n",
            "penalty must not be negative",
        ),
        (
            "tiers:\n  - id: t\n    carrier: tge\n    applies: all\n    tiers:\n      - { from_parcels: 50, discount_pct: 3 }\n      - { from_parcels: 20, discount_pct: 5 }\n",
            "c.yaml:7",
        ),
        (
            "tiers:\n  - id: t\n    carrier: tge\n    applies: sometimes\n    tiers: []\n",
            "c.yaml:4",
        ),
        (
            "capacities:\n  - id: a\n    carrier: aramex\n    max_parcels: 1\n  - id: a\n    carrier: tge\n    max_parcels: 1\n",
            "constraint `a` is also defined at",
        ),
    ] {
        let cons = dir.path().join("c.yaml");
        write(&cons, text);
        let out = lpo(
            &[
                "optimise",
                "--orders",
                s(&orders),
                "--out",
                s(&plan),
                "--constraints",
                s(&cons),
            ],
            &root(),
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{text}\n{err}");
        assert!(err.contains(want), "{want:?} not in:\n{err}");
        assert!(!plan.exists());
    }
}

/// A batch big enough for the solver's sampling, grouping and column generation (over 6,000
/// classes): the benchmark's constraints scaled to 8,000 orders. The plan passes `lpo check`,
/// and neither `--threads` nor `--solver-threads` changes a byte of it.
#[test]
fn a_larger_batch_is_checked_and_deterministic() {
    let dir = tmp();
    let orders = dir.path().join("orders.csv");
    let out = lpo(
        &[
            "gen-orders",
            "--count",
            "8000",
            "--seed",
            "7",
            "--date",
            "2026-11-26",
            "--out",
            s(&orders),
        ],
        &root(),
    );
    assert_eq!(out.status.code(), Some(0));
    // Every count of the 100,000-order benchmark file, times 0.08.
    let scaled: String = read(&root().join("benches/constraints/day-100k.yaml"))
        .lines()
        .map(|l| {
            let scale = |key: &str, l: &str| {
                l.split_once(key).map(|(head, n)| {
                    let n: f64 = n
                        .trim()
                        .trim_end_matches(" }")
                        .split(',')
                        .next()
                        .unwrap_or("0")
                        .trim()
                        .parse()
                        .unwrap_or(0.0);
                    let rest = l
                        .split_once(',')
                        .map_or(String::new(), |(_, r)| format!(",{r}"));
                    format!("{head}{key} {}{rest}", (n * 0.08).round().max(1.0))
                })
            };
            scale("max_parcels:", l)
                .or_else(|| scale("min_parcels:", l))
                .or_else(|| scale("min_spend:", l))
                .or_else(|| scale("from_parcels:", l))
                .unwrap_or_else(|| l.to_string())
        })
        .collect::<Vec<_>>()
        .join("\n");
    let cons = dir.path().join("day.yaml");
    write(&cons, &(scaled + "\n"));
    let plan = dir.path().join("plan.csv");
    let report = dir.path().join("report.json");
    let run = |plan: &Path, extra: &[&str]| {
        let mut args = vec![
            "optimise",
            "--orders",
            s(&orders),
            "--out",
            s(plan),
            "--constraints",
            s(&cons),
            "--date",
            "2026-11-26",
            "-q",
            // Proven optimal is what is asserted: the limit only bounds a hang.
            "--time-limit",
            "3600",
        ];
        args.extend_from_slice(extra);
        lpo(&args, &root())
    };
    let out = run(&plan, &["--report", s(&report)]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value =
        serde_json::from_str(&read(&report)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r["status"], "optimal", "{r}");
    assert!(
        r["model"]["classes"].as_u64().unwrap_or(0) > 6_000,
        "{}",
        r["model"]
    );
    let check = lpo(
        &[
            "check",
            "--orders",
            s(&orders),
            "--plan",
            s(&plan),
            "--constraints",
            s(&cons),
            "--date",
            "2026-11-26",
        ],
        &root(),
    );
    assert_passed(&check);
    let again = dir.path().join("again.csv");
    let out = run(&again, &["--threads", "1", "--solver-threads", "2"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        read(&again) == read(&plan),
        "plans differ across thread counts"
    );
}

/// Bad rows under global constraints: every input order is still in the plan, the invalid ones
/// `rejected` with their line and field, and the checker agrees.
#[test]
fn rejected_rows_stay_in_a_global_plan() {
    let dir = tmp();
    let orders = root().join("examples/orders-with-errors.csv");
    let cons = dir.path().join("c.yaml");
    write(
        &cons,
        "capacities:\n  - id: one_startrack\n    carrier: startrack\n    max_parcels: 1\n",
    );
    let plan = dir.path().join("plan.csv");
    let out = lpo(
        &[
            "optimise",
            "--orders",
            s(&orders),
            "--out",
            s(&plan),
            "--constraints",
            s(&cons),
            "-q",
        ],
        &root(),
    );
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = read(&plan);
    assert!(text.contains("BAD-WEIGHT,rejected"), "{text}");
    assert!(
        text.contains("line 6, weight_kg: `-2` must be greater than 0"),
        "{text}"
    );
    assert!(text.contains("TOO-HEAVY-LOCKER,unallocated"), "{text}");
    let startrack = text.lines().filter(|l| l.contains(",startrack,")).count();
    assert!(startrack <= 1, "capacity of one parcel: {text}");
    let check = lpo(
        &[
            "check",
            "--orders",
            s(&orders),
            "--plan",
            s(&plan),
            "--constraints",
            s(&cons),
        ],
        &root(),
    );
    assert_passed(&check);
}

/// `--time-limit` and `--gap` out of range are usage errors (exit 2) that name the flag, and
/// nothing is written.
#[test]
fn time_limit_and_gap_out_of_range_are_usage_errors() {
    let dir = tmp();
    let orders = root().join("examples/orders.csv");
    let plan = dir.path().join("plan.csv");
    for (flag, value) in [
        ("--time-limit", "0"),
        ("--time-limit", "-5"),
        ("--time-limit", "NaN"),
        ("--time-limit", "inf"),
        ("--time-limit", "1e400"),
        ("--time-limit", "ten"),
        ("--gap", "-0.5"),
        ("--gap", "1e400"),
        ("--gap", "100"),
    ] {
        let arg = format!("{flag}={value}");
        let out = lpo(
            &["optimise", "--orders", s(&orders), "--out", s(&plan), &arg],
            &root(),
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{arg}: {err}");
        assert!(err.contains(flag), "{arg}: {err}");
        assert!(!plan.exists(), "{arg}: no plan may be written");
    }
}

/// Tier schedules whose bands make more combinations than the solver takes are refused by
/// validation, at the schedule that passes the limit.
#[test]
fn too_many_tier_combinations_are_refused_with_the_line() {
    let dir = tmp();
    let cons = dir.path().join("c.yaml");
    let mut text = String::from("tiers:\n");
    for (i, carrier) in ["auspost", "tge", "startrack"].iter().enumerate() {
        text.push_str(&format!(
            "  - id: t{i}\n    carrier: {carrier}\n    applies: all\n    tiers:\n"
        ));
        for k in 1..=7 {
            text.push_str(&format!(
                "      - {{ from_parcels: {}, discount_pct: {k} }}\n",
                k * 100
            ));
        }
    }
    write(&cons, &text);
    let out = lpo(
        &[
            "optimise",
            "--orders",
            s(&root().join("examples/orders.csv")),
            "--out",
            s(&dir.path().join("plan.csv")),
            "--constraints",
            s(&cons),
        ],
        &root(),
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    // 8 × 8 = 64 combinations pass; the third schedule (its `- id:` on line 24) makes 512.
    assert!(err.contains("c.yaml:24"), "{err}");
    assert!(err.contains("512 combinations"), "{err}");
}

/// A time limit too short to finish never claims infeasibility: the run either writes the best
/// plan found (with its status and proven gap) or says no plan was found and that the
/// constraints are not proven infeasible.
#[test]
fn a_short_time_limit_is_never_called_infeasible() {
    let dir = tmp();
    let orders = root().join("examples/orders.csv");
    let plan = dir.path().join("plan.csv");
    let report = dir.path().join("r.json");
    let out = lpo(
        &[
            "optimise",
            "--orders",
            s(&orders),
            "--out",
            s(&plan),
            "--report",
            s(&report),
            "--time-limit",
            "0.000001",
        ],
        &root(),
    );
    let err = String::from_utf8_lossy(&out.stderr);
    match out.status.code() {
        Some(1) => {
            assert!(err.contains("not proven infeasible"), "{err}");
            assert!(!plan.exists());
        }
        Some(0 | 3) => {
            let r: serde_json::Value =
                serde_json::from_str(&read(&report)).unwrap_or_else(|e| panic!("{e}"));
            let status = r["status"].as_str().unwrap_or("");
            assert!(
                ["optimal", "time_limit", "feasible"].contains(&status),
                "{status}"
            );
            assert!(r["bound_cents"].as_f64().is_some(), "{r}");
            assert!(r["objective_cents"].as_f64() >= r["bound_cents"].as_f64());
        }
        other => panic!("exit {other:?}: {err}"),
    }
}

/// Capacities that others imply (a copy, a looser one inside the same scope, a looser one over
/// a wider scope than a tighter one) change nothing but the report: the same least cost as
/// without them, a plan the checker accepts against all of them, and a report row for each,
/// measured on the plan.
#[test]
fn implied_capacities_leave_the_least_cost_alone_and_are_reported() {
    let dir = tmp();
    let orders = root().join("examples/orders.csv");
    let daily = read(&root().join("constraints/daily.yaml"));
    let implied = "  - id: truck_again\n    carrier: startrack\n    from: syd\n    max_parcels: 60\n  - id: truck_looser\n    carrier: startrack\n    from: syd\n    max_parcels: 75\n  - id: cp_road_mel\n    carrier: couriersplease\n    from: mel\n    service: road\n    max_parcels: 61\n";
    let extended = daily.replacen("capacities:\n", &format!("capacities:\n{implied}"), 1);
    assert_ne!(extended, daily);
    let run = |name: &str, text: &str| {
        let cons = dir.path().join(format!("{name}.yaml"));
        write(&cons, text);
        let plan = dir.path().join(format!("{name}.csv"));
        let report = dir.path().join(format!("{name}.json"));
        let out = lpo(
            &[
                "optimise",
                "--orders",
                s(&orders),
                "--constraints",
                s(&cons),
                "--out",
                s(&plan),
                "--report",
                s(&report),
                "--time-limit",
                "3600",
            ],
            &root(),
        );
        assert_eq!(
            out.status.code(),
            Some(3),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let check = lpo(
            &[
                "check",
                "--orders",
                s(&orders),
                "--plan",
                s(&plan),
                "--constraints",
                s(&cons),
            ],
            &root(),
        );
        assert_passed(&check);
        let r: serde_json::Value =
            serde_json::from_str(&read(&report)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r["status"], "optimal");
        (String::from_utf8_lossy(&out.stderr).into_owned(), r)
    };
    let (_, plain) = run("plain", &daily);
    let (err, with) = run("extended", &extended);
    assert!(
        err.contains("3 of 5 capacities are implied by another"),
        "{err}"
    );
    assert_eq!(with["cost"]["plan_cents"], plain["cost"]["plan_cents"]);
    let rows = with["constraints"].as_array().cloned().unwrap_or_default();
    let row = |id: &str| {
        rows.iter()
            .find(|c| c["id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("{id} missing from {rows:?}"))
    };
    // Every capacity of the file has its row, in the file's order.
    let ids: Vec<&str> = rows.iter().filter_map(|c| c["id"].as_str()).collect();
    assert_eq!(
        ids.get(..5),
        Some(
            &[
                "truck_again",
                "truck_looser",
                "cp_road_mel",
                "startrack_syd_truck",
                "couriersplease_mel"
            ][..]
        ),
        "{ids:?}"
    );
    // The copy of the truck counts what the truck counts.
    let (truck, again) = (row("startrack_syd_truck"), row("truck_again"));
    assert!(truck["used"].as_u64().is_some_and(|n| n > 0), "{truck}");
    assert_eq!(truck["used"], again["used"], "{truck} {again}");
    // What is left out of the model cannot bind alone: its shadow price is zero.
    assert_eq!(
        row("truck_looser")["shadow_price_cents_per_unit"].as_f64(),
        Some(0.0)
    );
}
