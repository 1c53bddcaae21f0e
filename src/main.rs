//! The `reconcile` binary: parse the command line, run, and turn errors into diagnostics on
//! standard error and exit status 1 (3 for a lint the environment denies).

use std::process::ExitCode;

use clap::Parser;
use reconcile::cli::Cli;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // Help and version are successes; every usage error is exit status 1.
            return if e.use_stderr() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    // Unwrapped lines: messages stay greppable, and terminals wrap them anyway. NO_COLOR
    // (https://no-color.org) wins over everything that would force colour on.
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let _ = miette::set_hook(Box::new(move |_| {
        let opts = miette::MietteHandlerOpts::new().wrap_lines(false);
        Box::new(if no_color { opts.color(false) } else { opts }.build())
    }));
    let env = |name: &str| std::env::var(name).ok();
    if env("RECONCILE_TIMINGS").is_some_and(|v| v == "1") {
        reconcile::timings::enable();
    }
    let status = reconcile::run::run(cli, &env);
    if reconcile::timings::enabled() {
        reconcile::console::err(&reconcile::timings::report());
    }
    match status {
        Ok(status) => ExitCode::from(status),
        Err(e) => {
            let code = e.exit_code();
            reconcile::console::line(&format!("{:?}", miette::Report::new(e)));
            ExitCode::from(code)
        }
    }
}
