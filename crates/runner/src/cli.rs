//! The command-line entry: parse flags, run headless with periodic tables, handle Ctrl-C,
//! write every report however the run ends, compute the exit code.

use crate::class::UserClass;
use crate::config::{RunnerArgs, Settings};
use crate::error::RunnerError;
use crate::exec::runner::{EndReason, RunOutcome, Runner};
use crate::hooks::Hooks;
use crate::report::{console, csv::CsvReport, json};
use crate::shape::LoadShape;
use crate::threshold::{self, Threshold};
use clap::Parser;
use std::process::ExitCode;
use std::time::{Duration, SystemTime};

/// Exit code for configuration and report-writing errors.
pub const CONFIG_ERROR_EXIT_CODE: i32 = 2;

#[derive(Parser)]
#[command(about = "Load test with the milmove-load engine", version)]
struct StandaloneCli {
    #[command(flatten)]
    runner: RunnerArgs,
}

/// Parse the standard flags from the process arguments and run `classes`; returns the exit
/// code (0 ok; `--exit-code-on-error` (1) on request failures; 3 on failed thresholds;
/// 2 on configuration or report errors).
pub fn run_cli(classes: Vec<UserClass>) -> ExitCode {
    let cli = StandaloneCli::parse();
    run_with_args(cli.runner, classes, Hooks::default())
}

/// Run with flags an app parsed itself (after `#[command(flatten)] RunnerArgs`).
pub fn run_with_args(args: RunnerArgs, classes: Vec<UserClass>, hooks: Hooks) -> ExitCode {
    let settings = match Settings::resolve(&args) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(CONFIG_ERROR_EXIT_CODE as u8);
        }
    };
    init_logging(&settings);
    raise_open_file_limit();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(CONFIG_ERROR_EXIT_CODE as u8);
        }
    };
    let code = match runtime.block_on(run_settings(settings, classes, hooks)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            CONFIG_ERROR_EXIT_CODE
        }
    };
    // Do not wait for stray blocking work (e.g. a cut request's DNS lookup).
    runtime.shutdown_timeout(Duration::from_millis(200));
    ExitCode::from(code.clamp(0, 255) as u8)
}

/// Raise the soft limit on open files to the hard limit (at most 2^20), as Locust does: every
/// user of the direct HTTP path keeps its own connection, and 1,024 is a common default.
fn raise_open_file_limit() {
    #[cfg(unix)]
    {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit/setrlimit only read/write the struct passed by pointer, which
        // lives on this stack frame for the duration of the calls.
        unsafe {
            if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
                return;
            }
            let wanted = limit.rlim_max.min(1 << 20);
            if limit.rlim_cur < wanted {
                limit.rlim_cur = wanted;
                if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
                    tracing::debug!("could not raise the open-file limit");
                }
            }
        }
    }
}

/// Install a `tracing` subscriber for `-L/--loglevel` and `--logfile` (once per process;
/// later calls are ignored). `RUST_LOG` refines it when set.
pub fn init_logging(settings: &Settings) {
    let level = match settings.output.loglevel.to_ascii_lowercase().as_str() {
        "warning" => "warn".to_string(),
        "critical" => "error".to_string(),
        other => other.to_string(),
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .or_else(|_| tracing_subscriber::EnvFilter::try_new(&level))
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    let file = settings
        .output
        .logfile
        .as_ref()
        .and_then(|p| match std::fs::File::create(p) {
            Ok(f) => Some(f),
            Err(e) => {
                eprintln!(
                    "warning: cannot open log file {}: {e}; logging to stderr",
                    p.display()
                );
                None
            }
        });
    let _ = match file {
        Some(f) => builder
            .with_ansi(false)
            .with_writer(std::sync::Mutex::new(f))
            .try_init(),
        None => builder
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .with_writer(std::io::stderr)
            .try_init(),
    };
}

/// Run a resolved configuration to the end inside a tokio runtime: console tables, Ctrl-C
/// (graceful, then immediate), history sampling, reports, thresholds. Returns the exit code.
pub async fn run_settings(
    settings: Settings,
    classes: Vec<UserClass>,
    hooks: Hooks,
) -> Result<i32, RunnerError> {
    let out = settings.output.clone();
    let thresholds: Vec<Threshold> = out
        .thresholds
        .iter()
        .map(|t| {
            t.parse()
                .map_err(|e| RunnerError::Config(format!("--threshold `{t}`: {e}")))
        })
        .collect::<Result<_, _>>()?;
    if !out.headless {
        tracing::info!("the web UI is not available yet; running headless");
    }
    let mut csv = match &out.csv {
        Some(prefix) => Some(
            CsvReport::create(&prefix.to_string_lossy(), out.csv_full_history)
                .map_err(report_error)?,
        ),
        None => None,
    };
    let host = settings.run.host.clone().unwrap_or_default();
    let users = settings.run.users;
    let shape = settings
        .stages
        .clone()
        .map(|s| Box::new(s) as Box<dyn LoadShape>);
    let mut signals = Signals::install();
    let start_time = SystemTime::now();
    let runner = Runner::start(settings.run, classes, hooks, shape)?;
    let outcome = drive(&runner, &out, csv.as_mut(), &mut signals).await;
    let end_time = SystemTime::now();

    let stats = runner.stats();
    let last = stats.sample_history();
    if let Some(c) = csv.as_mut() {
        if let Err(e) = c.append_history(&last) {
            tracing::error!("{e}");
        }
    }
    let snap = stats.snapshot();
    let results = threshold::evaluate(&thresholds, &snap);
    println!("{}", console::final_summary(&snap, &results));
    if outcome.cut_requests > 0 || outcome.cut_users > 0 {
        println!(
            "Cut at stop: {} users still in a task, {} requests in flight (not in the statistics: no response).",
            outcome.cut_users, outcome.cut_requests
        );
    }
    if let Some(n) = outcome.iterations {
        println!("Arrival-rate iterations started: {n}");
    }
    let mut report_failed = false;
    if let Some(c) = &csv {
        if let Err(e) = c.write_stats(&snap) {
            tracing::error!("{e}");
            report_failed = true;
        }
    }
    if let Some(path) = &out.json {
        let meta = json::RunMetadata {
            start_time,
            end_time,
            host,
            users: users as u64,
            end_reason: end_reason_text(&outcome).to_string(),
            cut_requests: outcome.cut_requests,
            cut_users: outcome.cut_users as u64,
        };
        if let Err(e) = json::write_json(path, &snap, &meta, &results) {
            tracing::error!("{e}");
            report_failed = true;
        }
    }
    let code = threshold::exit_code(&results, &snap, out.exit_code_on_error);
    Ok(if report_failed && code == 0 {
        CONFIG_ERROR_EXIT_CODE
    } else {
        code
    })
}

fn report_error(e: crate::report::ReportError) -> RunnerError {
    RunnerError::Report {
        path: String::new(),
        message: e.to_string(),
    }
}

/// Text for the JSON `end_reason`.
pub fn end_reason_text(outcome: &RunOutcome) -> &'static str {
    match outcome.reason {
        EndReason::RunTime => "run time reached",
        EndReason::Stopped => "stopped",
        EndReason::StoppedNow => "stopped immediately",
        EndReason::ShapeEnded => "shape finished",
        EndReason::AllUsersStopped => "all users stopped",
    }
}

/// Wait for the end while printing tables, sampling history and watching for signals.
async fn drive(
    runner: &Runner,
    out: &crate::config::OutputOptions,
    mut csv: Option<&mut CsvReport>,
    signals: &mut Signals,
) -> RunOutcome {
    let mut interrupts = 0u32;
    let mut history = tokio::time::interval(Duration::from_secs(1));
    history.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    history.tick().await;
    let mut print = tokio::time::interval(out.print_interval);
    print.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    print.tick().await;
    let end = runner.wait();
    tokio::pin!(end);
    loop {
        tokio::select! {
            outcome = &mut end => return outcome,
            signal = signals.next() => {
                if matches!(signal, StopSignal::Terminate) {
                    tracing::info!("SIGTERM: stopping gracefully");
                    runner.stop();
                    continue;
                }
                interrupts += 1;
                if interrupts == 1 {
                    eprintln!("Ctrl-C: stopping gracefully (press Ctrl-C again to stop now)");
                    runner.stop();
                } else {
                    eprintln!("Ctrl-C again: stopping now");
                    runner.stop_now();
                }
            }
            _ = history.tick() => {
                let sample = runner.stats().sample_history();
                if let Some(c) = csv.as_deref_mut() {
                    if let Err(e) = c.append_history(&sample) {
                        tracing::error!("{e}");
                    }
                }
            }
            _ = print.tick() => {
                if !out.only_summary {
                    println!("{}", console::stats_table(&runner.stats().snapshot(), true));
                }
            }
        }
    }
}

/// Which stop signal arrived.
enum StopSignal {
    Interrupt,
    Terminate,
}

/// SIGINT (Ctrl-C) and SIGTERM listeners, installed once so no signal is lost between polls.
struct Signals {
    #[cfg(unix)]
    int: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    term: Option<tokio::signal::unix::Signal>,
}

impl Signals {
    #[cfg(unix)]
    fn install() -> Self {
        use tokio::signal::unix::{signal, SignalKind};
        Self {
            int: signal(SignalKind::interrupt()).ok(),
            term: signal(SignalKind::terminate()).ok(),
        }
    }

    #[cfg(not(unix))]
    fn install() -> Self {
        Self {}
    }

    #[cfg(unix)]
    async fn next(&mut self) -> StopSignal {
        async fn recv(s: &mut Option<tokio::signal::unix::Signal>) {
            let received = match s {
                Some(s) => s.recv().await.is_some(),
                None => false,
            };
            if !received {
                std::future::pending::<()>().await;
            }
        }
        tokio::select! {
            _ = recv(&mut self.int) => StopSignal::Interrupt,
            _ = recv(&mut self.term) => StopSignal::Terminate,
        }
    }

    #[cfg(not(unix))]
    async fn next(&mut self) -> StopSignal {
        match tokio::signal::ctrl_c().await {
            Ok(()) => StopSignal::Interrupt,
            Err(_) => std::future::pending().await,
        }
    }
}
