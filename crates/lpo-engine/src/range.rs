//! A numeric range with any of four bounds, the test of every measured condition: surcharge
//! conditions ([`crate::compiled::Cond`]) and rule conditions ([`crate::rules::Pred`]) alike.

/// A numeric range with any of four bounds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Range {
    pub over: Option<i64>,
    pub at_least: Option<i64>,
    pub under: Option<i64>,
    pub up_to: Option<i64>,
}

impl Range {
    #[inline]
    pub fn contains(&self, v: i64) -> bool {
        self.over.is_none_or(|b| v > b)
            && self.at_least.is_none_or(|b| v >= b)
            && self.under.is_none_or(|b| v < b)
            && self.up_to.is_none_or(|b| v <= b)
    }

    /// True when no value can satisfy it.
    pub fn is_empty(&self) -> bool {
        let lo = self
            .over
            .map(|b| b.saturating_add(1))
            .into_iter()
            .chain(self.at_least)
            .max();
        let hi = self
            .under
            .map(|b| b.saturating_sub(1))
            .into_iter()
            .chain(self.up_to)
            .min();
        matches!((lo, hi), (Some(l), Some(h)) if l > h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_bounds() {
        let r = Range {
            at_least: Some(150),
            under: Some(200),
            ..Range::default()
        };
        assert!(!r.contains(149));
        assert!(r.contains(150));
        assert!(r.contains(199));
        assert!(!r.contains(200));
        assert!(!r.is_empty());
        assert!(
            Range {
                over: Some(5),
                up_to: Some(5),
                ..Range::default()
            }
            .is_empty()
        );
        assert!(
            !Range {
                over: Some(5),
                up_to: Some(6),
                ..Range::default()
            }
            .is_empty()
        );
    }
}
