//! The command-line entry: parse flags, set up logging and the runtime, and hand over to the
//! session loop ([`crate::control::session`]), which runs headless or with the web UI.

use crate::class::UserClass;
use crate::config::{RunnerArgs, Settings};
use crate::control::session::run_session;
use crate::control::{ClassFactory, Extensions, FixedClasses, LocalController};
use crate::error::RunnerError;
use crate::exec::runner::{EndReason, RunOutcome};
use crate::hooks::Hooks;
use clap::Parser;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

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

/// Run with flags an app parsed itself (after `#[command(flatten)] RunnerArgs`), headless.
pub fn run_with_args(args: RunnerArgs, classes: Vec<UserClass>, hooks: Hooks) -> ExitCode {
    run_with_extensions(args, classes, hooks, Extensions::default())
}

/// As [`run_with_args`], with plug-ins (the web UI, the HTML report writer).
pub fn run_with_extensions(
    args: RunnerArgs,
    classes: Vec<UserClass>,
    hooks: Hooks,
    ext: Extensions,
) -> ExitCode {
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
    let code = match runtime.block_on(run_settings_with(settings, classes, hooks, ext)) {
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

/// Raises the soft limit on open files to the hard limit (at most 2^20), as Locust does: every
/// user of the direct HTTP path keeps its own connection, and 1,024 is a common default.
pub fn raise_open_file_limit() {
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
/// later calls are ignored), plus the in-memory buffer of the last lines ([`crate::logs`]).
/// `RUST_LOG` refines it when set.
pub fn init_logging(settings: &Settings) {
    let level = match settings.output.loglevel.to_ascii_lowercase().as_str() {
        "warning" => "warn".to_string(),
        "critical" => "error".to_string(),
        other => other.to_string(),
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .or_else(|_| tracing_subscriber::EnvFilter::try_new(&level))
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    let builder = tracing_subscriber::fmt::layer().with_target(false);
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
    let registry = tracing_subscriber::registry()
        .with(filter)
        .with(crate::logs::BufferLayer);
    let _ = match file {
        Some(f) => registry
            .with(
                builder
                    .with_ansi(false)
                    .with_writer(std::sync::Mutex::new(f)),
            )
            .try_init(),
        None => registry
            .with(
                builder
                    .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
                    .with_writer(std::io::stderr),
            )
            .try_init(),
    };
}

/// Run a resolved configuration to the end inside a tokio runtime: console tables, Ctrl-C
/// (graceful, then immediate), history sampling, reports, thresholds. Returns the exit code.
/// Headless whatever `--headless` says (no web UI is given); see [`run_settings_with`].
pub async fn run_settings(
    settings: Settings,
    classes: Vec<UserClass>,
    hooks: Hooks,
) -> Result<i32, RunnerError> {
    run_settings_with(settings, classes, hooks, Extensions::default()).await
}

/// As [`run_settings`], with plug-ins: the web UI (served unless `--headless`) and the HTML
/// report writer (`--html`).
pub async fn run_settings_with(
    settings: Settings,
    classes: Vec<UserClass>,
    hooks: Hooks,
    ext: Extensions,
) -> Result<i32, RunnerError> {
    let ctl = local_controller(&settings, FixedClasses::new(classes), hooks);
    run_session(Arc::new(ctl), settings.output, ext).await
}

/// The [`LocalController`] of resolved settings: `factory` builds the classes, the settings
/// give everything else (and the start form's defaults).
pub fn local_controller(
    settings: &Settings,
    factory: impl ClassFactory,
    hooks: Hooks,
) -> LocalController {
    LocalController::with_options(
        factory,
        settings.run.clone(),
        hooks,
        settings.stages.clone(),
        settings.output.thresholds.clone(),
    )
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
