//! The `vigia` command.

use std::process::ExitCode;

fn main() -> ExitCode {
    vigia::cli::main()
}
