//! The cluster as a role plug-in of an app ([`milmove_runner::control::RolePlugin`]): adds the
//! cluster flags ([`ClusterArgs`]) to the app's command line and runs the process as the master
//! or a worker of a distributed run with the app's own classes
//! ([`milmove_runner::control::ClassFactory`]).
//!
//! * **Master**: the dispatch catalogue is the app's catalogue with its default weights (after
//!   `-T`/`-E`), as a single process would run it; the master runs no users and resolves no
//!   host: the host text goes to the workers.
//! * **Worker**: offers the classes a single process of the same command line would run,
//!   resolves the master's host text itself through the app's factory (`sim` starts a
//!   stand-in in this process, once) — warmed up before it joins, so a test starts at once.

use crate::args::{ClusterArgs, Role};
use crate::controller::{MasterControlOptions, MasterController};
use crate::headless::{cluster_json, run_worker_cli, workers_table, Signals};
use crate::master::Master;
use crate::worker::{ClassPreparer, PreparedClasses, TestSettings};
use clap::{Args, FromArgMatches};
use milmove_runner::control::{
    runnable_classes, BoxFuture, ClassChoice, ClassFactory, Extensions, MetricsContext, Readiness,
    RoleInput, RolePlugin, RoleRun, StartParams,
};
use milmove_runner::{DispatchClass, TagFilter};
use parking_lot::Mutex;
use std::any::Any;
use std::sync::Arc;

/// The cluster role plug-in: `--master` and `--worker` (and their flags) for an app.
#[derive(Debug, Clone, Copy, Default)]
pub struct ClusterRole;

/// `ext` with the cluster role plug-in added (the apps' `main`).
pub fn with_cluster(ext: Extensions) -> Extensions {
    Extensions {
        role: Some(Arc::new(ClusterRole)),
        ..ext
    }
}

impl RolePlugin for ClusterRole {
    fn augment(&self, command: clap::Command) -> clap::Command {
        ClusterArgs::augment_args(command)
    }

    fn select(&self, matches: &clap::ArgMatches) -> Result<Option<Box<dyn RoleRun>>, String> {
        let args = ClusterArgs::from_arg_matches(matches).map_err(|e| e.to_string())?;
        Ok(match args.role() {
            Role::Standalone => None,
            Role::Master => Some(Box::new(MasterRole { args })),
            Role::Worker => Some(Box::new(WorkerRole { args })),
        })
    }
}

/// The dispatch catalogue of a master: the app's classes with their default weights, those
/// without a task `tags` allow left out.
pub fn dispatch_catalog(factory: &dyn ClassFactory, tags: &TagFilter) -> Vec<DispatchClass> {
    let catalogue = factory.catalogue();
    runnable_classes(&catalogue, &[], tags)
        .into_iter()
        .map(|(c, weight)| DispatchClass {
            name: c.name.clone(),
            weight,
            fixed_count: c.fixed_count,
        })
        .collect()
}

struct MasterRole {
    args: ClusterArgs,
}

impl RoleRun for MasterRole {
    fn name(&self) -> &'static str {
        "master"
    }

    fn run(self: Box<Self>, input: RoleInput) -> BoxFuture<'static, Result<i32, String>> {
        Box::pin(async move {
            let catalog = dispatch_catalog(&*input.factory, &input.settings.run.tags);
            if catalog.is_empty() {
                return Err("no user class has a task the tag filter allows".into());
            }
            master_session(input, catalog, &self.args).await
        })
    }
}

/// A master under the session loop (headless or with the web UI): binds, waits for
/// `--expect-workers` when the test starts at once (headless, `--autostart`), runs the
/// session over a [`MasterController`], adds the `cluster` section to the JSON summary and
/// tells every worker to quit.
async fn master_session(
    input: RoleInput,
    catalog: Vec<DispatchClass>,
    args: &ClusterArgs,
) -> Result<i32, String> {
    let settings = input.settings;
    let config = args
        .master_config(settings.run.stats.clone())
        .map_err(|e| e.to_string())?;
    let max_wait = args.expect_workers_max_wait().map_err(|e| e.to_string())?;
    let heartbeat_liveness = config.heartbeat_liveness;
    let master = Master::bind(config, catalog)
        .await
        .map_err(|e| e.to_string())?;
    let starts_at_once = settings.output.headless || settings.output.web.autostart;
    if starts_at_once {
        let expect = args.expect_workers.max(1);
        println!(
            "Master listening on {}: waiting for {expect} worker(s)",
            master.local_addr()
        );
        let mut signals = Signals::install();
        tokio::select! {
            r = master.wait_for_workers(expect, max_wait) => {
                if let Err(e) = r {
                    master.shutdown("the master gave up waiting for workers").await;
                    return Err(e.to_string());
                }
            }
            _ = signals.next() => {
                eprintln!("interrupted while waiting for workers");
                master.shutdown("the master was interrupted").await;
                return Ok(milmove_runner::CONFIG_ERROR_EXIT_CODE);
            }
        }
    } else {
        println!("Master listening on {} for workers", master.local_addr());
    }
    let controller = MasterController::new(
        master.clone(),
        MasterControlOptions {
            catalogue: input.factory.catalogue(),
            run: settings.run.clone(),
            stages: settings.stages.clone(),
            thresholds: settings.output.thresholds.clone(),
            heartbeat_liveness,
        },
    );
    let out = settings.output.clone();
    let result =
        milmove_runner::control::run_session(Arc::new(controller), out.clone(), input.extensions)
            .await
            .map_err(|e| e.to_string());
    println!("{}", workers_table(&master.workers()));
    let status = master.status();
    if status.lost_workers > 0 {
        println!(
            "Lost workers: {}; their reported figures are in the totals; up to {} of their \
             requests may be missing.",
            status.lost_workers, status.possibly_missing_requests
        );
    }
    let mut code = result?;
    if let Some(path) = &out.json {
        if let Err(e) = add_cluster_section(path, &master) {
            tracing::error!("cannot add the cluster section to {}: {e}", path.display());
            if code == 0 {
                code = milmove_runner::CONFIG_ERROR_EXIT_CODE;
            }
        }
    }
    master.shutdown("the test is over").await;
    Ok(code)
}

/// Adds the master's `cluster` section (workers, losses, possibly missing requests) to the
/// JSON summary the session wrote.
fn add_cluster_section(path: &std::path::Path, master: &Master) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let mut value: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    if let serde_json::Value::Object(m) = &mut value {
        m.insert("cluster".into(), cluster_json(master));
    }
    let text = serde_json::to_string_pretty(&value).map_err(|e| e.to_string())?;
    std::fs::write(path, text + "\n").map_err(|e| e.to_string())
}

struct WorkerRole {
    args: ClusterArgs,
}

/// Builds a test's classes through the app's factory (the chosen classes: the app's own).
fn preparer(factory: Arc<dyn ClassFactory>, choices: Vec<ClassChoice>) -> ClassPreparer {
    // Keeps what the last build asked to keep alive (e.g. a stand-in).
    let guard: Arc<Mutex<Option<Box<dyn Any + Send + Sync>>>> = Arc::new(Mutex::new(None));
    ClassPreparer(Arc::new(move |settings: TestSettings| {
        let factory = factory.clone();
        let choices = choices.clone();
        let guard = guard.clone();
        Box::pin(async move {
            let params = StartParams {
                host: settings.host.clone().unwrap_or_default(),
                classes: choices.clone(),
                tags: settings.tags.clone(),
                exclude_tags: settings.exclude_tags.clone(),
                arrival_rate: settings.arrival_rate,
                ..StartParams::default()
            };
            let built = factory
                .build(&params, &choices)
                .await
                .map_err(|e| e.to_string())?;
            if built.guard.is_some() {
                *guard.lock() = built.guard;
            }
            Ok(PreparedClasses {
                classes: built.classes,
                host: built.host,
            })
        })
    }))
}

impl RoleRun for WorkerRole {
    fn name(&self) -> &'static str {
        "worker"
    }

    fn run(self: Box<Self>, input: RoleInput) -> BoxFuture<'static, Result<i32, String>> {
        Box::pin(async move {
            let catalogue = input.factory.catalogue();
            let choices: Vec<ClassChoice> =
                runnable_classes(&catalogue, &[], &TagFilter::default())
                    .into_iter()
                    .map(|(c, weight)| ClassChoice {
                        name: c.name.clone(),
                        weight: weight.max(1),
                    })
                    .collect();
            if choices.is_empty() {
                return Err("every user class has weight 0: nothing to run".into());
            }
            let names = choices.iter().map(|c| c.name.clone()).collect();
            let prepare = preparer(input.factory.clone(), choices);
            // Warm up with this process's own host text (`sim` by default): the stand-in
            // starts and the specs load before the worker joins.
            let own = TestSettings {
                host: input.settings.run.host.clone(),
                tags: Vec::new(),
                exclude_tags: Vec::new(),
                seed: None,
                stop_timeout: input.settings.run.stop_timeout,
                request_timeout: None,
                connect_timeout: None,
                insecure: false,
                arrival_rate: None,
            };
            (prepare.0)(own).await?;
            let readiness = Readiness::not_ready(crate::worker::NOT_CONNECTED);
            // `--metrics-port` on a worker: `/healthz`, and `/readyz` ready while it is
            // connected to its master (the figures are the master's to export).
            let metrics = match (&input.settings.output.metrics, &input.extensions.metrics) {
                (Some(options), Some(frontend)) => {
                    let server = frontend
                        .serve(MetricsContext {
                            controller: None,
                            options: options.clone(),
                            readiness: readiness.clone(),
                            version: input
                                .extensions
                                .version
                                .clone()
                                .unwrap_or_else(|| env!("CARGO_PKG_VERSION").to_string()),
                        })
                        .await?;
                    println!("Metrics: {}metrics", server.url);
                    Some(server)
                }
                (Some(_), None) => {
                    return Err(
                        "--metrics-port was given but this binary has no metrics endpoint".into(),
                    )
                }
                (None, _) => None,
            };
            let fallback: crate::worker::ClassFactory =
                Arc::new(|_: &TestSettings| Err("the worker builds its classes in advance".into()));
            let code = run_worker_cli(
                &self.args,
                names,
                fallback,
                input.hooks,
                Some(prepare),
                input.settings.run.stats.clone(),
                readiness,
            )
            .await;
            if let Some(server) = metrics {
                (server.shutdown)();
            }
            Ok(code)
        })
    }
}
