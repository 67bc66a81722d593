//! milmove-cluster: distributed milmove-load runs — one master, many workers, exact merged
//! statistics, and no orphaned load.
//!
//! * Transport: gRPC (tonic, HTTP/2), one bidirectional stream per worker; the protocol is
//!   `proto/milmove_cluster.proto`, compiled at build time by a pure-Rust compiler (no system
//!   `protoc`). Every first message carries [`PROTOCOL_VERSION`]; a master and a worker of
//!   different versions refuse each other with a clear message. A shared token
//!   (`MILMOVE_LOAD_CLUSTER_TOKEN`) and TLS ([`MasterTls`], [`WorkerTls`]) are optional on
//!   loopback; a master listening on anything else requires the token.
//! * [`Master`]: worker registry, dispatch of users as Locust does
//!   ([`milmove_runner::distribute`]) with rebalance on join and loss, heartbeats every second,
//!   a worker lost after `--heartbeat-liveness` (3 s) with its reported figures kept and an
//!   estimate of what may be missing, CPU warnings, and statistics deltas merged into an
//!   ordinary [`StatsHub`](milmove_runner::stats::StatsHub) (numbered, acknowledged, duplicates
//!   dropped), so every report of the engine works on the merged figures.
//! * [`run_worker`]: joins (retrying until the master is up), runs its share with a
//!   [`ShareRunner`](milmove_runner::ShareRunner), sends deltas every second until they are
//!   acknowledged, and stops every user within 5 s of hearing nothing from its master.
//! * [`MasterController`]: the runner's control API over a master, so the session loop
//!   (console, CSV, JSON, HTML, thresholds) and the web UI drive a distributed test unchanged;
//!   [`with_cluster`] adds [`ClusterRole`], the role plug-in that gives an app `--master` and
//!   `--worker` with its own classes.
//! * [`headless`]: the command-line master (console tables, CSV, JSON, thresholds) and
//!   [`ClusterArgs`], the cluster flags an app flattens into its parser.
//!
//! ```no_run
//! use milmove_cluster::{run_worker, Master, MasterConfig, TestPlan, WorkerConfig};
//! use milmove_runner::{DispatchClass, TaskResult, User, UserClass};
//! use std::sync::Arc;
//!
//! async fn index(u: &mut User<()>) -> TaskResult { u.get("/").send().await; Ok(()) }
//!
//! # async fn demo() -> Result<(), milmove_cluster::ClusterError> {
//! // The master (runs no users itself).
//! let catalog = vec![DispatchClass { name: "Web".into(), weight: 1, fixed_count: None }];
//! let master = Master::bind(MasterConfig { bind_port: 0, ..Default::default() }, catalog).await?;
//! let port = master.local_addr().port();
//!
//! // A worker (normally another process or machine).
//! let config = WorkerConfig { master_port: port, classes: vec!["Web".into()], ..Default::default() };
//! let factory = Arc::new(|_: &milmove_cluster::TestSettings| {
//!     Ok(vec![UserClass::builder::<()>("Web").task(1, index).build()])
//! });
//! tokio::spawn(run_worker(config, factory));
//!
//! master.wait_for_workers(1, None).await?;
//! master.start(&TestPlan {
//!     host: Some("http://127.0.0.1:8080".into()),
//!     users: 10,
//!     spawn_rate: 5.0,
//!     ..Default::default()
//! })?;
//! tokio::time::sleep(std::time::Duration::from_secs(10)).await;
//! master.stop(false, std::time::Duration::from_secs(10)).await;
//! println!("{} requests", master.stats().snapshot().total.num_requests);
//! master.shutdown("done").await;
//! # Ok(()) }
//! ```

mod app_role;
pub mod args;
pub mod controller;
mod error;
pub mod headless;
mod master;
pub mod proto;
mod sysstat;
mod tls;
mod worker;

pub use app_role::{dispatch_catalog, with_cluster, ClusterRole};
pub use args::{ClusterArgs, Role};
pub use controller::{MasterControlOptions, MasterController};
pub use error::ClusterError;
pub use master::{
    Master, MasterConfig, MasterEvent, MasterPhase, MasterStatus, TestPlan, WorkerInfo,
    WorkerState, DEFAULT_MASTER_PORT,
};
pub use proto::PROTOCOL_VERSION;
pub use sysstat::{resident_memory_bytes, CpuMeter};
pub use tls::{MasterTls, WorkerTls};
pub use worker::{
    run_worker, ClassFactory, ClassPreparer, PrepareFuture, PreparedClasses, TestSettings,
    WorkerConfig, WorkerExit, NOT_CONNECTED,
};

/// This machine's host name (as workers report it), or `localhost`.
pub fn local_host_name() -> String {
    #[cfg(unix)]
    {
        let mut buf = [0u8; 256];
        // SAFETY: gethostname writes at most `buf.len()` bytes into the buffer it is given.
        let ok = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) } == 0;
        if ok {
            let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
            if let Ok(s) = std::str::from_utf8(&buf[..end]) {
                if !s.is_empty() {
                    return s.to_owned();
                }
            }
        }
    }
    "localhost".to_owned()
}
