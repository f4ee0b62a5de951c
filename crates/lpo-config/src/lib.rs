//! LPO configuration and file formats: rate cards, warehouses and postcodes read with positions
//! and compiled into an [`lpo_engine::Engine`]; the orders, plan and options CSV; the quote JSON.

pub mod constraints;
pub mod diag;
pub mod files;
mod load;
mod loader;

pub use constraints::load_constraints;
pub use diag::{Diagnostic, Diagnostics, Severity, errors_of};
pub use load::{Loaded, discover, load};
pub use loader::{ConfigFile, MAX_FILE_BYTES};
pub mod rules;
mod validation;

pub use validation::{Validation, validate_manifest};
