//! The `zkaccel` binary: see `zkaccel --help` and docs/cli.md. Arguments are read as OS strings
//! (a path need not be UTF-8).

fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(zkaccel_zkml::cli::main_with_args(std::env::args_os()))
}
