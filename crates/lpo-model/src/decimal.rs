//! Exact decimal parsing: `"2.505"` kg becomes 2505 g without passing through floating point.

use std::fmt;

/// Why a decimal string could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecimalError {
    Empty,
    NotANumber,
    TooManyDecimals { max: u32 },
    TooLarge,
}

impl fmt::Display for DecimalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecimalError::Empty => f.write_str("is empty"),
            DecimalError::NotANumber => f.write_str("is not a number"),
            DecimalError::TooManyDecimals { max } => {
                write!(f, "has more than {max} decimal places")
            }
            DecimalError::TooLarge => f.write_str("is too large"),
        }
    }
}

impl std::error::Error for DecimalError {}

/// Parses a plain decimal (`-12.5`, `0.25`, `3`, `+7.`) into an integer scaled by `10^scale`.
///
/// With `round` the digits past `scale` are rounded half away from zero; without it they must be
/// zeros, otherwise [`DecimalError::TooManyDecimals`]. Exponents, thousands separators, `NaN`
/// and `inf` are rejected.
pub fn parse_decimal(text: &str, scale: u32, round: bool) -> Result<i64, DecimalError> {
    let s = text.trim();
    if s.is_empty() {
        return Err(DecimalError::Empty);
    }
    let (negative, digits) = if let Some(rest) = s.strip_prefix('-') {
        (true, rest)
    } else if let Some(rest) = s.strip_prefix('+') {
        (false, rest)
    } else {
        (false, s)
    };
    let (int_part, frac_part) = match digits.split_once('.') {
        Some((i, f)) => (i, f),
        None => (digits, ""),
    };
    if int_part.is_empty() && frac_part.is_empty() {
        return Err(DecimalError::NotANumber);
    }
    if !int_part.bytes().all(|b| b.is_ascii_digit())
        || !frac_part.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(DecimalError::NotANumber);
    }
    let mut value: i64 = 0;
    for b in int_part.bytes() {
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(i64::from(b - b'0')))
            .ok_or(DecimalError::TooLarge)?;
    }
    let frac = frac_part.as_bytes();
    for i in 0..scale as usize {
        let d = frac.get(i).map_or(0, |b| i64::from(b - b'0'));
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(d))
            .ok_or(DecimalError::TooLarge)?;
    }
    let rest = frac.get(scale as usize..).unwrap_or(&[]);
    if rest.iter().any(|&b| b != b'0') {
        if !round {
            return Err(DecimalError::TooManyDecimals { max: scale });
        }
        if rest.first().is_some_and(|&b| b >= b'5') {
            value = value.checked_add(1).ok_or(DecimalError::TooLarge)?;
        }
    }
    Ok(if negative { -value } else { value })
}

/// `num / den` rounded to the nearest integer, halves away from zero. `den` must not be zero.
pub fn div_round_half_away(num: i128, den: i128) -> i64 {
    debug_assert!(den != 0, "division by zero");
    let (n, d) = if den < 0 { (-num, -den) } else { (num, den) };
    let q = if n >= 0 {
        (2 * n + d) / (2 * d)
    } else {
        -((-2 * n + d) / (2 * d))
    };
    i64::try_from(q).unwrap_or(if q > 0 { i64::MAX } else { i64::MIN })
}

/// [`div_round_half_away`] for `i64` with a positive divisor, without 128-bit division.
#[inline]
pub fn div_round_half_away_i64(num: i64, den: i64) -> i64 {
    debug_assert!(den > 0, "divisor must be positive");
    let q = num / den;
    let r = num % den;
    if r.unsigned_abs() * 2 >= den.unsigned_abs() {
        q + num.signum()
    } else {
        q
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_exactly() {
        assert_eq!(parse_decimal("2.505", 3, false), Ok(2505));
        assert_eq!(parse_decimal("0.25", 3, false), Ok(250));
        assert_eq!(parse_decimal("-12.5", 2, false), Ok(-1250));
        assert_eq!(parse_decimal("7", 2, false), Ok(700));
        assert_eq!(parse_decimal(".5", 1, false), Ok(5));
        assert_eq!(parse_decimal(" 3. ", 0, false), Ok(3));
        assert_eq!(parse_decimal("1.2345", 3, true), Ok(1235));
        assert_eq!(parse_decimal("-1.2345", 3, true), Ok(-1235));
        assert_eq!(parse_decimal("1.2344", 3, true), Ok(1234));
        assert_eq!(parse_decimal("1.2340", 3, false), Ok(1234));
    }

    #[test]
    fn rejects_junk() {
        assert_eq!(parse_decimal("", 2, true), Err(DecimalError::Empty));
        assert_eq!(parse_decimal("1e3", 2, true), Err(DecimalError::NotANumber));
        assert_eq!(parse_decimal("NaN", 2, true), Err(DecimalError::NotANumber));
        assert_eq!(
            parse_decimal("1,000", 2, true),
            Err(DecimalError::NotANumber)
        );
        assert_eq!(parse_decimal("-", 2, true), Err(DecimalError::NotANumber));
        assert_eq!(parse_decimal(".", 2, true), Err(DecimalError::NotANumber));
        assert_eq!(
            parse_decimal("1.234", 2, false),
            Err(DecimalError::TooManyDecimals { max: 2 })
        );
        assert_eq!(
            parse_decimal("99999999999999999999", 0, false),
            Err(DecimalError::TooLarge)
        );
    }

    #[test]
    fn rounds_half_away_from_zero() {
        assert_eq!(div_round_half_away(5, 10), 1);
        assert_eq!(div_round_half_away(4, 10), 0);
        assert_eq!(div_round_half_away(-5, 10), -1);
        assert_eq!(div_round_half_away(-4, 10), 0);
        assert_eq!(div_round_half_away(15, -10), -2);
        assert_eq!(div_round_half_away(25, 10), 3);
        for n in -2000..2000 {
            for d in [1, 2, 3, 7, 10, 1000, 10_000] {
                assert_eq!(
                    div_round_half_away_i64(n, d),
                    div_round_half_away(n.into(), d.into()),
                    "{n}/{d}"
                );
            }
        }
    }
}
