//! The worker's state across sessions: the test it runs, the deltas not yet acknowledged, and
//! what it does with each master message.

use super::{ClassFactory, PreparedClasses, TestSettings, WorkerConfig};
use crate::proto::{delta_to_pb, pb, worker_msg};
use crate::sysstat::{resident_memory_bytes, CpuMeter};
use milmove_runner::{RunPhase, ShareRunner};
use parking_lot::Mutex;
use pb::worker_message::Kind as W;
use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// The test this worker runs (or ran last).
pub(crate) struct Active {
    pub(crate) id: u64,
    /// Which start of a runner this is (a test can be restarted on a worker after it stopped
    /// itself; the old runner's end must not be taken for the new one's).
    pub(crate) run: u64,
    /// The master's stop being answered (0 while none, or when the worker stopped itself).
    pub(crate) stop_id: u64,
    pub(crate) epoch: u64,
    pub(crate) runner: ShareRunner,
    /// Stop asked (by the master, or by the worker itself when the master went silent).
    pub(crate) stopping: bool,
    /// The runner has ended and its last figures are queued.
    pub(crate) finished: bool,
}

pub(crate) struct Core {
    pub(crate) id: String,
    pub(crate) seq: u64,
    pub(crate) unacked: VecDeque<pb::Delta>,
    pub(crate) session: Option<mpsc::UnboundedSender<pb::WorkerMessage>>,
    pub(crate) test: Option<Active>,
    /// The latest `Stopped` messages, resent after every reconnect (one sent into a stream
    /// that was already dead must still arrive; the master counts each once).
    pub(crate) stopped: VecDeque<pb::Stopped>,
    pub(crate) last_master: Instant,
    /// ShareRunners started so far (user ids of each start in their own block).
    pub(crate) runs: u64,
    pub(crate) cpu: CpuMeter,
}

pub(crate) type SharedCore = Arc<Mutex<Core>>;

pub(crate) struct Worker {
    pub(crate) config: WorkerConfig,
    pub(crate) factory: ClassFactory,
    pub(crate) core: SharedCore,
}

impl Core {
    pub(crate) fn send(&self, msg: pb::WorkerMessage) {
        if let Some(tx) = &self.session {
            let _ = tx.send(msg);
        }
    }

    /// Takes what the test recorded since the last delta and queues (and sends) it.
    pub(crate) fn flush_delta(&mut self) {
        let Some(t) = &self.test else { return };
        let (runner, id, epoch) = (t.runner.clone(), t.id, t.epoch);
        self.queue_delta(&runner, id, epoch);
    }

    /// Takes what `runner` recorded since its last delta and queues (and sends) it as figures
    /// of test `test_id`, statistics epoch `epoch`.
    pub(crate) fn queue_delta(&mut self, runner: &ShareRunner, test_id: u64, epoch: u64) {
        let mut d = runner.stats().take_delta(&self.id);
        if d.is_empty() {
            return;
        }
        let status = runner.status();
        d.users_by_class = status
            .classes
            .iter()
            .cloned()
            .zip(status.users_by_class.iter().map(|&n| n as u64))
            .collect();
        self.seq += 1;
        let msg = pb::Delta {
            seq: self.seq,
            test_id,
            epoch,
            stats: Some(delta_to_pb(&d)),
        };
        self.unacked.push_back(msg.clone());
        self.send(worker_msg(W::Delta(msg)));
    }

    pub(crate) fn heartbeat(&mut self) -> pb::WorkerMessage {
        let cpu_percent = self.cpu.sample();
        let (state, test_id, users, users_by_class) = match &self.test {
            None => (pb::WorkerState::Ready, 0, 0, BTreeMap::new()),
            Some(t) => {
                let s = t.runner.status();
                let state = if t.finished {
                    pb::WorkerState::Stopped
                } else if t.stopping {
                    pb::WorkerState::Stopping
                } else {
                    match s.phase {
                        RunPhase::Spawning => pb::WorkerState::Spawning,
                        RunPhase::Running => pb::WorkerState::Running,
                        RunPhase::Stopping => pb::WorkerState::Stopping,
                        RunPhase::Stopped => pb::WorkerState::Stopped,
                    }
                };
                let by_class = s
                    .classes
                    .iter()
                    .cloned()
                    .zip(s.users_by_class.iter().map(|&n| n as u64))
                    .collect();
                (state, t.id, s.users() as u64, by_class)
            }
        };
        worker_msg(W::Heartbeat(pb::WorkerHeartbeat {
            state: state as i32,
            test_id,
            users,
            users_by_class,
            cpu_percent,
            memory_bytes: resident_memory_bytes(),
        }))
    }

    pub(crate) fn ack(&mut self, seq: u64) {
        while self.unacked.front().is_some_and(|d| d.seq <= seq) {
            self.unacked.pop_front();
        }
    }
}

pub(crate) fn settings(p: &pb::TestParams, arrival_rate: Option<f64>) -> TestSettings {
    let secs = |s: f64| Duration::try_from_secs_f64(s).unwrap_or_default();
    TestSettings {
        host: (!p.host.is_empty()).then(|| p.host.clone()),
        tags: p.tags.clone(),
        exclude_tags: p.exclude_tags.clone(),
        seed: p.seed,
        stop_timeout: secs(p.stop_timeout_s),
        request_timeout: p.request_timeout_s.map(secs),
        connect_timeout: p.connect_timeout_s.map(secs),
        insecure: p.insecure,
        arrival_rate,
    }
}

impl Worker {
    /// Whether `share` starts a new runner (rather than adjusting the running test's).
    pub(crate) fn needs_runner(&self, share: &pb::Share) -> bool {
        let core = self.core.lock();
        !core
            .test
            .as_ref()
            .is_some_and(|t| t.id == share.test_id && !t.stopping)
    }

    /// Applies a share: adjusts the running test, or starts it (with `prepared` classes when
    /// given, else the factory's).
    pub(crate) fn share(self: &Arc<Self>, share: pb::Share, prepared: Option<PreparedClasses>) {
        let mut core = self.core.lock();
        let counts: BTreeMap<String, usize> = share
            .users_by_class
            .iter()
            .map(|(k, &v)| (k.clone(), usize::try_from(v).unwrap_or(usize::MAX)))
            .collect();
        if let Some(t) = core.test.as_mut() {
            if t.id == share.test_id && !t.stopping {
                t.epoch = share.epoch;
                if let Err(e) = t
                    .runner
                    .set_share(&counts, share.spawn_rate, share.arrival_rate)
                {
                    tracing::error!("cannot run the share the master sent: {e}");
                }
                return;
            }
            if !t.stopping {
                tracing::warn!(
                    "test {} replaced by test {}: stopping it now",
                    t.id,
                    share.test_id
                );
                t.stopping = true;
                t.runner.stop_now();
            }
        }
        let params = share.params.clone().unwrap_or_default();
        let mut settings = settings(&params, share.arrival_rate);
        let built = match prepared {
            Some(p) => {
                settings.host = p.host;
                Ok(p.classes)
            }
            None => (self.factory)(&settings),
        };
        let classes = match built {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(
                    "cannot build the user classes of test {}: {e}",
                    share.test_id
                );
                return;
            }
        };
        let first_id = params.first_user_id + (core.runs << 24);
        let config = settings.run_config(self.config.stats.clone());
        let runner = match ShareRunner::start(config, classes, self.config.hooks.clone(), first_id)
        {
            Ok(r) => r,
            Err(e) => {
                tracing::error!("cannot start test {}: {e}", share.test_id);
                return;
            }
        };
        core.runs += 1;
        let run = core.runs;
        if let Err(e) = runner.set_share(&counts, share.spawn_rate, share.arrival_rate) {
            tracing::error!("cannot run the share the master sent: {e}");
        }
        let total: usize = counts.values().sum();
        tracing::info!(
            "test {}: running {total} users ({})",
            share.test_id,
            counts
                .iter()
                .map(|(c, n)| format!("{c}: {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        // Older figures (a previous test's) go out first; the new test starts empty.
        core.flush_delta();
        core.test = Some(Active {
            id: share.test_id,
            run,
            stop_id: 0,
            epoch: share.epoch,
            runner: runner.clone(),
            stopping: false,
            finished: false,
        });
        let me = self.clone();
        let test_id = share.test_id;
        tokio::spawn(async move {
            let outcome = runner.wait().await;
            me.runner_ended(
                &runner,
                test_id,
                run,
                outcome.cut_requests,
                outcome.cut_users as u64,
            );
        });
    }

    /// The test's runner has ended: queue its last figures and say so.
    fn runner_ended(
        &self,
        runner: &ShareRunner,
        test_id: u64,
        run: u64,
        cut_requests: u64,
        cut_users: u64,
    ) {
        let mut core = self.core.lock();
        let Some(t) = core.test.as_mut().filter(|t| t.run == run && !t.finished) else {
            // A runner replaced while it stopped: send what it recorded since the replacement.
            let epoch = core
                .test
                .as_ref()
                .filter(|t| t.id == test_id)
                .map_or(0, |t| t.epoch);
            core.queue_delta(runner, test_id, epoch);
            return;
        };
        t.stopping = true;
        core.flush_delta();
        if let Some(t) = core.test.as_mut() {
            t.finished = true;
        }
        let silent = core.last_master.elapsed() >= self.config.master_timeout;
        let stop_id = core.test.as_ref().map_or(0, |t| t.stop_id);
        let stopped = pb::Stopped {
            test_id,
            run,
            stop_id,
            last_seq: core.seq,
            cut_requests,
            cut_users,
            reason: if silent {
                "the master was silent; all users stopped by the worker".into()
            } else {
                String::new()
            },
        };
        core.send(worker_msg(W::Stopped(stopped.clone())));
        core.stopped.push_back(stopped);
        while core.stopped.len() > 4 {
            core.stopped.pop_front();
        }
        tracing::info!("test {test_id}: all users stopped");
    }

    /// The master asked to stop the test.
    pub(crate) fn stop(&self, stop: &pb::Stop) {
        let mut core = self.core.lock();
        match core.test.as_mut() {
            Some(t) if t.id == stop.test_id && !t.finished => {
                if stop.now {
                    t.runner.stop_now();
                } else if !t.stopping {
                    t.runner.stop();
                }
                t.stopping = true;
                t.stop_id = stop.stop_id;
            }
            _ => {
                // Nothing runs for that test: say so at once, so the master need not wait.
                let msg = pb::Stopped {
                    test_id: stop.test_id,
                    stop_id: stop.stop_id,
                    last_seq: core.seq,
                    ..Default::default()
                };
                core.send(worker_msg(W::Stopped(msg)));
            }
        }
    }

    /// Stops every user now because the master is silent (the watchdog).
    pub(crate) fn check_master(&self) {
        let mut core = self.core.lock();
        let silent = core.last_master.elapsed();
        if silent < self.config.master_timeout {
            return;
        }
        if let Some(t) = core.test.as_mut().filter(|t| !t.stopping) {
            tracing::error!(
                "heard nothing from the master for {:.1} s: stopping all {} users now \
                 (no load without a master); trying to rejoin",
                silent.as_secs_f64(),
                t.runner.status().users()
            );
            t.stopping = true;
            t.runner.stop_now();
        }
    }

    pub(crate) fn reset(&self, reset: &pb::Reset) {
        let mut core = self.core.lock();
        if core.test.as_ref().is_some_and(|t| t.id == reset.test_id) {
            // What was recorded before the reset goes out under the old epoch (and is dropped).
            core.flush_delta();
            if let Some(t) = core.test.as_mut() {
                t.epoch = reset.epoch;
            }
        }
    }

    /// Stops everything now and waits (a little) for the runner to end: the worker quits.
    pub(crate) async fn quit(&self) {
        let runner = {
            let mut core = self.core.lock();
            core.test.as_mut().filter(|t| !t.finished).map(|t| {
                t.stopping = true;
                t.runner.stop_now();
                t.runner.clone()
            })
        };
        if let Some(r) = runner {
            let _ = tokio::time::timeout(Duration::from_secs(5), r.wait()).await;
        }
        let mut core = self.core.lock();
        core.flush_delta();
    }
}
