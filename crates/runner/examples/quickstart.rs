//! The quickstart load test: one user class, two tasks, every standard flag.
//!
//! ```text
//! cargo run --release -p milmove-runner --example quickstart -- \
//!     --host http://127.0.0.1:8080 --headless -u 20 -r 20 -t 10s --csv out/run --json out/run.json
//! ```
//! `--wait 0` removes the wait between tasks; `--wait 0.5..1.0` (the default) waits a random
//! 0.5–1 s. `--reqwest-only` sends everything through reqwest instead of the direct
//! HTTP/1.1 path (to compare their costs). An `https://` host works the same way (the direct
//! path over TLS, public roots; `--insecure` for a server with a private CA). Without
//! `--headless` it serves the web UI on http://127.0.0.1:8089 (the example's only use of the
//! `milmove-ui` dev-dependency).

use clap::Parser;
use milmove_runner::rand::RngExt;
use milmove_runner::{run_with_extensions, Hooks, RunnerArgs, TaskResult, User, UserClass, Wait};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "quickstart",
    about = "Quickstart load test (GET / and GET /item/{n})"
)]
struct Cli {
    #[command(flatten)]
    runner: RunnerArgs,

    /// Wait between tasks: seconds (`0`, `1.5`) or a range (`0.5..1.0`).
    #[arg(long, default_value = "0.5..1.0", env = "MILMOVE_LOAD_WAIT")]
    wait: Wait,

    /// Send every request through reqwest (no direct HTTP/1.1 path), e.g. to compare costs.
    #[arg(long)]
    reqwest_only: bool,
}

/// `GET /`, grouped as `/`.
async fn index(u: &mut User<()>) -> TaskResult {
    u.get("/").name("/").send().await;
    Ok(())
}

/// `GET /item/{n}` with n random in 1..=1000, grouped as `/item/{n}`.
async fn item(u: &mut User<()>) -> TaskResult {
    let n: u32 = u.rng.random_range(1..=1000);
    u.get(&format!("/item/{n}")).name("/item/{n}").send().await;
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut quickstart = UserClass::builder::<()>("QuickstartUser")
        .wait(cli.wait)
        .task(3, index)
        .task(1, item);
    if cli.reqwest_only {
        quickstart = quickstart.reqwest_only();
    }
    let quickstart = quickstart.build();
    run_with_extensions(
        cli.runner,
        vec![quickstart],
        Hooks::default(),
        milmove_ui::extensions(),
    )
}
