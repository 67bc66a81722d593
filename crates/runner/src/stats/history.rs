//! History samples: one row set per interval, as Locust's `_stats_history.csv` records them.

use super::snapshot::{EntrySnapshot, StatsSnapshot};
use super::PERCENTILES_TO_REPORT;

/// Number of reported percentiles.
pub const NUM_PERCENTILES: usize = PERCENTILES_TO_REPORT.len();

/// One row of a history sample (the aggregated row, or one endpoint).
#[derive(Clone, Debug, PartialEq)]
pub struct HistoryRow {
    /// HTTP method (empty for the aggregated row).
    pub method: String,
    /// Request name, or `Aggregated`.
    pub name: String,
    /// Requests/s over the rolling window.
    pub current_rps: f64,
    /// Failures/s over the rolling window.
    pub current_fail_per_sec: f64,
    /// Cumulative percentiles ([`PERCENTILES_TO_REPORT`]) in µs; `None` without requests.
    pub percentiles_us: Option<[u64; NUM_PERCENTILES]>,
    /// Rolling-window percentiles in µs; `None` when the window is empty.
    pub current_percentiles_us: Option<[u64; NUM_PERCENTILES]>,
    /// Cumulative request count.
    pub num_requests: u64,
    /// Cumulative failure count.
    pub num_failures: u64,
    /// Cumulative median in µs.
    pub median_us: Option<u64>,
    /// Cumulative mean in µs.
    pub avg_us: Option<f64>,
    /// Cumulative exact minimum in µs.
    pub min_us: Option<u64>,
    /// Cumulative exact maximum in µs.
    pub max_us: Option<u64>,
    /// Cumulative average body size in bytes.
    pub avg_content_length: f64,
}

impl HistoryRow {
    /// The history row of one snapshot row (primary latency series).
    pub fn from_entry(e: &EntrySnapshot) -> Self {
        let p = e.primary();
        let percentiles_us =
            (p.count() > 0).then(|| PERCENTILES_TO_REPORT.map(|q| p.percentile_us(q).unwrap_or(0)));
        let current_percentiles_us = (e.current_count() > 0)
            .then(|| PERCENTILES_TO_REPORT.map(|q| e.current_percentile_us(q).unwrap_or(0)));
        Self {
            method: e.method.clone(),
            name: e.name.clone(),
            current_rps: e.current_rps,
            current_fail_per_sec: e.current_fail_per_sec,
            percentiles_us,
            current_percentiles_us,
            num_requests: e.num_requests,
            num_failures: e.num_failures,
            median_us: p.percentile_us(0.5),
            avg_us: p.mean_us(),
            min_us: p.min_us(),
            max_us: p.max_us(),
            avg_content_length: e.avg_content_length(),
        }
    }
}

/// What [`StatsHub::sample_history`](super::StatsHub::sample_history) returns every interval.
#[derive(Clone, Debug, PartialEq)]
pub struct HistorySample {
    /// Unix time in whole seconds (Locust's `Timestamp` column).
    pub timestamp: i64,
    /// Users running at that moment.
    pub user_count: u64,
    /// Per-endpoint rows (only when `StatsConfig::full_history` is set; sorted by name, method).
    pub entries: Vec<HistoryRow>,
    /// The aggregated row.
    pub total: HistoryRow,
}

impl HistorySample {
    /// Builds the sample of `snap`; per-endpoint rows only if `full` is set.
    pub fn from_snapshot(snap: &StatsSnapshot, full: bool) -> Self {
        let timestamp = snap
            .taken_at
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        Self {
            timestamp,
            user_count: snap.user_count,
            entries: if full {
                snap.entries.iter().map(HistoryRow::from_entry).collect()
            } else {
                Vec::new()
            },
            total: HistoryRow::from_entry(&snap.total),
        }
    }
}
