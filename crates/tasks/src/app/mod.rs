//! The shared body of the three binaries: parse the command line, start the stand-in for
//! `--host sim`, build the user classes and run them with the runner.

mod args;
mod select;
mod target;

pub use args::{parse_wait, AppArgs};
pub use select::{list_text, select, AppKind, Selected, StoreGroup};
pub use target::{SimTarget, Target};

use std::any::Any;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Command, FromArgMatches};
use milmove_hosts::Environment;
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

/// Parses the process arguments for `kind` and runs; the binaries' `main`.
pub fn main(kind: AppKind, start_sim: SimStart) -> ExitCode {
    let args = match parse_args(kind, std::env::args_os()) {
        Ok(args) => args,
        Err(e) => e.exit(),
    };
    run(kind, args, start_sim)
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

/// Runs `kind` with parsed arguments; returns the exit code (see the runner's codes).
pub fn run(kind: AppKind, args: AppArgs, start_sim: SimStart) -> ExitCode {
    let selected = select(kind, &args);
    if args.list {
        print!("{}", list_text(&selected));
        return ExitCode::SUCCESS;
    }
    if args.fetch_specs {
        return fetch_specs(args.swagger_dir.as_deref());
    }
    match prepare_and_run(args, selected, start_sim) {
        Ok(code) => ExitCode::from(code.clamp(0, 255) as u8),
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(CONFIG_ERROR_EXIT_CODE as u8)
        }
    }
}

fn prepare_and_run(
    args: AppArgs,
    selected: Vec<Selected>,
    start_sim: SimStart,
) -> Result<i32, String> {
    if selected.is_empty() {
        return Err("every user class has weight 0: nothing to run".to_string());
    }
    let mut settings = Settings::resolve(&args.runner).map_err(|e| e.to_string())?;
    milmove_runner::init_logging(&settings);
    let wait = parse_wait(&args.wait_time)?;
    let host_text = settings
        .run
        .host
        .clone()
        .unwrap_or_else(|| "sim".to_string());
    let env: Environment = host_text
        .parse()
        .map_err(|e: milmove_hosts::HostError| e.to_string())?;
    let fetch = if args.offline {
        milmove_parser::Fetch::Offline
    } else {
        milmove_parser::Fetch::Allowed
    };
    let spec_dir =
        Apis::resolve_dir_with(args.swagger_dir.as_deref(), fetch).map_err(|e| e.to_string())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    let result = runtime.block_on(async move {
        let (sim, _sim_guard) = if env == Environment::Sim {
            let (target, guard) = start_sim(spec_dir.clone()).await?;
            tracing::info!(
                "stand-in started: prime/support {}, office {}, customer {}",
                target.hosts.mtls_url,
                target.hosts.office_url,
                target.hosts.customer_url
            );
            (Some(target), Some(guard))
        } else {
            (None, None)
        };
        let apis = tokio::task::spawn_blocking(move || Apis::from_dir(&spec_dir))
            .await
            .map_err(|e| format!("loading the specs failed: {e}"))?
            .map_err(|e| e.to_string())?;
        let needs_mutual = selected.iter().any(|s| s.spec.mutual_tls);
        let needs_plain = selected.iter().any(|s| !s.spec.mutual_tls);
        let target = Target::new(env.clone(), &args, sim.as_ref(), needs_mutual, needs_plain)?;
        let classes = build_classes(&selected, &target, &apis, args.store_size, wait)?;
        settings.run.host = Some(match &sim {
            Some(sim) => format!("sim ({})", sim.hosts.mtls_url),
            None => env.to_string(),
        });
        milmove_runner::run_settings(settings, classes, Hooks::default())
            .await
            .map_err(|e| e.to_string())
    });
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    result
}

/// `--fetch-specs`: the pinned specs downloaded and verified into `into` (else the cache);
/// prints the folder.
fn fetch_specs(into: Option<&std::path::Path>) -> ExitCode {
    let progress = |line: &str| eprintln!("{line}");
    match milmove_parser::fetch_specs(into, &progress) {
        Ok(dir) => {
            println!("{}", dir.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
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
