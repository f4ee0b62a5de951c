//! Request text echoed back in an answer (an order id, a field name, a bad value quoted in a
//! message), clipped so that an answer stays bounded whatever the request held: a 60 MiB cell of
//! NUL bytes would otherwise come back as 377 MB of `\u0000`.

use std::borrow::Cow;

/// Most JSON bytes of an order id echoed in a `/v1/quotes` result.
pub(crate) const ID_BYTES: usize = 512;
/// Most JSON bytes of the `field` of a [`crate::FieldProblem`].
pub(crate) const FIELD_BYTES: usize = 256;
/// Most JSON bytes of the `message` of a [`crate::FieldProblem`].
pub(crate) const MESSAGE_BYTES: usize = 1024;
/// Most JSON bytes of a problem's `detail`.
pub(crate) const DETAIL_BYTES: usize = 2048;
/// Most errors listed for one rejected order; a last entry counts the rest.
pub(crate) const ERRORS_PER_ORDER: usize = 20;

/// What the clipped text ends with.
const MORE: &str = "…";

/// Bytes `c` takes inside a JSON string as serde_json writes it.
fn json_len(c: char) -> usize {
    match c {
        '"' | '\\' | '\n' | '\r' | '\t' | '\u{8}' | '\u{c}' => 2,
        c if (c as u32) < 0x20 => 6,
        c => c.len_utf8(),
    }
}

/// `s`, cut at a character boundary (and ended with `…`) so that it takes at most `max` bytes
/// inside a JSON string.
pub(crate) fn clip(s: &str, max: usize) -> Cow<'_, str> {
    let mut used = 0;
    // Where the text must be cut for `…` to fit, once it is known not to fit whole.
    let mut cut = None;
    for (i, c) in s.char_indices() {
        let n = json_len(c);
        if cut.is_none() && used + n + MORE.len() > max {
            cut = Some(i);
        }
        used += n;
        if used > max {
            let at = cut.unwrap_or(i);
            return Cow::Owned(format!("{}{MORE}", s.get(..at).unwrap_or("")));
        }
    }
    Cow::Borrowed(s)
}

/// [`clip`] for an owned string, without copying it when it fits.
pub(crate) fn clip_owned(s: String, max: usize) -> String {
    match clip(&s, max) {
        Cow::Borrowed(_) => s,
        Cow::Owned(c) => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json_bytes(s: &str) -> usize {
        serde_json::to_string(s).map_or(usize::MAX, |j| j.len() - 2)
    }

    #[test]
    fn short_text_is_kept_and_long_text_fits_its_bound() {
        assert!(matches!(clip("order-17", 16), Cow::Borrowed("order-17")));
        for s in [
            "a".repeat(5000),
            "\0".repeat(5000),
            "é\"\\\n".repeat(2000),
            "🦀".repeat(999),
        ] {
            for max in [8, 64, 1000] {
                let c = clip(&s, max);
                assert!(json_bytes(&c) <= max, "{max}: {} bytes", json_bytes(&c));
                assert!(c.ends_with(MORE));
                assert!(s.starts_with(c.trim_end_matches(MORE)));
            }
        }
        // Exactly at the bound: kept whole.
        assert_eq!(clip(&"a".repeat(64), 64), "a".repeat(64));
        assert_eq!(clip_owned("\0".repeat(2), 12), "\0\0");
    }
}
