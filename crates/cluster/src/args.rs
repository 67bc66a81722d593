//! The cluster flags (Locust's names), for an app to flatten into its parser.

use crate::error::ClusterError;
use crate::master::{MasterConfig, DEFAULT_MASTER_PORT};
use crate::tls::{master_tls, WorkerTls};
use crate::worker::WorkerConfig;
use milmove_runner::config::parse_duration;
use milmove_runner::stats::StatsConfig;
use std::path::PathBuf;
use std::time::Duration;

/// The environment variable holding the shared cluster token (never a flag: command lines
/// are visible to every user of a machine).
pub const TOKEN_ENV: &str = "MILMOVE_LOAD_CLUSTER_TOKEN";

/// Which part this process plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A single process (no `--master`, no `--worker`).
    Standalone,
    /// `--master`.
    Master,
    /// `--worker`.
    Worker,
}

/// Master and worker flags. Each also reads `MILMOVE_LOAD_<FLAG>`; the token comes from
/// `MILMOVE_LOAD_CLUSTER_TOKEN` only.
///
/// ```
/// use clap::Parser;
/// #[derive(Parser)]
/// struct Cli {
///     #[command(flatten)]
///     cluster: milmove_cluster::ClusterArgs,
/// }
/// let cli = Cli::parse_from(["app", "--worker", "--master-host", "10.0.0.5"]);
/// assert_eq!(cli.cluster.role(), milmove_cluster::args::Role::Worker);
/// ```
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Distributed runs (master and workers)")]
pub struct ClusterArgs {
    /// Run as the master of a distributed test: workers run the users, the master merges
    /// their statistics and writes every report. It runs no users itself.
    #[arg(long, env = "MILMOVE_LOAD_MASTER", conflicts_with = "worker")]
    pub master: bool,

    /// Address the master listens on for workers (a non-loopback address needs
    /// MILMOVE_LOAD_CLUSTER_TOKEN).
    #[arg(
        long = "master-bind-host",
        env = "MILMOVE_LOAD_MASTER_BIND_HOST",
        default_value = "127.0.0.1"
    )]
    pub master_bind_host: String,

    /// Port the master listens on for workers.
    #[arg(long = "master-bind-port", env = "MILMOVE_LOAD_MASTER_BIND_PORT", default_value_t = DEFAULT_MASTER_PORT)]
    pub master_bind_port: u16,

    /// Headless master: wait for this many workers before starting the test.
    #[arg(
        long = "expect-workers",
        env = "MILMOVE_LOAD_EXPECT_WORKERS",
        default_value_t = 1
    )]
    pub expect_workers: usize,

    /// Give up (exit 2) if the expected workers have not connected after this many seconds
    /// [default: wait for ever].
    #[arg(
        long = "expect-workers-max-wait",
        env = "MILMOVE_LOAD_EXPECT_WORKERS_MAX_WAIT"
    )]
    pub expect_workers_max_wait: Option<f64>,

    /// Run as a worker: connect to the master (retrying until it is up) and run the users it
    /// gives this process.
    #[arg(long, env = "MILMOVE_LOAD_WORKER")]
    pub worker: bool,

    /// Host name or address of the master (worker).
    #[arg(
        long = "master-host",
        env = "MILMOVE_LOAD_MASTER_HOST",
        default_value = "127.0.0.1"
    )]
    pub master_host: String,

    /// Port of the master (worker).
    #[arg(long = "master-port", env = "MILMOVE_LOAD_MASTER_PORT", default_value_t = DEFAULT_MASTER_PORT)]
    pub master_port: u16,

    /// Master: a worker silent this long is lost and its users move to the others, e.g. 3s.
    #[arg(
        long = "heartbeat-liveness",
        env = "MILMOVE_LOAD_HEARTBEAT_LIVENESS",
        default_value = "3s"
    )]
    pub heartbeat_liveness: String,

    /// Worker: stop every user after hearing nothing from the master this long, e.g. 5s.
    #[arg(
        long = "master-heartbeat-timeout",
        env = "MILMOVE_LOAD_MASTER_HEARTBEAT_TIMEOUT",
        default_value = "5s"
    )]
    pub master_heartbeat_timeout: String,

    /// Master: serve TLS to workers with this certificate chain (PEM).
    #[arg(
        long = "cluster-tls-cert",
        env = "MILMOVE_LOAD_CLUSTER_TLS_CERT",
        value_name = "FILE"
    )]
    pub cluster_tls_cert: Option<PathBuf>,

    /// Master: the private key of --cluster-tls-cert (PEM).
    #[arg(
        long = "cluster-tls-key",
        env = "MILMOVE_LOAD_CLUSTER_TLS_KEY",
        value_name = "FILE"
    )]
    pub cluster_tls_key: Option<PathBuf>,

    /// Worker: connect with TLS, trusting this CA certificate (PEM) for the master.
    #[arg(
        long = "cluster-tls-ca",
        env = "MILMOVE_LOAD_CLUSTER_TLS_CA",
        value_name = "FILE"
    )]
    pub cluster_tls_ca: Option<PathBuf>,

    /// Worker: the name to check in the master's certificate [default: --master-host].
    #[arg(
        long = "cluster-tls-server-name",
        env = "MILMOVE_LOAD_CLUSTER_TLS_SERVER_NAME"
    )]
    pub cluster_tls_server_name: Option<String>,
}

fn duration(flag: &str, text: &str) -> Result<Duration, ClusterError> {
    let d = parse_duration(text).map_err(|e| ClusterError::Config(format!("--{flag}: {e}")))?;
    if d.is_zero() {
        return Err(ClusterError::Config(format!("--{flag} must be > 0")));
    }
    Ok(d)
}

fn token() -> Option<String> {
    std::env::var(TOKEN_ENV).ok().filter(|t| !t.is_empty())
}

impl ClusterArgs {
    /// The part this process plays.
    pub fn role(&self) -> Role {
        if self.master {
            Role::Master
        } else if self.worker {
            Role::Worker
        } else {
            Role::Standalone
        }
    }

    /// How long to wait for the expected workers (`None` = for ever).
    pub fn expect_workers_max_wait(&self) -> Result<Option<Duration>, ClusterError> {
        self.expect_workers_max_wait
            .map(|s| {
                Duration::try_from_secs_f64(s).map_err(|_| {
                    ClusterError::Config(format!(
                        "--expect-workers-max-wait must be >= 0 seconds, got {s}"
                    ))
                })
            })
            .transpose()
    }

    /// The master's settings from these flags.
    pub fn master_config(&self, stats: StatsConfig) -> Result<MasterConfig, ClusterError> {
        if self.cluster_tls_ca.is_some() {
            return Err(ClusterError::Config(
                "--cluster-tls-ca is a worker flag; the master takes --cluster-tls-cert and \
                 --cluster-tls-key"
                    .into(),
            ));
        }
        Ok(MasterConfig {
            bind_host: self.master_bind_host.clone(),
            bind_port: self.master_bind_port,
            token: token(),
            tls: master_tls(&self.cluster_tls_cert, &self.cluster_tls_key)?,
            heartbeat_liveness: duration("heartbeat-liveness", &self.heartbeat_liveness)?,
            stats,
            ..MasterConfig::default()
        })
    }

    /// The worker's settings from these flags; `classes` are the names it can run.
    pub fn worker_config(&self, classes: Vec<String>) -> Result<WorkerConfig, ClusterError> {
        if self.cluster_tls_cert.is_some() || self.cluster_tls_key.is_some() {
            return Err(ClusterError::Config(
                "--cluster-tls-cert/--cluster-tls-key are master flags; a worker takes \
                 --cluster-tls-ca"
                    .into(),
            ));
        }
        let tls = self
            .cluster_tls_ca
            .as_ref()
            .map(|ca| WorkerTls::from_file(ca, self.cluster_tls_server_name.clone()))
            .transpose()?;
        Ok(WorkerConfig {
            master_host: self.master_host.clone(),
            master_port: self.master_port,
            token: token(),
            tls,
            classes,
            master_timeout: duration("master-heartbeat-timeout", &self.master_heartbeat_timeout)?,
            ..WorkerConfig::default()
        })
    }
}
