//! A small engine-based load test that runs as a single process, a master or a worker: the
//! cluster's own end-to-end tests and benchmarks drive it against a counting server.
//!
//! ```text
//! milmove-cluster-demo --master --expect-workers 2 -H http://127.0.0.1:8080 -u 30 -r 10 -t 30s --headless
//! milmove-cluster-demo --worker          # twice, in two other terminals
//! ```
//!
//! Classes: `Reader` (weight 3: `GET /r` ×3, `GET /r/{n}` ×1), `Writer` (weight 1:
//! `GET /w/{n}`), `Admin` (fixed count 1: `GET /admin`).

use clap::Parser;
use milmove_cluster::headless::{run_master, run_worker_cli};
use milmove_cluster::{ClusterArgs, Role};
use milmove_runner::rand::RngExt;
use milmove_runner::{
    init_logging, run_with_args, Hooks, RunnerArgs, Settings, TaskResult, User, UserClass, Wait,
};
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Parser)]
#[command(
    name = "milmove-cluster-demo",
    about = "Cluster demo load test (Reader, Writer, Admin)"
)]
struct Cli {
    #[command(flatten)]
    runner: RunnerArgs,

    #[command(flatten)]
    cluster: ClusterArgs,

    /// Wait between tasks: seconds (`0`, `1.5`) or a range (`0.5..1.0`).
    #[arg(long, default_value = "0.05..0.15", env = "MILMOVE_LOAD_WAIT")]
    wait: Wait,

    /// Worker (tests): append every request as `NAME<TAB>MICROSECONDS` to this file.
    #[arg(long, hide = true)]
    samples_file: Option<std::path::PathBuf>,
}

/// A request listener writing every sample to `path` (one line each, unbuffered).
fn sample_writer(path: &std::path::Path) -> std::io::Result<Hooks> {
    use std::io::Write;
    let file = std::sync::Mutex::new(std::fs::File::create(path)?);
    Ok(Hooks::default().on_request(move |r| {
        if let Ok(mut f) = file.lock() {
            let _ = writeln!(f, "{}\t{}", r.name, r.response_time_us);
        }
    }))
}

async fn read_index(u: &mut User<()>) -> TaskResult {
    u.get("/r").name("/r").send().await;
    Ok(())
}

async fn read_item(u: &mut User<()>) -> TaskResult {
    let n: u32 = u.rng.random_range(1..=100);
    u.get(&format!("/r/{n}")).name("/r/{n}").send().await;
    Ok(())
}

async fn write_item(u: &mut User<()>) -> TaskResult {
    let n: u32 = u.rng.random_range(1..=100);
    u.get(&format!("/w/{n}")).name("/w/{n}").send().await;
    Ok(())
}

async fn admin(u: &mut User<()>) -> TaskResult {
    u.get("/admin").name("/admin").send().await;
    Ok(())
}

fn classes(wait: Wait) -> Vec<UserClass> {
    vec![
        UserClass::builder::<()>("Reader")
            .weight(3)
            .wait(wait)
            .tagged(3, ["read"], read_index)
            .tagged(1, ["read"], read_item)
            .build(),
        UserClass::builder::<()>("Writer")
            .weight(1)
            .wait(wait)
            .tagged(1, ["write"], write_item)
            .build(),
        UserClass::builder::<()>("Admin")
            .fixed_count(1)
            .wait(wait)
            .tagged(1, ["admin"], admin)
            .build(),
    ]
}

fn runtime() -> Option<tokio::runtime::Runtime> {
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => Some(rt),
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            None
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let wait = cli.wait;
    match cli.cluster.role() {
        Role::Standalone => run_with_args(cli.runner, classes(wait), Hooks::default()),
        Role::Master => {
            let settings = match Settings::resolve(&cli.runner) {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            };
            init_logging(&settings);
            let catalog = classes(wait)
                .iter()
                .filter(|c| c.has_runnable_tasks(&settings.run.tags))
                .map(UserClass::dispatch_class)
                .collect();
            let Some(rt) = runtime() else {
                return ExitCode::from(2);
            };
            let code = match rt.block_on(run_master(settings, catalog, &cli.cluster)) {
                Ok(code) => code,
                Err(e) => {
                    eprintln!("error: {e}");
                    2
                }
            };
            rt.shutdown_timeout(std::time::Duration::from_millis(200));
            ExitCode::from(code.clamp(0, 255) as u8)
        }
        Role::Worker => {
            match Settings::resolve(&cli.runner) {
                Ok(s) => init_logging(&s),
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            }
            let names = classes(wait).iter().map(|c| c.name().to_owned()).collect();
            let factory = Arc::new(move |_: &milmove_cluster::TestSettings| Ok(classes(wait)));
            let hooks = match cli.samples_file.as_deref().map(sample_writer).transpose() {
                Ok(h) => h.unwrap_or_default(),
                Err(e) => {
                    eprintln!("error: --samples-file: {e}");
                    return ExitCode::from(2);
                }
            };
            let Some(rt) = runtime() else {
                return ExitCode::from(2);
            };
            let stats = milmove_runner::stats::StatsConfig::default();
            let code = rt.block_on(run_worker_cli(
                &cli.cluster,
                names,
                factory,
                hooks,
                None,
                stats,
                milmove_runner::control::Readiness::not_ready(milmove_cluster::NOT_CONNECTED),
            ));
            rt.shutdown_timeout(std::time::Duration::from_millis(200));
            ExitCode::from(code.clamp(0, 255) as u8)
        }
    }
}
