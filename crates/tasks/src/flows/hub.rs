//! The queues between the roles, shared by the users of one process, and what is recorded
//! about flows: queue waits, steps, flows, and what was left unfinished at the end.
//!
//! - **Queues**: one FIFO queue per [`Role`]. A user of a role takes the oldest flow waiting
//!   for its role ([`FlowHub::take`]); after its step the flow goes to the next step's role
//!   ([`FlowHub::finish_step`]). Flows never leave the process that started them.
//! - **Bound**: at most `max_flows` flows are in flight (queued or in a step) per process, so
//!   no queue ever holds more; when the bound is reached customers do not start new flows
//!   ([`FlowHub::admit`]) until one ends. Hand-overs never block and never drop a flow, so
//!   a flow that two roles pass back and forth (TOO ⇄ Prime) cannot deadlock.
//! - **Rows** (pseudo rows, kept out of the aggregated request figures): `QUEUE` `queue ROLE`
//!   (time from hand-over to pick-up), `WORKFLOW` `flow NAME` (the time of its steps, added
//!   up), `flow NAME (end to end)` (start to last step, queue waits included) and one row per
//!   step; at the end `queue ROLE (still waiting at end)` and `flow NAME (unfinished at end)`.
//! - **Owned moves**: the moves flows created, so the classes' own tasks leave them alone
//!   (see [`FlowHub::exclusion`]).
//!
//! This module does not depend on the users' state type: flows are numbered, and the steps
//! that run them live in [`super::spec`].

use std::collections::{HashMap, HashSet, VecDeque};
use std::io::Write as _;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use milmove_runner::stats::{RequestRecord, StatsHub};
use parking_lot::{Mutex, RwLock};
use rand::{Rng, RngExt};
use serde_json::{json, Value};
use tokio::sync::Notify;

use super::case::FlowCase;
use super::role::Role;
use crate::store::Exclude;
use crate::workflows::WORKFLOW_METHOD;

pub use super::rows::{
    flow_end_to_end_row, flow_row, flow_unfinished_row, queue_left_row, queue_row, step_row,
    Recorder, QUEUE_METHOD,
};

pub use super::meta::{FlowMeta, HubConfig, StepMeta, DEFAULT_MAX_FLOWS};

/// How a step ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepEnd {
    /// It did its work.
    Done,
    /// It failed, for this reason (no IDs in it, so failures group).
    Failed(String),
}

/// Per flow: how many started, completed, failed.
#[derive(Default)]
struct FlowCounts {
    started: AtomicU64,
    completed: AtomicU64,
    failed: AtomicU64,
}

/// A flow in a step: which flow and step, since when, and its move once it has one.
struct Running {
    flow: usize,
    step: usize,
    since: Instant,
    move_id: Option<String>,
}

#[derive(Default)]
struct Owned {
    ids: HashSet<String>,
    order: VecDeque<String>,
}

/// The queues, counters and recorders of one process's flows.
pub struct FlowHub {
    flows: Vec<FlowMeta>,
    config: HubConfig,
    queues: Vec<Mutex<VecDeque<FlowCase>>>,
    arrivals: Vec<Notify>,
    room: Notify,
    in_flight: AtomicUsize,
    next_id: AtomicU64,
    counts: Vec<FlowCounts>,
    failures: Mutex<HashMap<String, u64>>,
    running: Mutex<HashMap<u64, Running>>,
    owned: Mutex<Owned>,
    stats: RwLock<Option<Arc<StatsHub>>>,
    log: Option<Mutex<Box<dyn std::io::Write + Send>>>,
    left: Mutex<Option<String>>,
}

impl std::fmt::Debug for FlowHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FlowHub")
            .field("flows", &self.flows)
            .field("config", &self.config)
            .field("in_flight", &self.in_flight())
            .finish_non_exhaustive()
    }
}

impl FlowHub {
    /// A hub for `flows` (in the order of the flow catalog).
    pub fn new(flows: Vec<FlowMeta>, config: HubConfig) -> Self {
        FlowHub {
            counts: flows.iter().map(|_| FlowCounts::default()).collect(),
            flows,
            config,
            queues: Role::ALL.iter().map(|_| Mutex::default()).collect(),
            arrivals: Role::ALL.iter().map(|_| Notify::new()).collect(),
            room: Notify::new(),
            in_flight: AtomicUsize::new(0),
            next_id: AtomicU64::new(1),
            failures: Mutex::default(),
            running: Mutex::default(),
            owned: Mutex::default(),
            stats: RwLock::new(None),
            log: None,
            left: Mutex::new(None),
        }
    }

    /// Also writes one JSON line per flow that ends (completed, failed, or unfinished at the
    /// end of the test) to `out`.
    pub fn with_log(mut self, out: Box<dyn std::io::Write + Send>) -> Self {
        self.log = Some(Mutex::new(out));
        self
    }

    /// The flows, in catalog order.
    pub fn flows(&self) -> &[FlowMeta] {
        &self.flows
    }

    /// The roles some started flow needs (a step of a flow with weight > 0).
    pub fn roles_in_use(&self) -> Vec<Role> {
        let mut roles: Vec<Role> = self
            .flows
            .iter()
            .filter(|f| f.weight > 0)
            .flat_map(|f| f.steps.iter().map(|s| s.role))
            .collect();
        roles.sort();
        roles.dedup();
        roles
    }

    /// Flows in flight now (queued or in a step).
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Relaxed)
    }

    /// Flows waiting in `role`'s queue now.
    pub fn queued(&self, role: Role) -> usize {
        self.queues[role.index()].lock().len()
    }

    /// Reserves room for a new flow; `false` when `max_flows` are in flight.
    pub fn admit(&self) -> bool {
        self.in_flight
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < self.config.max_flows).then_some(n + 1)
            })
            .is_ok()
    }

    /// Gives back a reservation that did not become a flow.
    pub fn cancel_admission(&self) {
        self.release();
    }

    fn release(&self) {
        self.in_flight.fetch_sub(1, Ordering::AcqRel);
        self.room.notify_waiters();
    }

    /// Picks a flow to start by the flows' weights (`None` when every weight is 0).
    pub fn pick_flow<R: Rng + ?Sized>(&self, rng: &mut R) -> Option<usize> {
        let total: u64 = self.flows.iter().map(|f| u64::from(f.weight)).sum();
        if total == 0 {
            return None;
        }
        let mut r = rng.random_range(0..total);
        self.flows.iter().position(|f| {
            let w = u64::from(f.weight);
            if r < w {
                true
            } else {
                r -= w;
                false
            }
        })
    }

    /// A new case of flow `flow` (after [`FlowHub::admit`]), its first step starting now.
    pub fn start(&self, flow: usize) -> FlowCase {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        self.counts[flow].started.fetch_add(1, Ordering::Relaxed);
        let case = FlowCase::new(id, flow, self.flows[flow].shipments);
        self.set_running(&case);
        case
    }

    /// Takes the oldest flow waiting for `role`, recording how long it waited.
    pub fn take(&self, via: &dyn Recorder, role: Role) -> Option<FlowCase> {
        let mut case = self.queues[role.index()].lock().pop_front()?;
        let now = Instant::now();
        let waited = now.saturating_duration_since(case.since);
        case.waits.push((role, waited));
        case.since = now;
        self.set_running(&case);
        self.record(via, QUEUE_METHOD, &queue_row(role), waited, None);
        Some(case)
    }

    fn set_running(&self, case: &FlowCase) {
        let running = Running {
            flow: case.flow,
            step: case.step,
            since: case.since,
            move_id: Some(case.data.move_id.clone()).filter(|m| !m.is_empty()),
        };
        self.running.lock().insert(case.id, running);
    }

    /// Waits until a flow arrives in `role`'s queue, or `at_most` passes.
    pub async fn wait_for_work(&self, role: Role, at_most: Duration) {
        let arrival = self.arrivals[role.index()].notified();
        tokio::pin!(arrival);
        arrival.as_mut().enable();
        if self.queued(role) > 0 {
            return;
        }
        let _ = tokio::time::timeout(at_most, arrival).await;
    }

    /// Waits until a flow ends (room for a new one), or `at_most` passes.
    pub async fn wait_for_room(&self, at_most: Duration) {
        let room = self.room.notified();
        tokio::pin!(room);
        room.as_mut().enable();
        if self.in_flight() < self.config.max_flows {
            return;
        }
        let _ = tokio::time::timeout(at_most, room).await;
    }

    /// The role of a case's next step.
    pub fn role_of(&self, case: &FlowCase) -> Option<Role> {
        self.flows[case.flow].steps.get(case.step).map(|s| s.role)
    }

    /// Records the step `case` just ran (it took `took`), then hands the flow to its next
    /// role's queue, or records the flow's end when that was its last step or the step failed.
    pub fn finish_step(
        &self,
        via: &dyn Recorder,
        mut case: FlowCase,
        took: Duration,
        end: StepEnd,
    ) {
        let meta = &self.flows[case.flow];
        let step = &meta.steps[case.step];
        let row = step_row(meta.name, case.step, meta.steps.len(), step.role, step.name);
        case.busy += took;
        self.running.lock().remove(&case.id);
        match end {
            StepEnd::Failed(reason) => {
                self.record(via, WORKFLOW_METHOD, &row, took, Some(&reason));
                let error = format!(
                    "failed at step {}/{} ({} {}): {reason}",
                    case.step + 1,
                    meta.steps.len(),
                    step.role,
                    step.name
                );
                self.record(
                    via,
                    WORKFLOW_METHOD,
                    &flow_row(meta.name),
                    case.busy,
                    Some(&error),
                );
                self.counts[case.flow]
                    .failed
                    .fetch_add(1, Ordering::Relaxed);
                *self
                    .failures
                    .lock()
                    .entry(format!("{}: {error}", meta.name))
                    .or_insert(0) += 1;
                self.log_case(&case, "failed", Some(&error));
                self.release();
            }
            StepEnd::Done => {
                self.record(via, WORKFLOW_METHOD, &row, took, None);
                case.step += 1;
                match meta.steps.get(case.step) {
                    Some(next) => {
                        case.since = Instant::now();
                        let role = next.role;
                        self.queues[role.index()].lock().push_back(case);
                        self.arrivals[role.index()].notify_one();
                    }
                    None => {
                        self.record(via, WORKFLOW_METHOD, &flow_row(meta.name), case.busy, None);
                        let end_to_end = case.started.elapsed();
                        let name = flow_end_to_end_row(meta.name);
                        self.record(via, WORKFLOW_METHOD, &name, end_to_end, None);
                        self.counts[case.flow]
                            .completed
                            .fetch_add(1, Ordering::Relaxed);
                        self.log_case(&case, "completed", None);
                        self.release();
                    }
                }
            }
        }
    }

    /// Remembers a move as made by flow `flow_id` (the classes' own tasks leave it alone; a
    /// flow cut before it ends is still reported with its move).
    pub fn own(&self, flow_id: u64, move_id: &str) {
        if move_id.is_empty() {
            return;
        }
        if let Some(running) = self.running.lock().get_mut(&flow_id) {
            running.move_id = Some(move_id.to_string());
        }
        let mut owned = self.owned.lock();
        if owned.ids.insert(move_id.to_string()) {
            owned.order.push_back(move_id.to_string());
            while owned.order.len() > self.config.owned_moves.max(1) {
                if let Some(old) = owned.order.pop_front() {
                    owned.ids.remove(&old);
                }
            }
        }
    }

    /// Whether a move was made by a flow.
    pub fn owns(&self, move_id: &str) -> bool {
        !move_id.is_empty() && self.owned.lock().ids.contains(move_id)
    }

    /// A data-store filter refusing the objects of moves made by flows: the move itself
    /// (`id`) and anything that names it (`moveTaskOrderID`, `moveID`, `moveId`). With it the
    /// classes' own tasks never pick a flow's move, shipment, service item or payment request
    /// from their stores, so a flow's move ends in the state its flow claims.
    pub fn exclusion(self: &Arc<Self>) -> Exclude {
        let hub = self.clone();
        Arc::new(move |object: &Value| {
            ["id", "moveTaskOrderID", "moveID", "moveId"]
                .iter()
                .filter_map(|k| object.get(*k).and_then(Value::as_str))
                .any(|id| hub.owns(id))
        })
    }

    /// Called when the test starts: pseudo rows are recorded straight into `stats` from now on
    /// (not through a user's HTTP client, whose arrival-rate lag would otherwise be added).
    ///
    /// A new test (the web UI runs several in one process) starts from zero: the counts,
    /// failure reasons and summary of the previous test are cleared, so each test's summary
    /// and [`FlowHub::done`] speak of that test alone. Moves owned by earlier flows stay
    /// owned (they may still be in the middle of their lives on the server).
    pub fn test_started(&self, stats: Arc<StatsHub>) {
        for c in &self.counts {
            c.started.store(0, Ordering::Relaxed);
            c.completed.store(0, Ordering::Relaxed);
            c.failed.store(0, Ordering::Relaxed);
        }
        self.failures.lock().clear();
        *self.left.lock() = None;
        *self.stats.write() = Some(stats);
    }

    fn record(
        &self,
        via: &dyn Recorder,
        method: &str,
        name: &str,
        took: Duration,
        error: Option<&str>,
    ) {
        match &*self.stats.read() {
            Some(stats) => stats.record_row(method, name, took, error),
            None => via.record_row(method, name, took, error),
        }
    }

    /// Called when the test has stopped (every user ended): records the flows still waiting in
    /// a queue and the flows cut in a step, so none is lost, writes them to the log, and keeps
    /// the summary text of [`FlowHub::summary`].
    pub fn test_stopped(&self, stats: &StatsHub) {
        let now = Instant::now();
        let us = |d: Duration| u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        let mut unfinished = vec![(0u64, 0u64); self.flows.len()];
        for role in Role::ALL {
            let waiting: Vec<FlowCase> = self.queues[role.index()].lock().drain(..).collect();
            for case in waiting {
                let waited = now.saturating_duration_since(case.since);
                stats.record(RequestRecord::new(
                    QUEUE_METHOD,
                    &queue_left_row(role),
                    us(waited),
                ));
                let name = flow_unfinished_row(self.flows[case.flow].name);
                stats.record(RequestRecord::new(
                    WORKFLOW_METHOD,
                    &name,
                    us(case.started.elapsed()),
                ));
                unfinished[case.flow].0 += 1;
                self.log_case(&case, "unfinished", Some(&format!("waiting for {role}")));
                self.in_flight.fetch_sub(1, Ordering::AcqRel);
            }
        }
        let cut: Vec<Running> = self.running.lock().drain().map(|(_, v)| v).collect();
        for r in cut {
            let meta = &self.flows[r.flow];
            let name = flow_unfinished_row(meta.name);
            stats.record(RequestRecord::new(
                WORKFLOW_METHOD,
                &name,
                us(now - r.since),
            ));
            unfinished[r.flow].1 += 1;
            let step = &meta.steps[r.step];
            self.log_line(json!({
                "flow": meta.name, "outcome": "unfinished",
                "reason": format!("cut in step {}/{} ({} {})", r.step + 1, meta.steps.len(),
                                  step.role, step.name),
                "steps_done": r.step, "steps": meta.steps.len(),
                "move": {"move_id": r.move_id.unwrap_or_default()},
            }));
        }
        self.in_flight.store(0, Ordering::Release);
        if let Some(log) = &self.log {
            let _ = log.lock().flush();
        }
        *self.left.lock() = Some(self.summary_text(&unfinished));
    }

    /// The lifecycle summary printed after the run: per flow, how many started, completed,
    /// failed (by step and reason) and were left unfinished (waiting in a queue, or cut in a
    /// step). Empty before the test stopped.
    pub fn summary(&self) -> String {
        self.left.lock().clone().unwrap_or_default()
    }

    /// Whether every flow of the mix (weight > 0) completed as often as
    /// [`HubConfig::complete_each`] asks (never, without it).
    pub fn done(&self) -> bool {
        let Some(wanted) = self.config.complete_each else {
            return false;
        };
        self.flows
            .iter()
            .zip(&self.counts)
            .filter(|(f, _)| f.weight > 0)
            .all(|(_, c)| c.completed.load(Ordering::Relaxed) >= wanted)
    }

    /// Completed flows so far, per flow name.
    pub fn completed(&self) -> Vec<(&'static str, u64)> {
        self.flows
            .iter()
            .zip(&self.counts)
            .map(|(f, c)| (f.name, c.completed.load(Ordering::Relaxed)))
            .collect()
    }
}

#[path = "hub_summary.rs"]
mod summary;

#[cfg(test)]
#[path = "hub_tests.rs"]
mod tests;
