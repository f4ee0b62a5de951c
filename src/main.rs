//! The `lpo` binary: everything lives in `lpo-cli`; this file only hands over. Started by the
//! HTTP service to validate a bundle, it is the service's validation child instead (no command
//! line is parsed then).
fn main() -> std::process::ExitCode {
    if let Some(code) = lpo_server::validate_child::run_if_child() {
        return code;
    }
    lpo_cli::main()
}
