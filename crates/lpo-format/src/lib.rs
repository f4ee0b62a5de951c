//! LPO's file formats, one typed reader and writer each: the orders CSV ([`orders`]), the plan and
//! options CSV and the quote JSON ([`output`], read back by [`plan`]), the quote request JSON
//! ([`request`]), and the line-ending handling every text reader shares ([`line_ends`]).

pub mod input;
pub mod line_ends;
pub mod orders;
pub mod output;
pub mod plan;
pub mod request;
pub mod staged;
