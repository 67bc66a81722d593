//! The data of the control API: status, start parameters, catalogue, workers, errors.

use std::time::{Duration, SystemTime};

use crate::threshold::Threshold;

/// What a test is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Phase {
    /// No test has run yet.
    Ready,
    /// Starting or stopping users towards the target.
    Spawning,
    /// At the target user count.
    Running,
    /// Stopping: waiting for tasks in flight.
    Stopping,
    /// The last test has ended.
    Stopped,
}

impl Phase {
    /// Locust's state names: `ready`, `spawning`, `running`, `stopping`, `stopped`.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Ready => "ready",
            Phase::Spawning => "spawning",
            Phase::Running => "running",
            Phase::Stopping => "stopping",
            Phase::Stopped => "stopped",
        }
    }

    /// True while users run (spawning, running or stopping).
    pub fn is_active(self) -> bool {
        matches!(self, Phase::Spawning | Phase::Running | Phase::Stopping)
    }
}

/// The status of a test.
#[derive(Debug, Clone, PartialEq)]
pub struct ControlStatus {
    /// Phase.
    pub phase: Phase,
    /// Users running now.
    pub users: usize,
    /// Target users.
    pub target: usize,
    /// Spawn rate (users/s; infinite = all at once).
    pub spawn_rate: f64,
    /// The host as the user typed it (`sim`, `dp3`, a URL).
    pub host: String,
    /// What the host resolved to, e.g. `sim (https://127.0.0.1:40123)`; never key material.
    pub host_detail: String,
    /// Time since the run started (zero before the first run); frozen at the end.
    pub elapsed: Duration,
    /// Users per class now, in catalogue order.
    pub users_per_class: Vec<(String, usize)>,
    /// Number of the current run (0 before the first, then 1, 2, …).
    pub run_id: u64,
    /// Open model: iterations per second, when on.
    pub arrival_rate: Option<f64>,
}

/// A class chosen for a run, with its weight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassChoice {
    /// Class name (as in the catalogue).
    pub name: String,
    /// Weight (0 leaves it out).
    pub weight: u32,
}

/// What starts a test.
#[derive(Debug, Clone, PartialEq)]
pub struct StartParams {
    /// Users (closed model), or the pool serving the arrival schedule.
    pub users: usize,
    /// Users started per second.
    pub spawn_rate: f64,
    /// Host text: resolved by the app's [`ClassFactory`](super::ClassFactory) (`sim`, `dp3`, a URL).
    pub host: String,
    /// Stop after this long.
    pub run_time: Option<Duration>,
    /// Classes and weights; empty = every catalogue class with its default weight.
    pub classes: Vec<ClassChoice>,
    /// Only tasks with one of these tags.
    pub tags: Vec<String>,
    /// Never tasks with one of these tags.
    pub exclude_tags: Vec<String>,
    /// Threshold expressions (`p95<500ms`, …).
    pub thresholds: Vec<String>,
    /// Open model: iterations per second.
    pub arrival_rate: Option<f64>,
}

impl Default for StartParams {
    fn default() -> Self {
        Self {
            users: 1,
            spawn_rate: 1.0,
            host: String::new(),
            run_time: None,
            classes: Vec::new(),
            tags: Vec::new(),
            exclude_tags: Vec::new(),
            thresholds: Vec::new(),
            arrival_rate: None,
        }
    }
}

impl StartParams {
    /// Checks the values that need no catalogue; returns the parsed thresholds.
    pub fn validate(&self) -> Result<Vec<Threshold>, ControlError> {
        if !(self.spawn_rate > 0.0 && self.spawn_rate.is_finite()) {
            return Err(ControlError::BadInput(format!(
                "spawn rate must be a number > 0, got {}",
                self.spawn_rate
            )));
        }
        if self.users == 0 {
            return Err(ControlError::BadInput(
                "the number of users must be at least 1".into(),
            ));
        }
        if let Some(r) = self.arrival_rate {
            if !(r > 0.0 && r.is_finite()) {
                return Err(ControlError::BadInput(format!(
                    "arrival rate must be > 0 iterations/s, got {r}"
                )));
            }
        }
        if self.classes.iter().all(|c| c.weight == 0) && !self.classes.is_empty() {
            return Err(ControlError::BadInput(
                "every chosen user class has weight 0: nothing to run".into(),
            ));
        }
        self.thresholds
            .iter()
            .map(|t| {
                t.parse::<Threshold>()
                    .map_err(|e| ControlError::BadInput(e.to_string()))
            })
            .collect()
    }
}

/// A task or nested task set, with its weight and own tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskNode {
    /// Task (function) or set name.
    pub name: String,
    /// Weight in its parent (1 in a sequential set).
    pub weight: u32,
    /// Own tags (inherited ones not repeated).
    pub tags: Vec<String>,
    /// For a set: whether it runs its entries in order.
    pub sequential: bool,
    /// For a set: its entries; empty for a task.
    pub children: Vec<TaskNode>,
}

/// A user class in the catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassInfo {
    /// Class name.
    pub name: String,
    /// Default weight.
    pub weight: u32,
    /// Fixed user count, if any.
    pub fixed_count: Option<u32>,
    /// Tags of the whole class.
    pub tags: Vec<String>,
    /// Its tasks and sets.
    pub tasks: Vec<TaskNode>,
}

/// The classes a test can run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Catalogue {
    /// Classes, in the app's order.
    pub classes: Vec<ClassInfo>,
}

impl Catalogue {
    /// The class named `name`.
    pub fn class(&self, name: &str) -> Option<&ClassInfo> {
        self.classes.iter().find(|c| c.name == name)
    }

    /// Every tag used anywhere (sorted, unique), for the start form.
    pub fn tags(&self) -> Vec<String> {
        fn walk(nodes: &[TaskNode], out: &mut Vec<String>) {
            for n in nodes {
                out.extend(n.tags.iter().cloned());
                walk(&n.children, out);
            }
        }
        let mut out = Vec::new();
        for c in &self.classes {
            out.extend(c.tags.iter().cloned());
            walk(&c.tasks, &mut out);
        }
        out.sort();
        out.dedup();
        out
    }

    /// The classes and weights a run uses: `choices` checked against the catalogue (unknown
    /// names are an error), or every class with its default weight when `choices` is empty.
    pub fn resolve(&self, choices: &[ClassChoice]) -> Result<Vec<ClassChoice>, ControlError> {
        if choices.is_empty() {
            return Ok(self
                .classes
                .iter()
                .filter(|c| c.weight > 0 || c.fixed_count.is_some())
                .map(|c| ClassChoice {
                    name: c.name.clone(),
                    weight: c.weight,
                })
                .collect());
        }
        for c in choices {
            if self.class(&c.name).is_none() {
                let known: Vec<&str> = self.classes.iter().map(|c| c.name.as_str()).collect();
                return Err(ControlError::BadInput(format!(
                    "unknown user class `{}` (known: {})",
                    c.name,
                    known.join(", ")
                )));
            }
        }
        Ok(choices.iter().filter(|c| c.weight > 0).cloned().collect())
    }
}

/// State of a worker of a distributed run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkerState {
    /// Connected, no users.
    Ready,
    /// Starting or stopping users.
    Spawning,
    /// At its share of the target.
    Running,
    /// Stopping its users.
    Stopping,
    /// Stopped.
    Stopped,
    /// Its connection dropped; it keeps its share while it may come back (until lost).
    Disconnected,
    /// Missed its heartbeats: its recent requests may be missing.
    Lost,
}

impl WorkerState {
    /// Lower-case name, as Locust's `workers[].state`.
    pub fn as_str(self) -> &'static str {
        match self {
            WorkerState::Ready => "ready",
            WorkerState::Spawning => "spawning",
            WorkerState::Running => "running",
            WorkerState::Stopping => "stopping",
            WorkerState::Stopped => "stopped",
            WorkerState::Disconnected => "disconnected",
            WorkerState::Lost => "missing",
        }
    }
}

/// One worker of a distributed run.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkerInfo {
    /// Worker id.
    pub id: String,
    /// Its host name or address.
    pub host: String,
    /// Its state.
    pub state: WorkerState,
    /// Users it runs.
    pub users: usize,
    /// Its CPU use (percent of one core).
    pub cpu_percent: f64,
    /// Its resident memory in bytes.
    pub memory_bytes: u64,
    /// When its last heartbeat arrived.
    pub last_heartbeat: SystemTime,
    /// When it was declared lost.
    pub lost_at: Option<SystemTime>,
}

/// Facts of one run (for reports and the header).
#[derive(Debug, Clone)]
pub struct RunInfo {
    /// Number of the run (1, 2, … in one process).
    pub run_id: u64,
    /// Its parameters (classes resolved: the classes and weights that ran).
    pub params: StartParams,
    /// What the host resolved to.
    pub host_detail: String,
    /// Parsed thresholds.
    pub thresholds: Vec<Threshold>,
    /// When it started.
    pub start_time: SystemTime,
    /// When it ended (`None` while running).
    pub end_time: Option<SystemTime>,
    /// How it ended (`run time reached`, `stopped`, …).
    pub end_reason: Option<String>,
    /// Requests cut in flight at the end.
    pub cut_requests: u64,
    /// Users cut inside a task at the end.
    pub cut_users: u64,
    /// Arrival-rate mode: iterations started.
    pub iterations: Option<u64>,
}

/// Why a control request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ControlError {
    /// Bad parameters (HTTP 400): the message says which and why.
    #[error("{0}")]
    BadInput(String),
    /// Not possible in the current state (e.g. start while running).
    #[error("{0}")]
    State(String),
}
