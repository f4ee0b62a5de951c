//! LPO's renderers, pure functions of typed data: the self-contained HTML reports ([`html`]),
//! `lpo diff` as text ([`diff_text`]) and Markdown ([`diff_markdown`]), and the global run's
//! summary ([`solver`]). Nothing here reads a file, prices an order or solves a model.

pub mod diff_markdown;
pub mod diff_text;
pub mod html;
pub mod solver;

pub use diff_markdown::markdown;
pub use diff_text::text;
pub use solver::solver_summary;
