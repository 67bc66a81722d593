//! The names of the lifecycle pseudo rows (queue waits, flows, steps) and where a row is
//! recorded ([`Recorder`]).

use std::time::Duration;

use milmove_runner::stats::{RequestRecord, StatsHub};
use milmove_runner::HttpClient;

use super::role::Role;

/// The method of queue-wait rows.
pub const QUEUE_METHOD: &str = "QUEUE";

/// The name of a flow's row (its steps' time, added up).
pub fn flow_row(flow: &str) -> String {
    format!("flow {flow}")
}

/// The name of a flow's end-to-end row (start to end, queue waits included).
pub fn flow_end_to_end_row(flow: &str) -> String {
    format!("flow {flow} (end to end)")
}

/// The name of the row of flows left unfinished when the test stopped.
pub fn flow_unfinished_row(flow: &str) -> String {
    format!("flow {flow} (unfinished at end)")
}

/// The name of a step's row, e.g. `flow single-hhg 2/4 services counselor review`.
pub fn step_row(flow: &str, index: usize, count: usize, role: Role, step: &str) -> String {
    format!("flow {flow} {}/{count} {role} {step}", index + 1)
}

/// The name of a role's queue-wait row.
pub fn queue_row(role: Role) -> String {
    format!("queue {role}")
}

/// The name of the row of flows still waiting in a role's queue when the test stopped.
pub fn queue_left_row(role: Role) -> String {
    format!("queue {role} (still waiting at end)")
}

/// Where a row is recorded when the hub has no statistics of its own yet (before
/// [`FlowHub::test_started`](super::hub::FlowHub::test_started)): a user's HTTP client, or a statistics hub.
pub trait Recorder {
    /// Records one row.
    fn record_row(&self, method: &str, name: &str, took: Duration, error: Option<&str>);
}

impl Recorder for HttpClient {
    fn record_row(&self, method: &str, name: &str, took: Duration, error: Option<&str>) {
        self.record(method, name, took, 0, error);
    }
}

impl Recorder for StatsHub {
    fn record_row(&self, method: &str, name: &str, took: Duration, error: Option<&str>) {
        let us = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        let mut record = RequestRecord::new(method, name, us);
        if let Some(e) = error {
            record = record.error(e);
        }
        self.record(record);
    }
}
