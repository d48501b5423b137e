use std::process::ExitCode;

fn main() -> ExitCode {
    match graphsoar::cli::run(std::env::args_os()) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("graphsoar: error: {err:#}");
            ExitCode::from(2)
        }
    }
}
