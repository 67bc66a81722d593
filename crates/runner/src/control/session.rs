//! The session loop shared by headless and web-UI runs, over any [`TestController`]: samples
//! the statistics once a second (history, timeline, `PREFIX_stats_history.csv`), publishes a
//! [`Tick`] for the web UI, prints console tables, handles Ctrl-C/SIGTERM, and writes every
//! report when a run ends (CSV, JSON, HTML through an [`HtmlReporter`] plug-in).
//!
//! The runner does not depend on the web UI: an app passes [`Extensions`] (a [`WebFrontend`]
//! and an [`HtmlReporter`], e.g. from the `milmove-ui` crate) into [`run_session`].

use std::sync::Arc;

use tokio::sync::watch;

use super::finish::open_csv;
pub use super::finish::Finisher;
use super::observe::start_metrics;
pub use super::plugins::{
    redacted_command_line, Extensions, HtmlReporter, ListeningHook, ReportInput, Tick, WebContext,
    WebFrontend, WebOptions, WebServer,
};
use super::types::Phase;
use super::TestController;
use crate::config::OutputOptions;
use crate::error::RunnerError;
use crate::report::console;
use crate::stats::StatsSnapshot;

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
            readiness: ext.readiness.clone(),
        };
        let s = w.serve(ctx).await.map_err(RunnerError::Config)?;
        println!("Web UI: {}", s.url);
        if let Some(f) = &ext.on_listening {
            f(&s.url);
        }
        tracing::info!("web UI listening on {}", s.url);
        server = Some(s);
    }
    let readiness = ext.readiness.clone();
    let metrics_ctx = (ctl.clone(), readiness, version.clone());
    let metrics = start_metrics(ext.metrics.as_ref(), out.metrics.as_ref(), metrics_ctx)
        .await
        .map_err(RunnerError::Config)?;
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
    for s in server.into_iter().chain(metrics) {
        (s.shutdown)();
    }
    Ok(code)
}
