//! `POST /v1/validate` checks a bundle in a child process, so that a hostile bundle (millions of
//! zones, say) can exhaust only the child, never the service. The child is the service's own
//! executable started in validation mode: [`run_if_child`], called first thing in `main`,
//! sees [`CHILD_ENV`], limits its own memory and CPU time, validates the manifest the variable
//! names, writes the JSON of `lpo validate --format json` to standard output and exits. No
//! shell and no command line parsing are involved. The parent kills a child that outlives its
//! wall-clock limit, and tells from how a child died which limit it ran into.

use std::io::Read as _;
use std::os::unix::process::ExitStatusExt as _;
use std::path::Path;
use std::process::{Child, Command, ExitCode as ProcessExit, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use lpo_model::ExitCode;
use rustix::process::{Resource, Rlimit, setrlimit};

/// The variable that puts the executable in validation mode; its value is the manifest.
pub const CHILD_ENV: &str = "LPO_VALIDATE_CHILD";
/// Set (to `1`) when warnings fail the validation too.
pub const DENY_WARNINGS_ENV: &str = "LPO_VALIDATE_DENY_WARNINGS";
/// The child's address-space limit, bytes (set by the parent from [`ChildLimits`]).
pub const MEMORY_ENV: &str = "LPO_VALIDATE_MEMORY_BYTES";
/// The child's CPU-time limit, whole seconds (set by the parent from [`ChildLimits`]).
pub const CPU_ENV: &str = "LPO_VALIDATE_CPU_SECS";

/// Most diagnostics the child lists (`errors` and `warnings` count them all).
pub const MAX_DIAGNOSTICS: usize = 1000;
/// Most bytes of one string in the child's answer (a diagnostic quoting a huge cell).
const MAX_STRING_BYTES: usize = 1024;
/// Most bytes of the child's answer the parent reads; the child's own caps keep it far below.
const MAX_ANSWER_BYTES: u64 = 16 << 20;
/// How much of the child's standard error the parent keeps (its end) to tell how it died.
const STDERR_TAIL: usize = 8 << 10;

/// What one bundle validation may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChildLimits {
    /// Address space, bytes (`RLIMIT_AS`).
    pub memory_bytes: u64,
    /// CPU time, whole seconds (`RLIMIT_CPU`; at least 1).
    pub cpu_secs: u64,
    /// Wall-clock time; the parent kills the child after it.
    pub wall: Duration,
}

impl Default for ChildLimits {
    fn default() -> ChildLimits {
        ChildLimits {
            memory_bytes: 4 << 30,
            cpu_secs: 10,
            wall: Duration::from_secs(15),
        }
    }
}

/// The limit a child ran into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// Address space: an allocation failed.
    Memory,
    /// The main thread's stack (a deeply nested file).
    Stack,
    /// CPU seconds (`SIGXCPU`).
    CpuTime,
    /// Wall-clock time: the parent killed it.
    WallTime,
}

impl Limit {
    /// The name in problem answers (`limit`).
    pub fn as_str(self) -> &'static str {
        match self {
            Limit::Memory => "memory",
            Limit::Stack => "stack",
            Limit::CpuTime => "cpu_time",
            Limit::WallTime => "wall_time",
        }
    }

    /// What the limit is, for people: `4 GiB of address space`.
    pub fn describe(self, l: &ChildLimits) -> String {
        match self {
            Limit::Memory => format!("{} MiB of address space", l.memory_bytes >> 20),
            Limit::Stack => "the validator's stack".to_string(),
            Limit::CpuTime => format!("{} s of CPU time", l.cpu_secs.max(1)),
            Limit::WallTime => format!("{} s of wall-clock time", l.wall.as_secs_f64()),
        }
    }
}

/// How a child validation ended, when it ended as a validation does.
#[derive(Debug)]
pub enum ChildOutcome {
    /// The JSON of `lpo validate --format json`.
    Answer(serde_json::Value),
    /// The child ran into one of its limits: the bundle is too much for this service.
    OverLimit(Limit),
}

/// Why a child validation gave no answer, through no fault of the bundle.
#[derive(Debug, thiserror::Error)]
pub enum ChildError {
    #[error("cannot start the validator: {0}")]
    Spawn(std::io::Error),
    #[error("cannot wait for the validator: {0}")]
    Wait(std::io::Error),
    #[error("the validator's answer is not JSON: {0}")]
    Answer(serde_json::Error),
    #[error("the validator's answer is larger than {MAX_ANSWER_BYTES} bytes")]
    AnswerTooLarge,
    #[error("the validator failed ({status}): {stderr}")]
    Failed { status: ExitStatus, stderr: String },
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok()?.parse().ok()
}

/// In validation mode, validates and returns the exit code; otherwise `None` at once.
pub fn run_if_child() -> Option<ProcessExit> {
    let manifest = std::env::var_os(CHILD_ENV)?;
    let deny = std::env::var_os(DENY_WARNINGS_ENV).is_some_and(|v| v == "1");
    let d = ChildLimits::default();
    let mem = env_u64(MEMORY_ENV).unwrap_or(d.memory_bytes);
    let cpu = env_u64(CPU_ENV).unwrap_or(d.cpu_secs).max(1);
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
    let mut json = v.to_json();
    bound_answer(&mut json);
    let Ok(text) = serde_json::to_string(&json) else {
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

/// At most [`MAX_DIAGNOSTICS`] diagnostics, and no string longer than [`MAX_STRING_BYTES`]: a
/// bundle of a million bad rows gets a bounded answer (the counts stay exact).
fn bound_answer(v: &mut serde_json::Value) {
    use serde_json::Value;
    if let Some(Value::Array(d)) = v.get_mut("diagnostics") {
        d.truncate(MAX_DIAGNOSTICS);
    }
    fn clip(v: &mut Value) {
        match v {
            Value::String(s) => {
                *s = crate::echo::clip_owned(std::mem::take(s), MAX_STRING_BYTES);
            }
            Value::Array(a) => a.iter_mut().for_each(clip),
            Value::Object(o) => o.values_mut().for_each(clip),
            _ => {}
        }
    }
    clip(v);
}

/// Validates `manifest` in a child started from `exe` (the service's own executable), under
/// `limits`. Blocks until the child ends, or until the wall-clock limit, when it is killed.
pub fn validate_in_child(
    exe: &Path,
    manifest: &Path,
    deny_warnings: bool,
    limits: &ChildLimits,
) -> Result<ChildOutcome, ChildError> {
    let mut child = Command::new(exe)
        .env(CHILD_ENV, manifest)
        .env(DENY_WARNINGS_ENV, if deny_warnings { "1" } else { "0" })
        .env(MEMORY_ENV, limits.memory_bytes.to_string())
        .env(CPU_ENV, limits.cpu_secs.max(1).to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(ChildError::Spawn)?;
    let deadline = Instant::now() + limits.wall;
    let (stdout, stderr) = (child.stdout.take(), child.stderr.take());
    // Both pipes are drained on their own threads, so a child writing much cannot block on a
    // full pipe; standard output's end says the child is done (or has closed it).
    let (done, answer) = mpsc::channel();
    let reader = |name: &str| std::thread::Builder::new().name(format!("lpo-validate-{name}"));
    let spawned = reader("out").spawn(move || {
        let mut buf = Vec::new();
        if let Some(out) = stdout {
            let _ = out.take(MAX_ANSWER_BYTES + 1).read_to_end(&mut buf);
        }
        let _ = done.send(buf);
    });
    if let Err(e) = spawned {
        let _ = child.kill();
        let _ = child.wait();
        return Err(ChildError::Spawn(e));
    }
    let errors = reader("err").spawn(move || {
        let mut tail = Vec::new();
        if let Some(mut err) = stderr {
            let mut chunk = [0u8; 4096];
            while let Ok(n) = err.read(&mut chunk) {
                let Some(read) = chunk.get(..n).filter(|r| !r.is_empty()) else {
                    break;
                };
                tail.extend_from_slice(read);
                let extra = tail.len().saturating_sub(STDERR_TAIL);
                tail.drain(..extra);
            }
        }
        String::from_utf8_lossy(&tail).into_owned()
    });
    let out = answer.recv_timeout(limits.wall).ok();
    let (status, killed) = wait_until(&mut child, deadline)?;
    // Without its own reader, standard error was closed unread (the child is gone now).
    let stderr = match errors {
        Ok(h) => h.join().unwrap_or_default(),
        Err(_) => String::new(),
    };
    if let Some(limit) = over_limit(status, &stderr, killed) {
        return Ok(ChildOutcome::OverLimit(limit));
    }
    let (ok, invalid) = (ExitCode::Ok.code(), ExitCode::Invalid.code());
    match (status.code(), out) {
        (Some(c), Some(out)) if c == i32::from(ok) || c == i32::from(invalid) => {
            if out.len() as u64 > MAX_ANSWER_BYTES {
                return Err(ChildError::AnswerTooLarge);
            }
            serde_json::from_slice(&out)
                .map(ChildOutcome::Answer)
                .map_err(ChildError::Answer)
        }
        _ => Err(ChildError::Failed {
            status,
            stderr: last_line(&stderr),
        }),
    }
}

/// Waits for the child until `deadline`, then kills it. Returns its status and whether it was
/// killed for time.
fn wait_until(child: &mut Child, deadline: Instant) -> Result<(ExitStatus, bool), ChildError> {
    loop {
        if let Some(s) = child.try_wait().map_err(ChildError::Wait)? {
            return Ok((s, false));
        }
        let now = Instant::now();
        if now >= deadline {
            // Already gone between the two calls: its status is what `wait` gives.
            let _ = child.kill();
            return child.wait().map(|s| (s, true)).map_err(ChildError::Wait);
        }
        std::thread::sleep((deadline - now).min(Duration::from_millis(5)));
    }
}

/// The limit a child that ended with `status` ran into, from the signal that ended it and what
/// Rust's runtime printed before it aborted.
fn over_limit(status: ExitStatus, stderr: &str, killed_for_time: bool) -> Option<Limit> {
    const SIGKILL: i32 = 9;
    const SIGXCPU: i32 = 24;
    if killed_for_time {
        return Some(Limit::WallTime);
    }
    if status.signal() == Some(SIGXCPU) {
        return Some(Limit::CpuTime);
    }
    if stderr.contains("has overflowed its stack") {
        return Some(Limit::Stack);
    }
    // Rust's allocation-failure message, or a thread or mapping refused under the limit.
    let memory = [
        "memory allocation of",
        "Cannot allocate memory",
        "failed to spawn thread",
    ];
    if memory.iter().any(|m| stderr.contains(m)) {
        return Some(Limit::Memory);
    }
    // Killed by no one in this service: the kernel's out-of-memory killer.
    if status.signal() == Some(SIGKILL) {
        return Some(Limit::Memory);
    }
    None
}

/// The last non-empty line of `s`, clipped.
fn last_line(s: &str) -> String {
    let line = s.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("");
    crate::echo::clip(line.trim(), 512).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signalled(sig: i32) -> ExitStatus {
        ExitStatus::from_raw(sig)
    }

    fn exited(code: i32) -> ExitStatus {
        ExitStatus::from_raw(code << 8)
    }

    #[test]
    fn how_a_child_died_names_the_limit() {
        let abort = 6;
        assert_eq!(over_limit(signalled(9), "", true), Some(Limit::WallTime));
        assert_eq!(over_limit(signalled(24), "", false), Some(Limit::CpuTime));
        assert_eq!(
            over_limit(
                signalled(abort),
                "memory allocation of 41943040 bytes failed\n",
                false
            ),
            Some(Limit::Memory)
        );
        assert_eq!(
            over_limit(
                signalled(abort),
                "\nthread 'main' has overflowed its stack\nfatal runtime error: stack overflow\n",
                false
            ),
            Some(Limit::Stack)
        );
        assert_eq!(over_limit(signalled(9), "", false), Some(Limit::Memory));
        // A panic or any other failure is not the bundle's limit: the caller answers 500.
        assert_eq!(
            over_limit(
                exited(101),
                "thread 'main' panicked at x.rs:1:1:\nboom\n",
                false
            ),
            None
        );
        assert_eq!(over_limit(signalled(11), "", false), None);
        assert_eq!(over_limit(exited(0), "", false), None);
    }

    #[test]
    fn the_answer_is_bounded() {
        let diag = serde_json::json!({"message": "x".repeat(10_000)});
        let mut v = serde_json::json!({"errors": 5000, "diagnostics": vec![diag; 5000]});
        bound_answer(&mut v);
        assert_eq!(v["errors"], 5000);
        let d = v["diagnostics"].as_array().map_or(0, Vec::len);
        assert_eq!(d, MAX_DIAGNOSTICS);
        assert!(
            v["diagnostics"][0]["message"]
                .as_str()
                .is_some_and(|m| m.len() <= MAX_STRING_BYTES)
        );
        assert_eq!(last_line("a\nlast one\n\n"), "last one");
    }
}
