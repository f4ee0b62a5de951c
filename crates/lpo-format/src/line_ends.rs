//! Line endings. Files reach LPO with LF (Unix), CRLF (Windows) or a lone CR (old Mac, and some
//! spreadsheet exports still write it) at the end of each line. Every reader here counts lines by
//! LF, so a lone CR is turned into an LF before parsing; LF and CRLF files are passed through
//! untouched, without a copy.

use std::borrow::Cow;

/// How the text is structured, which decides whether a CR is a line end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    /// YAML, JSON and other text: every lone CR is a line end.
    Text,
    /// CSV with this delimiter: a lone CR inside a quoted field is data and stays as it is; one
    /// outside quotes ends the record (as the csv crate reads it).
    Csv(u8),
}

/// `data` with every lone CR that ends a line turned into LF. Borrowed when there is none.
pub fn unify(data: &[u8], syntax: Syntax) -> Cow<'_, [u8]> {
    if !has_lone_cr(data) {
        return Cow::Borrowed(data);
    }
    let lone = |i: usize| data.get(i + 1) != Some(&b'\n');
    let mut out = data.to_vec();
    match syntax {
        Syntax::Text => {
            for i in memchr::memchr_iter(b'\r', data) {
                if lone(i)
                    && let Some(c) = out.get_mut(i)
                {
                    *c = b'\n';
                }
            }
        }
        Syntax::Csv(delimiter) => {
            let mut quotes = CsvQuotes::new(delimiter);
            for (i, &b) in data.iter().enumerate() {
                if quotes.outside(b)
                    && b == b'\r'
                    && lone(i)
                    && let Some(c) = out.get_mut(i)
                {
                    *c = b'\n';
                }
            }
        }
    }
    Cow::Owned(out)
}

/// Where CSV records can end, as the csv crate reads quotes: a `"` opens a quoted field only at
/// the start of a field (a stray quote inside an unquoted field, `12" box`, is an ordinary
/// character), and inside one `""` is an escaped quote. Fed the bytes of a file in order.
pub(crate) struct CsvQuotes {
    st: QuoteState,
    delimiter: u8,
}

#[derive(Clone, Copy, PartialEq)]
enum QuoteState {
    FieldStart,
    InField,
    Quoted,
    QuoteInQuoted,
}

impl CsvQuotes {
    pub(crate) fn new(delimiter: u8) -> CsvQuotes {
        CsvQuotes {
            st: QuoteState::FieldStart,
            delimiter,
        }
    }

    /// Takes the next byte: whether it stands outside every quoted field (a line break that
    /// does ends a record).
    pub(crate) fn outside(&mut self, b: u8) -> bool {
        use QuoteState::*;
        let (next, outside) = match (self.st, b) {
            (Quoted, b'"') => (QuoteInQuoted, false),
            (Quoted, _) => (Quoted, false),
            (QuoteInQuoted, b'"') => (Quoted, false),
            (FieldStart, b'"') => (Quoted, false),
            (_, b'\n' | b'\r') => (FieldStart, true),
            (_, b) if b == self.delimiter => (FieldStart, true),
            _ => (InField, true),
        };
        self.st = next;
        outside
    }
}

/// Whether some CR in `data` is not followed by an LF.
fn has_lone_cr(data: &[u8]) -> bool {
    memchr::memchr_iter(b'\r', data).any(|i| data.get(i + 1) != Some(&b'\n'))
}

/// The line a CSV record starts on. The reader's position for a record is taken before the blank
/// lines it skips, so those are counted here.
pub fn record_line(data: &[u8], pos: &csv::Position) -> u64 {
    let skipped = data
        .get(usize::try_from(pos.byte()).unwrap_or(usize::MAX)..)
        .unwrap_or(&[])
        .iter()
        .take_while(|&&b| b == b'\n' || b == b'\r')
        .filter(|&&b| b == b'\n')
        .count();
    pos.line() + skipped as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lf_and_crlf_pass_through_without_a_copy() {
        for s in [&b"a,b\n1,2\n"[..], b"a,b\r\n1,2\r\n", b"", b"a"] {
            assert!(matches!(unify(s, Syntax::Csv(b',')), Cow::Borrowed(_)));
            assert!(matches!(unify(s, Syntax::Text), Cow::Borrowed(_)));
        }
    }

    #[test]
    fn lone_crs_become_lfs_and_crlf_stays() {
        let got = unify(b"a,b\r1,2\r\n3,4\r", Syntax::Csv(b','));
        assert_eq!(&*got, b"a,b\n1,2\r\n3,4\n");
        let got = unify(b"k: v\rl: w\r", Syntax::Text);
        assert_eq!(&*got, b"k: v\nl: w\n");
    }

    #[test]
    fn a_cr_inside_quotes_is_data() {
        let got = unify(b"id,n\r\"x\ry\",1\r\"a\"\"\r\",2\r", Syntax::Csv(b','));
        assert_eq!(&*got, b"id,n\n\"x\ry\",1\n\"a\"\"\r\",2\n".as_slice());
        // A quote in the middle of a field opens nothing.
        let got = unify(b"id\t12\" box\rB\r", Syntax::Csv(b'\t'));
        assert_eq!(&*got, b"id\t12\" box\nB\n".as_slice());
        // Outside CSV every lone CR ends a line.
        let got = unify(b"\"x\ry\"\r", Syntax::Text);
        assert_eq!(&*got, b"\"x\ny\"\n".as_slice());
    }

    #[test]
    fn the_csv_reader_sees_the_same_records_and_counts_lines() {
        let cr = b"order_id,w\rA,1\r\"B\rC\",2\r";
        let fixed = unify(cr, Syntax::Csv(b','));
        let mut rdr = csv::ReaderBuilder::new().from_reader(&fixed[..]);
        let recs: Vec<(u64, Vec<String>)> = rdr
            .records()
            .map(|r| {
                let r = r.expect("valid csv");
                let line = r.position().map_or(0, |p| p.line());
                (line, r.iter().map(str::to_string).collect())
            })
            .collect();
        assert_eq!(
            recs,
            vec![
                (2, vec!["A".to_string(), "1".to_string()]),
                (3, vec!["B\rC".to_string(), "2".to_string()]),
            ]
        );
    }
}
