//! Reports: Locust-compatible CSV files, the JSON summary and console tables.
//!
//! * [`csv`]: `--csv PREFIX` → `PREFIX_stats.csv`, `PREFIX_stats_history.csv`,
//!   `PREFIX_failures.csv`, `PREFIX_exceptions.csv` (Locust's exact columns and formatting).
//! * [`json`]: `--json FILE` → per-endpoint counts, percentiles in µs (raw and corrected),
//!   failures, exceptions, threshold results and run metadata.
//! * [`console`]: the periodic stats table and the final summary, as `String`s for the engine
//!   to print.
//!
//! ```
//! use milmove_runner::report::{console, csv};
//! use milmove_runner::stats::{RequestRecord, StatsHub};
//!
//! let hub = StatsHub::default();
//! hub.record(RequestRecord::new("GET", "/", 2_000).content_length(200));
//! let snap = hub.snapshot();
//! let text = csv::stats_csv(&snap);
//! assert!(text.starts_with("Type,Name,Request Count,Failure Count,Median Response Time,"));
//! assert!(console::stats_table(&snap, true).contains("Aggregated"));
//! ```

pub mod console;
pub mod csv;
mod format;
pub mod json;

pub use format::{csv_field, py_float};

use std::path::{Path, PathBuf};

/// A report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// Reading or writing a file failed.
    #[error("cannot write report file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// JSON serialisation failed.
    #[error("cannot serialise the JSON summary: {0}")]
    Json(#[from] serde_json::Error),
}

impl ReportError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        ReportError::Io {
            path: path.to_owned(),
            source,
        }
    }
}
