//! The master's worker registry: who is connected, what each worker runs and reported, and
//! which workers were lost.

use crate::proto::pb;
use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::time::{Instant, SystemTime};
use tokio::sync::{mpsc, Notify};
use tonic::Status;

/// Where a worker stands, as the master sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkerState {
    /// Connected, no test running on it.
    Ready,
    /// Starting or stopping users towards its share.
    Spawning,
    /// At its share.
    Running,
    /// Stopping its users.
    Stopping,
    /// Its users of the test have stopped.
    Stopped,
    /// Its connection dropped; it keeps its share while it may come back (until lost).
    Disconnected,
    /// Silent for longer than the heartbeat liveness: its users were moved to the others.
    Lost,
}

impl WorkerState {
    /// Lower-case name, as the console, JSON and UI show it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ready => "ready",
            Self::Spawning => "spawning",
            Self::Running => "running",
            Self::Stopping => "stopping",
            Self::Stopped => "stopped",
            Self::Disconnected => "disconnected",
            Self::Lost => "lost",
        }
    }

    pub(crate) fn from_pb(s: i32) -> Self {
        match pb::WorkerState::try_from(s).unwrap_or(pb::WorkerState::Unspecified) {
            pb::WorkerState::Spawning => Self::Spawning,
            pb::WorkerState::Running => Self::Running,
            pb::WorkerState::Stopping => Self::Stopping,
            pb::WorkerState::Stopped => Self::Stopped,
            pb::WorkerState::Ready | pb::WorkerState::Unspecified => Self::Ready,
        }
    }
}

impl std::fmt::Display for WorkerState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One worker as reports and the UI show it.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkerInfo {
    /// The worker's id (host, process id and a random part).
    pub id: String,
    /// Host name the worker reported.
    pub host: String,
    /// Its process id on that host.
    pub pid: u32,
    /// Position in the registry (order of first arrival).
    pub index: u64,
    /// Where it stands.
    pub state: WorkerState,
    /// Users it runs (the last figure it reported; for a lost worker, at the time it was lost).
    pub users: u64,
    /// The same per class.
    pub users_by_class: BTreeMap<String, u64>,
    /// Its process CPU, percent of one core.
    pub cpu_percent: f64,
    /// Its resident memory in bytes.
    pub memory_bytes: u64,
    /// When it was last heard from.
    pub last_heartbeat: Option<SystemTime>,
    /// When it was marked lost (kept after it rejoins, as the last loss).
    pub lost_at: Option<SystemTime>,
    /// How many times it was lost.
    pub times_lost: u32,
    /// Requests it reported in the current test.
    pub requests_reported: u64,
    /// Requests it may have made but not reported (while it is lost; 0 otherwise).
    pub possibly_missing_requests: u64,
    /// Deltas applied / resent copies dropped.
    pub deltas_applied: u64,
    /// Resent deltas that had already been applied (dropped).
    pub duplicates_dropped: u64,
}

/// The sending half of a worker's session.
pub(crate) struct Session {
    pub(crate) id: u64,
    pub(crate) tx: mpsc::UnboundedSender<Result<pb::MasterMessage, Status>>,
    /// Tells the session's reader to end (a newer session replaced it, or the worker was lost).
    pub(crate) close: Arc<Notify>,
}

impl Session {
    pub(crate) fn send(&self, msg: pb::MasterMessage) {
        let _ = self.tx.send(Ok(msg));
    }
}

/// Everything the master keeps about one worker.
pub(crate) struct WorkerEntry {
    pub(crate) info: WorkerInfo,
    pub(crate) classes: Vec<String>,
    pub(crate) session: Option<Session>,
    pub(crate) last_heard: Instant,
    /// Newest delta sequence number applied (or dropped as a duplicate).
    pub(crate) applied_seq: u64,
    /// Request counts of its latest deltas (for the possibly-missing estimate).
    pub(crate) recent: VecDeque<u64>,
    /// The share last sent (re-sent when it changes, or on a new session).
    pub(crate) last_share: Option<pb::Share>,
    /// The newest master stop (`Stop.stop_id`) this worker answered with `Stopped`.
    pub(crate) stopped_stop_id: u64,
    /// (test, run) of every `Stopped` counted (resent copies are not counted again).
    pub(crate) stopped_runs: std::collections::HashSet<(u64, u64)>,
    /// Test the worker says it runs (from heartbeats).
    pub(crate) test_id: u64,
    pub(crate) cpu_warned: bool,
}

impl WorkerEntry {
    pub(crate) fn new(hello: &pb::Hello, index: u64) -> Self {
        Self {
            info: WorkerInfo {
                id: hello.worker_id.clone(),
                host: hello.host.clone(),
                pid: hello.pid,
                index,
                state: WorkerState::Ready,
                users: 0,
                users_by_class: BTreeMap::new(),
                cpu_percent: 0.0,
                memory_bytes: 0,
                last_heartbeat: Some(SystemTime::now()),
                lost_at: None,
                times_lost: 0,
                requests_reported: 0,
                possibly_missing_requests: 0,
                deltas_applied: 0,
                duplicates_dropped: 0,
            },
            classes: hello.classes.clone(),
            session: None,
            last_heard: Instant::now(),
            applied_seq: 0,
            recent: VecDeque::new(),
            last_share: None,
            stopped_stop_id: 0,
            stopped_runs: std::collections::HashSet::new(),
            test_id: 0,
            cpu_warned: false,
        }
    }

    pub(crate) fn is_lost(&self) -> bool {
        self.info.state == WorkerState::Lost
    }

    pub(crate) fn heard(&mut self) {
        self.last_heard = Instant::now();
        self.info.last_heartbeat = Some(SystemTime::now());
    }

    /// What it may have made but not reported: about one delta interval at its recent rate
    /// (with a quarter more for timer drift), plus one request in flight per user.
    pub(crate) fn missing_estimate(&self) -> u64 {
        let recent = self.recent.iter().copied().max().unwrap_or(0);
        recent + recent.div_ceil(4) + self.info.users
    }

    pub(crate) fn close_session(&mut self) {
        if let Some(s) = self.session.take() {
            s.close.notify_one();
        }
    }
}
