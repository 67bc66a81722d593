//! The command-line roles: a headless master (console tables, Locust's CSV files, the JSON
//! summary, thresholds and exit codes, as a single process writes them, on the merged
//! figures) and a worker. Every way the run ends — run time, shape end, Ctrl-C (twice: at
//! once), SIGTERM, every worker lost — stops every worker and writes the reports.

use crate::args::ClusterArgs;
use crate::error::ClusterError;
use crate::master::{Master, MasterEvent, MasterPhase, TestPlan, WorkerInfo};
use crate::worker::{run_worker, ClassFactory, WorkerExit};
use milmove_runner::report::{console, csv::CsvReport, json};
use milmove_runner::threshold::{self, Threshold};
use milmove_runner::{DispatchClass, LoadShape, Settings, CONFIG_ERROR_EXIT_CODE};
use serde_json::{json, Value};
use std::time::{Duration, Instant, SystemTime};

pub use crate::args::Role;

/// Why a distributed run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MasterEnd {
    /// `--run-time` elapsed.
    RunTime,
    /// The load shape (`--stages`) finished.
    ShapeEnded,
    /// Ctrl-C or SIGTERM.
    Stopped,
    /// A second Ctrl-C: tasks in flight were cut.
    StoppedNow,
    /// Every worker was lost.
    AllWorkersLost,
}

impl MasterEnd {
    /// The JSON `end_reason` text.
    pub fn text(self) -> &'static str {
        match self {
            Self::RunTime => "run time reached",
            Self::ShapeEnded => "shape finished",
            Self::Stopped => "stopped",
            Self::StoppedNow => "stopped immediately",
            Self::AllWorkersLost => "all workers lost",
        }
    }
}

/// SIGINT and SIGTERM, installed once so none is lost between polls.
pub(crate) struct Signals {
    #[cfg(unix)]
    int: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    term: Option<tokio::signal::unix::Signal>,
}

impl Signals {
    pub(crate) fn install() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Self {
                int: signal(SignalKind::interrupt()).ok(),
                term: signal(SignalKind::terminate()).ok(),
            }
        }
        #[cfg(not(unix))]
        Self {}
    }

    /// Waits for the next signal; `true` for Ctrl-C, `false` for SIGTERM.
    pub(crate) async fn next(&mut self) -> bool {
        #[cfg(unix)]
        {
            async fn recv(s: &mut Option<tokio::signal::unix::Signal>) {
                let received = match s {
                    Some(s) => s.recv().await.is_some(),
                    None => false,
                };
                if !received {
                    std::future::pending::<()>().await;
                }
            }
            tokio::select! {
                _ = recv(&mut self.int) => true,
                _ = recv(&mut self.term) => false,
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            true
        }
    }
}

/// The plan of a test from resolved runner settings (the shape's first stage when
/// `--stages` is given).
pub fn plan_from_settings(settings: &Settings) -> TestPlan {
    let run = &settings.run;
    let (users, spawn_rate) = match settings.stages.as_ref().and_then(|s| s.0.first()) {
        Some(first) => (first.users, first.spawn_rate),
        None => (run.users, run.spawn_rate),
    };
    TestPlan {
        host: run.host.clone(),
        users,
        spawn_rate,
        arrival_rate: run.arrival_rate,
        tags: run.tags.include_list(),
        exclude_tags: run.tags.exclude_list(),
        seed: run.seed,
        stop_timeout: run.stop_timeout,
        request_timeout: run.client.request_timeout,
        connect_timeout: run.client.connect_timeout,
        insecure: run.client.insecure,
        classes: None,
    }
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn time_text(t: Option<SystemTime>) -> String {
    t.map(|t| {
        chrono::DateTime::<chrono::Local>::from(t)
            .format("%H:%M:%S")
            .to_string()
    })
    .unwrap_or_else(|| "-".into())
}

/// The workers table of the console.
pub fn workers_table(workers: &[WorkerInfo]) -> String {
    let mut out = format!(
        "{:<40} {:<16} {:<12} {:>7} {:>6} {:>9} {:>10} {:>9} {:>9}\n",
        "Worker", "Host", "State", "Users", "CPU%", "Mem MiB", "Requests", "Heard", "Lost at"
    );
    for w in workers {
        out.push_str(&format!(
            "{:<40} {:<16} {:<12} {:>7} {:>6.0} {:>9.1} {:>10} {:>9} {:>9}\n",
            w.id,
            w.host,
            w.state.as_str(),
            w.users,
            w.cpu_percent,
            mib(w.memory_bytes),
            w.requests_reported,
            time_text(w.last_heartbeat),
            time_text(w.lost_at),
        ));
    }
    out
}

/// The `cluster` section of the JSON summary.
pub fn cluster_json(master: &Master) -> Value {
    let status = master.status();
    let unix =
        |t: Option<SystemTime>| t.map(|t| chrono::DateTime::<chrono::Utc>::from(t).to_rfc3339());
    let workers: Vec<Value> = master
        .workers()
        .iter()
        .map(|w| {
            json!({
                "id": w.id, "host": w.host, "pid": w.pid, "state": w.state.as_str(),
                "users": w.users, "users_by_class": w.users_by_class,
                "cpu_percent": w.cpu_percent, "memory_bytes": w.memory_bytes,
                "last_heartbeat": unix(w.last_heartbeat), "lost_at": unix(w.lost_at),
                "times_lost": w.times_lost, "requests_reported": w.requests_reported,
                "possibly_missing_requests": w.possibly_missing_requests,
                "deltas_applied": w.deltas_applied, "duplicates_dropped": w.duplicates_dropped,
            })
        })
        .collect();
    json!({
        "role": "master",
        "worker_count": status.workers,
        "lost_workers": status.lost_workers,
        "possibly_missing_requests": status.possibly_missing_requests,
        "users_by_class_at_stop": master.users_by_class_at_stop(),
        "workers": workers,
    })
}

fn status_line(master: &Master) -> String {
    let s = master.status();
    let cpu = master
        .workers()
        .iter()
        .filter(|w| w.state != crate::WorkerState::Lost)
        .map(|w| w.cpu_percent)
        .fold(0.0, f64::max);
    let mut line = format!(
        "Cluster: {} workers, users {}/{} ({:?}), worker CPU max {cpu:.0}%",
        s.workers, s.users, s.target, s.phase
    );
    if s.lost_workers > 0 {
        line.push_str(&format!(
            "; {} lost, up to {} requests possibly missing",
            s.lost_workers, s.possibly_missing_requests
        ));
    }
    line
}

/// Runs a headless distributed master to the end: waits for `--expect-workers`, starts the
/// test, prints tables, samples history, follows `--stages`, ends on run time, shape end,
/// signals or the loss of every worker, stops every worker, writes every report and returns
/// the exit code (as a single process: 0, `--exit-code-on-error`, 3 for thresholds, 2 for
/// configuration errors; 1 at least when every worker was lost).
pub async fn run_master(
    settings: Settings,
    catalog: Vec<DispatchClass>,
    args: &ClusterArgs,
) -> Result<i32, ClusterError> {
    let out = settings.output.clone();
    let thresholds: Vec<Threshold> = out
        .thresholds
        .iter()
        .map(|t| {
            t.parse()
                .map_err(|e| ClusterError::Config(format!("--threshold `{t}`: {e}")))
        })
        .collect::<Result<_, _>>()?;
    let mut csv = match &out.csv {
        Some(prefix) => Some(
            CsvReport::create(&prefix.to_string_lossy(), out.csv_full_history)
                .map_err(|e| ClusterError::Config(e.to_string()))?,
        ),
        None => None,
    };
    let config = args.master_config(settings.run.stats.clone())?;
    let max_wait = args.expect_workers_max_wait()?;
    let master = Master::bind(config, catalog).await?;
    let mut signals = Signals::install();
    let expect = args.expect_workers.max(1);
    println!(
        "Master listening on {}: waiting for {expect} worker(s)",
        master.local_addr()
    );
    tokio::select! {
        r = master.wait_for_workers(expect, max_wait) => {
            if let Err(e) = r {
                master.shutdown("the master gave up waiting for workers").await;
                return Err(e);
            }
        }
        _ = signals.next() => {
            eprintln!("interrupted while waiting for workers");
            master.shutdown("the master was interrupted").await;
            return Ok(CONFIG_ERROR_EXIT_CODE);
        }
    }
    let plan = plan_from_settings(&settings);
    let mut shape = settings
        .stages
        .clone()
        .map(|s| Box::new(s) as Box<dyn LoadShape>);
    let start_time = SystemTime::now();
    let started = Instant::now();
    master.start(&plan)?;
    let mut events = master.events();
    let deadline = settings.run.run_time.map(|t| started + t);
    let mut history = tokio::time::interval(Duration::from_secs(1));
    history.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    history.tick().await;
    let mut print = tokio::time::interval(out.print_interval);
    print.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    print.tick().await;
    let mut shape_tick = tokio::time::interval(Duration::from_millis(100));
    let mut reset_pending = settings.run.reset_stats;
    let mut target = (plan.users, plan.spawn_rate);
    let end = loop {
        let until_end = deadline.map_or(Duration::from_secs(3600), |d| {
            d.saturating_duration_since(Instant::now())
        });
        tokio::select! {
            _ = tokio::time::sleep(until_end), if deadline.is_some() => break MasterEnd::RunTime,
            signal = signals.next() => {
                if signal {
                    eprintln!("Ctrl-C: stopping every worker gracefully (press Ctrl-C again to stop now)");
                } else {
                    tracing::info!("SIGTERM: stopping every worker gracefully");
                }
                break MasterEnd::Stopped;
            }
            e = events.recv() => {
                if matches!(e, Ok(MasterEvent::AllWorkersLost)) {
                    break MasterEnd::AllWorkersLost;
                }
            }
            _ = shape_tick.tick() => {
                if let Some(shape) = shape.as_mut() {
                    let users = master.status().users as usize;
                    match shape.tick(started.elapsed(), users) {
                        Some(t) if (t.users, t.spawn_rate) != target => {
                            target = (t.users, t.spawn_rate);
                            master.set_users(t.users, t.spawn_rate);
                        }
                        Some(_) => {}
                        None => break MasterEnd::ShapeEnded,
                    }
                }
                if reset_pending && master.status().phase == MasterPhase::Running {
                    reset_pending = false;
                    tracing::info!("resetting stats (--reset-stats)");
                    master.reset_stats();
                }
            }
            _ = history.tick() => {
                let sample = master.stats().sample_history();
                if let Some(c) = csv.as_mut() {
                    if let Err(e) = c.append_history(&sample) {
                        tracing::error!("{e}");
                    }
                }
            }
            _ = print.tick() => {
                if !out.only_summary {
                    println!("{}", console::stats_table(&master.stats().snapshot(), true));
                    println!("{}", status_line(&master));
                }
            }
        }
    };
    let liveness = args
        .master_config(Default::default())
        .map(|c| c.heartbeat_liveness)
        .unwrap_or(Duration::from_secs(3));
    let wait = settings.run.stop_timeout + liveness + Duration::from_secs(3);
    let end = {
        let stop = master.stop(false, wait);
        tokio::pin!(stop);
        tokio::select! {
            _ = &mut stop => end,
            _ = signals.next() => {
                eprintln!("Ctrl-C again: stopping every worker now");
                master.stop(true, liveness + Duration::from_secs(3)).await;
                MasterEnd::StoppedNow
            }
        }
    };
    let end_time = SystemTime::now();
    let stats = master.stats();
    let last = stats.sample_history();
    if let Some(c) = csv.as_mut() {
        if let Err(e) = c.append_history(&last) {
            tracing::error!("{e}");
        }
    }
    let snap = stats.snapshot();
    let status = master.status();
    let results = threshold::evaluate(&thresholds, &snap);
    println!("{}", console::final_summary(&snap, &results));
    println!("{}", workers_table(&master.workers()));
    if status.cut_requests > 0 || status.cut_users > 0 {
        println!(
            "Cut at stop: {} users still in a task, {} requests in flight (not in the statistics: no response).",
            status.cut_users, status.cut_requests
        );
    }
    if status.lost_workers > 0 {
        println!(
            "Lost workers: {}; their reported figures are in the totals; up to {} of their \
             requests may be missing.",
            status.lost_workers, status.possibly_missing_requests
        );
    }
    let mut report_failed = false;
    if let Some(c) = &csv {
        if let Err(e) = c.write_stats(&snap) {
            tracing::error!("{e}");
            report_failed = true;
        }
    }
    if let Some(path) = &out.json {
        let meta = json::RunMetadata {
            start_time,
            end_time,
            host: plan.host.clone().unwrap_or_default(),
            users: plan.users as u64,
            end_reason: end.text().to_string(),
            cut_requests: status.cut_requests,
            cut_users: status.cut_users,
        };
        let mut value = json::summary(&snap, &meta, &results);
        if let Value::Object(m) = &mut value {
            m.insert("cluster".into(), cluster_json(&master));
        }
        let text = serde_json::to_string_pretty(&value).unwrap_or_default();
        if let Err(e) = std::fs::write(path, text + "\n") {
            tracing::error!("cannot write {}: {e}", path.display());
            report_failed = true;
        }
    }
    master
        .shutdown(&format!("the test is over ({})", end.text()))
        .await;
    let mut code = threshold::exit_code(&results, &snap, out.exit_code_on_error);
    if end == MasterEnd::AllWorkersLost && code == 0 {
        code = 1;
    }
    Ok(if report_failed && code == 0 {
        CONFIG_ERROR_EXIT_CODE
    } else {
        code
    })
}

/// Runs a worker from its flags until the master says quit (exit 0), a refusal or bad
/// settings (exit 2, with the reason on stderr), or Ctrl-C/SIGTERM (its users stop first).
/// `prepare` builds each test's classes (else `factory`); `stats` configures its statistics.
pub async fn run_worker_cli(
    args: &ClusterArgs,
    classes: Vec<String>,
    factory: ClassFactory,
    hooks: milmove_runner::Hooks,
    prepare: Option<crate::worker::ClassPreparer>,
    stats: milmove_runner::stats::StatsConfig,
    readiness: milmove_runner::control::Readiness,
) -> i32 {
    let config = match args.worker_config(classes) {
        Ok(c) => crate::worker::WorkerConfig {
            hooks,
            prepare,
            stats,
            readiness,
            ..c
        },
        Err(e) => {
            eprintln!("error: {e}");
            return CONFIG_ERROR_EXIT_CODE;
        }
    };
    let mut signals = Signals::install();
    tokio::select! {
        r = run_worker(config, factory) => match r {
            Ok(WorkerExit::Quit(reason)) => {
                println!("worker done: {reason}");
                0
            }
            Err(e) => {
                eprintln!("error: {e}");
                CONFIG_ERROR_EXIT_CODE
            }
        },
        _ = signals.next() => {
            eprintln!("worker interrupted: stopping its users");
            0
        }
    }
}
