//! `POST /v1/validate` checks a bundle in a child process, so that a hostile bundle (millions of
//! zones, say) can exhaust only the child, never the service. The child is the service's own
//! executable started in validation mode: [`run_if_child`], called first thing in `main`,
//! sees [`CHILD_ENV`], limits its own memory and CPU time, validates the manifest the variable
//! names, writes the JSON of `lpo validate --format json` to standard output and exits. No
//! shell and no command line parsing are involved.

use std::path::Path;
use std::process::{Command, ExitCode as ProcessExit, Stdio};

use lpo_model::ExitCode;
use rustix::process::{Resource, Rlimit, setrlimit};

/// The variable that puts the executable in validation mode; its value is the manifest.
pub const CHILD_ENV: &str = "LPO_VALIDATE_CHILD";
/// Set (to `1`) when warnings fail the validation too.
pub const DENY_WARNINGS_ENV: &str = "LPO_VALIDATE_DENY_WARNINGS";

/// Address space (bytes) and CPU seconds a bundle validation may use.
pub const LIMITS: (u64, u64) = (4 << 30, 20);

/// In validation mode, validates and returns the exit code; otherwise `None` at once.
pub fn run_if_child() -> Option<ProcessExit> {
    let manifest = std::env::var_os(CHILD_ENV)?;
    let deny = std::env::var_os(DENY_WARNINGS_ENV).is_some_and(|v| v == "1");
    let (mem, cpu) = LIMITS;
    for (resource, limit) in [(Resource::As, mem), (Resource::Cpu, cpu)] {
        let lim = Rlimit {
            current: Some(limit),
            maximum: Some(limit),
        };
        if setrlimit(resource, lim).is_err() {
            // Unbounded validation is what this mode exists to prevent.
            return Some(ProcessExit::from(ExitCode::Failure.code()));
        }
    }
    let v = lpo_config::validate_manifest(Path::new(&manifest), deny);
    let Ok(text) = serde_json::to_string(&v.to_json()) else {
        return Some(ProcessExit::from(ExitCode::Failure.code()));
    };
    use std::io::Write as _;
    if std::io::stdout().lock().write_all(text.as_bytes()).is_err() {
        return Some(ProcessExit::from(ExitCode::Failure.code()));
    }
    Some(ProcessExit::from(if v.failed {
        ExitCode::Invalid.code()
    } else {
        ExitCode::Ok.code()
    }))
}

/// How a child validation ended.
pub enum ChildOutcome {
    /// The JSON of `lpo validate --format json`.
    Answer(serde_json::Value),
    /// The child ran out of memory or CPU time (or died another way).
    OverLimits,
}

/// Validates `manifest` in a child started from `exe` (the service's own executable).
pub fn validate_in_child(
    exe: &Path,
    manifest: &Path,
    deny_warnings: bool,
) -> std::io::Result<ChildOutcome> {
    let mut cmd = Command::new(exe);
    cmd.env(CHILD_ENV, manifest)
        .env(DENY_WARNINGS_ENV, if deny_warnings { "1" } else { "0" })
        .stdin(Stdio::null())
        .stderr(Stdio::null());
    let out = cmd.output()?;
    let (ok, invalid) = (ExitCode::Ok.code(), ExitCode::Invalid.code());
    match out.status.code() {
        Some(c) if c == i32::from(ok) || c == i32::from(invalid) => {
            serde_json::from_slice(&out.stdout)
                .map(ChildOutcome::Answer)
                .map_err(|e| {
                    std::io::Error::other(format!("the validator's answer is not JSON: {e}"))
                })
        }
        _ => Ok(ChildOutcome::OverLimits),
    }
}
