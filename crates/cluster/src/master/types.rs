//! The master's public data: its settings, events, test plans and status.

use milmove_runner::stats::StatsConfig;
use milmove_runner::DispatchClass;
use std::collections::BTreeMap;
use std::time::Duration;

use crate::tls::MasterTls;

/// Default port of the master (Locust's).
pub const DEFAULT_MASTER_PORT: u16 = 5557;

/// How a master listens and judges its workers.
#[derive(Debug, Clone)]
pub struct MasterConfig {
    /// Address to listen on (`--master-bind-host`, default 127.0.0.1).
    pub bind_host: String,
    /// Port (`--master-bind-port`, default 5557; 0 = any free port).
    pub bind_port: u16,
    /// Shared token workers must present (`MILMOVE_LOAD_CLUSTER_TOKEN`); required when the
    /// master listens on anything but loopback.
    pub token: Option<String>,
    /// Serve TLS with this certificate.
    pub tls: Option<MasterTls>,
    /// A worker silent this long is lost (`--heartbeat-liveness`, default 3 s).
    pub heartbeat_liveness: Duration,
    /// Heartbeats to workers (and expected from them), default 1 s.
    pub heartbeat_interval: Duration,
    /// Delta interval the workers are told (default 1 s).
    pub delta_interval: Duration,
    /// Warn when a worker's CPU passes this percent of one core (default 90).
    pub cpu_warning_percent: f64,
    /// Options of the merged statistics.
    pub stats: StatsConfig,
}

impl Default for MasterConfig {
    fn default() -> Self {
        Self {
            bind_host: "127.0.0.1".into(),
            bind_port: DEFAULT_MASTER_PORT,
            token: None,
            tls: None,
            heartbeat_liveness: Duration::from_secs(3),
            heartbeat_interval: Duration::from_secs(1),
            delta_interval: Duration::from_secs(1),
            cpu_warning_percent: 90.0,
            stats: StatsConfig::default(),
        }
    }
}

/// Something that happened to the workers.
#[derive(Debug, Clone, PartialEq)]
pub enum MasterEvent {
    /// A new worker joined.
    WorkerJoined {
        /// Worker id.
        id: String,
        /// Its host.
        host: String,
    },
    /// A known worker connected again (after a dropped connection, or after it was lost).
    WorkerRejoined {
        /// Worker id.
        id: String,
        /// Its host.
        host: String,
    },
    /// A worker was silent past the liveness and is lost; its users moved to the others.
    WorkerLost {
        /// Worker id.
        id: String,
        /// Its host.
        host: String,
        /// Users it ran.
        users: u64,
        /// Requests it may have made but not reported.
        possibly_missing_requests: u64,
    },
    /// A connection was refused (token, version, classes).
    WorkerRefused {
        /// Peer address.
        peer: String,
        /// Why.
        reason: String,
    },
    /// A worker's CPU passed the warning level.
    CpuHigh {
        /// Worker id.
        id: String,
        /// Its CPU, percent of one core.
        cpu_percent: f64,
    },
    /// Every worker is lost while a test runs.
    AllWorkersLost,
}

/// What a test runs: the same settings as a single process.
#[derive(Debug, Clone, Default)]
pub struct TestPlan {
    /// Host text (`--host`; the workers' app resolves it).
    pub host: Option<String>,
    /// Users in all (`-u`).
    pub users: usize,
    /// Users started per second in all (`-r`).
    pub spawn_rate: f64,
    /// Open model: iterations per second in all (`--arrival-rate`).
    pub arrival_rate: Option<f64>,
    /// `-T`.
    pub tags: Vec<String>,
    /// `-E`.
    pub exclude_tags: Vec<String>,
    /// `--seed` (each worker derives its own from it).
    pub seed: Option<u64>,
    /// `--stop-timeout`.
    pub stop_timeout: Duration,
    /// `--request-timeout`.
    pub request_timeout: Option<Duration>,
    /// `--connect-timeout`.
    pub connect_timeout: Option<Duration>,
    /// `--insecure`.
    pub insecure: bool,
    /// The classes and weights of this test (e.g. chosen in the web UI's start form); `None`:
    /// the master's catalogue. Workers must offer every class with users.
    pub classes: Option<Vec<DispatchClass>>,
}

/// Where the distributed test stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MasterPhase {
    /// No test started yet.
    Ready,
    /// Workers are moving towards their shares.
    Spawning,
    /// Every worker is at its share.
    Running,
    /// Stop sent; waiting for the workers.
    Stopping,
    /// Every worker stopped (or was lost).
    Stopped,
}

/// A status summary of the master.
#[derive(Debug, Clone, PartialEq)]
pub struct MasterStatus {
    /// Phase of the current test.
    pub phase: MasterPhase,
    /// Current test id (0 before the first).
    pub test_id: u64,
    /// Users running on the workers that are not lost.
    pub users: u64,
    /// Target users.
    pub target: usize,
    /// Spawn rate in all.
    pub spawn_rate: f64,
    /// Users per class, over the workers that are not lost.
    pub users_by_class: BTreeMap<String, u64>,
    /// Workers that are not lost.
    pub workers: usize,
    /// Lost workers.
    pub lost_workers: usize,
    /// Requests possibly missing from the figures because of lost workers.
    pub possibly_missing_requests: u64,
    /// Requests cut in flight at the workers' stops (not in the statistics).
    pub cut_requests: u64,
    /// Users cut inside a task at the workers' stops.
    pub cut_users: u64,
}
