//! Loading a config root: reading every file with positions, validating, and compiling into an
//! [`lpo_engine::Engine`]. Problems are collected, never thrown at the first one, and nothing is
//! returned when there is an error: a broken configuration is never loaded silently or
//! half-applied.
//!
//! One module per kind of file, each adding its reading to the [`crate::loader::Loader`]:
//! [`manifest`] (`lpo.yaml`, and the whole load), [`postcodes`], [`warehouses`], [`carriers`]
//! (a carrier file, with its [`services`], [`surcharges`] and [`fuel`] levies), [`zones`] (zone
//! tables and polygons), [`rate_table`] (rate CSV files) and [`destinations`] (destination lists
//! of surcharges). Rule files and constraint files are read by `crate::rules` and
//! `crate::constraints`.

mod carriers;
mod destinations;
mod fuel;
mod manifest;
mod postcodes;
mod rate_table;
mod services;
mod surcharges;
mod warehouses;
mod zones;

pub use manifest::{Loaded, discover, load};
