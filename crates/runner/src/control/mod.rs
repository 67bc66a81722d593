//! The runner control API: one abstraction, [`TestController`], through which the web UI, the
//! headless console/report loop ([`session`]) and metrics start, watch, steer and stop a test —
//! whether the users run in this process ([`LocalController`]) or on workers behind a master
//! (the `cluster` crate implements the same trait and merges worker deltas into its
//! [`StatsHub`]).
//!
//! * **Status** ([`ControlStatus`]): phase, users now / target, spawn rate, host text, elapsed,
//!   users per class, the run's number.
//! * **Statistics**: [`TestController::stats`] is the current run's `Arc<StatsHub>`: snapshots,
//!   history, the timeline of per-interval histograms, CSV/JSON all come from it unchanged.
//!   A new test gets a fresh hub; the old one stays readable until then.
//! * **Control**: [`start`](TestController::start) from [`StartParams`], [`edit`](TestController::edit),
//!   [`stop`](TestController::stop), [`reset_stats`](TestController::reset_stats).
//! * **Catalogue** ([`Catalogue`]): classes with weights, tags and task trees (Locust's `/tasks`,
//!   the start form's class picker).
//! * **Workers** ([`WorkerInfo`]): empty for a local run; a master lists its workers, and
//!   [`missing_requests`](TestController::missing_requests) counts requests possibly lost with
//!   lost workers.
//!
//! A snapshot travels from the engine to a page this way: users record into the hub's shards →
//! the session loop ([`session::run_session`]) calls [`StatsHub::sample`] once a second
//! (history, timeline) and publishes a [`Tick`] on a `watch` channel → the console loop prints
//! it, the web UI turns it into one JSON document and one set of SVG charts shared by every
//! viewer, pushed by SSE.
//!
//! ```
//! use milmove_runner::control::{FixedClasses, LocalController, StartParams, TestController, Phase};
//! use milmove_runner::{RunConfig, Hooks, UserClass, User, TaskResult};
//! # async fn idle(u: &mut User<()>) -> TaskResult { let _ = u; Ok(()) }
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let class = UserClass::builder::<()>("Idle").task(1, idle).build();
//! let ctl = LocalController::new(FixedClasses::new(vec![class]), RunConfig::default(), Hooks::default());
//! assert_eq!(ctl.status().phase, Phase::Ready);
//! let params = StartParams { users: 2, spawn_rate: 100.0, ..ctl.defaults() };
//! ctl.start(params).await.unwrap();
//! ctl.stop();
//! ctl.wait_run_end().await;
//! assert_eq!(ctl.status().phase, Phase::Stopped);
//! # }
//! ```

mod factory;
mod finish;
mod local;
mod observe;
mod plugins;
mod role;
pub mod session;
mod types;

pub use factory::{check_url_host, BuiltRun, ClassFactory, FixedClasses};
pub use local::LocalController;
pub use observe::{MetricsContext, MetricsFrontend, MetricsOptions, Readiness};
pub use role::{runnable_classes, RoleInput, RolePlugin, RoleRun};
pub use session::{
    run_session, Extensions, HtmlReporter, ReportInput, Tick, WebContext, WebFrontend, WebOptions,
    WebServer,
};
pub use types::{
    Catalogue, ClassChoice, ClassInfo, ControlError, ControlStatus, Phase, RunInfo, StartParams,
    TaskNode, WorkerInfo, WorkerState,
};

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::exec::runner::RunOutcome;
use crate::stats::StatsHub;

/// A boxed future (the trait stays object-safe: `Arc<dyn TestController>`).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Start, watch, steer and stop a load test. Implemented by [`LocalController`] (users in this
/// process) and by the cluster master; used by the web UI, the console loop and metrics.
pub trait TestController: Send + Sync + 'static {
    /// What the test is doing now.
    fn status(&self) -> ControlStatus;

    /// The current (or last) run's statistics; an empty hub before the first run.
    fn stats(&self) -> Arc<StatsHub>;

    /// Starts a test. Fails with [`ControlError::BadInput`] on bad parameters (unknown class,
    /// unresolvable host, …) and [`ControlError::State`] while a test runs.
    fn start(&self, params: StartParams) -> BoxFuture<'_, Result<(), ControlError>>;

    /// Changes the target users and spawn rate of the running test.
    fn edit(&self, users: usize, spawn_rate: f64) -> Result<(), ControlError>;

    /// Graceful stop (tasks in flight get the stop timeout). No-op when nothing runs.
    fn stop(&self);

    /// Immediate stop: tasks in flight are cut.
    fn stop_now(&self);

    /// Zeroes the current run's statistics (Locust's reset).
    fn reset_stats(&self);

    /// The user classes a test can run, with their default weights and task trees.
    fn catalogue(&self) -> Catalogue;

    /// Start parameters from the command line / config / environment (the start form's values).
    fn defaults(&self) -> StartParams;

    /// Facts of the current (or last) run: parameters, times, end reason.
    fn run_info(&self) -> Option<RunInfo>;

    /// Waits until the current run ends (at once when none runs) and returns its outcome.
    fn wait_run_end(&self) -> BoxFuture<'_, Option<RunOutcome>>;

    /// A receiver that changes whenever the status changes (start, phase, stop, reset).
    fn changes(&self) -> tokio::sync::watch::Receiver<u64>;

    /// Workers of a distributed run (empty for a local one).
    fn workers(&self) -> Vec<WorkerInfo> {
        Vec::new()
    }

    /// Requests possibly missing from the statistics because workers were lost.
    fn missing_requests(&self) -> u64 {
        0
    }
}
