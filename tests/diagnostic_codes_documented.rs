//! Every diagnostic code the sources (crates/*/src) can emit is listed in `docs/diagnostics.md`
//! with the severity it is emitted at, and every code listed there is still emitted. Codes reach a
//! `Diagnostic` as the first argument of `Diagnostics::error`/`warning` (lpo-config's `diag.rs`):
//! a literal, also on the next line after rustfmt, or a variable forwarded from a helper that
//! returns codes (each such call site must be in `FORWARDERS`, so a new helper fails this test
//! until it is added); or as `code: ".."` in a `Diagnostic { .. }` literal (lpo-server has one).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// (file of the call, forwarded argument, file whose kebab-case literals are the codes it passes).
const FORWARDERS: &[(&str, &str, &str)] = &[(
    "crates/lpo-config/src/loader/mod.rs",
    "code",
    "crates/lpo-config/src/loader/yaml_error.rs",
)];

/// Code → the severities it is emitted (or documented) at.
type Codes = BTreeMap<String, BTreeSet<&'static str>>;

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn rs_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for path in entries.map(|e| e.unwrap_or_else(|e| panic!("{e}")).path()) {
        if path.is_dir() {
            rs_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

/// A code: `-`-separated words of lowercase letters and digits, starting with a letter.
fn is_code(s: &str) -> bool {
    let word = |w: &str| !w.is_empty() && w.bytes().all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9'));
    s.starts_with(|c: char| c.is_ascii_lowercase()) && s.split('-').all(word)
}

#[derive(Default)]
struct Scan {
    codes: Codes,
    problems: Vec<String>,
}

impl Scan {
    /// The code(s) of the call site in `rel` whose first argument starts `arg`.
    fn call_site(&mut self, root: &Path, rel: &str, arg: &str, sev: &'static str) {
        // A literal: codes hold no escapes, so it ends at the next quote.
        if let Some(lit) = arg.strip_prefix('"').and_then(|a| a.split('"').next()) {
            if is_code(lit) {
                self.codes.entry(lit.into()).or_default().insert(sev);
            } else {
                self.problems.push(format!("{rel}: {lit:?} is not a code"));
            }
            return;
        }
        let var = arg.split(',').next().unwrap_or("").trim();
        let Some(&(_, _, source)) = FORWARDERS.iter().find(|f| f.0 == rel && f.1 == var) else {
            self.problems
                .push(format!("{rel}: add `{var}` to FORWARDERS"));
            return;
        };
        // Every other piece between quotes is a literal; the codes are those with a `-`.
        let text = read(&root.join(source));
        let pieces = text.split('"').skip(1).step_by(2);
        let found: Vec<&str> = pieces.filter(|l| is_code(l) && l.contains('-')).collect();
        if found.is_empty() {
            self.problems.push(format!("{source}: no codes found"));
        }
        for code in found {
            self.codes.entry(code.into()).or_default().insert(sev);
        }
    }

    fn file(&mut self, root: &Path, rel: &str) {
        let text = read(&root.join(rel));
        for (method, sev) in [(".error(", "error"), (".warning(", "warning")] {
            for (i, _) in text.match_indices(method) {
                self.call_site(root, rel, text[i + method.len()..].trim_start(), sev);
            }
        }
        for (i, _) in text.match_indices("Diagnostic {") {
            let body = text[i..].split('}').next().unwrap_or("");
            if let Some(at) = body.find("code:")
                && !text[..i].trim_end().ends_with("struct")
            {
                let warning = body.contains("Severity::Warning");
                let sev = if warning { "warning" } else { "error" };
                self.call_site(root, rel, body[at + 5..].trim_start(), sev);
            }
        }
    }
}

/// Every backticked code in the first cell of a table row, with the severities its second cell
/// names.
fn documented(doc: &str) -> Codes {
    let mut codes = Codes::new();
    for line in doc.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line.split('|').collect();
        let severity = cells.get(2).copied().unwrap_or("");
        for code in cells[1].split('`').skip(1).step_by(2) {
            let sevs = ["error", "warning"]
                .into_iter()
                .filter(|s| severity.contains(s));
            codes.entry(code.into()).or_default().extend(sevs);
        }
    }
    codes
}

#[test]
fn every_diagnostic_code_is_documented_and_every_documented_code_is_emitted() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rs_files(&root.join("crates"), &mut files);
    let mut scan = Scan::default();
    for path in &files {
        let rel = path
            .strip_prefix(root)
            .unwrap_or(path)
            .to_string_lossy()
            .replace('\\', "/");
        // crates/<crate>/src/…: not the crates' tests, benches or build scripts.
        if rel.split('/').nth(2) == Some("src") {
            scan.file(root, &rel);
        }
    }
    let problems = scan.problems.join("\n");
    assert!(
        problems.is_empty(),
        "the scan cannot be trusted:\n{problems}"
    );
    // 66 codes when this was written: far fewer means the scan broke, not that codes went away.
    let emitted = scan.codes;
    assert!(emitted.len() >= 55, "found only these codes: {emitted:?}");
    let documented = documented(&read(&root.join("docs/diagnostics.md")));
    let missing = |a: &Codes, b: &Codes| -> Vec<String> {
        a.keys().filter(|c| !b.contains_key(*c)).cloned().collect()
    };
    let (undocumented, stale) = (
        missing(&emitted, &documented),
        missing(&documented, &emitted),
    );
    let severities: Vec<String> = emitted
        .iter()
        .filter_map(|(c, s)| Some((c, s, documented.get(c)?)))
        .filter(|(_, s, d)| s != d)
        .map(|(c, s, d)| format!("{c}: emitted as {s:?}, documented as {d:?}"))
        .collect();
    assert!(
        undocumented.is_empty() && stale.is_empty() && severities.is_empty(),
        "emitted but not in docs/diagnostics.md: {undocumented:?}\n\
         in docs/diagnostics.md but never emitted: {stale:?}\n\
         severities that differ: {severities:#?}"
    );
}
