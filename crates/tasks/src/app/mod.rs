//! The shared body of the three binaries: parse the command line, start the stand-in for
//! `--host sim`, build the user classes and run them with the runner.

mod args;
mod control;
mod select;
mod target;

pub use args::{parse_wait, AppArgs};
pub use control::{class_info, MilMoveFactory};
pub use select::{candidates, list_text, select, AppKind, Selected, StoreGroup};
pub use target::{SimTarget, Target};

use std::any::Any;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Command, FromArgMatches};
use milmove_runner::control::Extensions;
use milmove_runner::{Hooks, Settings, UserClass, CONFIG_ERROR_EXIT_CODE};

use crate::apis::Apis;
use crate::catalog::ClassOptions;
use crate::context::Shared;

/// Starts the stand-in in-process: given the spec directory, returns its URLs and
/// certificates, and a handle that keeps it running until dropped.
pub type SimStart = Box<
    dyn FnOnce(
            PathBuf,
        ) -> std::pin::Pin<
            Box<
                dyn std::future::Future<Output = Result<(SimTarget, Box<dyn Any + Send>), String>>
                    + Send,
            >,
        > + Send,
>;

/// Parses the process arguments for `kind` and runs headless (no web UI plug-in).
pub fn main(kind: AppKind, start_sim: SimStart) -> ExitCode {
    main_with(kind, start_sim, Extensions::default())
}

/// Parses the process arguments for `kind` and runs with the runner plug-ins `ext` (the web
/// UI and HTML report of `milmove-ui`); the binaries' `main`.
pub fn main_with(kind: AppKind, start_sim: SimStart, ext: Extensions) -> ExitCode {
    let args = match parse_args(kind, std::env::args_os()) {
        Ok(args) => args,
        Err(e) => e.exit(),
    };
    run_with(kind, args, start_sim, ext)
}

/// Parses a command line (program name first) as the binary of `kind` does, environment
/// variables included. Tests use it to learn which classes a command line selects
/// ([`select`]) without running anything.
pub fn parse_args<I, T>(kind: AppKind, argv: I) -> Result<AppArgs, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let command = AppArgs::augment_args(
        Command::new(kind.bin_name())
            .version(env!("CARGO_PKG_VERSION"))
            .about(about(kind)),
    );
    let matches = command.try_get_matches_from(argv)?;
    AppArgs::from_arg_matches(&matches)
}

fn about(kind: AppKind) -> &'static str {
    match kind {
        AppKind::Prime => "Load test of the MilMove Prime and Support APIs (Prime, Support and Prime workflow users)",
        AppKind::Office => "Load test of the MilMove office app (Services Counselor, TOO and TIO users)",
        AppKind::Milmove => "Load test of the MilMove customer app (customer users); --all runs every MilMove user",
    }
}

/// Runs `kind` with parsed arguments, headless; returns the exit code (see the runner's codes).
pub fn run(kind: AppKind, args: AppArgs, start_sim: SimStart) -> ExitCode {
    run_with(kind, args, start_sim, Extensions::default())
}

/// Runs `kind` with parsed arguments and runner plug-ins; returns the exit code.
pub fn run_with(kind: AppKind, args: AppArgs, start_sim: SimStart, ext: Extensions) -> ExitCode {
    let selected = select(kind, &args);
    if args.list {
        print!("{}", list_text(&selected));
        return ExitCode::SUCCESS;
    }
    match prepare_and_run(kind, args, selected, start_sim, ext) {
        Ok(code) => ExitCode::from(code.clamp(0, 255) as u8),
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(CONFIG_ERROR_EXIT_CODE as u8)
        }
    }
}

fn prepare_and_run(
    kind: AppKind,
    args: AppArgs,
    selected: Vec<Selected>,
    start_sim: SimStart,
    ext: Extensions,
) -> Result<i32, String> {
    if selected.is_empty() {
        return Err("every user class has weight 0: nothing to run".to_string());
    }
    let mut settings = Settings::resolve(&args.runner).map_err(|e| e.to_string())?;
    milmove_runner::init_logging(&settings);
    milmove_runner::raise_open_file_limit();
    let wait = parse_wait(&args.wait_time)?;
    if settings.run.host.is_none() {
        settings.run.host = Some("sim".to_string());
    }
    if settings.output.headless {
        // Fail fast on a host text that names nothing, before the runtime starts.
        settings
            .run
            .host
            .as_deref()
            .unwrap_or("sim")
            .parse::<milmove_hosts::Environment>()
            .map_err(|e: milmove_hosts::HostError| e.to_string())?;
    }
    let spec_dir = Apis::resolve_dir(args.swagger_dir.as_deref()).map_err(|e| e.to_string())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    let result = runtime.block_on(async move {
        let factory = MilMoveFactory::new(kind, args, spec_dir, wait, start_sim);
        let ctl = milmove_runner::local_controller(&settings, factory, Hooks::default());
        milmove_runner::control::run_session(Arc::new(ctl), settings.output, ext)
            .await
            .map_err(|e| e.to_string())
    });
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    result
}

/// The runner's classes for a selection: one shared state per store group.
pub fn build_classes(
    selected: &[Selected],
    target: &Target,
    apis: &Arc<Apis>,
    store_size: usize,
    wait: milmove_runner::Wait,
) -> Result<Vec<UserClass>, String> {
    let mut groups: Vec<(StoreGroup, Arc<Shared>)> = Vec::new();
    let mut classes = Vec::with_capacity(selected.len());
    for s in selected {
        let shared = match groups.iter().find(|(g, _)| *g == s.group) {
            Some((_, shared)) => shared.clone(),
            None => {
                let shared = Shared::new(apis.clone(), store_size);
                groups.push((s.group, shared.clone()));
                shared
            }
        };
        let options = ClassOptions {
            host: target.host(s.spec.domain, s.spec.is_api)?,
            tls: target.tls(s.spec.mutual_tls),
            weight: s.weight,
            wait,
        };
        classes.push(s.spec.build(&shared, options));
    }
    Ok(classes)
}
