//! The session loop shared by headless and web-UI runs, over any [`TestController`]: samples
//! the statistics once a second (history, timeline, `PREFIX_stats_history.csv`), publishes a
//! [`Tick`] for the web UI, prints console tables, handles Ctrl-C/SIGTERM, and writes every
//! report when a run ends (CSV, JSON, HTML through an [`HtmlReporter`] plug-in).
//!
//! The runner does not depend on the web UI: an app passes [`Extensions`] (a [`WebFrontend`]
//! and an [`HtmlReporter`], e.g. from the `milmove-ui` crate) into [`run_session`].

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::sync::watch;

use super::types::{Catalogue, ControlStatus, Phase, RunInfo, WorkerInfo};
use super::{BoxFuture, TestController};
use crate::config::OutputOptions;
use crate::error::RunnerError;
use crate::report::{console, csv::CsvReport, json};
use crate::stats::{HistorySample, StatsSnapshot, TimelinePoint};
use crate::threshold::{self, ThresholdResult};

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
}

impl std::fmt::Debug for Extensions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Extensions")
            .field("web", &self.web.is_some())
            .field("html", &self.html.is_some())
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
        } else if a == "--web-login" {
            out.push(a);
            hide_next = true;
        } else if a.starts_with("--web-login=") {
            out.push("--web-login=<redacted>".to_string());
        } else {
            out.push(a);
        }
    }
    out.join(" ")
}

/// Builds a tick of the controller's current state.
pub fn make_tick(ctl: &dyn TestController, seq: u64, sampled: Option<StatsSnapshot>) -> Tick {
    let was_sampled = sampled.is_some();
    let snapshot = sampled.unwrap_or_else(|| ctl.stats().snapshot());
    Tick {
        seq,
        status: ctl.status(),
        snapshot: Arc::new(snapshot),
        run: ctl.run_info(),
        workers: ctl.workers(),
        missing_requests: ctl.missing_requests(),
        sampled: was_sampled,
    }
}

/// The reports of one finished run.
pub struct Finisher<'a> {
    /// Output options.
    pub out: &'a OutputOptions,
    /// HTML writer.
    pub html: Option<&'a Arc<dyn HtmlReporter>>,
    /// Command line for reports.
    pub command_line: &'a str,
    /// Version for reports.
    pub version: &'a str,
}

impl Finisher<'_> {
    /// Prints the summary and writes CSV stats, JSON and HTML; returns the exit code.
    pub fn finish(
        &self,
        ctl: &dyn TestController,
        csv: Option<&mut CsvReport>,
        last: Option<HistorySample>,
    ) -> i32 {
        let stats = ctl.stats();
        let mut report_failed = false;
        let last = last.unwrap_or_else(|| stats.sample_history());
        let mut csv = csv;
        if let Some(c) = csv.as_mut() {
            if let Err(e) = c.append_history(&last) {
                tracing::error!("{e}");
                report_failed = true;
            }
        }
        let snap = stats.snapshot();
        let info = ctl.run_info();
        let thresholds = info
            .as_ref()
            .map(|i| i.thresholds.clone())
            .unwrap_or_default();
        let results = threshold::evaluate(&thresholds, &snap);
        println!("{}", console::final_summary(&snap, &results));
        if let Some(i) = &info {
            if i.cut_requests > 0 || i.cut_users > 0 {
                println!(
                    "Cut at stop: {} users still in a task, {} requests in flight (not in the statistics: no response).",
                    i.cut_users, i.cut_requests
                );
            }
            if let Some(n) = i.iterations {
                println!("Arrival-rate iterations started: {n}");
            }
        }
        if let Some(c) = &csv {
            if let Err(e) = c.write_stats(&snap) {
                tracing::error!("{e}");
                report_failed = true;
            }
        }
        let end_time = info
            .as_ref()
            .and_then(|i| i.end_time)
            .unwrap_or_else(SystemTime::now);
        if let Some(path) = &self.out.json {
            let meta = json::RunMetadata {
                start_time: info.as_ref().map_or(snap.start_time, |i| i.start_time),
                end_time,
                host: info
                    .as_ref()
                    .map(|i| i.host_detail.clone())
                    .unwrap_or_default(),
                users: info.as_ref().map_or(0, |i| i.params.users as u64),
                end_reason: info
                    .as_ref()
                    .and_then(|i| i.end_reason.clone())
                    .unwrap_or_default(),
                cut_requests: info.as_ref().map_or(0, |i| i.cut_requests),
                cut_users: info.as_ref().map_or(0, |i| i.cut_users),
            };
            if let Err(e) = json::write_json(path, &snap, &meta, &results) {
                tracing::error!("{e}");
                report_failed = true;
            }
        }
        if let Some(path) = &self.out.html {
            match self.html {
                Some(writer) => {
                    let timeline = stats.timeline();
                    let input = ReportInput {
                        snapshot: &snap,
                        timeline: &timeline,
                        run: info.as_ref(),
                        thresholds: &results,
                        catalogue: &ctl.catalogue(),
                        workers: &ctl.workers(),
                        command_line: self.command_line,
                        version: self.version,
                    };
                    let text = writer.render(&input);
                    if let Err(e) = write_file(path, text.as_bytes()) {
                        tracing::error!("cannot write the HTML report {}: {e}", path.display());
                        report_failed = true;
                    }
                }
                None => {
                    tracing::error!("--html: this binary has no HTML report writer");
                    report_failed = true;
                }
            }
        }
        let code = threshold::exit_code(&results, &snap, self.out.exit_code_on_error);
        if report_failed && code == 0 {
            crate::cli::CONFIG_ERROR_EXIT_CODE
        } else {
            code
        }
    }
}

fn write_file(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, bytes)
}

fn open_csv(out: &OutputOptions) -> Result<Option<CsvReport>, RunnerError> {
    match &out.csv {
        Some(prefix) => CsvReport::create(&prefix.to_string_lossy(), out.csv_full_history)
            .map(Some)
            .map_err(|e| RunnerError::Report {
                path: prefix.display().to_string(),
                message: e.to_string(),
            }),
        None => Ok(None),
    }
}

/// Runs a session: headless (start at once, end with the run) or with the web UI (serve,
/// optionally autostart, quit on Ctrl-C or `--autoquit` after a run). Returns the exit code of
/// the last run (0 when none ran).
pub async fn run_session(
    ctl: Arc<dyn TestController>,
    out: OutputOptions,
    ext: Extensions,
) -> Result<i32, RunnerError> {
    let version = ext
        .version
        .clone()
        .unwrap_or_else(|| env!("CARGO_PKG_VERSION").to_string());
    let command_line = redacted_command_line();
    let web = match (&ext.web, out.headless) {
        (Some(w), false) => Some(w.clone()),
        (None, false) => {
            tracing::warn!("this binary has no web UI; running headless");
            None
        }
        _ => None,
    };
    let headless = web.is_none();
    let mut signals = crate::exec::signal::Signals::install();
    let (tick_tx, tick_rx) = watch::channel(Arc::new(make_tick(&*ctl, 0, None)));
    let mut server = None;
    if let Some(w) = &web {
        let ctx = WebContext {
            controller: ctl.clone(),
            ticks: tick_rx.clone(),
            options: out.web.clone(),
            csv: out.csv.clone().map(|p| (p, out.csv_full_history)),
            html: ext.html.clone(),
            command_line: command_line.clone(),
            version: version.clone(),
        };
        let s = w.serve(ctx).await.map_err(RunnerError::Config)?;
        println!("Web UI: {}", s.url);
        if let Some(f) = &ext.on_listening {
            f(&s.url);
        }
        tracing::info!("web UI listening on {}", s.url);
        server = Some(s);
    }
    let mut changes = ctl.changes();
    let mut csv = None;
    let mut csv_run = 0u64;
    if headless || out.web.autostart {
        csv = open_csv(&out)?;
        ctl.start(ctl.defaults())
            .await
            .map_err(|e| RunnerError::Start(e.to_string()))?;
        csv_run = ctl.status().run_id;
    }
    let finisher = Finisher {
        out: &out,
        html: ext.html.as_ref(),
        command_line: &command_line,
        version: &version,
    };
    let mut seq = 0u64;
    let mut finished_run = 0u64;
    let mut code = 0;
    let mut interrupts = 0u32;
    let mut quit_at: Option<tokio::time::Instant> = None;
    let mut quit_after_run = false;
    let mut last_published = None;
    let mut last_stats_start = ctl.stats().snapshot_start();
    let mut history = tokio::time::interval(out.sample_interval);
    history.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    history.tick().await;
    let mut print = tokio::time::interval(out.print_interval);
    print.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    print.tick().await;
    enum Event {
        Quit,
        Signal(crate::exec::signal::StopSignal),
        Sample,
        Print,
        Changed,
    }
    loop {
        let quit_sleep = async {
            match quit_at {
                Some(t) => tokio::time::sleep_until(t).await,
                None => std::future::pending().await,
            }
        };
        let event = tokio::select! {
            _ = quit_sleep => Event::Quit,
            signal = signals.next() => Event::Signal(signal),
            _ = history.tick() => Event::Sample,
            _ = print.tick(), if headless && !out.only_summary => Event::Print,
            changed = changes.changed() => match changed {
                Ok(()) => Event::Changed,
                Err(_) => Event::Quit,
            },
        };
        let status = ctl.status();
        match event {
            Event::Quit => break,
            Event::Signal(signal) => {
                interrupts += 1;
                if !status.phase.is_active() {
                    break;
                }
                if interrupts == 1 || matches!(signal, crate::exec::signal::StopSignal::Terminate) {
                    eprintln!("Stopping gracefully (press Ctrl-C again to stop now)");
                    ctl.stop();
                    quit_after_run = true;
                } else {
                    eprintln!("Ctrl-C again: stopping now");
                    ctl.stop_now();
                }
                continue;
            }
            Event::Print => {
                println!("{}", console::stats_table(&ctl.stats().snapshot(), true));
                continue;
            }
            Event::Sample | Event::Changed => {}
        }
        if status.run_id > csv_run && status.phase.is_active() {
            // A new test from the web UI: fresh CSV files.
            csv = open_csv(&out)?;
            csv_run = status.run_id;
        }
        if status.phase == Phase::Stopped && status.run_id > finished_run {
            finished_run = status.run_id;
            let last = ctl.stats().sample_final();
            let report = csv.as_mut().filter(|_| csv_run == status.run_id);
            code = finisher.finish(&*ctl, report, Some(last.history));
            seq += 1;
            let _ = tick_tx.send(Arc::new(make_tick(&*ctl, seq, Some(last.snapshot))));
            if headless || quit_after_run {
                break;
            }
            if let Some(after) = out.web.autoquit {
                quit_at = Some(tokio::time::Instant::now() + after);
            }
        } else if matches!(event, Event::Sample) {
            if status.phase.is_active() && status.run_id > finished_run {
                let sampled = ctl.stats().sample();
                if let Some(c) = csv.as_mut().filter(|_| csv_run == status.run_id) {
                    if let Err(e) = c.append_history(&sampled.history) {
                        tracing::error!("{e}");
                    }
                }
                seq += 1;
                let _ = tick_tx.send(Arc::new(make_tick(&*ctl, seq, Some(sampled.snapshot))));
            }
        } else {
            // A change: publish at once only when the phase, the run or the target changed
            // (start, stop, edit, reset); user counts moving during a ramp show in the next
            // sampled tick, so a ramp does not cost a snapshot per spawned user.
            let key = (status.phase, status.run_id, status.target);
            let reset = ctl.stats().snapshot_start() != last_stats_start;
            if Some(key) != last_published || reset {
                last_published = Some(key);
                seq += 1;
                let tick = make_tick(&*ctl, seq, None);
                last_stats_start = tick.snapshot.start_time;
                let _ = tick_tx.send(Arc::new(tick));
            }
        }
    }
    let status = ctl.status();
    if status.run_id > finished_run {
        // Ended by a signal or the change channel before the run's end was seen.
        ctl.stop_now();
        ctl.wait_run_end().await;
        let last = ctl.stats().sample_final();
        code = finisher.finish(
            &*ctl,
            csv.as_mut().filter(|_| csv_run == status.run_id),
            Some(last.history),
        );
    }
    if let Some(s) = server {
        (s.shutdown)();
    }
    Ok(code)
}
