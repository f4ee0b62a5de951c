//! The postcode table: every Australian postcode with its localities, state and coordinates.

use std::path::Path;

use lpo_engine::PostcodeIndex;
use lpo_format::line_ends::{Syntax, record_line};
use lpo_model::State;

use crate::diag::Pos;
use crate::loader::Loader;
use crate::loader::repeats::Repeats;
use crate::loader::values::parse_postcode;

impl Loader {
    /// The postcode table (GeoNames, tab-separated): postcodes, places, states and coordinates.
    pub(super) fn postcodes(&mut self, path: &Path) -> Option<PostcodeIndex> {
        let text = self.read(path, Syntax::Csv(b'\t'))?;
        let rel = self.rel(path);
        let mut rdr = csv::ReaderBuilder::new()
            .delimiter(b'\t')
            .flexible(true)
            .from_reader(text.as_bytes());
        let headers = match rdr.headers() {
            Ok(h) => h.clone(),
            Err(e) => {
                self.diags
                    .error("csv-syntax", &Pos::file(&rel), e.to_string(), None);
                return None;
            }
        };
        let col = |name: &str| headers.iter().position(|h| h == name);
        let (Some(pc), Some(place), Some(state), Some(lat), Some(lon)) = (
            col("postal_code"),
            col("place_name"),
            col("admin_code1"),
            col("latitude"),
            col("longitude"),
        ) else {
            self.diags.error(
                "csv-missing-column",
                &Pos::at(&rel, 1, 0),
                "the postcode table needs columns postal_code, place_name, admin_code1, latitude, longitude",
                Some("use the GeoNames AU postal-code table (see data/README.md)".into()),
            );
            return None;
        };
        let mut rows = Vec::new();
        let mut repeats = Repeats::new(&rel);
        for rec in rdr.records() {
            let rec = match rec {
                Ok(r) => r,
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line());
                    self.diags
                        .error("csv-syntax", &Pos::at(&rel, line, 0), e.to_string(), None);
                    continue;
                }
            };
            let line = rec
                .position()
                .map_or(0, |p| record_line(text.as_bytes(), p));
            let get = |i: usize| rec.get(i).unwrap_or("");
            let parsed = (
                parse_postcode(get(pc)),
                get(state).parse::<State>(),
                get(lat).trim().parse::<f64>(),
                get(lon).trim().parse::<f64>(),
            );
            match parsed {
                (Some(p), Ok(s), Ok(la), Ok(lo))
                    if (-90.0..=90.0).contains(&la) && (-180.0..=180.0).contains(&lo) =>
                {
                    // A row twice would count twice in its postcode's centre.
                    let whole = rec.iter().collect::<Vec<_>>().join("\u{0}");
                    if !repeats.repeats(&mut self.diags, whole, line) {
                        rows.push((p, get(place).trim().to_uppercase(), s, la, lo));
                    }
                }
                _ => self.diags.error(
                    "csv-invalid-cell",
                    &Pos::at(&rel, line, 0),
                    format!(
                        "row has an invalid postcode, state or coordinate: `{}` `{}` `{}` `{}`",
                        get(pc),
                        get(state),
                        get(lat),
                        get(lon)
                    ),
                    None,
                ),
            }
        }
        repeats.finish(&mut self.diags);
        Some(PostcodeIndex::new(&rows))
    }
}
