//! The master's state and what it does with each worker message: registration, dispatch and
//! rebalance, delta merge with duplicate drop, heartbeats and liveness.

use super::registry::{Session, WorkerEntry, WorkerState};
use super::{MasterConfig, MasterEvent};
use crate::proto::{delta_from_pb, master_msg, pb, PROTOCOL_VERSION};
use milmove_runner::stats::StatsHub;
use milmove_runner::{distribute, DispatchClass};
use parking_lot::Mutex;
use pb::master_message::Kind as M;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Instant, SystemTime};
use tokio::sync::{broadcast, watch};

/// The test the master runs (or ran last).
pub(crate) struct Test {
    pub(crate) id: u64,
    pub(crate) params: pb::TestParams,
    pub(crate) users: usize,
    pub(crate) spawn_rate: f64,
    pub(crate) arrival_rate: Option<f64>,
    /// False once the master sent `Stop`.
    pub(crate) running: bool,
    /// Id of the latest stop sent for this test (0 = none yet).
    pub(crate) stop_id: u64,
    /// Users per class when the stop was sent.
    pub(crate) users_at_stop: BTreeMap<String, u64>,
    pub(crate) epoch: u64,
    pub(crate) started: Instant,
    /// The classes and weights this test dispatches.
    pub(crate) classes: Vec<DispatchClass>,
}

pub(crate) struct State {
    pub(crate) workers: BTreeMap<String, WorkerEntry>,
    pub(crate) next_index: u64,
    pub(crate) next_session: u64,
    pub(crate) next_test: u64,
    /// Last stop id handed out (ids grow over the master's life).
    pub(crate) last_stop_id: u64,
    pub(crate) test: Option<Test>,
    /// Requests cut in flight by workers at their stops (not in the statistics).
    pub(crate) cut_requests: u64,
    pub(crate) cut_users: u64,
}

/// Shared by the server, the background tasks and every [`Master`](super::Master) handle.
pub(crate) struct Shared {
    pub(crate) config: MasterConfig,
    pub(crate) master_id: String,
    pub(crate) catalog: Vec<DispatchClass>,
    pub(crate) state: Mutex<State>,
    pub(crate) stats: Mutex<Arc<StatsHub>>,
    pub(crate) events: broadcast::Sender<MasterEvent>,
    /// Bumped at every registry change (joins, losses, stops), for waiters.
    pub(crate) changed: watch::Sender<u64>,
    /// Set by `shutdown`: connections closing now are expected.
    pub(crate) shutting_down: std::sync::atomic::AtomicBool,
}

/// Why the master refuses a worker's `Hello`.
pub(crate) enum Refusal {
    Version(u32),
    Token,
    Classes(Vec<String>),
    BadId,
}

/// Constant-time comparison of two tokens.
fn same_token(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut diff = a.len() ^ b.len();
    for i in 0..a.len().max(b.len()) {
        let x = a.get(i).copied().unwrap_or(0);
        let y = b.get(i).copied().unwrap_or(0);
        diff |= usize::from(x ^ y);
    }
    diff == 0
}

/// SplitMix64 finaliser: one seed per worker from the test's seed.
fn mix(seed: u64, index: u64) -> u64 {
    let mut z = seed ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Shared {
    pub(crate) fn bump(&self) {
        self.changed.send_modify(|n| *n += 1);
    }

    fn event(&self, e: MasterEvent) {
        let _ = self.events.send(e);
    }

    /// Checks a `Hello` without registering anything.
    pub(crate) fn check_hello(&self, hello: &pb::Hello) -> Result<(), Refusal> {
        if hello.protocol_version != PROTOCOL_VERSION {
            return Err(Refusal::Version(hello.protocol_version));
        }
        if let Some(token) = &self.config.token {
            if !same_token(&hello.token, token) {
                return Err(Refusal::Token);
            }
        }
        if hello.worker_id.is_empty() || hello.worker_id.len() > 256 {
            return Err(Refusal::BadId);
        }
        let missing: Vec<String> = self
            .catalog
            .iter()
            .filter(|c| c.weight > 0 || c.fixed_count.is_some_and(|n| n > 0))
            .filter(|c| !hello.classes.contains(&c.name))
            .map(|c| c.name.clone())
            .collect();
        if !missing.is_empty() {
            return Err(Refusal::Classes(missing));
        }
        Ok(())
    }

    /// Registers (or re-registers) the worker with a new session, sends it the welcome and,
    /// if a test runs, its share.
    pub(crate) fn register(&self, hello: &pb::Hello, session: Session) {
        let mut st = self.state.lock();
        let index = st.next_index;
        let rejoin = st.workers.contains_key(&hello.worker_id);
        if !rejoin {
            st.next_index += 1;
        }
        let entry = st
            .workers
            .entry(hello.worker_id.clone())
            .or_insert_with(|| WorkerEntry::new(hello, index));
        let was_lost = entry.is_lost();
        entry.close_session();
        entry.session = Some(session);
        entry.heard();
        entry.info.host = hello.host.clone();
        entry.info.pid = hello.pid;
        entry.classes = hello.classes.clone();
        entry.last_share = None;
        if was_lost {
            entry.info.state = WorkerState::Ready;
            entry.info.possibly_missing_requests = 0;
        } else if entry.info.state == WorkerState::Disconnected {
            entry.info.state = WorkerState::Ready;
        }
        let welcome = master_msg(M::Welcome(pb::Welcome {
            protocol_version: PROTOCOL_VERSION,
            master_id: self.master_id.clone(),
            worker_index: entry.info.index,
            acked_seq: entry.applied_seq,
            heartbeat_interval_s: self.config.heartbeat_interval.as_secs_f64(),
            delta_interval_s: self.config.delta_interval.as_secs_f64(),
        }));
        let (id, host) = (entry.info.id.clone(), entry.info.host.clone());
        let connected = st.workers.values().filter(|w| !w.is_lost()).count();
        if rejoin {
            tracing::info!(
                "worker {id} ({host}) {}; {connected} workers connected",
                if was_lost {
                    "rejoined after it was lost"
                } else {
                    "reconnected"
                }
            );
            self.event(MasterEvent::WorkerRejoined { id, host });
        } else {
            tracing::info!("worker {id} ({host}) joined; {connected} workers connected");
            self.event(MasterEvent::WorkerJoined { id, host });
        }
        // Send the welcome before any share the rebalance below sends.
        if let Some(s) = &st.workers[&hello.worker_id].session {
            s.send(welcome);
        }
        self.rebalance(&mut st);
        drop(st);
        self.bump();
    }

    /// The session of `worker` ended (stream closed or broken).
    pub(crate) fn session_ended(&self, worker: &str, session: u64, why: &str) {
        let mut st = self.state.lock();
        let Some(w) = st.workers.get_mut(worker) else {
            return;
        };
        if w.session.as_ref().is_some_and(|s| s.id == session) {
            w.session = None;
            let expected = self
                .shutting_down
                .load(std::sync::atomic::Ordering::Relaxed);
            if !w.is_lost() && !expected {
                w.info.state = WorkerState::Disconnected;
                tracing::warn!(
                    "worker {worker}: connection ended ({why}); it keeps its users while it \
                     may reconnect (lost after {:.1} s of silence)",
                    self.config.heartbeat_liveness.as_secs_f64()
                );
            }
            drop(st);
            self.bump();
        }
    }

    /// Handles one message of `worker`'s session.
    pub(crate) fn handle(&self, worker: &str, session: u64, msg: pb::WorkerMessage) {
        use pb::worker_message::Kind as W;
        let Some(kind) = msg.kind else { return };
        let mut st = self.state.lock();
        let current = st.test.as_ref().map(|t| (t.id, t.epoch, t.running));
        let Some(w) = st.workers.get_mut(worker) else {
            return;
        };
        let is_current_session = w.session.as_ref().is_some_and(|s| s.id == session);
        if is_current_session && !w.is_lost() {
            w.heard();
        }
        match kind {
            W::Hello(_) => {
                tracing::warn!("worker {worker} sent a second Hello; ignored");
            }
            W::Heartbeat(hb) => {
                if !is_current_session || w.is_lost() {
                    return;
                }
                w.info.state = WorkerState::from_pb(hb.state);
                w.info.users = hb.users;
                w.info.users_by_class = hb.users_by_class;
                w.info.cpu_percent = hb.cpu_percent;
                w.info.memory_bytes = hb.memory_bytes;
                w.test_id = hb.test_id;
                let limit = self.config.cpu_warning_percent;
                if hb.cpu_percent > limit && !w.cpu_warned {
                    w.cpu_warned = true;
                    tracing::warn!(
                        "worker {worker} ({}) is using {:.0}% CPU (above {limit:.0}%): the \
                         figures it reports may be skewed; add workers or lower its users \
                         (said once per worker)",
                        w.info.host,
                        hb.cpu_percent
                    );
                    self.event(MasterEvent::CpuHigh {
                        id: worker.to_owned(),
                        cpu_percent: hb.cpu_percent,
                    });
                }
                let users: u64 = st
                    .workers
                    .values()
                    .filter(|w| !w.is_lost())
                    .map(|w| w.info.users)
                    .sum();
                self.stats.lock().set_user_count(users);
            }
            W::Delta(d) => self.apply(&mut st, worker, d, current),
            W::Stopped(s) => {
                if current.is_some_and(|c| c.0 == s.test_id) {
                    w.stopped_stop_id = w.stopped_stop_id.max(s.stop_id);
                }
                if !w.is_lost() {
                    w.info.state = WorkerState::Stopped;
                }
                let first = w.stopped_runs.insert((s.test_id, s.run));
                if first && current.is_some_and(|c| c.0 == s.test_id) {
                    st.cut_requests += s.cut_requests;
                    st.cut_users += s.cut_users;
                }
                if !s.reason.is_empty() {
                    tracing::warn!("worker {worker} stopped its users: {}", s.reason);
                }
                drop(st);
                self.bump();
            }
        }
    }

    fn apply(&self, st: &mut State, worker: &str, d: pb::Delta, current: Option<(u64, u64, bool)>) {
        let Some(w) = st.workers.get_mut(worker) else {
            return;
        };
        if d.seq <= w.applied_seq {
            w.info.duplicates_dropped += 1;
        } else {
            if d.seq != w.applied_seq + 1 && w.applied_seq > 0 {
                tracing::warn!(
                    "worker {worker}: delta {} follows {} (a gap: some figures of this worker \
                     may be missing)",
                    d.seq,
                    w.applied_seq
                );
            }
            w.applied_seq = d.seq;
            let counts = current.is_some_and(|(id, epoch, _)| id == d.test_id && epoch == d.epoch);
            if counts {
                let delta = delta_from_pb(d.stats.unwrap_or_default(), worker);
                match self.stats.lock().apply_delta(&delta) {
                    Ok(()) => {
                        let n = delta.num_requests();
                        w.info.requests_reported += n;
                        w.info.deltas_applied += 1;
                        w.recent.push_back(n);
                        while w.recent.len() > 3 {
                            w.recent.pop_front();
                        }
                    }
                    Err(e) => tracing::error!(
                        "worker {worker}: delta {} refused, its figures are not in the totals: \
                         {e}",
                        d.seq
                    ),
                }
            }
        }
        let ack = master_msg(M::Ack(pb::Ack { seq: w.applied_seq }));
        if let Some(s) = &w.session {
            s.send(ack);
        }
    }

    /// Shares the running test's users out over the workers that are not lost, and sends
    /// every worker whose share changed its new one.
    pub(crate) fn rebalance(&self, st: &mut State) {
        let Some(test) = st.test.as_ref().filter(|t| t.running) else {
            return;
        };
        let active: Vec<String> = st
            .workers
            .iter()
            .filter(|(_, w)| !w.is_lost())
            .map(|(id, _)| id.clone())
            .collect();
        let classes = test.classes.clone();
        let shares = distribute(
            &classes,
            test.users,
            test.spawn_rate,
            test.arrival_rate,
            active.len(),
        );
        let (test_id, epoch, base) = (test.id, test.epoch, test.params.clone());
        for (id, share) in active.iter().zip(shares) {
            let Some(w) = st.workers.get_mut(id) else {
                continue;
            };
            let mut params = base.clone();
            params.first_user_id = (w.info.index + 1) << 32;
            params.seed = base.seed.map(|s| mix(s, w.info.index));
            let users_by_class: BTreeMap<String, u64> = classes
                .iter()
                .zip(&share.users_by_class)
                .map(|(c, &n)| (c.name.clone(), n as u64))
                .collect();
            let msg = pb::Share {
                test_id,
                params: Some(params),
                users_by_class,
                spawn_rate: share.spawn_rate,
                arrival_rate: share.arrival_rate,
                epoch,
            };
            if w.last_share.as_ref() == Some(&msg) {
                continue;
            }
            if let Some(s) = &w.session {
                s.send(master_msg(M::Share(msg.clone())));
                w.last_share = Some(msg);
            }
        }
    }

    /// Marks silent workers lost and moves their users; every second or so.
    pub(crate) fn check_liveness(&self) {
        let mut st = self.state.lock();
        let limit = self.config.heartbeat_liveness;
        let mut lost_any = false;
        for w in st.workers.values_mut() {
            if w.is_lost() || w.last_heard.elapsed() <= limit {
                continue;
            }
            lost_any = true;
            w.info.state = WorkerState::Lost;
            w.info.lost_at = Some(SystemTime::now());
            w.info.times_lost += 1;
            w.info.possibly_missing_requests = w.missing_estimate();
            w.last_share = None;
            w.close_session();
            tracing::warn!(
                "worker {} ({}) lost: nothing heard for {:.1} s; its {} users move to the \
                 other workers; its reported figures stay in the totals, up to {} of its \
                 requests may be missing from them",
                w.info.id,
                w.info.host,
                w.last_heard.elapsed().as_secs_f64(),
                w.info.users,
                w.info.possibly_missing_requests
            );
            self.event(MasterEvent::WorkerLost {
                id: w.info.id.clone(),
                host: w.info.host.clone(),
                users: w.info.users,
                possibly_missing_requests: w.info.possibly_missing_requests,
            });
        }
        if !lost_any {
            return;
        }
        let survivors = st.workers.values().filter(|w| !w.is_lost()).count();
        let running = st.test.as_ref().is_some_and(|t| t.running);
        self.rebalance(&mut st);
        drop(st);
        if survivors == 0 && running {
            tracing::error!("every worker is lost");
            self.event(MasterEvent::AllWorkersLost);
        }
        self.bump();
    }

    /// Sends every connected worker a heartbeat.
    pub(crate) fn heartbeat(&self) {
        let st = self.state.lock();
        let test_id = st.test.as_ref().map_or(0, |t| t.id);
        for w in st.workers.values() {
            if let Some(s) = &w.session {
                s.send(master_msg(M::Heartbeat(pb::MasterHeartbeat { test_id })));
            }
        }
    }

    /// Sends `msg` to every connected worker.
    pub(crate) fn broadcast(&self, st: &State, msg: &pb::MasterMessage) {
        for w in st.workers.values() {
            if let Some(s) = &w.session {
                s.send(msg.clone());
            }
        }
    }
}
