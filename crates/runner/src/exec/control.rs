//! The control loop: spawns and stops users towards the target at the spawn rate, applies
//! live changes and the load shape, ends the run (run time, stop, shape) and cuts what is left
//! after the stop timeout.

use super::dispatch::{DispatchClass, Dispatcher};
use super::runner::{EndReason, RunConfig, RunOutcome, RunPhase, RunStatus};
use super::signal::UserSignal;
use super::user_loop::{RunCtx, UserEnv};
use crate::class::UserFactory;
use crate::hooks::{Hooks, TestInfo};
use crate::http::ClassHttp;
use crate::shape::LoadShape;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

/// A class ready to spawn users.
pub(crate) struct Prepared {
    pub(crate) name: String,
    pub(crate) weight: u32,
    pub(crate) fixed_count: Option<u32>,
    pub(crate) factory: Arc<dyn UserFactory>,
    pub(crate) http: Arc<ClassHttp>,
}

/// Commands from [`Runner`](super::runner::Runner) handles.
#[derive(Debug)]
pub(crate) enum Control {
    SetUsers { users: usize, spawn_rate: f64 },
    Stop,
    StopNow,
}

struct Running {
    signal: Arc<UserSignal>,
    handle: JoinHandle<()>,
}

pub(crate) struct ControlLoop {
    config: RunConfig,
    classes: Vec<Prepared>,
    dispatcher: Dispatcher,
    run: Arc<RunCtx>,
    hooks: Hooks,
    shape: Option<Box<dyn LoadShape>>,
    started: Instant,
    control: mpsc::UnboundedReceiver<Control>,
    status: watch::Sender<RunStatus>,
    users: Vec<Running>,
    /// Users asked to stop by a ramp-down, still finishing their task.
    retiring: Vec<Running>,
    target: usize,
    rate: f64,
    ramp_start: Instant,
    ramp_base: usize,
    next_id: u64,
    base_seed: u64,
    spawn_complete_seen: bool,
}

impl ControlLoop {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        config: RunConfig,
        classes: Vec<Prepared>,
        run: Arc<RunCtx>,
        hooks: Hooks,
        shape: Option<Box<dyn LoadShape>>,
        started: Instant,
        control: mpsc::UnboundedReceiver<Control>,
        status: watch::Sender<RunStatus>,
    ) -> Self {
        let dispatch: Vec<DispatchClass> = classes
            .iter()
            .map(|c| DispatchClass {
                name: c.name.clone(),
                weight: c.weight,
                fixed_count: c.fixed_count,
            })
            .collect();
        let target = config.users;
        // Arrival-rate mode allocates its pool of users at once (the schedule sets the pace).
        let rate = if config.arrival_rate.is_some() {
            f64::INFINITY
        } else {
            config.spawn_rate
        };
        let base_seed = config.seed.unwrap_or_else(rand::random);
        Self {
            dispatcher: Dispatcher::new(&dispatch),
            config,
            classes,
            run,
            hooks,
            shape,
            started,
            control,
            status,
            users: Vec::new(),
            retiring: Vec::new(),
            target,
            rate,
            ramp_start: started,
            ramp_base: 0,
            next_id: 1,
            base_seed,
            spawn_complete_seen: false,
        }
    }

    fn info(&self) -> TestInfo {
        TestInfo {
            users: self.target,
            classes: self.classes.iter().map(|c| c.name.clone()).collect(),
            elapsed: self.started.elapsed(),
            stats: self.run.sink.stats.clone(),
        }
    }

    pub(crate) async fn run(mut self) -> RunOutcome {
        let info = self.info();
        for h in &self.hooks.test_start {
            h(&info);
        }
        if let Some(cap) = self.dispatcher.capacity() {
            if self.target > cap {
                tracing::warn!(
                    "only {cap} users can run: every class has a fixed_count (asked for {})",
                    self.target
                );
            }
        }
        let deadline = self
            .config
            .run_time
            .and_then(|t| self.started.checked_add(t));
        let mut hard = false;
        let reason = loop {
            if let Some(shape) = self.shape.as_mut() {
                match shape.tick(self.started.elapsed(), self.users.len()) {
                    Some(t) => self.retarget(t.users, t.spawn_rate),
                    None => break EndReason::ShapeEnded,
                }
            }
            self.step();
            if deadline.is_some_and(|d| Instant::now() >= d) {
                break EndReason::RunTime;
            }
            if self.all_users_stopped_themselves() {
                tracing::info!("every user has stopped (StopUser); ending the test");
                break EndReason::AllUsersStopped;
            }
            let tick = self.next_tick(deadline);
            tokio::select! {
                cmd = self.control.recv() => match cmd {
                    Some(Control::SetUsers { users, spawn_rate }) => self.retarget(users, spawn_rate),
                    Some(Control::Stop) | None => break EndReason::Stopped,
                    Some(Control::StopNow) => { hard = true; break EndReason::StoppedNow; }
                },
                _ = tokio::time::sleep(tick) => {}
            }
        };
        self.finish(reason, hard).await
    }

    /// Spawning is complete and every user has left by itself.
    fn all_users_stopped_themselves(&self) -> bool {
        self.spawn_complete_seen
            && !self.users.is_empty()
            && self.users.len() == self.effective_target()
            && self.users.iter().all(|u| u.handle.is_finished())
    }

    fn retarget(&mut self, users: usize, spawn_rate: f64) {
        let rate = if spawn_rate > 0.0 {
            spawn_rate
        } else {
            f64::INFINITY
        };
        if users != self.target || rate != self.rate {
            self.target = users;
            self.rate = rate;
            self.ramp_start = Instant::now();
            self.ramp_base = self.users.len();
            self.spawn_complete_seen = false;
            tracing::info!("ramping to {users} users at {spawn_rate} users/s");
        }
    }

    fn next_tick(&self, deadline: Option<Instant>) -> Duration {
        let ramping = self.users.len() != self.effective_target();
        let mut tick = if ramping {
            Duration::from_secs_f64((1.0 / self.rate).clamp(0.005, 0.1))
        } else {
            Duration::from_millis(100)
        };
        if let Some(d) = deadline {
            tick = tick.min(d.saturating_duration_since(Instant::now()));
        }
        tick
    }

    fn effective_target(&self) -> usize {
        match self.dispatcher.capacity() {
            Some(cap) => self.target.min(cap),
            None => self.target,
        }
    }

    /// Move the user count towards the target as far as the spawn rate allows by now.
    fn step(&mut self) {
        self.retiring.retain(|r| !r.handle.is_finished());
        let target = self.effective_target();
        let current = self.users.len();
        let allowed = if self.rate.is_finite() {
            let moves = self.ramp_start.elapsed().as_secs_f64() * self.rate;
            moves.floor().min(usize::MAX as f64) as usize
        } else {
            usize::MAX
        };
        let desired = if target >= self.ramp_base {
            self.ramp_base.saturating_add(allowed).min(target)
        } else {
            self.ramp_base.saturating_sub(allowed).max(target)
        };
        if desired > current {
            for _ in current..desired {
                self.spawn_one();
            }
        } else {
            for _ in desired..current {
                if let Some(r) = self.users.pop() {
                    r.signal.stop();
                    self.retiring.push(r);
                }
            }
        }
        let now = self.users.len();
        if now != current {
            self.run.sink.stats.set_user_count(now as u64);
        }
        let phase = if now == target {
            RunPhase::Running
        } else {
            RunPhase::Spawning
        };
        if now == target && !self.spawn_complete_seen {
            self.spawn_complete_seen = true;
            self.spawning_complete();
        }
        self.publish(phase);
    }

    fn spawning_complete(&mut self) {
        let counts = self.dispatcher.counts(self.users.len(), self.classes.len());
        let detail: Vec<String> = self
            .classes
            .iter()
            .zip(&counts)
            .map(|(c, n)| format!("{}: {n}", c.name))
            .collect();
        tracing::info!(
            "all users spawned: {} ({} total)",
            detail.join(", "),
            self.users.len()
        );
        if self.config.reset_stats {
            self.config.reset_stats = false;
            tracing::info!("resetting stats (--reset-stats)");
            self.run.sink.stats.reset();
        }
    }

    fn spawn_one(&mut self) {
        let n = self.users.len();
        let Some(class_index) = self.dispatcher.class_of(n) else {
            return;
        };
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
        self.users.push(Running { signal, handle });
    }

    fn publish(&self, phase: RunPhase) {
        let status = RunStatus {
            phase,
            users: self.users.len(),
            target: self.target,
            spawn_rate: self.rate,
        };
        self.status.send_if_modified(|s| {
            let changed = *s != status;
            *s = status;
            changed
        });
    }

    /// Stop every user: graceful (wait up to the stop timeout, then cut) or hard (cut now).
    async fn finish(mut self, reason: EndReason, hard: bool) -> RunOutcome {
        self.publish(RunPhase::Stopping);
        let mut all: Vec<Running> = self.users.drain(..).collect();
        all.append(&mut self.retiring);
        for r in &all {
            r.signal.stop();
        }
        let now = Instant::now();
        let grace_end = now
            .checked_add(self.config.stop_timeout)
            .unwrap_or(now + crate::config::MAX_DURATION);
        // Users that are only waiting leave at once (running their `on_stop`): after the stop
        // timeout, wait on for them as long as they keep leaving, so that only tasks really in
        // flight are cut, even with thousands of users and a zero stop timeout.
        const IDLE_GRACE: Duration = Duration::from_millis(250);
        let mut last_progress = Instant::now();
        let mut closed = false;
        if !hard {
            tracing::info!(
                "stopping {} users (stop timeout {:?})",
                all.len(),
                self.config.stop_timeout
            );
            loop {
                let before = all.len();
                all.retain(|r| !r.handle.is_finished());
                let now = Instant::now();
                if all.len() < before {
                    last_progress = now;
                }
                if all.is_empty()
                    || (now >= grace_end
                        && (all.iter().all(|r| r.signal.is_busy())
                            || now.saturating_duration_since(last_progress.max(grace_end))
                                >= IDLE_GRACE))
                {
                    break;
                }
                tokio::select! {
                    cmd = self.control.recv(), if !closed => match cmd {
                        Some(Control::StopNow) => break,
                        None => closed = true,
                        Some(_) => {}
                    },
                    _ = tokio::time::sleep(Duration::from_millis(10)) => {}
                }
            }
        }
        all.retain(|r| !r.handle.is_finished());
        let cut_users = all.iter().filter(|r| r.signal.is_busy()).count();
        if cut_users > 0 {
            tracing::info!("cutting {cut_users} users still in a task");
        }
        if all.len() > cut_users {
            tracing::info!(
                "ending {} users that did not leave their wait in time",
                all.len() - cut_users
            );
        }
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

/// Mix a seed (SplitMix64 finaliser) so neighbouring user ids get unrelated streams.
pub(super) fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
