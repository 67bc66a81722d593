//! [`MasterController`]: a [`Master`] behind the runner's control API
//! ([`TestController`]), so the headless session loop (console tables, CSV, JSON, HTML,
//! thresholds) and the web UI drive a distributed test exactly as they drive a local one.
//!
//! A start resolves the chosen classes and weights against the app's catalogue (after the tag
//! filter) and sends them in the [`TestPlan`]; the workers resolve the host text. One driver
//! task per run follows its end: run time, the load shape (`--stages`), a stop (graceful or
//! now), or the loss of every worker; it then stops every worker, waits for their last
//! figures and records the end in the run's [`RunInfo`].

use crate::master::{Master, MasterEvent, MasterPhase, TestPlan, WorkerState as ClusterState};
use milmove_runner::control::{
    runnable_classes, BoxFuture, Catalogue, ControlError, ControlStatus, Phase, RunInfo,
    StartParams, TestController, WorkerInfo, WorkerState,
};
use milmove_runner::stats::StatsHub;
use milmove_runner::{
    DispatchClass, EndReason, LoadShape, RunConfig, RunOutcome, Stages, TagFilter,
};
use parking_lot::Mutex;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};
use tokio::sync::watch;

/// What a [`MasterController`] needs besides its [`Master`].
#[derive(Debug, Clone)]
pub struct MasterControlOptions {
    /// The app's classes (names, default weights, tags, task trees).
    pub catalogue: Catalogue,
    /// The command line's run settings (host, users, timeouts, seed, `--reset-stats`, …).
    pub run: RunConfig,
    /// `--stages`, applied to every run.
    pub stages: Option<Stages>,
    /// `--threshold` expressions.
    pub thresholds: Vec<String>,
    /// `--heartbeat-liveness` (the stop waits this long more for silent workers).
    pub heartbeat_liveness: Duration,
}

/// The runner control API over a distributed master. Cheap to clone.
#[derive(Clone)]
pub struct MasterController {
    inner: Arc<Inner>,
}

struct Inner {
    master: Master,
    options: MasterControlOptions,
    defaults: StartParams,
    state: Mutex<State>,
    changes: watch::Sender<u64>,
}

#[derive(Default)]
struct State {
    runs: u64,
    run: Option<RunInfo>,
    started: Option<Instant>,
    ended_after: Option<Duration>,
    /// A driver follows the current run.
    driving: bool,
    /// `Some(now)` once a stop was asked.
    stop: Option<watch::Sender<Option<bool>>>,
    outcome: Option<RunOutcome>,
}

impl MasterController {
    /// Controls `master` with the app's catalogue and the command line's settings.
    pub fn new(master: Master, options: MasterControlOptions) -> Self {
        let base = &options.run;
        let defaults = StartParams {
            users: base.users,
            spawn_rate: base.spawn_rate,
            host: base.host.clone().unwrap_or_default(),
            run_time: base.run_time,
            classes: Vec::new(),
            tags: base.tags.include_list(),
            exclude_tags: base.tags.exclude_list(),
            thresholds: options.thresholds.clone(),
            arrival_rate: base.arrival_rate,
        };
        let (changes, _) = watch::channel(0);
        let inner = Arc::new(Inner {
            master,
            options,
            defaults,
            state: Mutex::new(State::default()),
            changes,
        });
        // Joins, losses and shares show at once (the Workers tab).
        let forward = Arc::downgrade(&inner);
        let mut master_changes = inner.master.changes();
        tokio::spawn(async move {
            while master_changes.changed().await.is_ok() {
                match forward.upgrade() {
                    Some(inner) => inner.bump(),
                    None => break,
                }
            }
        });
        Self { inner }
    }

    /// The master behind this controller.
    pub fn master(&self) -> &Master {
        &self.inner.master
    }

    async fn start_inner(&self, params: StartParams) -> Result<(), ControlError> {
        let inner = &self.inner;
        if inner.state.lock().driving {
            return Err(ControlError::State(
                "a test is running: stop it (or edit it) first".into(),
            ));
        }
        let thresholds = params.validate()?;
        let catalogue = &inner.options.catalogue;
        let choices = catalogue.resolve(&params.classes)?;
        let tags = TagFilter::new(params.tags.clone(), params.exclude_tags.clone());
        let classes: Vec<DispatchClass> = runnable_classes(catalogue, &choices, &tags)
            .into_iter()
            .map(|(c, weight)| DispatchClass {
                name: c.name.clone(),
                weight,
                fixed_count: c.fixed_count,
            })
            .collect();
        if classes.is_empty() {
            return Err(ControlError::BadInput(
                "no user class chosen has a task the tag filter allows".into(),
            ));
        }
        if inner.master.worker_count() == 0 {
            return Err(ControlError::State(
                "no worker is connected: start workers with --worker --master-host HOST".into(),
            ));
        }
        let run = &inner.options.run;
        let (users, spawn_rate) = match inner.options.stages.as_ref().and_then(|s| s.0.first()) {
            Some(first) => (first.users, first.spawn_rate),
            None => (params.users, params.spawn_rate),
        };
        let host = params.host.trim().to_string();
        let plan = TestPlan {
            host: (!host.is_empty()).then(|| host.clone()),
            users,
            spawn_rate,
            arrival_rate: params.arrival_rate,
            tags: params.tags.clone(),
            exclude_tags: params.exclude_tags.clone(),
            seed: run.seed,
            stop_timeout: run.stop_timeout,
            request_timeout: run.client.request_timeout,
            connect_timeout: run.client.connect_timeout,
            insecure: run.client.insecure,
            classes: Some(classes),
        };
        inner
            .master
            .start(&plan)
            .map_err(|e| ControlError::BadInput(e.to_string()))?;
        let mut resolved = params.clone();
        resolved.classes = choices;
        let (stop_tx, stop_rx) = watch::channel(None);
        {
            let mut st = inner.state.lock();
            st.runs += 1;
            st.run = Some(RunInfo {
                run_id: st.runs,
                params: resolved,
                host_detail: format!(
                    "{} (resolved by each worker)",
                    if host.is_empty() { "-" } else { &host }
                ),
                thresholds,
                start_time: SystemTime::now(),
                end_time: None,
                end_reason: None,
                cut_requests: 0,
                cut_users: 0,
                iterations: None,
            });
            st.started = Some(Instant::now());
            st.ended_after = None;
            st.driving = true;
            st.stop = Some(stop_tx);
            st.outcome = None;
        }
        inner.bump();
        tokio::spawn(drive(inner.clone(), params.run_time, stop_rx));
        Ok(())
    }
}

impl Inner {
    fn bump(&self) {
        self.changes.send_modify(|n| *n += 1);
    }
}

/// Follows one run to its end, stops every worker and records the end.
async fn drive(
    inner: Arc<Inner>,
    run_time: Option<Duration>,
    mut stop: watch::Receiver<Option<bool>>,
) {
    let master = inner.master.clone();
    let started = Instant::now();
    let deadline = run_time.map(|t| started + t);
    let mut events = master.events();
    let mut shape = inner
        .options
        .stages
        .clone()
        .map(|s| Box::new(s) as Box<dyn LoadShape>);
    let mut target = None;
    let mut reset_pending = inner.options.run.reset_stats;
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    let mut now = false;
    let reason = loop {
        let until_end = deadline.map_or(Duration::from_secs(3600), |d| {
            d.saturating_duration_since(Instant::now())
        });
        tokio::select! {
            _ = tokio::time::sleep(until_end), if deadline.is_some() => break EndReason::RunTime,
            changed = stop.changed() => {
                now = changed.is_err() || stop.borrow().unwrap_or(false);
                break if now { EndReason::StoppedNow } else { EndReason::Stopped };
            }
            e = events.recv() => {
                if matches!(e, Ok(MasterEvent::AllWorkersLost)) {
                    tracing::error!("every worker is lost: ending the test");
                    break EndReason::Stopped;
                }
            }
            _ = tick.tick() => {
                if let Some(shape) = shape.as_mut() {
                    let users = master.status().users as usize;
                    match shape.tick(started.elapsed(), users) {
                        Some(t) if Some((t.users, t.spawn_rate)) != target => {
                            target = Some((t.users, t.spawn_rate));
                            master.set_users(t.users, t.spawn_rate);
                        }
                        Some(_) => {}
                        None => break EndReason::ShapeEnded,
                    }
                }
                if reset_pending && master.status().phase == MasterPhase::Running {
                    reset_pending = false;
                    tracing::info!("resetting stats (--reset-stats)");
                    master.reset_stats();
                }
            }
        }
    };
    let all_lost = master.worker_count() == 0;
    inner.bump();
    let grace = inner.options.heartbeat_liveness + Duration::from_secs(3);
    let wait = inner.options.run.stop_timeout + grace;
    let mut reason = reason;
    if now {
        master.stop(true, grace).await;
    } else {
        let graceful = master.stop(false, wait);
        tokio::pin!(graceful);
        tokio::select! {
            _ = &mut graceful => {}
            asked = async { stop.wait_for(|s| *s == Some(true)).await.is_ok() } => {
                if asked {
                    master.stop(true, grace).await;
                    reason = EndReason::StoppedNow;
                } else {
                    graceful.await;
                }
            }
        }
    }
    let status = master.status();
    let text = if all_lost {
        "all workers lost".to_string()
    } else {
        milmove_runner::end_reason_text(&RunOutcome {
            reason,
            duration: Duration::ZERO,
            cut_requests: 0,
            cut_users: 0,
            iterations: None,
        })
        .to_string()
    };
    {
        let mut st = inner.state.lock();
        let elapsed = st.started.map(|s| s.elapsed()).unwrap_or_default();
        if let Some(info) = st.run.as_mut() {
            info.end_time = Some(SystemTime::now());
            info.end_reason = Some(text);
            info.cut_requests = status.cut_requests;
            info.cut_users = status.cut_users;
        }
        st.ended_after = Some(elapsed);
        st.outcome = Some(RunOutcome {
            reason,
            duration: elapsed,
            cut_requests: status.cut_requests,
            cut_users: usize::try_from(status.cut_users).unwrap_or(usize::MAX),
            iterations: None,
        });
        st.driving = false;
        st.stop = None;
    }
    inner.bump();
}

fn worker_state(s: ClusterState) -> WorkerState {
    match s {
        ClusterState::Ready => WorkerState::Ready,
        ClusterState::Spawning => WorkerState::Spawning,
        ClusterState::Running => WorkerState::Running,
        ClusterState::Stopping => WorkerState::Stopping,
        ClusterState::Stopped => WorkerState::Stopped,
        ClusterState::Lost => WorkerState::Lost,
        ClusterState::Disconnected => WorkerState::Disconnected,
    }
}

impl TestController for MasterController {
    fn status(&self) -> ControlStatus {
        let inner = &self.inner;
        let ms = inner.master.status();
        let st = inner.state.lock();
        let phase = match (&st.run, st.driving) {
            (None, _) => Phase::Ready,
            (Some(_), false) => Phase::Stopped,
            (Some(_), true) => match ms.phase {
                MasterPhase::Ready | MasterPhase::Spawning => Phase::Spawning,
                MasterPhase::Running => Phase::Running,
                MasterPhase::Stopping | MasterPhase::Stopped => Phase::Stopping,
            },
        };
        let elapsed = match (st.ended_after, st.started) {
            (Some(e), _) => e,
            (None, Some(s)) => s.elapsed(),
            _ => Duration::ZERO,
        };
        let host = st
            .run
            .as_ref()
            .map_or_else(|| inner.defaults.host.clone(), |r| r.params.host.clone());
        let host_detail = st
            .run
            .as_ref()
            .map(|r| r.host_detail.clone())
            .unwrap_or_default();
        let users_per_class = inner
            .options
            .catalogue
            .classes
            .iter()
            .map(|c| {
                let n = ms.users_by_class.get(&c.name).copied().unwrap_or(0);
                (c.name.clone(), usize::try_from(n).unwrap_or(usize::MAX))
            })
            .collect();
        ControlStatus {
            phase,
            users: usize::try_from(ms.users).unwrap_or(usize::MAX),
            target: ms.target,
            spawn_rate: ms.spawn_rate,
            host,
            host_detail,
            elapsed,
            users_per_class,
            run_id: st.runs,
            arrival_rate: st.run.as_ref().and_then(|r| r.params.arrival_rate),
        }
    }

    fn stats(&self) -> Arc<StatsHub> {
        self.inner.master.stats()
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
        if !self.inner.state.lock().driving {
            return Err(ControlError::State("no test is running".into()));
        }
        self.inner.master.set_users(users, spawn_rate);
        if let Some(info) = self.inner.state.lock().run.as_mut() {
            info.params.users = users;
            info.params.spawn_rate = spawn_rate;
        }
        self.inner.bump();
        Ok(())
    }

    fn stop(&self) {
        if let Some(tx) = &self.inner.state.lock().stop {
            tx.send_if_modified(|s| {
                let first = s.is_none();
                if first {
                    *s = Some(false);
                }
                first
            });
        }
    }

    fn stop_now(&self) {
        if let Some(tx) = &self.inner.state.lock().stop {
            let _ = tx.send(Some(true));
        }
    }

    fn reset_stats(&self) {
        self.inner.master.reset_stats();
        self.inner.bump();
    }

    fn catalogue(&self) -> Catalogue {
        self.inner.options.catalogue.clone()
    }

    fn defaults(&self) -> StartParams {
        self.inner.defaults.clone()
    }

    fn run_info(&self) -> Option<RunInfo> {
        self.inner.state.lock().run.clone()
    }

    fn wait_run_end(&self) -> BoxFuture<'_, Option<RunOutcome>> {
        Box::pin(async move {
            let mut changes = self.inner.changes.subscribe();
            loop {
                {
                    let st = self.inner.state.lock();
                    if !st.driving {
                        return st.outcome.clone();
                    }
                }
                if changes.changed().await.is_err() {
                    return None;
                }
            }
        })
    }

    fn changes(&self) -> watch::Receiver<u64> {
        self.inner.changes.subscribe()
    }

    fn workers(&self) -> Vec<WorkerInfo> {
        self.inner
            .master
            .workers()
            .into_iter()
            .map(|w| WorkerInfo {
                id: w.id,
                host: w.host,
                state: worker_state(w.state),
                users: usize::try_from(w.users).unwrap_or(usize::MAX),
                cpu_percent: w.cpu_percent,
                memory_bytes: w.memory_bytes,
                last_heartbeat: w.last_heartbeat.unwrap_or(SystemTime::UNIX_EPOCH),
                lost_at: w.lost_at,
            })
            .collect()
    }

    fn missing_requests(&self) -> u64 {
        self.inner.master.status().possibly_missing_requests
    }
}
