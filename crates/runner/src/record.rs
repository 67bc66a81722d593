//! Where finished requests go: the statistics hub and the request listeners.

use crate::stats::{RequestRecord, StatsHub};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// A listener called for every request record (after it is added to the statistics).
pub type RequestListener = Arc<dyn Fn(&RequestRecord<'_>) + Send + Sync + 'static>;

/// The run-wide recording sink shared by every class and user.
pub(crate) struct Sink {
    pub(crate) stats: Arc<StatsHub>,
    listeners: Vec<RequestListener>,
    /// Requests whose future was dropped before completing (cut at stop).
    pub(crate) cut_requests: AtomicU64,
}

impl Sink {
    pub(crate) fn new(stats: Arc<StatsHub>, listeners: Vec<RequestListener>) -> Self {
        Self {
            stats,
            listeners,
            cut_requests: AtomicU64::new(0),
        }
    }

    #[inline]
    pub(crate) fn record(
        &self,
        method: &str,
        name: &str,
        response_time_us: u64,
        corrected_us: Option<u64>,
        content_length: u64,
        error: Option<&str>,
    ) {
        let record = RequestRecord {
            method,
            name,
            response_time_us,
            corrected_response_time_us: corrected_us,
            content_length,
            error,
        };
        self.stats.record(record);
        for l in &self.listeners {
            l(&record);
        }
    }

    pub(crate) fn cut_requests(&self) -> u64 {
        self.cut_requests.load(Ordering::Relaxed)
    }
}
