//! The library entry: [`Runner`] starts a test and controls it while it runs.

use super::control::{Control, ControlLoop, Prepared};
use super::dispatch::{DispatchClass, Dispatcher};
use super::user_loop::{ArrivalSchedule, RunCtx};
use crate::class::UserClass;
use crate::error::RunnerError;
use crate::filter::TagFilter;
use crate::hooks::Hooks;
use crate::http::{build_client, ClassHttp, ClientSettings};
use crate::record::Sink;
use crate::shape::LoadShape;
use crate::stats::{StatsConfig, StatsHub};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch};

/// Everything a run needs besides the user classes.
#[derive(Debug, Clone)]
pub struct RunConfig {
    /// Default host for classes without their own (`-H/--host`).
    pub host: Option<String>,
    /// Users (closed model), or the pool of users serving the arrival schedule.
    pub users: usize,
    /// Users started per second (closed model).
    pub spawn_rate: f64,
    /// Stop after this long (`-t/--run-time`); `None` = until stopped.
    pub run_time: Option<Duration>,
    /// At stop, how long tasks in flight may finish before they are cut (`--stop-timeout`).
    pub stop_timeout: Duration,
    /// Tag filter (`-T`, `-E`).
    pub tags: TagFilter,
    /// Reset statistics once all users are spawned (`--reset-stats`).
    pub reset_stats: bool,
    /// Open model: start this many iterations per second (`--arrival-rate`).
    pub arrival_rate: Option<f64>,
    /// Shared HTTP client settings (per class, unless the class overrides them).
    pub client: ClientSettings,
    /// Seed for the users' random generators (`--seed`); random when `None`.
    pub seed: Option<u64>,
    /// Statistics settings.
    pub stats: StatsConfig,
}

impl Default for RunConfig {
    fn default() -> Self {
        Self {
            host: None,
            users: 1,
            spawn_rate: 1.0,
            run_time: None,
            stop_timeout: Duration::ZERO,
            tags: TagFilter::default(),
            reset_stats: false,
            arrival_rate: None,
            client: ClientSettings::default(),
            seed: None,
            stats: StatsConfig::default(),
        }
    }
}

/// Why a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndReason {
    /// `--run-time` elapsed.
    RunTime,
    /// [`Runner::stop`] (or the first Ctrl-C).
    Stopped,
    /// [`Runner::stop_now`] (or the second Ctrl-C): tasks were cut at once.
    StoppedNow,
    /// The load shape returned `None`.
    ShapeEnded,
    /// Every user stopped by itself ([`TaskError::stop_user`](crate::TaskError::stop_user)).
    AllUsersStopped,
}

/// What the run left behind (the statistics stay in [`Runner::stats`]).
#[derive(Debug, Clone)]
pub struct RunOutcome {
    /// Why it ended.
    pub reason: EndReason,
    /// Wall time from start to the last user's end.
    pub duration: Duration,
    /// Requests cut in flight at the end (not in the statistics: the response never came).
    pub cut_requests: u64,
    /// Tasks still running when the stop timeout expired (cut).
    pub cut_users: usize,
    /// Arrival-rate mode: iterations started.
    pub iterations: Option<u64>,
}

/// What the runner is doing, for status displays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunPhase {
    /// Starting or stopping users towards the target.
    Spawning,
    /// At the target user count.
    Running,
    /// Stopping: waiting for tasks in flight.
    Stopping,
    /// All users have ended.
    Stopped,
}

/// A snapshot of the runner's state.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunStatus {
    /// Phase.
    pub phase: RunPhase,
    /// Users running now.
    pub users: usize,
    /// Current target.
    pub target: usize,
    /// Current spawn rate.
    pub spawn_rate: f64,
}

/// A running load test. Cheap to clone; every clone controls the same run.
///
/// ```no_run
/// # use milmove_runner::{Runner, RunConfig, Hooks, UserClass, User, TaskResult};
/// # async fn index(u: &mut User<()>) -> TaskResult { u.get("/").send().await; Ok(()) }
/// # async fn demo() -> Result<(), milmove_runner::RunnerError> {
/// let class = UserClass::builder::<()>("Web").task(1, index).build();
/// let config = RunConfig { host: Some("http://127.0.0.1:8080".into()), users: 10, spawn_rate: 5.0, ..Default::default() };
/// let runner = Runner::start(config, vec![class], Hooks::default(), None)?;
/// tokio::time::sleep(std::time::Duration::from_secs(5)).await;
/// runner.set_users(50, 10.0); // live change
/// tokio::time::sleep(std::time::Duration::from_secs(5)).await;
/// runner.stop();
/// let outcome = runner.wait().await;
/// println!("{:?}: {} requests", outcome.reason, runner.stats().snapshot().total.num_requests);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Runner {
    control: mpsc::UnboundedSender<Control>,
    status: watch::Receiver<RunStatus>,
    outcome: watch::Receiver<Option<RunOutcome>>,
    stats: Arc<StatsHub>,
    started: Instant,
    classes: Arc<[String]>,
    dispatcher: Arc<Dispatcher>,
}

impl Runner {
    /// Build the class clients, apply the tag filter and start the test. Must be called inside
    /// a tokio runtime. With a `shape`, the shape decides users and spawn rate (and the end).
    pub fn start(
        config: RunConfig,
        classes: Vec<UserClass>,
        hooks: Hooks,
        shape: Option<Box<dyn LoadShape>>,
    ) -> Result<Self, RunnerError> {
        if let Some(rate) = config.arrival_rate {
            if !(rate > 0.0 && rate.is_finite()) {
                return Err(RunnerError::Config(format!(
                    "arrival rate must be > 0 iterations/s, got {rate}"
                )));
            }
        }
        let stats = Arc::new(StatsHub::new(config.stats.clone()));
        let sink = Arc::new(Sink::new(stats.clone(), hooks.request.clone()));
        let prepared = prepare(&config, &classes, &sink)?;
        let dispatch: Vec<DispatchClass> = prepared
            .iter()
            .map(|c| DispatchClass {
                name: c.name.clone(),
                weight: c.weight,
                fixed_count: c.fixed_count,
            })
            .collect();
        let dispatcher = Arc::new(Dispatcher::new(&dispatch));
        let class_names: Arc<[String]> = prepared.iter().map(|c| c.name.clone()).collect();
        let started = Instant::now();
        let run = Arc::new(RunCtx {
            sink: sink.clone(),
            arrival: config
                .arrival_rate
                .map(|rate| ArrivalSchedule::new(started, rate, config.run_time)),
        });
        let (control_tx, control_rx) = mpsc::unbounded_channel();
        let initial = RunStatus {
            phase: RunPhase::Spawning,
            users: 0,
            target: config.users,
            spawn_rate: config.spawn_rate,
        };
        let (status_tx, status_rx) = watch::channel(initial);
        let (outcome_tx, outcome_rx) = watch::channel(None);
        let lp = ControlLoop::new(
            config, prepared, run, hooks, shape, started, control_rx, status_tx,
        );
        tokio::spawn(async move {
            let outcome = lp.run().await;
            let _ = outcome_tx.send(Some(outcome));
        });
        Ok(Self {
            control: control_tx,
            status: status_rx,
            outcome: outcome_rx,
            stats,
            started,
            classes: class_names,
            dispatcher,
        })
    }

    /// Whether `other` controls the same run as `self`.
    pub fn same_run(&self, other: &Runner) -> bool {
        Arc::ptr_eq(&self.stats, &other.stats)
    }

    /// Users per class now (classes after tag filtering, in the order given).
    pub fn class_counts(&self) -> Vec<(String, usize)> {
        let counts = self
            .dispatcher
            .counts(self.status().users, self.classes.len());
        self.classes.iter().cloned().zip(counts).collect()
    }

    /// A receiver that changes with every status change.
    pub fn status_changes(&self) -> watch::Receiver<RunStatus> {
        self.status.clone()
    }

    /// The run's statistics (live; snapshot them at any time).
    pub fn stats(&self) -> &Arc<StatsHub> {
        &self.stats
    }

    /// Change the target user count and spawn rate while running (ignored once stopping).
    /// With a load shape, the shape's next tick overrides it.
    pub fn set_users(&self, users: usize, spawn_rate: f64) {
        let _ = self.control.send(Control::SetUsers { users, spawn_rate });
    }

    /// Graceful stop: no new tasks; tasks in flight get `stop_timeout` to finish.
    pub fn stop(&self) {
        let _ = self.control.send(Control::Stop);
    }

    /// Immediate stop: tasks in flight are cut now.
    pub fn stop_now(&self) {
        let _ = self.control.send(Control::StopNow);
    }

    /// The current status.
    pub fn status(&self) -> RunStatus {
        *self.status.borrow()
    }

    /// Time since the start.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// Whether the run has ended.
    pub fn is_finished(&self) -> bool {
        self.outcome.borrow().is_some()
    }

    /// Wait for the end of the run.
    pub async fn wait(&self) -> RunOutcome {
        let mut rx = self.outcome.clone();
        loop {
            if let Some(o) = rx.borrow_and_update().clone() {
                return o;
            }
            if rx.changed().await.is_err() {
                // The control task vanished (runtime shutting down): report a hard stop.
                return RunOutcome {
                    reason: EndReason::StoppedNow,
                    duration: self.started.elapsed(),
                    cut_requests: 0,
                    cut_users: 0,
                    iterations: None,
                };
            }
        }
    }
}

/// Tag-filter the classes and build each class's shared client.
pub(super) fn prepare(
    config: &RunConfig,
    classes: &[UserClass],
    sink: &Arc<Sink>,
) -> Result<Vec<Prepared>, RunnerError> {
    if classes.is_empty() {
        return Err(RunnerError::NothingToRun("no user class given".into()));
    }
    let mut out = Vec::new();
    for class in classes {
        let mut warn = |msg: String| tracing::warn!("{msg}");
        let Some(factory) = class.imp.prepare(&class.name, &config.tags, &mut warn) else {
            tracing::warn!(
                "user class `{}` has nothing runnable; no user of it will be started",
                class.name
            );
            continue;
        };
        let settings = class.client_settings.as_ref().unwrap_or(&config.client);
        let client = build_client(settings, class.client_hook.as_ref(), class.tls.as_ref())
            .map_err(|e| RunnerError::Client {
                class: class.name.clone(),
                message: e.to_string(),
            })?;
        let host = class
            .host
            .clone()
            .or_else(|| config.host.clone())
            .unwrap_or_default();
        let host = host.trim_end_matches('/').to_string();
        if host.is_empty() {
            tracing::warn!(
                "user class `{}` has no host (give -H/--host): its requests need absolute URLs",
                class.name
            );
        } else if let Err(e) = url::Url::parse(&host) {
            return Err(RunnerError::Config(format!(
                "host `{host}` of user class `{}` is not a valid URL: {e}",
                class.name
            )));
        }
        out.push(Prepared {
            name: class.name.clone(),
            weight: class.weight,
            fixed_count: class.fixed_count,
            factory,
            http: Arc::new(ClassHttp::new(
                client,
                host,
                sink.clone(),
                settings,
                class.client_hook.is_none() && !class.reqwest_only,
                class.tls.as_ref(),
            )),
        });
    }
    if out.is_empty() {
        return Err(RunnerError::NothingToRun(
            "no user class has a runnable task (check -T/--tags and -E/--exclude-tags)".into(),
        ));
    }
    Ok(out)
}
