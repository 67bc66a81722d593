//! Statistics: per-endpoint HDR histograms, sharded recording, merging, rolling window, history.
//!
//! # Recording
//! One [`StatsHub`] per run, shared as `Arc<StatsHub>`. Every finished request is passed to
//! [`StatsHub::record`] as a borrowed [`RequestRecord`]:
//!
//! * the hub holds a fixed set of shards (4 × cores, power of two); each thread is given a slot
//!   on first use and always records into the same shard, so tokio worker threads do not share
//!   a lock and no message is sent per request;
//! * per shard and per (method, name) there is one HDR histogram of microseconds
//!   (3 significant digits) with exact count, sum, min and max, a request, failure and
//!   content-size counter, and the failures grouped by error text. Nothing is kept per user.
//! * when [`RequestRecord::corrected_response_time_us`] is given (arrival-rate mode: measured
//!   from the intended start) a second, corrected series is kept beside the raw one.
//!
//! # Reading
//! [`StatsHub::snapshot`] merges the shards into a [`StatsSnapshot`]: per-endpoint rows sorted
//! by (name, method), the aggregated row, failures grouped by (method, name, error), exceptions,
//! totals per second and the rolling-window ("current") figures. Merging histograms is exact:
//! the merged figures equal those of one histogram holding every sample.
//! [`StatsHub::sample_history`] (call it every second) returns a [`HistorySample`] for
//! `PREFIX_stats_history.csv` and keeps the aggregated row in memory. [`StatsHub::reset`] is
//! `--reset-stats`. [`StatsHub::sample`] does the same and also adds the interval to the
//! [`timeline`](StatsHub::timeline): the exact histogram of each interval (bounded memory), from
//! which charts draw true per-interval percentiles.
//!
//! # Pseudo rows
//! Rows whose method is one of [`PSEUDO_METHODS`] (`WORKFLOW`: a workflow iteration or a step
//! of one; `QUEUE`: time a piece of work waited for a user) are not HTTP requests. They get
//! their own per-row figures (tables, CSV, JSON, history) like any row, but are kept out of the
//! aggregated row, so its request count, requests/s and failure ratio stay comparable with what
//! the server saw. Their failures still count for [`StatsSnapshot::has_errors`] (a failed
//! workflow is a failed test), and they travel in snapshots like any row.
//!
//! # Distributed runs
//! [`StatsHub::take_delta`] hands out what was recorded since the previous delta as a
//! serialisable [`StatsDelta`] (HDR histograms in the V2 format);
//! [`StatsHub::apply_delta`] merges one into another hub exactly. A master keeps an ordinary
//! hub fed by its workers' deltas, so every report works on the merged figures.
//!
//! Which latency series is reported: [`EntrySnapshot::primary`] is the corrected series when
//! corrected samples exist, the raw one otherwise; both stay available side by side.
//!
//! ```
//! use milmove_runner::stats::{RequestRecord, StatsHub};
//! use std::sync::Arc;
//!
//! let hub = Arc::new(StatsHub::default());
//! hub.set_user_count(1);
//! hub.record(RequestRecord::new("GET", "/", 1_250).content_length(200));
//! hub.record(RequestRecord::new("GET", "/", 900).error("HTTP 500"));
//! let snap = hub.snapshot();
//! assert_eq!(snap.total.num_requests, 2);
//! assert_eq!(snap.total.num_failures, 1);
//! assert_eq!(snap.total.raw.max_us(), Some(1_250));
//! assert_eq!(snap.errors[0].error, "HTTP 500");
//! ```

mod delta;
mod hash;
mod history;
mod hub;
mod latency;
mod shard;
mod snapshot;
mod timeline;
mod v2;
mod window;

pub use delta::{DeltaError, EntryDelta, ErrorCount, ExceptionDelta, SeriesDelta, StatsDelta};
pub use history::{HistoryRow, HistorySample, NUM_PERCENTILES};
pub use hub::{Sampled, StatsConfig, StatsHub};
pub use latency::{LatencyStats, SIGNIFICANT_DIGITS};
pub use snapshot::{
    EntrySnapshot, ErrorSnapshot, ExceptionSnapshot, StatsSnapshot, AGGREGATED_NAME,
};
pub use timeline::{IntervalLatency, IntervalRow, TimelinePoint};

/// Methods of rows that are not HTTP requests (see "Pseudo rows" above): kept out of the
/// aggregated row.
pub const PSEUDO_METHODS: [&str; 2] = ["WORKFLOW", "QUEUE"];

/// Whether rows of `method` are pseudo rows ([`PSEUDO_METHODS`], compared ignoring case).
pub fn is_pseudo_method(method: &str) -> bool {
    PSEUDO_METHODS
        .iter()
        .any(|m| m.eq_ignore_ascii_case(method))
}

/// The percentiles Locust reports (CSV columns `50%` … `100%`).
pub const PERCENTILES_TO_REPORT: [f64; 11] = [
    0.50, 0.66, 0.75, 0.80, 0.90, 0.95, 0.98, 0.99, 0.999, 0.9999, 1.0,
];

/// One finished request, borrowed from the caller (nothing is allocated to pass it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestRecord<'a> {
    /// HTTP method (`GET`, …) or another request type.
    pub method: &'a str,
    /// Grouping name, e.g. `/mto-shipments/{mtoShipmentID}`.
    pub name: &'a str,
    /// Time from sending the request to the end of the response, in µs.
    pub response_time_us: u64,
    /// Arrival-rate mode: time from the *intended* start to the end of the response, in µs.
    pub corrected_response_time_us: Option<u64>,
    /// Response body size in bytes.
    pub content_length: u64,
    /// `Some(text)` if the request failed; failures are grouped by this text.
    pub error: Option<&'a str>,
}

impl<'a> RequestRecord<'a> {
    /// A successful request with no body and no corrected time.
    pub fn new(method: &'a str, name: &'a str, response_time_us: u64) -> Self {
        Self {
            method,
            name,
            response_time_us,
            corrected_response_time_us: None,
            content_length: 0,
            error: None,
        }
    }

    /// Sets the body size.
    pub fn content_length(mut self, bytes: u64) -> Self {
        self.content_length = bytes;
        self
    }

    /// Marks the request failed with `error`.
    pub fn error(mut self, error: &'a str) -> Self {
        self.error = Some(error);
        self
    }

    /// Sets the coordinated-omission-corrected time (µs from the intended start).
    pub fn corrected(mut self, us: u64) -> Self {
        self.corrected_response_time_us = Some(us);
        self
    }
}
