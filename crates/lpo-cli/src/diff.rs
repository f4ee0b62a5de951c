//! `lpo diff`: the same orders priced (or optimised) under two configurations — a folder or a git
//! revision each — and what changed: totals, moves between services, orders that became
//! unallocated or allocated, volume and cost by carrier and zone, and the rules and rate lines
//! responsible. Text, JSON or Markdown; `--report FILE.html` draws it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use clap::ValueEnum;
use lpo_config::Loaded;
use lpo_config::orders::InputOrder;
use lpo_config::output::{line_code, write_atomic};
use lpo_engine::{Engine, Quote, QuoteRequest};
use lpo_model::{Date, QuoteOption, Strategy, parse_decimal};
use rayon::prelude::*;
use serde::Serialize;

use crate::optimise::Chunk;
use crate::{Cli, Failure, Outcome, date_or_today, exit, manifest_path, parse_date};

#[derive(Debug, Clone, Copy, Default, ValueEnum)]
pub enum Format {
    #[default]
    Text,
    Json,
    Markdown,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The configuration before the change: a folder (holding lpo.yaml), a manifest file, or a
    /// git revision of the repository that holds the config (`origin/main`, `HEAD~1`, a hash),
    /// read from git objects without a checkout.
    #[arg(long, value_name = "REV_OR_DIR")]
    base: String,
    /// The configuration after the change (same forms); default: the config in use (`--config`
    /// or the lpo.yaml found from here).
    #[arg(long, value_name = "REV_OR_DIR")]
    head: Option<String>,
    /// Orders CSV (one row per parcel).
    #[arg(long, value_name = "FILE")]
    orders: PathBuf,
    /// Output format on stdout (or in --out).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Write the diff to this file (atomically) instead of stdout.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Also write a self-contained HTML report with charts.
    #[arg(long, value_name = "FILE.html")]
    report: Option<PathBuf>,
    /// How many changed orders to list, largest cost change first.
    #[arg(long, default_value_t = 20)]
    top: usize,
    /// Ship date for orders without one (YYYY-MM-DD); default today.
    #[arg(long, value_parser = parse_date)]
    date: Option<Date>,
    /// cheapest, fastest or best_value (per-order choice only).
    #[arg(long, default_value = "cheapest")]
    strategy: Strategy,
    #[arg(long, default_value_t = 1)]
    within_days: u8,
    /// Ignore global constraints on both sides: each order's own best option.
    #[arg(long, conflicts_with = "global")]
    greedy: bool,
    /// Solve both sides globally even without constraints.
    #[arg(long)]
    global: bool,
    /// Global optimisation: wall-clock limit per side (its pricing and solve), seconds.
    #[arg(long, default_value_t = 60.0, value_name = "SECS", value_parser = crate::parse_time_limit)]
    time_limit: f64,
    /// Global optimisation: stop once proven within this percentage of optimal.
    #[arg(long, default_value_t = 0.01, value_name = "PCT", value_parser = crate::parse_gap)]
    gap: f64,
    /// No progress lines on stderr.
    #[arg(long, short)]
    quiet: bool,
}

/// One plan row, as `lpo optimise` writes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct PlanRow {
    pub(crate) status: RowStatus,
    pub(crate) from: String,
    pub(crate) carrier: String,
    pub(crate) service: String,
    pub(crate) zone: String,
    pub(crate) total: i64,
    pub(crate) reason: String,
    /// Price lines of the chosen option: base, surcharges, fuel, GST (cents).
    pub(crate) lines: [i64; 4],
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum RowStatus {
    Allocated,
    #[default]
    Unallocated,
    Rejected,
}

impl PlanRow {
    pub(crate) fn allocated(&self) -> bool {
        self.status == RowStatus::Allocated
    }

    /// `carrier/service`.
    pub(crate) fn choice(&self) -> String {
        format!("{}/{}", self.carrier, self.service)
    }
}

/// The plan rows of a run's chunks, in input order.
pub(crate) fn plan_rows(done: &[Chunk]) -> Result<Vec<PlanRow>, Failure> {
    let parts: Vec<Result<Vec<PlanRow>, Failure>> = done
        .par_iter()
        .map(|c| {
            let mut rd = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(c.plan.as_bytes());
            let mut out = Vec::with_capacity(c.statuses.len());
            for r in rd.records() {
                let r = r.map_err(|e| Failure::io(format!("internal error: plan row: {e}")))?;
                let cents = |s: &str| {
                    if s.is_empty() {
                        Ok(0)
                    } else {
                        parse_decimal(s, 2, false).map_err(|e| {
                            Failure::io(format!("internal error: plan money `{s}`: {e}"))
                        })
                    }
                };
                out.push(PlanRow {
                    status: match &r[1] {
                        "allocated" => RowStatus::Allocated,
                        "rejected" => RowStatus::Rejected,
                        _ => RowStatus::Unallocated,
                    },
                    from: r[2].to_string(),
                    carrier: r[3].to_string(),
                    service: r[4].to_string(),
                    zone: r[5].to_string(),
                    total: cents(&r[11])?,
                    lines: [cents(&r[7])?, cents(&r[8])?, cents(&r[9])?, cents(&r[10])?],
                    reason: r[13].to_string(),
                });
            }
            Ok(out)
        })
        .collect();
    let mut rows = Vec::new();
    for p in parts {
        rows.extend(p?);
    }
    Ok(rows)
}

/// One order's plan row under the per-order choice: what `lpo optimise --greedy` writes.
fn per_order_row(
    engine: &Engine,
    input: &InputOrder,
    req: &QuoteRequest,
    q: &mut Quote,
) -> PlanRow {
    let order = match &input.order {
        Ok(o) => o,
        Err(errs) => {
            let reason: Vec<String> = errs.iter().map(|e| format!("invalid_input: {e}")).collect();
            return PlanRow {
                status: RowStatus::Rejected,
                reason: reason.join("; "),
                ..PlanRow::default()
            };
        }
    };
    if let Err(e) = engine.quote_into(order, req, q) {
        return PlanRow {
            status: RowStatus::Rejected,
            reason: format!("{}: {e}", e.code),
            ..PlanRow::default()
        };
    }
    match q.selected() {
        Some(best) => {
            let (carrier, service) = engine.service_ids(best.service);
            PlanRow {
                status: RowStatus::Allocated,
                from: engine.warehouse_id(best.warehouse).to_string(),
                carrier: carrier.to_string(),
                service: service.to_string(),
                zone: engine.zone_name(best.service, best.zone).to_string(),
                total: best.total.0,
                lines: [best.base.0, best.surcharges.0, best.fuel.0, best.gst.0],
                reason: String::new(),
            }
        }
        None => PlanRow {
            status: RowStatus::Unallocated,
            reason: crate::optimise::unallocated_reason(engine, q),
            ..PlanRow::default()
        },
    }
}

/// Which side of a diff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Which {
    Base,
    Head,
}

impl Which {
    fn name(self) -> &'static str {
        match self {
            Which::Base => "base",
            Which::Head => "head",
        }
    }
}

/// A configuration to diff: loaded from a folder, or from a git revision copied out of the
/// object store into a temporary folder.
pub(crate) struct Side {
    pub(crate) label: String,
    pub(crate) loaded: Loaded,
    _tmp: Option<tempfile::TempDir>,
}

fn git(repo: &Path, args: &[&str]) -> Result<Vec<u8>, String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if out.status.success() {
        Ok(out.stdout)
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
    }
}

/// The config tree of `rev` (the folder of the current manifest, at that revision) written
/// into a temporary folder; returns the folder and the commit's short hash.
/// Top-level folders and files the manifest text names (`carriers: data/carriers` → `data`).
/// Empty when it names none in the plain `key: path` form (then everything is read).
fn manifest_roots(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        if !matches!(
            key.trim(),
            "postcodes" | "warehouses" | "carriers" | "rules" | "constraints"
        ) || line.starts_with(char::is_whitespace)
        {
            continue;
        }
        let value = value.split(" #").next().unwrap_or("").trim();
        let value = value.trim_matches(|c| c == '"' || c == '\'');
        let first = value
            .trim_start_matches("./")
            .split('/')
            .next()
            .unwrap_or("");
        if first.is_empty() || first == ".." || first.starts_with('[') || first.starts_with('{') {
            return Vec::new();
        }
        out.push(first.to_string());
    }
    out
}

/// Copies the config tree at `rev` out of git. With `narrow`, only the manifest and the
/// top-level folders and files it names are read (the loader reads nothing else unless a file
/// climbs out of its folder, in which case the caller retries without `narrow`). Returns the
/// folder, the commit's short hash and whether the tree was narrowed.
fn checkout_free(
    manifest: &Path,
    rev: &str,
    which: Which,
    narrow: bool,
) -> Result<(tempfile::TempDir, String, bool), Failure> {
    let w = which.name();
    let dir = manifest
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let dir = dir
        .canonicalize()
        .map_err(|e| Failure::io(format!("{w}: cannot read {}: {e}", dir.display())))?;
    if let Err(e) = Command::new("git").arg("--version").output() {
        return Err(Failure::io(format!(
            "{w}: `{rev}` is not a folder, and git is needed to read it as a revision: {e}"
        )));
    }
    let top = git(&dir, &["rev-parse", "--show-toplevel"]).map_err(|e| {
        Failure::usage(format!(
            "{w}: `{rev}` is not a folder, and {} is not in a git repository, so it cannot be a revision either ({e})",
            dir.display()
        ))
    })?;
    let top = PathBuf::from(String::from_utf8_lossy(&top).trim());
    let commit = git(
        &top,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{rev}^{{commit}}"),
        ],
    )
    .ok()
    .map(|o| String::from_utf8_lossy(&o).trim().to_string())
    .filter(|s| !s.is_empty())
    .ok_or_else(|| {
        Failure::usage(format!(
            "{w}: `{rev}` is neither a folder nor a revision of the git repository at {} \
                 (try `git log --oneline` or `git branch -a`)",
            top.display()
        ))
    })?;
    let top_canon = top.canonicalize().unwrap_or(top.clone());
    let prefix = dir.strip_prefix(&top_canon).map_err(|_| {
        Failure::io(format!(
            "{w}: {} is outside {}",
            dir.display(),
            top.display()
        ))
    })?;
    let prefix = prefix
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/");
    let manifest_name = manifest
        .file_name()
        .map_or("lpo.yaml".to_string(), |n| n.to_string_lossy().into_owned());
    // Every blob under the config folder at that commit.
    let mut ls = vec!["ls-tree", "-r", "-z", "--full-tree", commit.as_str()];
    if !prefix.is_empty() {
        ls.push("--");
        ls.push(&prefix);
    }
    let listing = git(&top, &ls).map_err(|e| Failure::io(format!("{w}: git ls-tree: {e}")))?;
    let mut blobs: Vec<(String, String)> = Vec::new();
    for entry in listing.split(|&b| b == 0).filter(|e| !e.is_empty()) {
        let entry = String::from_utf8_lossy(entry);
        let Some((meta, path)) = entry.split_once('\t') else {
            continue;
        };
        let mut m = meta.split(' ');
        let (mode, kind, hash) = (
            m.next().unwrap_or(""),
            m.next().unwrap_or(""),
            m.next().unwrap_or(""),
        );
        // Regular files only: no submodules, and no symbolic links (they could point anywhere).
        if kind != "blob" || mode == "120000" {
            continue;
        }
        let rel = if prefix.is_empty() {
            path.to_string()
        } else {
            match path.strip_prefix(&format!("{prefix}/")) {
                Some(r) => r.to_string(),
                None => continue,
            }
        };
        blobs.push((hash.to_string(), rel));
    }
    let mut narrowed = false;
    if narrow
        && let Some((hash, _)) = blobs.iter().find(|(_, p)| *p == manifest_name)
        && let Ok(text) = git(&top, &["cat-file", "-p", hash.as_str()])
    {
        let roots = manifest_roots(&String::from_utf8_lossy(&text));
        if !roots.is_empty() {
            blobs.retain(|(_, p)| {
                *p == manifest_name
                    || roots.iter().any(|r| {
                        p == r
                            || p.strip_prefix(r.as_str())
                                .is_some_and(|rest| rest.starts_with('/'))
                    })
            });
            narrowed = true;
        }
    }
    if !blobs.iter().any(|(_, p)| *p == manifest_name) {
        return Err(Failure::usage(format!(
            "{w}: revision `{rev}` ({}) has no {}{manifest_name}",
            &commit[..commit.len().min(10)],
            if prefix.is_empty() {
                String::new()
            } else {
                format!("{prefix}/")
            }
        )));
    }
    // Read them all through one `git cat-file --batch`.
    let mut child = Command::new("git")
        .arg("-C")
        .arg(&top)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Failure::io(format!("cannot run git: {e}")))?;
    let mut stdin = child
        .stdin
        .take()
        .ok_or_else(|| Failure::io("git cat-file: no stdin"))?;
    let hashes: String = blobs.iter().map(|(h, _)| format!("{h}\n")).collect();
    let writer = std::thread::spawn(move || stdin.write_all(hashes.as_bytes()));
    let out = child
        .wait_with_output()
        .map_err(|e| Failure::io(format!("git cat-file: {e}")))?;
    let _ = writer.join();
    if !out.status.success() {
        return Err(Failure::io(format!(
            "{w}: git cat-file: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let tmp = tempfile::tempdir()
        .map_err(|e| Failure::io(format!("cannot make a temporary folder: {e}")))?;
    let mut data = out.stdout.as_slice();
    for (_, rel) in &blobs {
        // `<hash> blob <size>\n<content>\n`
        let nl = data
            .iter()
            .position(|&b| b == b'\n')
            .ok_or_else(|| Failure::io("git cat-file: truncated output"))?;
        let header = String::from_utf8_lossy(&data[..nl]).to_string();
        let size: usize = header
            .rsplit(' ')
            .next()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| Failure::io(format!("git cat-file: unexpected `{header}`")))?;
        let content = data
            .get(nl + 1..nl + 1 + size)
            .ok_or_else(|| Failure::io("git cat-file: truncated output"))?;
        data = data.get(nl + 2 + size..).unwrap_or(&[]);
        let to = tmp.path().join(rel);
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| Failure::io(format!("{}: {e}", parent.display())))?;
        }
        std::fs::write(&to, content).map_err(|e| Failure::io(format!("{}: {e}", to.display())))?;
    }
    let short = commit[..commit.len().min(10)].to_string();
    Ok((tmp, short, narrowed))
}

/// Loads one side; its diagnostics are printed tagged with the side.
fn load_side(
    cli_manifest: &Result<PathBuf, Failure>,
    spec: Option<&str>,
    which: Which,
) -> Result<Side, Failure> {
    let w = which.name();
    // The config in use is needed only for the working tree and for revisions (to find the
    // repository); two folders diff anywhere.
    let cli_manifest = || -> Result<&Path, Failure> {
        cli_manifest.as_deref().map_err(|f| Failure {
            code: f.code,
            message: format!("{w}: {}", f.message),
        })
    };
    let (manifest, label, tmp) = match spec {
        None => (
            cli_manifest()?.to_path_buf(),
            "working tree".to_string(),
            None,
        ),
        Some(s) => {
            let p = Path::new(s);
            if p.is_dir() {
                (p.join("lpo.yaml"), s.to_string(), None)
            } else if p.is_file() {
                (p.to_path_buf(), s.to_string(), None)
            } else {
                let name = cli_manifest()?
                    .file_name()
                    .map_or("lpo.yaml".into(), |n| n.to_string_lossy().into_owned());
                let (tmp, short, narrowed) = checkout_free(cli_manifest()?, s, which, true)?;
                let label = format!("{s} ({short})");
                let first = lpo_config::load(&tmp.path().join(&name));
                match first {
                    Ok(loaded) => {
                        return Ok(Side {
                            label,
                            loaded,
                            _tmp: Some(tmp),
                        });
                    }
                    // A file outside the folders the manifest names: read the whole tree.
                    Err(_) if narrowed => {
                        let (tmp, _, _) = checkout_free(cli_manifest()?, s, which, false)?;
                        (tmp.path().join(&name), label, Some(tmp))
                    }
                    Err(_) => (tmp.path().join(&name), label, Some(tmp)),
                }
            }
        }
    };
    if !manifest.is_file() {
        return Err(Failure::usage(format!(
            "{w}: {} does not exist",
            manifest.display()
        )));
    }
    match lpo_config::load(&manifest) {
        Ok(loaded) => Ok(Side {
            label,
            loaded,
            _tmp: tmp,
        }),
        Err(diags) => {
            for d in &diags {
                note!("[{w}: {label}] {d}\n");
            }
            let errors = diags
                .iter()
                .filter(|d| d.severity == lpo_config::Severity::Error)
                .count();
            Err(Failure::usage(format!(
                "the {w} configuration ({label}) has {errors} error(s); no diff was made"
            )))
        }
    }
}

/// What one side's run produced.
pub(crate) struct SideRun {
    pub(crate) method: &'static str,
    pub(crate) rows: Vec<PlanRow>,
    pub(crate) report: Option<serde_json::Value>,
}

fn run_side(
    a: &Args,
    side: &Side,
    which: Which,
    orders: &[InputOrder],
    req: &QuoteRequest,
) -> Result<SideRun, Failure> {
    let engine = &side.loaded.engine;
    let cons = &side.loaded.constraints;
    let global = !a.greedy && (a.global || !cons.is_empty());
    if global && !matches!(req.strategy, Strategy::Cheapest) {
        return Err(Failure::usage(format!(
            "the {} configuration has global constraints, which minimise cost: use --strategy cheapest, or --greedy to ignore them",
            which.name()
        )));
    }
    let (done, report) = if global {
        let opts = crate::global::GlobalOpts {
            quiet: true,
            time_limit: a.time_limit,
            started: std::time::Instant::now(),
            gap: a.gap,
            solver_threads: 1,
            with_options: false,
        };
        let mut tm = crate::optimise::Timings::default();
        match crate::global::run(&opts, engine, cons, orders, req, &mut tm).map_err(|f| {
            Failure {
                code: f.code,
                message: format!("{}: {}", which.name(), f.message),
            }
        })? {
            crate::global::Solved::Plan { done, report } => (done, Some(report)),
            crate::global::Solved::Infeasible { reasons, .. } => {
                return Err(Failure {
                    code: exit::INFEASIBLE,
                    message: format!(
                        "{} ({}): {}",
                        which.name(),
                        side.label,
                        crate::global::infeasible_message(&reasons)
                    ),
                });
            }
        }
    } else {
        // The per-order choice, straight into rows (no plan text to write and read back).
        let rows = orders
            .par_iter()
            .map_init(Quote::default, |q, o| per_order_row(engine, o, req, q))
            .collect();
        return Ok(SideRun {
            method: "per_order",
            rows,
            report: None,
        });
    };
    Ok(SideRun {
        method: if global { "global" } else { "per_order" },
        rows: plan_rows(&done)?,
        report,
    })
}

/// What happened to one order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Change {
    /// Allocated on both sides, to another service or warehouse.
    Moved,
    /// Same service and warehouse, another price.
    Repriced,
    NewlyUnallocated,
    NewlyAllocated,
    RejectedOnBaseOnly,
    RejectedOnHeadOnly,
}

impl Change {
    /// The name used in every output (as in the JSON).
    pub(crate) fn name(self) -> &'static str {
        match self {
            Change::Moved => "moved",
            Change::Repriced => "repriced",
            Change::NewlyUnallocated => "newly_unallocated",
            Change::NewlyAllocated => "newly_allocated",
            Change::RejectedOnBaseOnly => "rejected_on_base_only",
            Change::RejectedOnHeadOnly => "rejected_on_head_only",
        }
    }
}

/// One changed order.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct OrderChange {
    pub(crate) order_id: String,
    pub(crate) change: Change,
    pub(crate) base: Option<String>,
    pub(crate) head: Option<String>,
    pub(crate) base_cents: i64,
    pub(crate) head_cents: i64,
    pub(crate) delta_cents: i64,
    /// Why, as far as the two quotes tell: the rule, exclusion or price lines responsible.
    pub(crate) cause: String,
    #[serde(skip)]
    pub(crate) cause_key: String,
    #[serde(skip)]
    pub(crate) index: usize,
}

#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct Volume {
    pub(crate) base_parcels: u64,
    pub(crate) head_parcels: u64,
    pub(crate) base_cents: i64,
    pub(crate) head_cents: i64,
}

impl Volume {
    /// Whether parcels or cost differ between the sides.
    pub(crate) fn changed(&self) -> bool {
        self.base_parcels != self.head_parcels || self.base_cents != self.head_cents
    }
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Group {
    pub(crate) key: String,
    pub(crate) orders: u64,
    pub(crate) delta_cents: i64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct Lost {
    pub(crate) orders: u64,
    pub(crate) cents: i64,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct FileChange {
    pub(crate) path: String,
    /// `added`, `removed` or `modified`.
    pub(crate) change: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct SideSummary {
    pub(crate) label: String,
    pub(crate) config_version: String,
    pub(crate) method: &'static str,
    pub(crate) total_cents: i64,
    pub(crate) allocated: u64,
    pub(crate) unallocated: u64,
    pub(crate) rejected: u64,
}

/// The whole diff (the JSON output).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Diff {
    pub(crate) orders: u64,
    pub(crate) parcels: u64,
    pub(crate) base: SideSummary,
    pub(crate) head: SideSummary,
    /// Head total minus base total (each over the orders allocated on that side).
    pub(crate) delta_cents: i64,
    /// The difference over orders allocated on both sides: the like-for-like cost of the change.
    pub(crate) like_for_like_cents: i64,
    /// Orders allocated on base but not on head, and what they cost on base (the head total
    /// leaves them out, so they lower it).
    pub(crate) dropped: Lost,
    /// Orders allocated on head but not on base, and what they cost on head.
    pub(crate) added: Lost,
    /// Things that make the comparison less than exact (a solver stopped at its time limit,
    /// orders dropped on one side).
    pub(crate) warnings: Vec<String>,
    pub(crate) counts: BTreeMap<String, u64>,
    /// (old → new service) with counts and cost deltas, largest effect first.
    pub(crate) moves: Vec<Group>,
    /// The causes found, with the orders and cost each explains.
    pub(crate) causes: Vec<Group>,
    pub(crate) by_carrier: BTreeMap<String, Volume>,
    pub(crate) by_zone: BTreeMap<String, Volume>,
    pub(crate) changed_files: Vec<FileChange>,
    /// Every changed order, largest cost change first (the text formats show `--top`).
    pub(crate) changes: Vec<OrderChange>,
}

pub(crate) fn money(c: i64) -> String {
    crate::global::dollars(c)
}

pub(crate) fn signed(c: i64) -> String {
    if c > 0 {
        format!("+{}", money(c))
    } else if c < 0 {
        format!("-{}", money(-c))
    } else {
        "$0.00".into()
    }
}

/// The option of `q` for (warehouse, carrier, service), by ids.
fn option_of<'a>(
    engine: &Engine,
    q: &'a Quote,
    from: &str,
    carrier: &str,
    service: &str,
) -> Option<&'a QuoteOption> {
    q.options.iter().find(|o| {
        engine.warehouse_id(o.warehouse) == from
            && engine.service_ids(o.service) == (carrier, service)
    })
}

fn exclusion_words(
    engine: &Engine,
    q: &Quote,
    from: &str,
    carrier: &str,
    service: &str,
) -> Option<(String, String)> {
    let e = q.excluded.iter().find(|e| {
        engine.service_ids(e.service) == (carrier, service)
            && e.warehouse.is_none_or(|w| engine.warehouse_id(w) == from)
    })?;
    let rule = e.rule.and_then(|r| engine.rules.get(r as usize));
    Some(match rule {
        Some(r) => (
            format!(
                "rule `{}` ({}) excludes {carrier}/{service}",
                r.id, r.location
            ),
            r.reason.clone().unwrap_or_else(|| r.description.clone()),
        ),
        None => (
            format!("{carrier}/{service} {}", e.reason.as_str()),
            e.detail.clone(),
        ),
    })
}

/// Price lines of an option by code (`base`, `fuel`, `gst`, `surcharge:<id>`).
fn lines(engine: &Engine, q: &Quote, o: &QuoteOption) -> BTreeMap<String, i64> {
    let mut m = BTreeMap::new();
    for (l, c) in q.lines(o) {
        *m.entry(line_code(engine, l).into_owned()).or_insert(0) += c.0;
    }
    m
}

/// The price lines that differ between two options: (codes, "base +$1.00, fuel +$0.10").
fn line_deltas(a: &BTreeMap<String, i64>, b: &BTreeMap<String, i64>) -> (String, String) {
    let codes: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    let mut keys = Vec::new();
    let mut words = Vec::new();
    for c in codes {
        let d = b.get(c).copied().unwrap_or(0) - a.get(c).copied().unwrap_or(0);
        if d != 0 {
            keys.push(c.clone());
            words.push(format!("{c} {}", signed(d)));
        }
    }
    (keys.join(", "), words.join(", "))
}

/// Why an order's outcome changed: (aggregation key, words for this order).
fn cause(
    base: &Engine,
    head: &Engine,
    qb: &Quote,
    qh: &Quote,
    rb: &PlanRow,
    rh: &PlanRow,
    global: bool,
) -> (String, String) {
    if rb.allocated() {
        let (f, c, s) = (&rb.from, &rb.carrier, &rb.service);
        match option_of(head, qh, f, c, s) {
            None => {
                if let Some((key, detail)) = exclusion_words(head, qh, f, c, s) {
                    return (key.clone(), format!("{key}: {detail}"));
                }
                let key = format!("{c}/{s} from {f} is not in the head configuration");
                return (key.clone(), key);
            }
            Some(oh) => {
                if let Some(ob) = option_of(base, qb, f, c, s)
                    && oh.total > ob.total
                {
                    let (k, w) = line_deltas(&lines(base, qb, ob), &lines(head, qh, oh));
                    return (
                        format!("{c}/{s} repriced ({k})"),
                        format!("{c}/{s} from {f}: {w}"),
                    );
                }
            }
        }
    }
    if rh.allocated() {
        let (f, c, s) = (&rh.from, &rh.carrier, &rh.service);
        match option_of(base, qb, f, c, s) {
            None => {
                let was = exclusion_words(base, qb, f, c, s)
                    .map(|(k, _)| format!(" (base: {k})"))
                    .unwrap_or_default();
                let key = format!("{c}/{s} newly available");
                return (key.clone(), format!("{key}{was}"));
            }
            Some(ob) => {
                if let Some(oh) = option_of(head, qh, f, c, s)
                    && ob.total != oh.total
                {
                    let (k, w) = line_deltas(&lines(base, qb, ob), &lines(head, qh, oh));
                    return (
                        format!("{c}/{s} repriced ({k})"),
                        format!("{c}/{s} from {f}: {w}"),
                    );
                }
            }
        }
    }
    let rules_b: BTreeSet<String> = qb
        .deciding_rules()
        .into_iter()
        .filter_map(|r| base.rules.get(r as usize).map(|r| r.id.clone()))
        .collect();
    let rules_h: BTreeSet<String> = qh
        .deciding_rules()
        .into_iter()
        .filter_map(|r| head.rules.get(r as usize).map(|r| r.id.clone()))
        .collect();
    if rules_b != rules_h {
        let added: Vec<&String> = rules_h.difference(&rules_b).collect();
        let removed: Vec<&String> = rules_b.difference(&rules_h).collect();
        let key = format!("rules deciding the choice: +{added:?} -{removed:?}");
        return (key.clone(), key);
    }
    if global {
        let key = "global constraints (a plan-wide trade-off; see the solver report)".to_string();
        return (key.clone(), key);
    }
    let key = "ranking changed (scores or eta)".to_string();
    (key.clone(), key)
}

/// The config files that differ, compared as loaded (no second read from disk).
fn changed_files(base: &Loaded, head: &Loaded) -> Vec<FileChange> {
    fn by_path(l: &Loaded) -> BTreeMap<&str, &[u8]> {
        l.files
            .iter()
            .map(|f| (f.path.as_str(), f.bytes.as_slice()))
            .collect()
    }
    let (b, h) = (by_path(base), by_path(head));
    let paths: BTreeSet<&str> = b.keys().chain(h.keys()).copied().collect();
    paths
        .into_iter()
        .filter_map(|f| {
            let change = match (b.get(f), h.get(f)) {
                (Some(_), None) => "removed",
                (None, Some(_)) => "added",
                (Some(x), Some(y)) if x != y => "modified",
                _ => return None,
            };
            Some(FileChange {
                path: f.to_string(),
                change,
            })
        })
        .collect()
}

fn summary(side: &Side, run: &SideRun) -> SideSummary {
    let mut s = SideSummary {
        label: side.label.clone(),
        config_version: side.loaded.engine.version.clone(),
        method: run.method,
        total_cents: 0,
        allocated: 0,
        unallocated: 0,
        rejected: 0,
    };
    for r in &run.rows {
        match r.status {
            RowStatus::Allocated => {
                s.allocated += 1;
                s.total_cents += r.total;
            }
            RowStatus::Unallocated => s.unallocated += 1,
            RowStatus::Rejected => s.rejected += 1,
        }
    }
    s
}

/// Compares two runs over the same orders.
pub(crate) fn compare(
    base: &Side,
    head: &Side,
    rb: &SideRun,
    rh: &SideRun,
    orders: &[InputOrder],
    req: &QuoteRequest,
) -> Diff {
    let (eb, eh) = (&base.loaded.engine, &head.loaded.engine);
    let global = rb.method == "global" || rh.method == "global";
    let mut changes: Vec<OrderChange> = orders
        .par_iter()
        .enumerate()
        .map_init(
            || (Quote::default(), Quote::default()),
            |(qb, qh), (i, o)| -> Option<OrderChange> {
                let (b, h) = (&rb.rows[i], &rh.rows[i]);
                use RowStatus::*;
                let change = match (b.status, h.status) {
                    (Allocated, Allocated)
                        if (&b.from, &b.carrier, &b.service)
                            != (&h.from, &h.carrier, &h.service) =>
                    {
                        Change::Moved
                    }
                    (Allocated, Allocated) if b.total != h.total => Change::Repriced,
                    (Allocated, Unallocated) => Change::NewlyUnallocated,
                    (Unallocated, Allocated) => Change::NewlyAllocated,
                    (Rejected, Rejected) => return None,
                    (Rejected, _) => Change::RejectedOnBaseOnly,
                    (_, Rejected) => Change::RejectedOnHeadOnly,
                    _ => return None,
                };
                let (key, words) = match (&o.order, change) {
                    (_, Change::RejectedOnBaseOnly) => {
                        ("rejected on base only".to_string(), b.reason.clone())
                    }
                    (_, Change::RejectedOnHeadOnly) => {
                        ("rejected on head only".to_string(), h.reason.clone())
                    }
                    // Same option, another price, and only the plan's lines moved: the rows say
                    // which (surcharge changes are re-quoted below, to name the surcharge).
                    (_, Change::Repriced) if b.lines[1] == h.lines[1] => {
                        let names = ["base", "surcharges", "fuel", "gst"];
                        let (mut keys, mut words) = (Vec::new(), Vec::new());
                        for (k, name) in names.iter().enumerate() {
                            let d = h.lines[k] - b.lines[k];
                            if d != 0 {
                                keys.push(*name);
                                words.push(format!("{name} {}", signed(d)));
                            }
                        }
                        (
                            format!("{} repriced ({})", b.choice(), keys.join(", ")),
                            format!("{} from {}: {}", b.choice(), b.from, words.join(", ")),
                        )
                    }
                    (Ok(order), _) => {
                        // Reason codes and rule ids are enough to attribute: no explain strings.
                        match (eb.quote_into(order, req, qb), eh.quote_into(order, req, qh)) {
                            (Ok(()), Ok(())) => cause(eb, eh, qb, qh, b, h, global),
                            _ => ("order error".to_string(), String::new()),
                        }
                    }
                    (Err(_), _) => ("order error".to_string(), String::new()),
                };
                let (bc, hc) = (
                    if b.allocated() { b.total } else { 0 },
                    if h.allocated() { h.total } else { 0 },
                );
                Some(OrderChange {
                    order_id: o.id.to_string(),
                    change,
                    base: b
                        .allocated()
                        .then(|| format!("{} from {}", b.choice(), b.from)),
                    head: h
                        .allocated()
                        .then(|| format!("{} from {}", h.choice(), h.from)),
                    base_cents: bc,
                    head_cents: hc,
                    delta_cents: hc - bc,
                    cause: words,
                    cause_key: key,
                    index: i,
                })
            },
        )
        .flatten()
        .collect();
    changes.sort_by(|a, b| {
        b.delta_cents
            .abs()
            .cmp(&a.delta_cents.abs())
            .then(a.index.cmp(&b.index))
    });

    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    let mut moves: BTreeMap<String, (u64, i64)> = BTreeMap::new();
    let mut causes: BTreeMap<String, (u64, i64)> = BTreeMap::new();
    for c in &changes {
        *counts.entry(c.change.name().to_string()).or_default() += 1;
        if c.change == Change::Moved {
            let (b, h) = (&rb.rows[c.index], &rh.rows[c.index]);
            let key = if b.from == h.from {
                format!("{} → {}", b.choice(), h.choice())
            } else {
                format!(
                    "{} from {} → {} from {}",
                    b.choice(),
                    b.from,
                    h.choice(),
                    h.from
                )
            };
            let e = moves.entry(key).or_default();
            e.0 += 1;
            e.1 += c.delta_cents;
        }
        let e = causes.entry(c.cause_key.clone()).or_default();
        e.0 += 1;
        e.1 += c.delta_cents;
    }
    let groups = |m: BTreeMap<String, (u64, i64)>| {
        let mut v: Vec<Group> = m
            .into_iter()
            .map(|(key, (orders, delta_cents))| Group {
                key,
                orders,
                delta_cents,
            })
            .collect();
        v.sort_by(|a, b| {
            b.delta_cents
                .abs()
                .cmp(&a.delta_cents.abs())
                .then(b.orders.cmp(&a.orders))
                .then(a.key.cmp(&b.key))
        });
        v
    };

    let mut by_carrier: BTreeMap<String, Volume> = BTreeMap::new();
    let mut by_zone: BTreeMap<String, Volume> = BTreeMap::new();
    let mut parcels_total = 0u64;
    for (i, o) in orders.iter().enumerate() {
        let parcels = o.rows() as u64;
        parcels_total += parcels;
        for (row, is_base) in [(&rb.rows[i], true), (&rh.rows[i], false)] {
            if !row.allocated() {
                continue;
            }
            for (map, key) in [
                (&mut by_carrier, row.carrier.clone()),
                (&mut by_zone, format!("{}/{}", row.carrier, row.zone)),
            ] {
                let v = map.entry(key).or_default();
                if is_base {
                    v.base_parcels += parcels;
                    v.base_cents += row.total;
                } else {
                    v.head_parcels += parcels;
                    v.head_cents += row.total;
                }
            }
        }
    }
    let (sb, sh) = (summary(base, rb), summary(head, rh));
    let (mut like, mut dropped, mut added) = (0i64, Lost::default(), Lost::default());
    for c in &changes {
        match c.change {
            Change::Moved | Change::Repriced => like += c.delta_cents,
            _ if c.base_cents > 0 && c.head_cents == 0 => {
                dropped.orders += 1;
                dropped.cents += c.base_cents;
            }
            _ if c.head_cents > 0 && c.base_cents == 0 => {
                added.orders += 1;
                added.cents += c.head_cents;
            }
            _ => {}
        }
    }
    let mut warnings = Vec::new();
    if dropped.orders > 0 {
        warnings.push(format!(
            "{} order(s) allocated on base are not allocated on head; they cost {} on base, and the head total leaves them out",
            dropped.orders,
            money(dropped.cents)
        ));
    }
    if added.orders > 0 {
        warnings.push(format!(
            "{} order(s) allocated on head were not allocated on base; they cost {} on head",
            added.orders,
            money(added.cents)
        ));
    }
    for (name, run) in [("base", rb), ("head", rh)] {
        if let Some(r) = &run.report
            && r["status"] != "optimal"
        {
            warnings.push(format!(
                "{name}: the solver's plan is not proven optimal (status {}, gap {:.3} %), and some moves may be the solver's rather than the change's (raise --time-limit)",
                r["status"].as_str().unwrap_or("?"),
                r["gap_pct"].as_f64().unwrap_or(f64::NAN)
            ));
        }
    }
    Diff {
        orders: orders.len() as u64,
        parcels: parcels_total,
        delta_cents: sh.total_cents - sb.total_cents,
        like_for_like_cents: like,
        dropped,
        added,
        warnings,
        base: sb,
        head: sh,
        counts,
        moves: groups(moves),
        causes: groups(causes),
        by_carrier,
        by_zone,
        changed_files: changed_files(&base.loaded, &head.loaded),
        changes,
    }
}

fn pct(delta: i64, base: i64) -> String {
    if base == 0 {
        String::new()
    } else {
        format!(" ({:+.2} %)", 100.0 * delta as f64 / base as f64)
    }
}

fn count(d: &Diff, k: &str) -> u64 {
    d.counts.get(k).copied().unwrap_or(0)
}

/// The human-readable diff.
pub(crate) fn text(d: &Diff, top: usize) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "lpo diff: {} orders ({} parcels)\n  base: {} — config {}, {}\n  head: {} — config {}, {}",
        d.orders,
        d.parcels,
        d.base.label,
        d.base.config_version,
        d.base.method,
        d.head.label,
        d.head.config_version,
        d.head.method
    );
    let _ = writeln!(
        s,
        "\ntotal      {} → {}   {}{}",
        money(d.base.total_cents),
        money(d.head.total_cents),
        signed(d.delta_cents),
        pct(d.delta_cents, d.base.total_cents)
    );
    let _ = writeln!(
        s,
        "like for like {}   (the orders allocated on both sides)",
        signed(d.like_for_like_cents)
    );
    for w in &d.warnings {
        let _ = writeln!(s, "warning: {w}");
    }
    let _ = writeln!(
        s,
        "allocated  {} → {}; moved {}, repriced {}, newly unallocated {}, newly allocated {}, rejected on one side only {}",
        d.base.allocated,
        d.head.allocated,
        count(d, "moved"),
        count(d, "repriced"),
        count(d, "newly_unallocated"),
        count(d, "newly_allocated"),
        count(d, "rejected_on_base_only") + count(d, "rejected_on_head_only"),
    );
    if d.changes.is_empty() {
        let _ = writeln!(s, "\nNo order changed.");
    }
    let groups = |s: &mut String, title: &str, groups: &[Group], width: usize| {
        if groups.is_empty() {
            return;
        }
        let _ = writeln!(s, "\n{title}");
        for g in groups {
            let _ = writeln!(
                s,
                "  {:<width$} {:>7} orders {:>14}",
                g.key,
                g.orders,
                signed(g.delta_cents)
            );
        }
    };
    groups(&mut s, "moves (base → head)", &d.moves, 56);
    groups(&mut s, "responsible", &d.causes, 72);
    let shifts = |s: &mut String, title: &str, m: &BTreeMap<String, Volume>| {
        let rows: Vec<(&String, &Volume)> = m.iter().filter(|(_, v)| v.changed()).collect();
        if rows.is_empty() {
            return;
        }
        let _ = writeln!(
            s,
            "\n{title:<20} {:>16} {:>28} {:>14}",
            "parcels", "cost", "Δ cost"
        );
        for (k, v) in rows {
            let _ = writeln!(
                s,
                "  {k:<18} {:>7} → {:<7} {:>12} → {:<13} {:>14}",
                v.base_parcels,
                v.head_parcels,
                money(v.base_cents),
                money(v.head_cents),
                signed(v.head_cents - v.base_cents)
            );
        }
    };
    shifts(&mut s, "by carrier", &d.by_carrier);
    shifts(&mut s, "by zone", &d.by_zone);
    if !d.changes.is_empty() {
        let _ = writeln!(
            s,
            "\ntop {} changed orders (of {})",
            top.min(d.changes.len()),
            d.changes.len()
        );
        for c in d.changes.iter().take(top) {
            let _ = writeln!(
                s,
                "  {:<14} {:<18} {} → {}  {}  {}",
                c.order_id,
                c.change.name(),
                c.base.as_deref().unwrap_or("—"),
                c.head.as_deref().unwrap_or("—"),
                signed(c.delta_cents),
                c.cause
            );
        }
    }
    if !d.changed_files.is_empty() {
        let files: Vec<String> = d
            .changed_files
            .iter()
            .map(|f| format!("{} ({})", f.path, f.change))
            .collect();
        let _ = writeln!(s, "\nchanged files: {}", files.join(", "));
    }
    s
}

/// Text for a Markdown table cell: no table, HTML or line breaks can leak out of it.
fn md_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('|', "\\|")
        .replace('`', "\\`")
        .replace(['\r', '\n'], " ")
}

/// The diff as a pull-request comment.
pub(crate) fn markdown(d: &Diff, top: usize) -> String {
    let mut s = String::new();
    // The headline is the like-for-like change: orders dropped on one side would otherwise
    // read as savings.
    let arrow = if d.like_for_like_cents > 0 {
        "🔺"
    } else if d.like_for_like_cents < 0 {
        "🔻"
    } else {
        "＝"
    };
    let _ = writeln!(
        s,
        "### LPO cost impact: {arrow} {} like for like{}\n",
        signed(d.like_for_like_cents),
        pct(d.like_for_like_cents, d.base.total_cents)
    );
    for w in &d.warnings {
        let _ = writeln!(s, "> ⚠️ {}\n", md_escape(w));
    }
    let _ = writeln!(s, "| | base | head |\n|---|---|---|");
    let _ = writeln!(
        s,
        "| config | {} `{}` | {} `{}` |",
        md_escape(&d.base.label),
        md_escape(&d.base.config_version),
        md_escape(&d.head.label),
        md_escape(&d.head.config_version)
    );
    let _ = writeln!(
        s,
        "| total (incl. GST) | {} | {} |",
        money(d.base.total_cents),
        money(d.head.total_cents)
    );
    let _ = writeln!(
        s,
        "| difference | | {} (like for like {}) |",
        signed(d.delta_cents),
        signed(d.like_for_like_cents)
    );
    let _ = writeln!(
        s,
        "| allocated | {} | {} |",
        d.base.allocated, d.head.allocated
    );
    let _ = writeln!(
        s,
        "| unallocated | {} | {} |",
        d.base.unallocated, d.head.unallocated
    );
    let _ = writeln!(
        s,
        "| rejected | {} | {} |",
        d.base.rejected, d.head.rejected
    );
    let _ = writeln!(
        s,
        "\n{} orders ({} parcels): {} moved, {} repriced, {} newly unallocated, {} newly allocated, {} rejected on one side only.\n",
        d.orders,
        d.parcels,
        count(d, "moved"),
        count(d, "repriced"),
        count(d, "newly_unallocated"),
        count(d, "newly_allocated"),
        count(d, "rejected_on_base_only") + count(d, "rejected_on_head_only")
    );
    for (title, column, groups) in [
        ("Responsible", "cause", &d.causes),
        ("Moves", "base → head", &d.moves),
    ] {
        if groups.is_empty() {
            continue;
        }
        let _ = writeln!(
            s,
            "**{title}**\n\n| {column} | orders | Δ cost |\n|---|--:|--:|"
        );
        for g in groups {
            let _ = writeln!(
                s,
                "| {} | {} | {} |",
                md_escape(&g.key),
                g.orders,
                signed(g.delta_cents)
            );
        }
        s.push('\n');
    }
    for (title, map) in [
        ("By carrier", &d.by_carrier),
        ("By zone (carrier/zone)", &d.by_zone),
    ] {
        let rows: Vec<(&String, &Volume)> = map.iter().filter(|(_, v)| v.changed()).collect();
        if rows.is_empty() {
            continue;
        }
        let _ = writeln!(
            s,
            "**{title}**\n\n| | parcels | cost | Δ cost |\n|---|--:|--:|--:|"
        );
        for (k, v) in rows {
            let _ = writeln!(
                s,
                "| {} | {} → {} | {} → {} | {} |",
                md_escape(k),
                v.base_parcels,
                v.head_parcels,
                money(v.base_cents),
                money(v.head_cents),
                signed(v.head_cents - v.base_cents)
            );
        }
        s.push('\n');
    }
    if !d.changes.is_empty() {
        let _ = writeln!(
            s,
            "<details><summary>Top {} changed orders (of {})</summary>\n\n| order | change | base | head | Δ | why |\n|---|---|---|---|--:|---|",
            top.min(d.changes.len()),
            d.changes.len()
        );
        for c in d.changes.iter().take(top) {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} | {} |",
                md_escape(&c.order_id),
                c.change.name(),
                md_escape(c.base.as_deref().unwrap_or("—")),
                md_escape(c.head.as_deref().unwrap_or("—")),
                signed(c.delta_cents),
                md_escape(&c.cause)
            );
        }
        s.push_str("\n</details>\n");
    }
    if !d.changed_files.is_empty() {
        let files: Vec<String> = d
            .changed_files
            .iter()
            .map(|f| format!("`{}` ({})", f.path, f.change))
            .collect();
        let _ = writeln!(s, "\nChanged files: {}", files.join(", "));
    }
    s
}

pub fn run(cli: &Cli, a: &Args) -> Outcome {
    let t0 = Instant::now();
    let manifest = manifest_path(cli);
    let (base, head) = rayon::join(
        || load_side(&manifest, Some(&a.base), Which::Base),
        || load_side(&manifest, a.head.as_deref(), Which::Head),
    );
    let (base, head) = (base?, head?);
    let mut phases: Vec<(&str, f64)> = vec![("configs", t0.elapsed().as_secs_f64())];
    let mut t = Instant::now();
    let mut lap = |name: &'static str, phases: &mut Vec<(&str, f64)>| {
        phases.push((name, t.elapsed().as_secs_f64()));
        t = Instant::now();
    };
    let orders = crate::read_orders_file(&a.orders)?;
    let req = QuoteRequest {
        strategy: crate::with_within_days(a.strategy, a.within_days),
        date: date_or_today(a.date),
        explain: false,
    };
    lap("read", &mut phases);
    let rb = run_side(a, &base, Which::Base, &orders, &req)?;
    lap("base", &mut phases);
    let rh = run_side(a, &head, Which::Head, &orders, &req)?;
    lap("head", &mut phases);
    let d = compare(&base, &head, &rb, &rh, &orders, &req);
    lap("compare", &mut phases);
    let body = match a.format {
        Format::Text => text(&d, a.top),
        Format::Markdown => markdown(&d, a.top),
        Format::Json => {
            let mut v = serde_json::to_value(&d).map_err(|e| Failure::io(e.to_string()))?;
            v["base"]["report"] = rb.report.clone().unwrap_or(serde_json::Value::Null);
            v["head"]["report"] = rh.report.clone().unwrap_or(serde_json::Value::Null);
            serde_json::to_string_pretty(&v).map_err(|e| Failure::io(e.to_string()))? + "\n"
        }
    };
    // The report and the output file are written together or not at all.
    let html = a
        .report
        .as_ref()
        .map(|_| crate::html::diff_report(&d, &base, &head, &rb, &rh, &orders, a.top));
    if let (Some(path), Some(html)) = (&a.report, &html) {
        write_atomic(path, &[html.as_bytes()])
            .map_err(|e| Failure::io(format!("cannot write {}: {e}", path.display())))?;
    }
    let written = match &a.out {
        Some(path) => write_atomic(path, &[body.as_bytes()])
            .map_err(|e| Failure::io(format!("cannot write {}: {e}", path.display()))),
        None => std::io::stdout()
            .lock()
            .write_all(body.as_bytes())
            .map_err(|e| Failure::io(format!("cannot write to stdout: {e}"))),
    };
    if let Err(f) = written {
        if let Some(path) = &a.report {
            let _ = std::fs::remove_file(path);
        }
        return Err(f);
    }
    lap("write", &mut phases);
    if !a.quiet {
        let phases: Vec<String> = phases
            .iter()
            .map(|(n, s)| format!("{n} {:.0} ms", s * 1e3))
            .collect();
        note!(
            "diff of {} orders in {:.2} s ({}){}",
            orders.len(),
            t0.elapsed().as_secs_f64(),
            phases.join(", "),
            a.report
                .as_ref()
                .map(|p| format!("; report written to {}", p.display()))
                .unwrap_or_default()
        );
    }
    let partial = d.base.unallocated + d.base.rejected + d.head.unallocated + d.head.rejected > 0;
    // Hundreds of thousands of small allocations; the process is about to exit, so let the
    // operating system reclaim them at once. (The sides are dropped: their temporary folders
    // must be removed.)
    std::mem::forget((orders, rb, rh, d));
    Ok(if partial { exit::PARTIAL } else { exit::OK })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_roots_are_the_first_folders_named() {
        let text = "# comment\npostcodes: data/au.tsv   # GeoNames\nwarehouses: \"data/w.yaml\"\ncarriers: ./data/carriers\ngst_pct: 10\nrules: rules\nconstraints: constraints\n";
        assert_eq!(
            manifest_roots(text),
            ["data", "data", "data", "rules", "constraints"]
        );
        // Anything unusual: read the whole tree.
        assert!(manifest_roots("carriers: ../elsewhere\n").is_empty());
        assert!(manifest_roots("carriers: [a, b]\n").is_empty());
        assert!(manifest_roots("gst_pct: 10\n").is_empty());
    }
}
