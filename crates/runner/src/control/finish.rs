//! The reports written when a run ends: console summary, CSV files, JSON summary, HTML report
//! and the threshold verdicts.

use std::sync::Arc;
use std::time::SystemTime;

use super::plugins::{HtmlReporter, ReportInput};
use super::TestController;
use crate::config::OutputOptions;
use crate::error::RunnerError;
use crate::report::{console, csv::CsvReport, json};
use crate::stats::HistorySample;
use crate::threshold;

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

pub(super) fn open_csv(out: &OutputOptions) -> Result<Option<CsvReport>, RunnerError> {
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
