//! [`ShareRunner`]: runs a given number of users per class, changeable while it runs — a
//! distributed worker's share of a test (the master decides the counts with
//! [`distribute`](crate::exec::dispatch::distribute)).
//!
//! It prepares classes exactly as [`Runner`](super::runner::Runner) does (tag filter, one
//! shared client per class, hosts), and moves every class's user count towards its target at
//! the spawn rate, always serving the class furthest from its target first, so class ratios
//! hold during a ramp. Users are numbered from a base the caller chooses, so workers of one
//! test never give two users the same id. In open-model runs the arrival rate can change too.

use super::arrival::ArrivalSchedule;
use super::control::{splitmix, Prepared};
use super::runner::{prepare, EndReason, RunConfig, RunOutcome, RunPhase};
use super::signal::UserSignal;
use super::user_loop::{RunCtx, UserEnv};
use crate::class::UserClass;
use crate::error::RunnerError;
use crate::hooks::{Hooks, TestInfo};
use crate::record::Sink;
use crate::stats::StatsHub;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

/// What a [`ShareRunner`] is doing.
#[derive(Debug, Clone, PartialEq)]
pub struct ShareStatus {
    /// Spawning/stopping towards the targets, at them, stopping or stopped.
    pub phase: RunPhase,
    /// Class names, in the order of the two count vectors.
    pub classes: Vec<String>,
    /// Users running now, per class.
    pub users_by_class: Vec<usize>,
    /// Target users per class.
    pub target_by_class: Vec<usize>,
    /// Current spawn rate (users/s; infinite = at once).
    pub spawn_rate: f64,
}

impl ShareStatus {
    /// Users running now, all classes together.
    pub fn users(&self) -> usize {
        self.users_by_class.iter().sum()
    }

    /// Target users, all classes together.
    pub fn target(&self) -> usize {
        self.target_by_class.iter().sum()
    }
}

enum ShareControl {
    Set {
        targets: Vec<usize>,
        spawn_rate: f64,
        arrival_rate: Option<f64>,
    },
    Stop,
    StopNow,
}

/// Runs per-class user counts set (and changed) by its owner. Cheap to clone; every clone
/// controls the same run. Starts with no user.
///
/// ```no_run
/// # use milmove_runner::{ShareRunner, RunConfig, Hooks, UserClass, User, TaskResult};
/// # use std::collections::BTreeMap;
/// # async fn index(u: &mut User<()>) -> TaskResult { u.get("/").send().await; Ok(()) }
/// # async fn demo() -> Result<(), milmove_runner::RunnerError> {
/// let class = UserClass::builder::<()>("Web").task(1, index).build();
/// let config = RunConfig { host: Some("http://127.0.0.1:8080".into()), ..Default::default() };
/// let share = ShareRunner::start(config, vec![class], Hooks::default(), 1)?;
/// share.set_share(&BTreeMap::from([("Web".to_string(), 10)]), 5.0, None)?;
/// tokio::time::sleep(std::time::Duration::from_secs(5)).await;
/// let delta = share.stats().take_delta("worker-1"); // what to send to the master
/// share.stop();
/// share.wait().await;
/// # let _ = delta; Ok(()) }
/// ```
#[derive(Clone)]
pub struct ShareRunner {
    control: mpsc::UnboundedSender<ShareControl>,
    status: watch::Receiver<ShareStatus>,
    outcome: watch::Receiver<Option<RunOutcome>>,
    stats: Arc<StatsHub>,
    classes: Arc<[String]>,
}

impl ShareRunner {
    /// Prepare the classes (tag filter, clients) and start with no user. From `config` it uses
    /// the host, client settings, tags, seed, statistics options, stop timeout, run time (an
    /// upper bound; normally the owner stops it) and the initial arrival rate; users and spawn
    /// rate come from [`set_share`](Self::set_share). User ids start at `first_user_id`.
    /// Must be called inside a tokio runtime.
    pub fn start(
        config: RunConfig,
        classes: Vec<UserClass>,
        hooks: Hooks,
        first_user_id: u64,
    ) -> Result<Self, RunnerError> {
        let stats = Arc::new(StatsHub::new(config.stats.clone()));
        let sink = Arc::new(Sink::new(stats.clone(), hooks.request.clone()));
        let prepared = prepare(&config, &classes, &sink)?;
        let started = Instant::now();
        let run = Arc::new(RunCtx {
            sink,
            arrival: config
                .arrival_rate
                .map(|rate| ArrivalSchedule::new(started, rate, config.run_time)),
        });
        let names: Arc<[String]> = prepared.iter().map(|p| p.name.clone()).collect();
        let zero = vec![0; prepared.len()];
        let (status_tx, status_rx) = watch::channel(ShareStatus {
            phase: RunPhase::Running,
            classes: names.to_vec(),
            users_by_class: zero.clone(),
            target_by_class: zero,
            spawn_rate: f64::INFINITY,
        });
        let (control_tx, control_rx) = mpsc::unbounded_channel();
        let (outcome_tx, outcome_rx) = watch::channel(None);
        let lp = ShareLoop {
            users: prepared.iter().map(|_| Vec::new()).collect(),
            targets: vec![0; prepared.len()],
            classes: prepared,
            retiring: Vec::new(),
            base_seed: config.seed.unwrap_or_else(rand::random),
            next_id: first_user_id,
            rate: f64::INFINITY,
            ramp_start: started,
            ramp_moves: 0,
            config,
            run,
            hooks,
            started,
            control: control_rx,
            status: status_tx,
        };
        tokio::spawn(async move {
            let outcome = lp.run().await;
            let _ = outcome_tx.send(Some(outcome));
        });
        Ok(Self {
            control: control_tx,
            status: status_rx,
            outcome: outcome_rx,
            stats,
            classes: names,
        })
    }

    /// The classes that can run (after the tag filter), in status order.
    pub fn classes(&self) -> &[String] {
        &self.classes
    }

    /// The statistics of this share (take deltas from it).
    pub fn stats(&self) -> &Arc<StatsHub> {
        &self.stats
    }

    /// Set the target users per class (classes not named get none), the spawn rate
    /// (users/s; 0 or less = at once) and, in open-model runs, this share's arrival rate.
    /// Fails, changing nothing, if a class is named that this runner cannot run.
    pub fn set_share(
        &self,
        users_by_class: &BTreeMap<String, usize>,
        spawn_rate: f64,
        arrival_rate: Option<f64>,
    ) -> Result<(), RunnerError> {
        let mut targets = vec![0; self.classes.len()];
        for (name, &n) in users_by_class {
            match self.classes.iter().position(|c| c == name) {
                Some(i) => targets[i] = n,
                None if n == 0 => {}
                None => {
                    return Err(RunnerError::Config(format!(
                        "user class `{name}` cannot run here (unknown, or nothing runnable after \
                         -T/-E); classes here: {}",
                        self.classes.join(", ")
                    )))
                }
            }
        }
        let _ = self.control.send(ShareControl::Set {
            targets,
            spawn_rate,
            arrival_rate,
        });
        Ok(())
    }

    /// Graceful stop: no new tasks; tasks in flight get the stop timeout to finish.
    pub fn stop(&self) {
        let _ = self.control.send(ShareControl::Stop);
    }

    /// Immediate stop: tasks in flight are cut now.
    pub fn stop_now(&self) {
        let _ = self.control.send(ShareControl::StopNow);
    }

    /// The current status.
    pub fn status(&self) -> ShareStatus {
        self.status.borrow().clone()
    }

    /// A receiver that sees every status change.
    pub fn watch_status(&self) -> watch::Receiver<ShareStatus> {
        self.status.clone()
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
                return RunOutcome {
                    reason: EndReason::StoppedNow,
                    duration: Duration::ZERO,
                    cut_requests: 0,
                    cut_users: 0,
                    iterations: None,
                };
            }
        }
    }
}

struct Running {
    signal: Arc<UserSignal>,
    handle: JoinHandle<()>,
}

struct ShareLoop {
    config: RunConfig,
    classes: Vec<Prepared>,
    /// Running users per class, oldest first (ramping down stops the newest).
    users: Vec<Vec<Running>>,
    /// Users asked to stop by a ramp-down, still finishing their task.
    retiring: Vec<Running>,
    targets: Vec<usize>,
    rate: f64,
    ramp_start: Instant,
    /// Users started or stopped since `ramp_start`.
    ramp_moves: u64,
    next_id: u64,
    base_seed: u64,
    run: Arc<RunCtx>,
    hooks: Hooks,
    started: Instant,
    control: mpsc::UnboundedReceiver<ShareControl>,
    status: watch::Sender<ShareStatus>,
}

impl ShareLoop {
    fn info(&self) -> TestInfo {
        TestInfo {
            users: self.targets.iter().sum(),
            classes: self.classes.iter().map(|c| c.name.clone()).collect(),
            elapsed: self.started.elapsed(),
            stats: self.run.sink.stats.clone(),
        }
    }

    async fn run(mut self) -> RunOutcome {
        let info = self.info();
        for h in &self.hooks.test_start {
            h(&info);
        }
        let deadline = self
            .config
            .run_time
            .and_then(|t| self.started.checked_add(t));
        let (reason, hard) = loop {
            self.step();
            if deadline.is_some_and(|d| Instant::now() >= d) {
                break (EndReason::RunTime, false);
            }
            let mut tick = if self.current() != self.targets {
                Duration::from_secs_f64((1.0 / self.rate).clamp(0.005, 0.1))
            } else {
                Duration::from_millis(100)
            };
            if let Some(d) = deadline {
                tick = tick.min(d.saturating_duration_since(Instant::now()));
            }
            tokio::select! {
                cmd = self.control.recv() => match cmd {
                    Some(ShareControl::Set { targets, spawn_rate, arrival_rate }) => {
                        self.retarget(targets, spawn_rate, arrival_rate);
                    }
                    Some(ShareControl::Stop) | None => break (EndReason::Stopped, false),
                    Some(ShareControl::StopNow) => break (EndReason::StoppedNow, true),
                },
                _ = tokio::time::sleep(tick) => {}
            }
        };
        self.finish(reason, hard).await
    }

    fn current(&self) -> Vec<usize> {
        self.users.iter().map(Vec::len).collect()
    }

    fn retarget(&mut self, targets: Vec<usize>, spawn_rate: f64, arrival_rate: Option<f64>) {
        if let (Some(rate), Some(schedule)) = (arrival_rate, &self.run.arrival) {
            schedule.set_rate(rate);
        }
        let rate = if spawn_rate > 0.0 {
            spawn_rate
        } else {
            f64::INFINITY
        };
        if targets != self.targets || rate != self.rate {
            tracing::debug!("share: ramping to {targets:?} at {spawn_rate} users/s");
            self.targets = targets;
            self.rate = rate;
            self.ramp_start = Instant::now();
            self.ramp_moves = 0;
        }
    }

    /// Start or stop users, the class furthest from its target first, as far as the spawn
    /// rate allows by now.
    fn step(&mut self) {
        self.retiring.retain(|r| !r.handle.is_finished());
        let allowed = if self.rate.is_finite() {
            let moves = self.ramp_start.elapsed().as_secs_f64() * self.rate;
            (moves.floor().min(u64::MAX as f64) as u64).saturating_sub(self.ramp_moves)
        } else {
            u64::MAX
        };
        let before: usize = self.users.iter().map(Vec::len).sum();
        let mut moves = 0u64;
        while moves < allowed {
            let furthest = (0..self.classes.len())
                .map(|c| (c, self.users[c].len().abs_diff(self.targets[c])))
                .filter(|&(_, gap)| gap > 0)
                .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)));
            let Some((c, _)) = furthest else { break };
            if self.users[c].len() < self.targets[c] {
                self.spawn_one(c);
            } else if let Some(r) = self.users[c].pop() {
                r.signal.stop();
                self.retiring.push(r);
            }
            moves += 1;
        }
        self.ramp_moves = self.ramp_moves.saturating_add(moves);
        let now: usize = self.users.iter().map(Vec::len).sum();
        if now != before {
            self.run.sink.stats.set_user_count(now as u64);
        }
        let phase = if self.current() == self.targets {
            RunPhase::Running
        } else {
            RunPhase::Spawning
        };
        self.publish(phase);
    }

    fn spawn_one(&mut self, class_index: usize) {
        let class = &self.classes[class_index];
        let signal = Arc::new(UserSignal::default());
        let id = self.next_id;
        self.next_id += 1;
        let env = UserEnv {
            http: class.http.clone(),
            id,
            seed: splitmix(self.base_seed ^ id),
            signal: signal.clone(),
            run: self.run.clone(),
        };
        let handle = tokio::spawn(class.factory.clone().run_user(env));
        self.users[class_index].push(Running { signal, handle });
    }

    fn publish(&self, phase: RunPhase) {
        let users_by_class = self.current();
        let targets = &self.targets;
        let rate = self.rate;
        self.status.send_if_modified(|s| {
            let changed = s.phase != phase
                || s.users_by_class != users_by_class
                || &s.target_by_class != targets
                || s.spawn_rate != rate;
            if changed {
                s.phase = phase;
                s.users_by_class = users_by_class;
                s.target_by_class = targets.clone();
                s.spawn_rate = rate;
            }
            changed
        });
    }

    /// Stop every user: graceful (tasks in flight get the stop timeout, users merely waiting
    /// leave at once) or hard (cut now).
    async fn finish(mut self, reason: EndReason, hard: bool) -> RunOutcome {
        self.publish(RunPhase::Stopping);
        let mut all: Vec<Running> = self.users.iter_mut().flat_map(|u| u.drain(..)).collect();
        all.append(&mut self.retiring);
        for r in &all {
            r.signal.stop();
        }
        let grace_end = Instant::now()
            .checked_add(self.config.stop_timeout)
            .unwrap_or_else(|| Instant::now() + crate::config::MAX_DURATION);
        // After the grace period, keep waiting only while users go on leaving by themselves.
        const IDLE_GRACE: Duration = Duration::from_millis(250);
        let mut last_progress = Instant::now();
        if !hard {
            loop {
                let before = all.len();
                all.retain(|r| !r.handle.is_finished());
                let now = Instant::now();
                if all.len() < before {
                    last_progress = now;
                }
                let past_grace = now >= grace_end;
                let only_busy_left = all.iter().all(|r| r.signal.is_busy());
                let stalled = now.saturating_duration_since(last_progress.max(grace_end));
                if all.is_empty() || (past_grace && (only_busy_left || stalled >= IDLE_GRACE)) {
                    break;
                }
                tokio::select! {
                    Some(ShareControl::StopNow) = self.control.recv() => break,
                    _ = tokio::time::sleep(Duration::from_millis(10)) => {}
                }
            }
        }
        all.retain(|r| !r.handle.is_finished());
        let cut_users = all.iter().filter(|r| r.signal.is_busy()).count();
        for r in &all {
            r.handle.abort();
        }
        for r in all {
            let _ = r.handle.await;
        }
        self.run.sink.stats.set_user_count(0);
        self.publish(RunPhase::Stopped);
        let info = self.info();
        for h in &self.hooks.test_stop {
            h(&info);
        }
        RunOutcome {
            reason,
            duration: self.started.elapsed(),
            cut_requests: self.run.sink.cut_requests(),
            cut_users,
            iterations: self.run.arrival.as_ref().map(|a| a.started()),
        }
    }
}
