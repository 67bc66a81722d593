//! `--csv PREFIX`: Locust's four CSV files, same names, columns, order and number formatting.
//!
//! * `PREFIX_stats.csv` — one row per (method, name) sorted by name then method, then the
//!   `Aggregated` row (empty `Type`), rewritten on every [`CsvReport::write_stats`];
//! * `PREFIX_stats_history.csv` — appended by [`CsvReport::append_history`] (aggregated row,
//!   plus one row per endpoint with `--csv-full-history`);
//! * `PREFIX_failures.csv` and `PREFIX_exceptions.csv` — rewritten with the stats file.
//!
//! Times are in milliseconds: averages, min and max as Python floats, median and percentiles
//! as integers, `N/A` for percentiles of rows without requests — as Locust writes them.

use std::fs::{self, File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use super::format::{locust_median, ms_or_zero, push_row, py_fixed6, py_float, us_to_ms_int};
use super::ReportError;
use crate::stats::{
    EntrySnapshot, HistoryRow, HistorySample, StatsSnapshot, NUM_PERCENTILES, PERCENTILES_TO_REPORT,
};

/// Header of `PREFIX_stats.csv`, exactly as Locust writes it.
pub const STATS_CSV_COLUMNS: [&str; 22] = [
    "Type",
    "Name",
    "Request Count",
    "Failure Count",
    "Median Response Time",
    "Average Response Time",
    "Min Response Time",
    "Max Response Time",
    "Average Content Size",
    "Requests/s",
    "Failures/s",
    "50%",
    "66%",
    "75%",
    "80%",
    "90%",
    "95%",
    "98%",
    "99%",
    "99.9%",
    "99.99%",
    "100%",
];

/// Header of `PREFIX_stats_history.csv`, exactly as Locust writes it.
pub const HISTORY_CSV_COLUMNS: [&str; 24] = [
    "Timestamp",
    "User Count",
    "Type",
    "Name",
    "Requests/s",
    "Failures/s",
    "50%",
    "66%",
    "75%",
    "80%",
    "90%",
    "95%",
    "98%",
    "99%",
    "99.9%",
    "99.99%",
    "100%",
    "Total Request Count",
    "Total Failure Count",
    "Total Median Response Time",
    "Total Average Response Time",
    "Total Min Response Time",
    "Total Max Response Time",
    "Total Average Content Size",
];

/// Header of `PREFIX_failures.csv`.
pub const FAILURES_CSV_COLUMNS: [&str; 4] = ["Method", "Name", "Error", "Occurrences"];

/// Header of `PREFIX_exceptions.csv`.
pub const EXCEPTIONS_CSV_COLUMNS: [&str; 4] = ["Count", "Message", "Traceback", "Nodes"];

fn avg_ms(avg_us: Option<f64>) -> String {
    py_float(avg_us.map_or(0.0, |v| v / 1000.0))
}

fn avg_size(requests: u64, avg: f64) -> String {
    if requests == 0 {
        "0".to_owned()
    } else {
        py_float(avg)
    }
}

fn percentile_cells(requests: u64, values: Option<[u64; NUM_PERCENTILES]>) -> Vec<String> {
    match values {
        _ if requests == 0 => vec!["N/A".to_owned(); NUM_PERCENTILES],
        Some(v) => v.iter().map(|us| us_to_ms_int(*us).to_string()).collect(),
        None => vec!["0".to_owned(); NUM_PERCENTILES],
    }
}

fn stats_row(e: &EntrySnapshot) -> Vec<String> {
    let p = e.primary();
    let mut row = vec![
        e.method.clone(),
        e.name.clone(),
        e.num_requests.to_string(),
        e.num_failures.to_string(),
        locust_median(p.percentile_us(0.5), p.min_us(), p.max_us()),
        avg_ms(p.mean_us()),
        ms_or_zero(p.min_us()),
        ms_or_zero(p.max_us()),
        avg_size(e.num_requests, e.avg_content_length()),
        py_float(e.total_rps),
        py_float(e.total_fail_per_sec),
    ];
    let values =
        (p.count() > 0).then(|| PERCENTILES_TO_REPORT.map(|q| p.percentile_us(q).unwrap_or(0)));
    row.extend(percentile_cells(e.num_requests, values));
    row
}

/// Contents of `PREFIX_stats.csv`.
pub fn stats_csv(snap: &StatsSnapshot) -> String {
    let mut out = String::new();
    push_row(&mut out, &STATS_CSV_COLUMNS);
    for e in snap.entries.iter().chain(std::iter::once(&snap.total)) {
        push_row(&mut out, &stats_row(e));
    }
    out
}

/// Contents of `PREFIX_failures.csv`.
pub fn failures_csv(snap: &StatsSnapshot) -> String {
    let mut out = String::new();
    push_row(&mut out, &FAILURES_CSV_COLUMNS);
    for f in &snap.errors {
        push_row(
            &mut out,
            &[&f.method, &f.name, &f.error, &f.occurrences.to_string()],
        );
    }
    out
}

/// Contents of `PREFIX_exceptions.csv`.
pub fn exceptions_csv(snap: &StatsSnapshot) -> String {
    let mut out = String::new();
    push_row(&mut out, &EXCEPTIONS_CSV_COLUMNS);
    for x in &snap.exceptions {
        push_row(
            &mut out,
            &[
                x.count.to_string(),
                x.message.clone(),
                x.traceback.clone(),
                x.nodes.join(", "),
            ],
        );
    }
    out
}

/// The header line of `PREFIX_stats_history.csv`.
pub fn history_header() -> String {
    let mut out = String::new();
    push_row(&mut out, &HISTORY_CSV_COLUMNS);
    out
}

fn history_row(out: &mut String, timestamp: i64, users: u64, r: &HistoryRow, use_current: bool) {
    let mut row = vec![
        timestamp.to_string(),
        users.to_string(),
        r.method.clone(),
        r.name.clone(),
        py_fixed6(r.current_rps),
        py_fixed6(r.current_fail_per_sec),
    ];
    let values = if use_current {
        r.current_percentiles_us
    } else {
        r.percentiles_us
    };
    row.extend(percentile_cells(r.num_requests, values));
    row.extend([
        r.num_requests.to_string(),
        r.num_failures.to_string(),
        locust_median(r.median_us, r.min_us, r.max_us),
        avg_ms(r.avg_us),
        ms_or_zero(r.min_us),
        ms_or_zero(r.max_us),
        avg_size(r.num_requests, r.avg_content_length),
    ]);
    push_row(out, &row);
}

/// The rows one history sample adds to `PREFIX_stats_history.csv`. As in Locust, the
/// percentiles are cumulative unless `full_history` is set, in which case every row (the
/// aggregated one included) shows the rolling-window percentiles.
pub fn history_rows(sample: &HistorySample, full_history: bool) -> String {
    let mut out = String::new();
    if full_history {
        for r in &sample.entries {
            history_row(&mut out, sample.timestamp, sample.user_count, r, true);
        }
    }
    history_row(
        &mut out,
        sample.timestamp,
        sample.user_count,
        &sample.total,
        full_history,
    );
    out
}

/// The four CSV files of one run.
#[derive(Debug)]
pub struct CsvReport {
    prefix: String,
    full_history: bool,
    history: BufWriter<File>,
    history_path: PathBuf,
}

impl CsvReport {
    /// Creates the four files (parent directory included) with their headers.
    pub fn create(prefix: &str, full_history: bool) -> Result<Self, ReportError> {
        if let Some(parent) = Path::new(prefix)
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
        {
            fs::create_dir_all(parent).map_err(|e| ReportError::io(parent, e))?;
        }
        let report = Self::open(prefix, full_history)?;
        let empty = crate::stats::StatsHub::default().snapshot();
        report.write_stats(&empty)?;
        Ok(report)
    }

    fn open(prefix: &str, full_history: bool) -> Result<Self, ReportError> {
        let history_path = PathBuf::from(format!("{prefix}_stats_history.csv"));
        let file = OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(true)
            .open(&history_path)
            .map_err(|e| ReportError::io(&history_path, e))?;
        let mut history = BufWriter::new(file);
        history
            .write_all(history_header().as_bytes())
            .and_then(|()| history.flush())
            .map_err(|e| ReportError::io(&history_path, e))?;
        Ok(Self {
            prefix: prefix.to_owned(),
            full_history,
            history,
            history_path,
        })
    }

    /// Path of one of the files, e.g. `path("stats")` → `PREFIX_stats.csv`.
    pub fn path(&self, kind: &str) -> PathBuf {
        PathBuf::from(format!("{}_{kind}.csv", self.prefix))
    }

    /// Appends one history sample and flushes.
    pub fn append_history(&mut self, sample: &HistorySample) -> Result<(), ReportError> {
        let rows = history_rows(sample, self.full_history);
        self.history
            .write_all(rows.as_bytes())
            .and_then(|()| self.history.flush())
            .map_err(|e| ReportError::io(&self.history_path, e))
    }

    /// Rewrites the stats, failures and exceptions files from `snap`.
    pub fn write_stats(&self, snap: &StatsSnapshot) -> Result<(), ReportError> {
        for (kind, text) in [
            ("stats", stats_csv(snap)),
            ("failures", failures_csv(snap)),
            ("exceptions", exceptions_csv(snap)),
        ] {
            let path = self.path(kind);
            write_atomically(&path, text.as_bytes())?;
        }
        Ok(())
    }
}

/// Writes to a temporary sibling then renames, so a reader never sees a half-written file.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    fs::write(&tmp, bytes).map_err(|e| ReportError::io(&tmp, e))?;
    fs::rename(&tmp, path).map_err(|e| ReportError::io(path, e))
}
