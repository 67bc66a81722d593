//! [`LocalController`]: the [`TestController`] of a test whose users run in this process.

use std::any::Any;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use parking_lot::Mutex;
use tokio::sync::watch;

use super::factory::ClassFactory;
use super::types::{Catalogue, ControlError, ControlStatus, Phase, RunInfo, StartParams};
use super::{BoxFuture, TestController};
use crate::exec::runner::{RunConfig, RunOutcome, RunPhase, Runner};
use crate::filter::TagFilter;
use crate::hooks::Hooks;
use crate::shape::{LoadShape, Stages};
use crate::stats::StatsHub;

struct Active {
    runner: Runner,
    info: RunInfo,
    /// Elapsed time frozen at the end of the run.
    ended_after: Option<Duration>,
    _guard: Option<Box<dyn Any + Send + Sync>>,
}

struct State {
    stats: Arc<StatsHub>,
    run: Option<Active>,
    runs: u64,
}

struct Inner {
    factory: Arc<dyn ClassFactory>,
    base: RunConfig,
    stages: Option<Stages>,
    hooks: Hooks,
    defaults: StartParams,
    state: Mutex<State>,
    changes: watch::Sender<u64>,
    starting: tokio::sync::Mutex<()>,
}

impl Inner {
    fn bump(&self) {
        self.changes.send_modify(|n| *n = n.wrapping_add(1));
    }
}

/// Runs tests in this process: wraps the engine's [`Runner`] and an app-supplied
/// [`ClassFactory`]. Cheap to clone; every clone controls the same tests.
#[derive(Clone)]
pub struct LocalController {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for LocalController {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalController")
            .field("status", &self.status())
            .finish_non_exhaustive()
    }
}

impl LocalController {
    /// A controller building classes with `factory`; `base` holds everything the start
    /// parameters do not (client settings, stop timeout, seed, statistics options,
    /// `--reset-stats`) and the defaults of those they do.
    pub fn new(factory: impl ClassFactory, base: RunConfig, hooks: Hooks) -> Self {
        Self::with_options(factory, base, hooks, None, Vec::new())
    }

    /// As [`new`](Self::new), with a load shape applied to every run (`--stages`) and the
    /// default thresholds (`--threshold`).
    pub fn with_options(
        factory: impl ClassFactory,
        base: RunConfig,
        hooks: Hooks,
        stages: Option<Stages>,
        thresholds: Vec<String>,
    ) -> Self {
        let defaults = StartParams {
            users: base.users,
            spawn_rate: base.spawn_rate,
            host: base.host.clone().unwrap_or_default(),
            run_time: base.run_time,
            classes: Vec::new(),
            tags: base.tags.include_list(),
            exclude_tags: base.tags.exclude_list(),
            thresholds,
            arrival_rate: base.arrival_rate,
        };
        let (changes, _) = watch::channel(0);
        let stats = Arc::new(StatsHub::new(base.stats.clone()));
        Self {
            inner: Arc::new(Inner {
                factory: Arc::new(factory),
                base,
                stages,
                hooks,
                defaults,
                state: Mutex::new(State {
                    stats,
                    run: None,
                    runs: 0,
                }),
                changes,
                starting: tokio::sync::Mutex::new(()),
            }),
        }
    }

    /// The runner of the current (or last) run.
    pub fn runner(&self) -> Option<Runner> {
        self.inner
            .state
            .lock()
            .run
            .as_ref()
            .map(|a| a.runner.clone())
    }

    async fn start_inner(&self, params: StartParams) -> Result<(), ControlError> {
        let inner = &self.inner;
        let _one_at_a_time = inner.starting.lock().await;
        if self.status().phase.is_active() {
            return Err(ControlError::State(
                "a test is running: stop it (or edit it) first".into(),
            ));
        }
        let thresholds = params.validate()?;
        let catalogue = inner.factory.catalogue();
        let choices = catalogue.resolve(&params.classes)?;
        if choices.is_empty() {
            return Err(ControlError::BadInput(
                "no user class chosen (every class has weight 0)".into(),
            ));
        }
        let built = inner.factory.build(&params, &choices).await?;
        let mut config = inner.base.clone();
        config.host = built.host.clone();
        config.users = params.users;
        config.spawn_rate = params.spawn_rate;
        config.run_time = params.run_time;
        config.tags = TagFilter::new(params.tags.clone(), params.exclude_tags.clone());
        config.arrival_rate = params.arrival_rate;
        let shape = inner
            .stages
            .clone()
            .map(|s| Box::new(s) as Box<dyn LoadShape>);
        let runner = Runner::start(config, built.classes, inner.hooks.clone(), shape)
            .map_err(|e| ControlError::BadInput(e.to_string()))?;
        let mut resolved = params.clone();
        resolved.classes = choices;
        {
            let mut state = inner.state.lock();
            state.runs += 1;
            state.stats = runner.stats().clone();
            state.run = Some(Active {
                runner: runner.clone(),
                info: RunInfo {
                    run_id: state.runs,
                    params: resolved,
                    host_detail: built.host_detail,
                    thresholds,
                    start_time: SystemTime::now(),
                    end_time: None,
                    end_reason: None,
                    cut_requests: 0,
                    cut_users: 0,
                    iterations: None,
                },
                ended_after: None,
                _guard: built.guard,
            });
        }
        inner.bump();
        tokio::spawn(watch_run(self.inner.clone(), runner));
        Ok(())
    }
}

/// Follows one run: status changes and the end (recorded in its [`RunInfo`]).
async fn watch_run(inner: Arc<Inner>, runner: Runner) {
    let mut status = runner.status_changes();
    let end = runner.wait();
    tokio::pin!(end);
    let mut watching = true;
    let outcome = loop {
        tokio::select! {
            outcome = &mut end => break outcome,
            changed = status.changed(), if watching => {
                // The status sender goes away when the run ends: only the end is left to wait for.
                watching = changed.is_ok();
                inner.bump();
            }
        }
    };
    {
        let mut state = inner.state.lock();
        if let Some(active) = state.run.as_mut().filter(|a| a.runner.same_run(&runner)) {
            active.ended_after = Some(outcome.duration);
            active.info.end_time = Some(SystemTime::now());
            active.info.end_reason = Some(crate::cli::end_reason_text(&outcome).to_string());
            active.info.cut_requests = outcome.cut_requests;
            active.info.cut_users = outcome.cut_users as u64;
            active.info.iterations = outcome.iterations;
        }
    }
    inner.bump();
}

fn phase_of(p: RunPhase) -> Phase {
    match p {
        RunPhase::Spawning => Phase::Spawning,
        RunPhase::Running => Phase::Running,
        RunPhase::Stopping => Phase::Stopping,
        RunPhase::Stopped => Phase::Stopped,
    }
}

impl TestController for LocalController {
    fn status(&self) -> ControlStatus {
        let state = self.inner.state.lock();
        let d = &self.inner.defaults;
        match &state.run {
            None => ControlStatus {
                phase: Phase::Ready,
                users: 0,
                target: d.users,
                spawn_rate: d.spawn_rate,
                host: d.host.clone(),
                host_detail: String::new(),
                elapsed: Duration::ZERO,
                users_per_class: Vec::new(),
                run_id: 0,
                arrival_rate: d.arrival_rate,
            },
            Some(a) => {
                let s = a.runner.status();
                // The end is recorded a moment after the runner reports it: stopped only then.
                let phase = match (phase_of(s.phase), a.ended_after) {
                    (Phase::Stopped, None) => Phase::Stopping,
                    (p, _) => p,
                };
                ControlStatus {
                    phase,
                    users: s.users,
                    target: s.target,
                    spawn_rate: s.spawn_rate,
                    host: a.info.params.host.clone(),
                    host_detail: a.info.host_detail.clone(),
                    elapsed: a.ended_after.unwrap_or_else(|| a.runner.elapsed()),
                    users_per_class: a.runner.class_counts(),
                    run_id: a.info.run_id,
                    arrival_rate: a.info.params.arrival_rate,
                }
            }
        }
    }

    fn stats(&self) -> Arc<StatsHub> {
        self.inner.state.lock().stats.clone()
    }

    fn start(&self, params: StartParams) -> BoxFuture<'_, Result<(), ControlError>> {
        Box::pin(self.start_inner(params))
    }

    fn edit(&self, users: usize, spawn_rate: f64) -> Result<(), ControlError> {
        if !(spawn_rate > 0.0 && spawn_rate.is_finite()) {
            return Err(ControlError::BadInput(format!(
                "spawn rate must be a number > 0, got {spawn_rate}"
            )));
        }
        let runner = {
            let state = self.inner.state.lock();
            state.run.as_ref().map(|a| a.runner.clone())
        };
        match runner {
            Some(r) if matches!(r.status().phase, RunPhase::Spawning | RunPhase::Running) => {
                r.set_users(users, spawn_rate);
                self.inner.bump();
                Ok(())
            }
            _ => Err(ControlError::State("no test is running".into())),
        }
    }

    fn stop(&self) {
        if let Some(r) = self.runner() {
            r.stop();
        }
    }

    fn stop_now(&self) {
        if let Some(r) = self.runner() {
            r.stop_now();
        }
    }

    fn reset_stats(&self) {
        self.stats().reset();
        self.inner.bump();
    }

    fn catalogue(&self) -> Catalogue {
        self.inner.factory.catalogue()
    }

    fn defaults(&self) -> StartParams {
        self.inner.defaults.clone()
    }

    fn run_info(&self) -> Option<RunInfo> {
        self.inner.state.lock().run.as_ref().map(|a| a.info.clone())
    }

    fn wait_run_end(&self) -> BoxFuture<'_, Option<RunOutcome>> {
        Box::pin(async move {
            let runner = self.runner()?;
            let outcome = runner.wait().await;
            // Let `watch_run` record the end before callers read the status.
            let mut changes = self.inner.changes.subscribe();
            while self.status().phase != Phase::Stopped {
                if changes.changed().await.is_err() {
                    break;
                }
            }
            Some(outcome)
        })
    }

    fn changes(&self) -> watch::Receiver<u64> {
        self.inner.changes.subscribe()
    }
}
