//! Money in integer cents and rates in basis points.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Neg, Sub};

use serde::{Deserialize, Serialize};

use crate::decimal::{DecimalError, div_round_half_away, div_round_half_away_i64, parse_decimal};

/// An amount of Australian dollars in whole cents.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Cents(pub i64);

impl Cents {
    pub const ZERO: Cents = Cents(0);

    /// Reads dollars with at most two decimals (`"14.00"`, `"2.5"`, `"-0.05"`).
    pub fn parse_dollars(text: &str) -> Result<Cents, DecimalError> {
        parse_decimal(text, 2, false).map(Cents)
    }

    /// `self × bp / 10 000`, rounded to the cent, halves away from zero.
    #[inline]
    pub fn pct(self, rate: Bp) -> Cents {
        match self.0.checked_mul(rate.0) {
            Some(n) => Cents(div_round_half_away_i64(n, 10_000)),
            None => Cents(div_round_half_away(
                i128::from(self.0) * i128::from(rate.0),
                10_000,
            )),
        }
    }
}

impl fmt::Display for Cents {
    /// Dollars with two decimals: `12.34`, `-0.05`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", a / 100, a % 100)
    }
}

impl Add for Cents {
    type Output = Cents;
    fn add(self, rhs: Cents) -> Cents {
        Cents(self.0 + rhs.0)
    }
}

impl AddAssign for Cents {
    fn add_assign(&mut self, rhs: Cents) {
        self.0 += rhs.0;
    }
}

impl Sub for Cents {
    type Output = Cents;
    fn sub(self, rhs: Cents) -> Cents {
        Cents(self.0 - rhs.0)
    }
}

impl Neg for Cents {
    type Output = Cents;
    fn neg(self) -> Cents {
        Cents(-self.0)
    }
}

impl Sum for Cents {
    fn sum<I: Iterator<Item = Cents>>(iter: I) -> Cents {
        Cents(iter.map(|c| c.0).sum())
    }
}

/// A percentage in basis points: 10.93 % is `Bp(1093)`.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Bp(pub i64);

impl Bp {
    /// Reads a percentage with at most two decimals (`"7.33"` → 733 bp).
    pub fn parse_pct(text: &str) -> Result<Bp, DecimalError> {
        parse_decimal(text, 2, false).map(Bp)
    }
}

impl fmt::Display for Bp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}%", Cents(self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_dollars() {
        assert_eq!(Cents(1234).to_string(), "12.34");
        assert_eq!(Cents(-5).to_string(), "-0.05");
        assert_eq!(Cents(0).to_string(), "0.00");
        assert_eq!(Bp(733).to_string(), "7.33%");
    }

    #[test]
    fn percentage_rounds_half_away() {
        // 10 % of $0.05 is 0.5 c → 1 c.
        assert_eq!(Cents(5).pct(Bp(1000)), Cents(1));
        // 7.33 % of $12.34 = 90.4522 c → 90 c.
        assert_eq!(Cents(1234).pct(Bp(733)), Cents(90));
        assert_eq!(Cents(-5).pct(Bp(1000)), Cents(-1));
    }
}
