//! The worker role: connects to its master (and keeps trying, so it may start first), runs
//! the share of users the master gives it, sends statistics deltas every interval (numbered,
//! kept until acknowledged, resent after a reconnect), reports CPU and memory, and stops every
//! user at once when it has heard nothing from its master for the master timeout (5 s) —
//! no load without a master — while it keeps trying to rejoin.

mod session;
mod state;

use crate::error::ClusterError;
use crate::master::DEFAULT_MASTER_PORT;
use crate::tls::WorkerTls;
use milmove_runner::control::Readiness;
use milmove_runner::stats::StatsConfig;
use milmove_runner::{ClientSettings, RunConfig, TagFilter, UserClass};
use std::sync::Arc;
use std::time::Duration;

/// How a worker finds and judges its master.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Master host name or address (`--master-host`, default 127.0.0.1).
    pub master_host: String,
    /// Master port (`--master-port`, default 5557).
    pub master_port: u16,
    /// The shared cluster token (`MILMOVE_LOAD_CLUSTER_TOKEN`).
    pub token: Option<String>,
    /// Connect with TLS, trusting this CA.
    pub tls: Option<WorkerTls>,
    /// The user classes this worker can run (their names), told to the master.
    pub classes: Vec<String>,
    /// Stop every user after hearing nothing from the master for this long (default 5 s).
    pub master_timeout: Duration,
    /// Heartbeats to the master (default 1 s).
    pub heartbeat_interval: Duration,
    /// Deltas to the master (default 1 s; the master's welcome may change it).
    pub delta_interval: Duration,
    /// Time limit of one connection attempt (default 2 s).
    pub connect_timeout: Duration,
    /// Pause between connection attempts (default 1 s).
    pub retry_interval: Duration,
    /// The worker's id; default `HOST_PID_RANDOM`.
    pub worker_id: Option<String>,
    /// Options of the worker's own statistics.
    pub stats: StatsConfig,
    /// Hooks of every test the worker runs (e.g. a request listener).
    pub hooks: milmove_runner::Hooks,
    /// Builds a test's classes asynchronously before it starts (an app resolving its host
    /// text, perhaps starting a stand-in); when set, it is used instead of the
    /// [`ClassFactory`] for every new test.
    pub prepare: Option<ClassPreparer>,
    /// The state behind the worker's `/readyz`: ready while connected to its master, not
    /// ready (with the reason) before and between connections.
    pub readiness: Readiness,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            master_host: "127.0.0.1".into(),
            master_port: DEFAULT_MASTER_PORT,
            token: None,
            tls: None,
            classes: Vec::new(),
            master_timeout: Duration::from_secs(5),
            heartbeat_interval: Duration::from_secs(1),
            delta_interval: Duration::from_secs(1),
            connect_timeout: Duration::from_secs(2),
            retry_interval: Duration::from_secs(1),
            worker_id: None,
            stats: StatsConfig::default(),
            hooks: milmove_runner::Hooks::default(),
            prepare: None,
            readiness: Readiness::not_ready(NOT_CONNECTED),
        }
    }
}

/// The `/readyz` reason of a worker that has not joined its master yet.
pub const NOT_CONNECTED: &str = "not connected to the master yet";

/// The settings of one test, as the master sent them (what `--host`, `-T`, `-E`, `--seed`
/// and the timeouts were on the master).
#[derive(Debug, Clone, PartialEq)]
pub struct TestSettings {
    /// `--host` text (for the app to resolve), if given.
    pub host: Option<String>,
    /// `-T`.
    pub tags: Vec<String>,
    /// `-E`.
    pub exclude_tags: Vec<String>,
    /// This worker's seed (derived from the master's `--seed`).
    pub seed: Option<u64>,
    /// `--stop-timeout`.
    pub stop_timeout: Duration,
    /// `--request-timeout`.
    pub request_timeout: Option<Duration>,
    /// `--connect-timeout`.
    pub connect_timeout: Option<Duration>,
    /// `--insecure`.
    pub insecure: bool,
    /// Open model: whether the test runs an arrival rate.
    pub arrival_rate: Option<f64>,
}

impl TestSettings {
    /// The engine configuration these settings mean (users come from the share).
    pub fn run_config(&self, stats: StatsConfig) -> RunConfig {
        let defaults = ClientSettings::default();
        RunConfig {
            host: self.host.clone(),
            stop_timeout: self.stop_timeout,
            tags: TagFilter::new(self.tags.clone(), self.exclude_tags.clone()),
            arrival_rate: self.arrival_rate,
            seed: self.seed,
            client: ClientSettings {
                request_timeout: self.request_timeout.or(defaults.request_timeout),
                connect_timeout: self.connect_timeout.or(defaults.connect_timeout),
                insecure: self.insecure,
                ..defaults
            },
            stats,
            ..RunConfig::default()
        }
    }
}

/// Builds the user classes of a test from its settings (an app resolves the host text and
/// its class flags here).
pub type ClassFactory =
    Arc<dyn Fn(&TestSettings) -> Result<Vec<UserClass>, String> + Send + Sync + 'static>;

/// The classes of a test, built by a [`ClassPreparer`].
pub struct PreparedClasses {
    /// The classes (weights do not matter: the master's share says how many of each run).
    pub classes: Vec<UserClass>,
    /// The default host of classes without their own (replaces the master's host text,
    /// which the app has resolved).
    pub host: Option<String>,
}

/// The future a [`ClassPreparer`] returns.
pub type PrepareFuture =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<PreparedClasses, String>> + Send>>;

/// Builds the user classes of a test asynchronously from its settings.
#[derive(Clone)]
pub struct ClassPreparer(pub Arc<dyn Fn(TestSettings) -> PrepareFuture + Send + Sync + 'static>);

impl std::fmt::Debug for ClassPreparer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClassPreparer")
    }
}

/// Why a worker ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkerExit {
    /// The master told it to quit (its run is over).
    Quit(String),
}

/// Runs a worker until its master tells it to quit; connection losses are retried for ever.
/// Fails at once on what retrying cannot fix: a refusal (wrong token, other protocol
/// version, classes the worker lacks) or bad TLS settings.
pub async fn run_worker(
    config: WorkerConfig,
    factory: ClassFactory,
) -> Result<WorkerExit, ClusterError> {
    session::run(config, factory).await
}
