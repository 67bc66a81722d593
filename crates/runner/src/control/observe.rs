//! The observability plug-in of the session loop: where `/metrics`, `/healthz` and `/readyz`
//! are served when no web UI runs (`--metrics-port`), and the [`Readiness`] hook behind
//! `/readyz`.
//!
//! The runner only describes the endpoint ([`MetricsOptions`], [`MetricsContext`]); a
//! [`MetricsFrontend`] (the `milmove-ui` crate's) renders the Prometheus text from the
//! [`TestController`] on each scrape, so a local run and a distributed master export the same
//! figures. The web UI serves the same three paths on its own port.

use std::sync::Arc;

use parking_lot::RwLock;

use super::plugins::WebServer;
use super::{BoxFuture, TestController};

/// Where the metrics endpoint listens (`--metrics-host`, `--metrics-port`, `--metrics-login`).
#[derive(Debug, Clone, PartialEq)]
pub struct MetricsOptions {
    /// Address to bind (default `127.0.0.1`; any other needs a login).
    pub host: String,
    /// Port (0 = any free port).
    pub port: u16,
    /// `USER:PASSWORD` for basic authentication of `/metrics` (`--metrics-login`, else
    /// `--web-login`); `/healthz` and `/readyz` stay open for probes.
    pub login: Option<(String, String)>,
}

/// Whether this process is ready to take a test, behind `/readyz`.
///
/// Cloning shares the state. A local run or a master is ready from the start
/// ([`Readiness::default`]); a cluster worker creates [`Readiness::not_ready`] and calls
/// [`set_ready`](Readiness::set_ready) once connected to its master (and
/// [`set_not_ready`](Readiness::set_not_ready) when the connection drops).
///
/// ```
/// use milmove_runner::control::Readiness;
/// let ready = Readiness::not_ready("not connected to the master yet");
/// assert_eq!(ready.check(), Err("not connected to the master yet".to_string()));
/// ready.set_ready();
/// assert_eq!(ready.check(), Ok(()));
/// ```
#[derive(Clone, Default)]
pub struct Readiness {
    /// `None` = ready; `Some(reason)` = not ready, and why.
    state: Arc<RwLock<Option<String>>>,
}

impl Readiness {
    /// A hook that starts not ready, with the reason `/readyz` shows.
    pub fn not_ready(reason: &str) -> Self {
        Self {
            state: Arc::new(RwLock::new(Some(reason.to_string()))),
        }
    }

    /// Marks the process ready.
    pub fn set_ready(&self) {
        *self.state.write() = None;
    }

    /// Marks the process not ready, with the reason `/readyz` shows.
    pub fn set_not_ready(&self, reason: &str) {
        *self.state.write() = Some(reason.to_string());
    }

    /// `Ok` when ready, else the reason.
    pub fn check(&self) -> Result<(), String> {
        match &*self.state.read() {
            None => Ok(()),
            Some(reason) => Err(reason.clone()),
        }
    }
}

impl std::fmt::Debug for Readiness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Readiness").field(&self.check()).finish()
    }
}

/// What a metrics frontend is given.
pub struct MetricsContext {
    /// The test controller whose figures `/metrics` shows; `None` serves only the process
    /// facts (version, readiness) — e.g. a worker before it has a controller of its own.
    pub controller: Option<Arc<dyn TestController>>,
    /// Where to listen.
    pub options: MetricsOptions,
    /// The state behind `/readyz`.
    pub readiness: Readiness,
    /// The app's version (the `milmove_load_info` metric).
    pub version: String,
}

/// Serves `/metrics`, `/healthz` and `/readyz` on their own port (implemented by `milmove-ui`).
pub trait MetricsFrontend: Send + Sync {
    /// Binds and starts serving; returns once listening (the server's URL is its base).
    fn serve(&self, ctx: MetricsContext) -> BoxFuture<'static, Result<WebServer, String>>;
}

/// Starts the metrics endpoint of a session when `--metrics-port` was given; an error when the
/// app has no metrics plug-in or the port cannot be bound.
pub(crate) async fn start_metrics(
    frontend: Option<&Arc<dyn MetricsFrontend>>,
    options: Option<&MetricsOptions>,
    ctx: (Arc<dyn TestController>, Readiness, String),
) -> Result<Option<WebServer>, String> {
    let Some(options) = options else {
        return Ok(None);
    };
    let Some(frontend) = frontend else {
        return Err("--metrics-port was given but this binary has no metrics endpoint".into());
    };
    let (controller, readiness, version) = ctx;
    let server = frontend
        .serve(MetricsContext {
            controller: Some(controller),
            options: options.clone(),
            readiness,
            version,
        })
        .await?;
    println!("Metrics: {}metrics", server.url);
    tracing::info!("metrics listening on {}metrics", server.url);
    Ok(Some(server))
}
