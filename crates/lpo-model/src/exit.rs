//! The exit codes of the contract (docs/formats.md): what `lpo` exits with, and what the HTTP
//! service reports for the same outcome (the `lpo-exit-code` header, `exit_code` fields).

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExitCode {
    /// Everything done.
    Ok,
    /// An I/O failure, a failed check, or a solver that stopped without a plan.
    Failure,
    /// Invalid input: flags, configuration or request.
    Invalid,
    /// Done, but some orders are unallocated or rejected.
    Partial,
    /// The global constraints are proven unable to hold together.
    Infeasible,
}

impl ExitCode {
    /// The number the process exits with.
    pub const fn code(self) -> u8 {
        match self {
            ExitCode::Ok => 0,
            ExitCode::Failure => 1,
            ExitCode::Invalid => 2,
            ExitCode::Partial => 3,
            ExitCode::Infeasible => 4,
        }
    }
}

impl From<ExitCode> for u8 {
    fn from(c: ExitCode) -> u8 {
        c.code()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_the_contracts() {
        let all = [
            ExitCode::Ok,
            ExitCode::Failure,
            ExitCode::Invalid,
            ExitCode::Partial,
            ExitCode::Infeasible,
        ];
        assert_eq!(all.map(ExitCode::code), [0, 1, 2, 3, 4]);
    }
}
