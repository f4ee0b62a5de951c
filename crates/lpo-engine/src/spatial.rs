//! Spatial indexes: polygon zones (R-tree of bounding boxes, then an exact point-in-polygon test)
//! and nearest-warehouse queries (R-tree over points on the unit sphere, so that straight-line
//! nearest is great-circle nearest).

use geo::{Contains, MultiPolygon, Point};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Great-circle distance in metres between two (lat, lon) points in degrees.
pub fn haversine_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (la1, lo1) = (a.0.to_radians(), a.1.to_radians());
    let (la2, lo2) = (b.0.to_radians(), b.1.to_radians());
    let h = ((la2 - la1) / 2.0).sin().powi(2)
        + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

/// Zones given as polygons; a point takes the zone of the first polygon (in definition order)
/// that contains it.
#[derive(Debug, Clone, Default)]
pub struct PolygonIndex {
    tree: RTree<GeomWithData<Rectangle<[f64; 2]>, u32>>,
    items: Vec<(MultiPolygon<f64>, u16)>,
}

impl PolygonIndex {
    /// Builds the index from polygons and their zones, in priority order.
    pub fn new(items: Vec<(MultiPolygon<f64>, u16)>) -> PolygonIndex {
        let rects = items
            .iter()
            .enumerate()
            .filter_map(|(i, (mp, _))| {
                use geo::BoundingRect;
                let r = mp.bounding_rect()?;
                let idx = u32::try_from(i).ok()?;
                Some(GeomWithData::new(
                    Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                    idx,
                ))
            })
            .collect();
        PolygonIndex {
            tree: RTree::bulk_load(rects),
            items,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Zone of the first polygon containing (lat, lon).
    pub fn locate(&self, lat: f64, lon: f64) -> Option<u16> {
        let p = Point::new(lon, lat);
        self.tree
            .locate_in_envelope_intersecting(AABB::from_point([lon, lat]))
            .map(|g| g.data)
            .filter(|&i| {
                self.items
                    .get(i as usize)
                    .is_some_and(|(mp, _)| mp.contains(&p))
            })
            .min()
            .and_then(|i| self.items.get(i as usize).map(|(_, z)| *z))
    }

    /// The same answer as [`PolygonIndex::locate`] by testing every polygon: the oracle for tests.
    pub fn locate_brute_force(&self, lat: f64, lon: f64) -> Option<u16> {
        let p = Point::new(lon, lat);
        self.items
            .iter()
            .find(|(mp, _)| mp.contains(&p))
            .map(|(_, z)| *z)
    }
}

fn unit_vector(lat: f64, lon: f64) -> [f64; 3] {
    let (la, lo) = (lat.to_radians(), lon.to_radians());
    [la.cos() * lo.cos(), la.cos() * lo.sin(), la.sin()]
}

/// Nearest-warehouse lookups.
#[derive(Debug, Clone, Default)]
pub struct WarehouseIndex {
    tree: RTree<GeomWithData<[f64; 3], u16>>,
}

impl WarehouseIndex {
    pub fn new(points: &[(f64, f64)]) -> WarehouseIndex {
        let items = points
            .iter()
            .enumerate()
            .filter_map(|(i, &(lat, lon))| {
                Some(GeomWithData::new(
                    unit_vector(lat, lon),
                    u16::try_from(i).ok()?,
                ))
            })
            .collect();
        WarehouseIndex {
            tree: RTree::bulk_load(items),
        }
    }

    /// Index of the warehouse nearest to (lat, lon); ties go to the lowest index.
    pub fn nearest(&self, lat: f64, lon: f64) -> Option<u16> {
        let q = unit_vector(lat, lon);
        let mut it = self.tree.nearest_neighbor_iter_with_distance_2(q);
        let (first, d0) = it.next()?;
        let mut best = first.data;
        for (g, d) in it {
            if d > d0 {
                break;
            }
            best = best.min(g.data);
        }
        Some(best)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{LineString, Polygon};
    use proptest::prelude::*;

    fn square(lat: f64, lon: f64, half: f64) -> MultiPolygon<f64> {
        MultiPolygon::new(vec![Polygon::new(
            LineString::from(vec![
                (lon - half, lat - half),
                (lon + half, lat - half),
                (lon + half, lat + half),
                (lon - half, lat + half),
                (lon - half, lat - half),
            ]),
            vec![],
        )])
    }

    fn triangle(lat: f64, lon: f64, size: f64) -> MultiPolygon<f64> {
        MultiPolygon::new(vec![Polygon::new(
            LineString::from(vec![
                (lon, lat),
                (lon + size, lat),
                (lon, lat + size),
                (lon, lat),
            ]),
            vec![],
        )])
    }

    proptest! {
        /// The R-tree answer equals a scan over every polygon, for overlapping, non-convex sets.
        #[test]
        fn polygon_index_matches_brute_force(
            shapes in prop::collection::vec((-44.0f64..-10.0, 113.0f64..154.0, 0.05f64..3.0, any::<bool>()), 1..40),
            points in prop::collection::vec((-45.0f64..-9.0, 112.0f64..155.0), 1..200),
        ) {
            let items: Vec<_> = shapes
                .iter()
                .enumerate()
                .map(|(i, &(lat, lon, s, tri))| (if tri { triangle(lat, lon, s) } else { square(lat, lon, s) }, i as u16 % 7))
                .collect();
            let index = PolygonIndex::new(items);
            for &(lat, lon) in &points {
                prop_assert_eq!(index.locate(lat, lon), index.locate_brute_force(lat, lon));
            }
            // Points at the shapes' own corners and centres exercise the boundaries.
            for &(lat, lon, s, _) in &shapes {
                for (a, b) in [(lat, lon), (lat + s / 3.0, lon + s / 3.0), (lat + s, lon + s)] {
                    prop_assert_eq!(index.locate(a, b), index.locate_brute_force(a, b));
                }
            }
        }

        /// The nearest warehouse by R-tree equals the smallest haversine distance.
        #[test]
        fn nearest_warehouse_matches_haversine_scan(
            whs in prop::collection::vec((-44.0f64..-10.0, 113.0f64..154.0), 1..12),
            points in prop::collection::vec((-45.0f64..-9.0, 112.0f64..155.0), 1..100),
        ) {
            let index = WarehouseIndex::new(&whs);
            for &p in &points {
                let got = index.nearest(p.0, p.1).map(usize::from);
                let best = whs
                    .iter()
                    .map(|&w| haversine_m(p, w))
                    .fold(f64::INFINITY, f64::min);
                let got_d = got.and_then(|i| whs.get(i)).map(|&w| haversine_m(p, w));
                // Equal up to floating-point noise between the two distance formulas.
                prop_assert!(got_d.is_some_and(|d| (d - best).abs() < 1e-3), "{got:?} {got_d:?} vs {best}");
            }
        }
    }

    #[test]
    fn haversine_sydney_melbourne() {
        // Sydney GPO to Melbourne GPO is about 714 km.
        let d = haversine_m((-33.8688, 151.2093), (-37.8136, 144.9631));
        assert!((d / 1000.0 - 713.4).abs() < 2.0, "{d}");
    }
}
