//! The what-if comparison's data: what happened to each order, grouped by move, cause, carrier
//! and zone (the JSON of `lpo diff --format json`).

use std::collections::BTreeMap;

use serde::Serialize;

/// What happened to one order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// Allocated on both sides, to another service or warehouse.
    Moved,
    /// Same service and warehouse, another price.
    Repriced,
    NewlyUnallocated,
    NewlyAllocated,
    RejectedOnBaseOnly,
    RejectedOnHeadOnly,
}

impl Change {
    /// The name used in every output (as in the JSON).
    pub fn name(self) -> &'static str {
        match self {
            Change::Moved => "moved",
            Change::Repriced => "repriced",
            Change::NewlyUnallocated => "newly_unallocated",
            Change::NewlyAllocated => "newly_allocated",
            Change::RejectedOnBaseOnly => "rejected_on_base_only",
            Change::RejectedOnHeadOnly => "rejected_on_head_only",
        }
    }
}

/// One changed order.
#[derive(Debug, Clone, Serialize)]
pub struct OrderChange {
    pub order_id: String,
    pub change: Change,
    pub base: Option<String>,
    pub head: Option<String>,
    pub base_cents: i64,
    pub head_cents: i64,
    pub delta_cents: i64,
    /// Why, as far as the two quotes tell: the rule, exclusion or price lines responsible.
    pub cause: String,
    #[serde(skip)]
    pub cause_key: String,
    #[serde(skip)]
    pub index: usize,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Volume {
    pub base_parcels: u64,
    pub head_parcels: u64,
    pub base_cents: i64,
    pub head_cents: i64,
}

impl Volume {
    /// Whether parcels or cost differ between the sides.
    pub fn changed(&self) -> bool {
        self.base_parcels != self.head_parcels || self.base_cents != self.head_cents
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Group {
    pub key: String,
    pub orders: u64,
    pub delta_cents: i64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Lost {
    pub orders: u64,
    pub cents: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct FileChange {
    pub path: String,
    /// `added`, `removed` or `modified`.
    pub change: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct SideSummary {
    pub label: String,
    pub config_version: String,
    pub method: &'static str,
    pub total_cents: i64,
    pub allocated: u64,
    pub unallocated: u64,
    pub rejected: u64,
}

/// The whole diff (the JSON output).
#[derive(Debug, Clone, Serialize)]
pub struct Diff {
    pub orders: u64,
    pub parcels: u64,
    pub base: SideSummary,
    pub head: SideSummary,
    /// Head total minus base total (each over the orders allocated on that side).
    pub delta_cents: i64,
    /// The difference over orders allocated on both sides: the like-for-like cost of the change.
    pub like_for_like_cents: i64,
    /// Orders allocated on base but not on head, and what they cost on base (the head total
    /// leaves them out, so they lower it).
    pub dropped: Lost,
    /// Orders allocated on head but not on base, and what they cost on head.
    pub added: Lost,
    /// Things that make the comparison less than exact (a solver stopped at its time limit,
    /// orders dropped on one side).
    pub warnings: Vec<String>,
    pub counts: BTreeMap<String, u64>,
    /// (old → new service) with counts and cost deltas, largest effect first.
    pub moves: Vec<Group>,
    /// The causes found, with the orders and cost each explains.
    pub causes: Vec<Group>,
    pub by_carrier: BTreeMap<String, Volume>,
    pub by_zone: BTreeMap<String, Volume>,
    pub changed_files: Vec<FileChange>,
    /// Every changed order, largest cost change first (the text formats show `--top`).
    pub changes: Vec<OrderChange>,
}

pub fn money(c: i64) -> String {
    crate::report::dollars(c)
}

pub fn signed(c: i64) -> String {
    if c > 0 {
        format!("+{}", money(c))
    } else if c < 0 {
        format!("-{}", money(-c))
    } else {
        "$0.00".into()
    }
}
