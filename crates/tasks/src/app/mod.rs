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
use milmove_runner::{Settings, TagFilter, UserClass, CONFIG_ERROR_EXIT_CODE};

use crate::apis::Apis;
use crate::catalog::ClassOptions;
use crate::context::Shared;
use crate::flows::app::Lifecycle;

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
    let mut args = AppArgs::from_arg_matches(&matches)?;
    args.apply_config(&matches)
        .map_err(|m| clap::Error::raw(clap::error::ErrorKind::ValueValidation, m + "\n"))?;
    Ok(args)
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
        if args.lifecycle_mode() {
            match crate::flows::catalog::parse_mix(&args.flows) {
                Ok(weights) => print!("{}", crate::flows::catalog::list_text(&weights)),
                Err(message) => {
                    eprintln!("error: {message}");
                    return ExitCode::from(CONFIG_ERROR_EXIT_CODE as u8);
                }
            }
        }
        return ExitCode::SUCCESS;
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
    let lifecycle = match args.lifecycle_mode() {
        true => Some(Lifecycle::new(
            &args.flows,
            args.max_flows,
            args.complete_each_flow,
            args.flow_log.as_deref(),
        )?),
        false => None,
    };
    let tags = settings.run.tags.clone();
    let host_text = settings
        .run
        .host
        .clone()
        .unwrap_or_else(|| "sim".to_string());
    let env: Environment = host_text
        .parse()
        .map_err(|e: milmove_hosts::HostError| e.to_string())?;
    let spec_dir = Apis::resolve_dir(args.swagger_dir.as_deref()).map_err(|e| e.to_string())?;
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
        let build = BuildOptions {
            store_size: args.store_size,
            wait,
            lifecycle: lifecycle.as_ref(),
            tags: &tags,
        };
        let classes = build_lifecycle_classes(&selected, &target, &apis, &build)?;
        settings.run.host = Some(match &sim {
            Some(sim) => format!("sim ({})", sim.hosts.mtls_url),
            None => env.to_string(),
        });
        let hooks = lifecycle.as_ref().map(Lifecycle::hooks).unwrap_or_default();
        let code = milmove_runner::run_settings(settings, classes, hooks)
            .await
            .map_err(|e| e.to_string());
        if let Some(lifecycle) = &lifecycle {
            print!("{}", lifecycle.summary());
        }
        code
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
    let tags = TagFilter::default();
    let build = BuildOptions {
        store_size,
        wait,
        lifecycle: None,
        tags: &tags,
    };
    build_lifecycle_classes(selected, target, apis, &build)
}

/// How [`build_lifecycle_classes`] builds the classes.
pub struct BuildOptions<'a> {
    /// Objects kept per kind in each data store.
    pub store_size: usize,
    /// Wait between tasks.
    pub wait: milmove_runner::Wait,
    /// The lifecycle flows, in a lifecycle run.
    pub lifecycle: Option<&'a Lifecycle>,
    /// `-T`/`-E`, which lifecycle users apply to their classes' own tasks.
    pub tags: &'a TagFilter,
}

/// The runner's classes for a selection, lifecycle classes for the roles of a lifecycle run:
/// one shared state per store group (whose stores keep out the flows' moves in a lifecycle
/// run).
pub fn build_lifecycle_classes(
    selected: &[Selected],
    target: &Target,
    apis: &Arc<Apis>,
    build: &BuildOptions<'_>,
) -> Result<Vec<UserClass>, String> {
    let mut groups: Vec<(StoreGroup, Arc<Shared>)> = Vec::new();
    let mut classes = Vec::with_capacity(selected.len());
    for s in selected {
        let shared = match groups.iter().find(|(g, _)| *g == s.group) {
            Some((_, shared)) => shared.clone(),
            None => {
                let shared = match build.lifecycle {
                    Some(l) => Shared::excluding(apis.clone(), build.store_size, l.hub.exclusion()),
                    None => Shared::new(apis.clone(), build.store_size),
                };
                groups.push((s.group, shared.clone()));
                shared
            }
        };
        let options = ClassOptions {
            host: target.host(s.spec.domain, s.spec.is_api)?,
            tls: target.tls(s.spec.mutual_tls),
            weight: s.weight,
            wait: build.wait,
        };
        classes.push(match (build.lifecycle, s.role) {
            (Some(l), Some(role)) => {
                crate::flows::class::build(&s.spec, role, &l.hub, &shared, options, build.tags)
            }
            _ => s.spec.build(&shared, options),
        });
    }
    Ok(classes)
}
