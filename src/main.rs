//! The `lpo` binary: everything lives in `lpo-cli`; this file only hands over.
fn main() -> std::process::ExitCode {
    lpo_cli::main()
}
