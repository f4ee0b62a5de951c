//! Per-order or global: the one place the choice is made.

use lpo_engine::Constraints;
use lpo_model::Strategy;

/// How a batch is planned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Each order's own best option (`--greedy`, or no constraints).
    PerOrder,
    /// The day as one model under the global constraints.
    Global,
}

impl Method {
    /// The one place the choice is made: global when the day has constraints or `global` is
    /// asked for, unless `greedy` asks for the per-order choice.
    pub fn choose(greedy: bool, global: bool, cons: &Constraints) -> Method {
        if !greedy && (global || !cons.is_empty()) {
            Method::Global
        } else {
            Method::PerOrder
        }
    }

    /// `per_order` or `global`, as reports and the HTTP service name it.
    pub fn name(self) -> &'static str {
        match self {
            Method::PerOrder => "per_order",
            Method::Global => "global",
        }
    }

    /// Whether the method can plan under `strategy`: the global plan minimises cost, so it
    /// takes `cheapest` only.
    pub fn takes(self, strategy: &Strategy) -> bool {
        self == Method::PerOrder || matches!(strategy, Strategy::Cheapest)
    }
}
