//! The plug-in interface of the session loop: what an app passes in ([`Extensions`]: a web
//! frontend, an HTML reporter, a metrics endpoint, readiness, a version, a listening hook, a
//! role such as a distributed run's master or worker) and what those plug-ins are given
//! ([`Tick`], [`WebContext`], [`ReportInput`]).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use super::observe::{MetricsFrontend, Readiness};
use super::types::{Catalogue, ControlStatus, RunInfo, WorkerInfo};
use super::{BoxFuture, TestController};
use crate::stats::{StatsSnapshot, TimelinePoint};
use crate::threshold::ThresholdResult;

/// One published moment: status and statistics, shared by every viewer.
#[derive(Debug, Clone)]
pub struct Tick {
    /// Increases with every tick.
    pub seq: u64,
    /// The status.
    pub status: ControlStatus,
    /// The statistics of the current (or last) run.
    pub snapshot: Arc<StatsSnapshot>,
    /// The run's facts.
    pub run: Option<RunInfo>,
    /// Workers (distributed runs).
    pub workers: Vec<WorkerInfo>,
    /// Requests possibly missing because workers were lost.
    pub missing_requests: u64,
    /// Whether this tick added a timeline point (charts change only then).
    pub sampled: bool,
}

/// Where and how the web UI is served (`--web-host`, `--web-port`, …).
#[derive(Debug, Clone, PartialEq)]
pub struct WebOptions {
    /// Address to bind (default `127.0.0.1`).
    pub host: String,
    /// Port (default 8089; 0 = any free port).
    pub port: u16,
    /// Start the test at once with the command line's parameters.
    pub autostart: bool,
    /// Quit this long after a test ends.
    pub autoquit: Option<Duration>,
    /// Path prefix behind a reverse proxy, e.g. `/load` (empty = none).
    pub base_path: String,
    /// `USER:PASSWORD` for basic authentication.
    pub login: Option<(String, String)>,
}

impl Default for WebOptions {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".into(),
            port: 8089,
            autostart: false,
            autoquit: None,
            base_path: String::new(),
            login: None,
        }
    }
}

/// What a web frontend is given.
pub struct WebContext {
    /// The test controller.
    pub controller: Arc<dyn TestController>,
    /// The published ticks.
    pub ticks: watch::Receiver<Arc<Tick>>,
    /// Where to serve.
    pub options: WebOptions,
    /// `--csv` prefix and whether full history is on (the history download serves that file).
    pub csv: Option<(PathBuf, bool)>,
    /// The HTML report writer.
    pub html: Option<Arc<dyn HtmlReporter>>,
    /// The command line (secrets redacted), for reports.
    pub command_line: String,
    /// The app's version.
    pub version: String,
    /// The state behind `/readyz`.
    pub readiness: Readiness,
}

/// A running web server.
pub struct WebServer {
    /// The URL users open.
    pub url: String,
    /// Stops the server.
    pub shutdown: Box<dyn FnOnce() + Send>,
}

/// Serves a web UI for a [`WebContext`] (implemented by `milmove-ui`).
pub trait WebFrontend: Send + Sync {
    /// Binds and starts serving; returns once listening.
    fn serve(&self, ctx: WebContext) -> BoxFuture<'static, Result<WebServer, String>>;
}

/// Everything an HTML report shows.
pub struct ReportInput<'a> {
    /// Final statistics.
    pub snapshot: &'a StatsSnapshot,
    /// The per-interval history.
    pub timeline: &'a [Arc<TimelinePoint>],
    /// The run's facts.
    pub run: Option<&'a RunInfo>,
    /// Thresholds with verdicts.
    pub thresholds: &'a [ThresholdResult],
    /// The classes (for weights and tasks).
    pub catalogue: &'a Catalogue,
    /// Workers of a distributed run.
    pub workers: &'a [WorkerInfo],
    /// Command line (secrets redacted).
    pub command_line: &'a str,
    /// The app's version.
    pub version: &'a str,
}

/// Writes the self-contained HTML report (implemented by `milmove-ui`).
pub trait HtmlReporter: Send + Sync {
    /// The whole HTML document.
    fn render(&self, input: &ReportInput<'_>) -> String;
}

/// Called with the web UI's URL once it listens.
pub type ListeningHook = Arc<dyn Fn(&str) + Send + Sync>;

/// Plug-ins an app passes to the session loop.
#[derive(Clone, Default)]
pub struct Extensions {
    /// The web UI (without it, runs without `--headless` fall back to headless with a warning).
    pub web: Option<Arc<dyn WebFrontend>>,
    /// The HTML report writer (`--html FILE`).
    pub html: Option<Arc<dyn HtmlReporter>>,
    /// The version shown in reports (default: the runner's).
    pub version: Option<String>,
    /// Called with the web UI's URL once it listens (tests, launchers).
    pub on_listening: Option<ListeningHook>,
    /// Serves `/metrics`, `/healthz`, `/readyz` on `--metrics-port`.
    pub metrics: Option<Arc<dyn MetricsFrontend>>,
    /// The state behind `/readyz` (default: ready).
    pub readiness: Readiness,
    /// Other roles than a single process (e.g. a distributed run's master or worker).
    pub role: Option<Arc<dyn super::RolePlugin>>,
}

impl std::fmt::Debug for Extensions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Extensions")
            .field("web", &self.web.is_some())
            .field("html", &self.html.is_some())
            .field("metrics", &self.metrics.is_some())
            .field("readiness", &self.readiness)
            .field("role", &self.role.is_some())
            .finish()
    }
}

/// The process command line with secrets (`--web-login`) redacted.
pub fn redacted_command_line() -> String {
    let mut out = Vec::new();
    let mut hide_next = false;
    for a in std::env::args() {
        if hide_next {
            out.push("<redacted>".to_string());
            hide_next = false;
        } else if a == "--web-login" || a == "--metrics-login" {
            out.push(a);
            hide_next = true;
        } else if let Some(flag) = ["--web-login=", "--metrics-login="]
            .into_iter()
            .find(|f| a.starts_with(f))
        {
            out.push(format!("{flag}<redacted>"));
        } else {
            out.push(a);
        }
    }
    out.join(" ")
}
