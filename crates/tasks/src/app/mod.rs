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
use milmove_runner::control::{Extensions, RoleInput, RolePlugin, RoleRun};
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

/// Parses the process arguments for `kind` and runs headless (no web UI plug-in).
pub fn main(kind: AppKind, start_sim: SimStart) -> ExitCode {
    main_with(kind, start_sim, Extensions::default())
}

/// Parses the process arguments for `kind` and runs with the runner plug-ins `ext` (the web
/// UI and HTML report of `milmove-ui`, the master/worker roles of `milmove-cluster`); the
/// binaries' `main`.
pub fn main_with(kind: AppKind, start_sim: SimStart, ext: Extensions) -> ExitCode {
    let (args, role) = match parse_command_line(kind, std::env::args_os(), ext.role.as_deref()) {
        Ok(parsed) => parsed,
        Err(e) => e.exit(),
    };
    run_role(kind, args, role, start_sim, ext)
}

/// Parses a command line (program name first) as the binary of `kind` does, environment
/// variables included. Tests use it to learn which classes a command line selects
/// ([`select`]) without running anything.
pub fn parse_args<I, T>(kind: AppKind, argv: I) -> Result<AppArgs, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    parse_command_line(kind, argv, None).map(|(args, _)| args)
}

/// As [`parse_args`], with the flags of a role plug-in (e.g. `--master`, `--worker`); returns
/// the role the command line asks for, if any.
pub fn parse_command_line<I, T>(
    kind: AppKind,
    argv: I,
    role: Option<&dyn RolePlugin>,
) -> Result<(AppArgs, Option<Box<dyn RoleRun>>), clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let mut command = AppArgs::augment_args(
        Command::new(kind.bin_name())
            .version(env!("CARGO_PKG_VERSION"))
            .about(about(kind)),
    );
    if let Some(role) = role {
        command = role.augment(command);
    }
    let matches = command.try_get_matches_from(argv)?;
    let mut args = AppArgs::from_arg_matches(&matches)?;
    args.apply_config(&matches)
        .map_err(|m| clap::Error::raw(clap::error::ErrorKind::ValueValidation, m + "\n"))?;
    let chosen = match role {
        Some(role) => role
            .select(&matches)
            .map_err(|m| clap::Error::raw(clap::error::ErrorKind::ValueValidation, m + "\n"))?,
        None => None,
    };
    Ok((args, chosen))
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
    run_role(kind, args, None, start_sim, ext)
}

/// Runs `kind` with parsed arguments in `role` (a single process when `None`).
fn run_role(
    kind: AppKind,
    args: AppArgs,
    role: Option<Box<dyn RoleRun>>,
    start_sim: SimStart,
    ext: Extensions,
) -> ExitCode {
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
    if args.fetch_specs {
        return fetch_specs(args.swagger_dir.as_deref());
    }
    match prepare_and_run(kind, args, selected, role, start_sim, ext) {
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
    role: Option<Box<dyn RoleRun>>,
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
    let lifecycle = match args.lifecycle_mode() {
        true => Some(Arc::new(Lifecycle::new(
            &args.flows,
            args.max_flows,
            args.complete_each_flow,
            args.flow_log.as_deref(),
        )?)),
        false => None,
    };
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
        let hooks = lifecycle
            .as_deref()
            .map(Lifecycle::hooks)
            .unwrap_or_default();
        let factory =
            MilMoveFactory::new(kind, args, spec_dir, wait, start_sim).lifecycle(lifecycle.clone());
        let code = match role {
            Some(role) => {
                tracing::info!("running as {}", role.name());
                let input = RoleInput {
                    settings,
                    factory: Arc::new(factory),
                    hooks,
                    extensions: ext,
                };
                role.run(input).await
            }
            None => {
                let ctl = milmove_runner::local_controller(&settings, factory, hooks);
                milmove_runner::control::run_session(Arc::new(ctl), settings.output, ext)
                    .await
                    .map_err(|e| e.to_string())
            }
        };
        if let Some(lifecycle) = &lifecycle {
            print!("{}", lifecycle.summary());
        }
        code
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
