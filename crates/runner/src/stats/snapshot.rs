//! Immutable, merged views of the statistics, as returned by [`StatsHub::snapshot`](super::StatsHub::snapshot).

use std::time::{Duration, SystemTime};

use hdrhistogram::Histogram;

use super::latency::LatencyStats;

/// Name of the aggregated row, as Locust writes it.
pub const AGGREGATED_NAME: &str = "Aggregated";

/// Merged statistics of one (method, name), or of all of them (the aggregated row).
#[derive(Clone, Debug)]
pub struct EntrySnapshot {
    /// HTTP method (empty for the aggregated row).
    pub method: String,
    /// Request name (e.g. `/item/{n}`), or [`AGGREGATED_NAME`].
    pub name: String,
    /// Requests recorded (failures included, as in Locust).
    pub num_requests: u64,
    /// Requests that failed.
    pub num_failures: u64,
    /// Sum of the response body sizes in bytes.
    pub total_content_length: u64,
    /// Latency measured from the moment the request was actually sent.
    pub raw: LatencyStats,
    /// Latency measured from the intended start (arrival-rate mode); `None` if never given.
    pub corrected: Option<LatencyStats>,
    /// Requests per second since the start (or the last reset), up to the last request.
    pub total_rps: f64,
    /// Failures per second since the start (or the last reset), up to the last request.
    pub total_fail_per_sec: f64,
    /// Requests per second over the rolling window (about the last 10 s).
    pub current_rps: f64,
    /// Failures per second over the rolling window.
    pub current_fail_per_sec: f64,
    /// Histogram of the rolling window (2 significant digits, primary series), if known.
    pub(crate) current: Option<Histogram<u64>>,
}

impl EntrySnapshot {
    pub(crate) fn empty(method: &str, name: &str) -> Self {
        Self {
            method: method.to_owned(),
            name: name.to_owned(),
            num_requests: 0,
            num_failures: 0,
            total_content_length: 0,
            raw: LatencyStats::new(),
            corrected: None,
            total_rps: 0.0,
            total_fail_per_sec: 0.0,
            current_rps: 0.0,
            current_fail_per_sec: 0.0,
            current: None,
        }
    }

    /// The series reports and thresholds use: the corrected one when corrected samples were
    /// given (so coordinated omission cannot hide stalls), otherwise the raw one.
    pub fn primary(&self) -> &LatencyStats {
        match &self.corrected {
            Some(c) if c.count() > 0 => c,
            _ => &self.raw,
        }
    }

    /// True if this row is the aggregated one.
    pub fn is_aggregated(&self) -> bool {
        self.method.is_empty() && self.name == AGGREGATED_NAME
    }

    /// True if this row is not an HTTP request ([`super::PSEUDO_METHODS`]): it is kept out of
    /// the aggregated row.
    pub fn is_pseudo(&self) -> bool {
        super::is_pseudo_method(&self.method)
    }

    /// Failures / requests (1.0 if there are failures but no requests, 0.0 if neither).
    pub fn fail_ratio(&self) -> f64 {
        if self.num_requests == 0 {
            if self.num_failures > 0 {
                1.0
            } else {
                0.0
            }
        } else {
            self.num_failures as f64 / self.num_requests as f64
        }
    }

    /// Average body size in bytes (0.0 without requests).
    pub fn avg_content_length(&self) -> f64 {
        if self.num_requests == 0 {
            0.0
        } else {
            self.total_content_length as f64 / self.num_requests as f64
        }
    }

    /// Percentile of the rolling window in µs (primary series, 2 significant digits); `None`
    /// when the window holds no sample.
    pub fn current_percentile_us(&self, quantile: f64) -> Option<u64> {
        let h = self.current.as_ref()?;
        if h.is_empty() {
            return None;
        }
        Some(if quantile >= 1.0 {
            h.max()
        } else {
            h.value_at_quantile(quantile.max(0.0))
        })
    }

    /// Number of samples in the rolling window.
    pub fn current_count(&self) -> u64 {
        self.current.as_ref().map_or(0, |h| h.len())
    }
}

/// Failures grouped by (method, name, error).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorSnapshot {
    /// HTTP method.
    pub method: String,
    /// Request name.
    pub name: String,
    /// Error text.
    pub error: String,
    /// How many times it happened.
    pub occurrences: u64,
}

/// Exceptions raised by task code, grouped by traceback (as Locust does).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExceptionSnapshot {
    /// How many times it happened.
    pub count: u64,
    /// Message of the first occurrence.
    pub message: String,
    /// Traceback / context text (the grouping key).
    pub traceback: String,
    /// Where it happened (`local` in a standalone run).
    pub nodes: Vec<String>,
}

/// Everything known at one moment, merged over all shards.
#[derive(Clone, Debug)]
pub struct StatsSnapshot {
    /// When the statistics started (creation or last reset).
    pub start_time: SystemTime,
    /// When this snapshot was taken.
    pub taken_at: SystemTime,
    /// `taken_at - start_time`.
    pub elapsed: Duration,
    /// When the last request was recorded, if any.
    pub last_request_at: Option<SystemTime>,
    /// Users running, as last set with `set_user_count`.
    pub user_count: u64,
    /// Per-endpoint rows sorted by (name, method), as Locust sorts them.
    pub entries: Vec<EntrySnapshot>,
    /// The aggregated row over all request rows (pseudo rows left out).
    pub total: EntrySnapshot,
    /// Failures grouped by (method, name, error), most frequent first.
    pub errors: Vec<ErrorSnapshot>,
    /// Exceptions grouped by traceback, in order of first occurrence.
    pub exceptions: Vec<ExceptionSnapshot>,
}

impl StatsSnapshot {
    /// The row for `name`, restricted to `method` when given (first match otherwise).
    pub fn entry(&self, method: Option<&str>, name: &str) -> Option<&EntrySnapshot> {
        self.entries
            .iter()
            .find(|e| e.name == name && method.is_none_or(|m| e.method.eq_ignore_ascii_case(m)))
    }

    /// True if any request failed, any pseudo row (e.g. a workflow) failed, or any exception
    /// was recorded.
    pub fn has_errors(&self) -> bool {
        self.total.num_failures > 0
            || !self.exceptions.is_empty()
            || self
                .entries
                .iter()
                .any(|e| e.is_pseudo() && e.num_failures > 0)
    }

    /// True if some endpoint has coordinated-omission-corrected figures.
    pub fn has_corrected(&self) -> bool {
        self.total.corrected.as_ref().is_some_and(|c| c.count() > 0)
    }
}
