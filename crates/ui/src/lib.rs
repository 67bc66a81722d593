//! milmove-ui: the web UI of the milmove-load engine, its Locust-compatible HTTP API and the
//! self-contained HTML report.
//!
//! It talks to the engine only through the runner's control API
//! ([`TestController`](milmove_runner::control::TestController)) and the ticks of its session
//! loop, so it works unchanged for a local run and for a distributed master. Everything it
//! serves is compiled into the binary (page, script, style); charts are SVG drawn on the server
//! by `plotters` from the exact per-interval histograms of the
//! [timeline](milmove_runner::stats::StatsHub::timeline).
//!
//! An app plugs it into the runner with [`extensions`]:
//!
//! ```no_run
//! use milmove_runner::{run_with_extensions, Hooks, RunnerArgs, UserClass, User, TaskResult};
//! # async fn index(u: &mut User<()>) -> TaskResult { u.get("/").send().await; Ok(()) }
//! # fn main() -> std::process::ExitCode {
//! # let args: RunnerArgs = unimplemented!();
//! let class = UserClass::builder::<()>("Web").task(1, index).build();
//! // Serves http://127.0.0.1:8089 unless --headless; --html FILE writes the report.
//! run_with_extensions(args, vec![class], Hooks::default(), milmove_ui::extensions())
//! # }
//! ```
//!
//! Routes (under `--web-base-path`): the page `/`; Locust's API (`POST /swarm`, `POST /stop`,
//! `POST /stats/reset`, `GET /stats/requests`, the CSV downloads, `/exceptions`, `/tasks`,
//! `/stats/report`); our own JSON API under `/api/` and the live stream `/events` (SSE); SVG
//! charts under `/charts/`; Prometheus [`metrics`] at `/metrics` and the probes `/healthz`,
//! `/readyz` (also on `--metrics-port`). See the README's "Web UI" and "Metrics" sections.

mod api;
mod assets;
pub mod charts;
mod form;
mod health;
mod live;
mod locust;
pub mod metrics;
pub mod report;
mod security;
mod server;

pub use report::HtmlReport;
pub use server::{router, serve, UiFrontend};

use std::sync::Arc;

use milmove_runner::control::Extensions;

/// The runner plug-ins of this crate: the web UI, the HTML report writer and the metrics port.
pub fn extensions() -> Extensions {
    Extensions {
        web: Some(Arc::new(UiFrontend)),
        html: Some(Arc::new(HtmlReport)),
        version: None,
        on_listening: None,
        metrics: Some(Arc::new(metrics::MetricsServer)),
        readiness: Default::default(),
        role: None,
    }
}

/// [`extensions`] with the app's version shown in reports.
pub fn extensions_with_version(version: &str) -> Extensions {
    Extensions {
        version: Some(version.to_string()),
        ..extensions()
    }
}
