//! Areas: GeoJSON polygons, for zones drawn on the map (carrier files) and the `in_area`
//! condition of rules.

use std::path::Path;

use geo::{LineString, MultiPolygon, Polygon, Validation};
use lpo_format::line_ends::Syntax;

use super::Loader;
use crate::diag::Pos;

impl Loader {
    pub(crate) fn geojson(&mut self, path: &Path) -> Option<MultiPolygon<f64>> {
        let text = self.read(path, Syntax::Text)?;
        let rel = self.rel(path);
        let bad = |l: &mut Loader, msg: String| {
            l.diags.error(
                "invalid-geojson",
                &Pos::file(&rel),
                msg,
                Some("give a GeoJSON Polygon or MultiPolygon (or a Feature/FeatureCollection of them), lon/lat order, closed rings".into()),
            );
        };
        let gj: geojson::GeoJson = match text.parse() {
            Ok(g) => g,
            Err(e) => {
                bad(self, format!("not valid GeoJSON: {e}"));
                return None;
            }
        };
        let geoms: Vec<geojson::Geometry> = match gj {
            geojson::GeoJson::Geometry(g) => vec![g],
            geojson::GeoJson::Feature(f) => f.geometry.into_iter().collect(),
            geojson::GeoJson::FeatureCollection(fc) => {
                fc.features.into_iter().filter_map(|f| f.geometry).collect()
            }
        };
        let mut polygons = Vec::new();
        for g in geoms {
            let rings_list = match g.value {
                geojson::GeometryValue::Polygon { coordinates } => vec![coordinates],
                geojson::GeometryValue::MultiPolygon { coordinates } => coordinates,
                other => {
                    bad(self, format!("{} is not an area", other.type_name()));
                    return None;
                }
            };
            for rings in rings_list {
                let mut ls = Vec::new();
                for ring in rings {
                    let pts: Vec<(f64, f64)> = ring
                        .iter()
                        .map(|p| {
                            (
                                p.as_slice().first().copied().unwrap_or(f64::NAN),
                                p.as_slice().get(1).copied().unwrap_or(f64::NAN),
                            )
                        })
                        .collect();
                    if pts.len() < 4 || pts.first() != pts.last() {
                        bad(self, "a polygon ring needs at least 4 positions and must end where it starts".into());
                        return None;
                    }
                    if pts.iter().any(|&(x, y)| {
                        !(-180.0..=180.0).contains(&x) || !(-90.0..=90.0).contains(&y)
                    }) {
                        bad(self, "a position is not a valid longitude/latitude".into());
                        return None;
                    }
                    ls.push(LineString::from(pts));
                }
                let mut it = ls.into_iter();
                let Some(exterior) = it.next() else {
                    bad(self, "a polygon has no rings".into());
                    return None;
                };
                polygons.push(Polygon::new(exterior, it.collect()));
            }
        }
        if polygons.is_empty() {
            bad(self, "no polygon found".into());
            return None;
        }
        let mp = MultiPolygon::new(polygons);
        if let Err(e) = mp.check_validation() {
            bad(self, format!("invalid polygon: {e}"));
            return None;
        }
        Some(mp)
    }
}
