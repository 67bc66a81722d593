//! `--json FILE`: a machine-readable summary of a run.
//!
//! Shape (all latencies in µs; `corrected_latency_us` is `null` unless arrival-rate mode gave
//! corrected times):
//! ```text
//! { "run": { "start_time", "end_time", "duration_s", "stats_start_time", "users", "host", "end_reason",
//!            "cut_requests", "cut_users" },
//!   "total": ENDPOINT, "endpoints": [ENDPOINT…],
//!   "failures": [{ "method", "name", "error", "occurrences" }],
//!   "exceptions": [{ "count", "message", "traceback", "nodes" }],
//!   "thresholds": [{ "expr", "method", "name", "metric", "op", "limit", "observed", "passed" }],
//!   "thresholds_passed": bool }
//! ENDPOINT = { "method", "name", "requests", "failures", "fail_ratio", "content_length_total",
//!   "content_length_avg", "rps", "fail_per_s", "current_rps",
//!   "latency_us": { "count", "min", "max", "mean", "p50", "p66", … "p99.99", "p100" } | null,
//!   "corrected_latency_us": … | null }
//! ```

use std::path::Path;
use std::time::SystemTime;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Map, Value};

use super::ReportError;
use crate::stats::{EntrySnapshot, LatencyStats, StatsSnapshot, PERCENTILES_TO_REPORT};
use crate::threshold::ThresholdResult;

/// Facts about the run that the statistics do not hold.
#[derive(Clone, Debug)]
pub struct RunMetadata {
    /// When the run started.
    pub start_time: SystemTime,
    /// When it ended.
    pub end_time: SystemTime,
    /// Target host.
    pub host: String,
    /// Users requested (`-u`).
    pub users: u64,
    /// How the run ended, e.g. `run time reached`, `stopped`, `shape finished`.
    pub end_reason: String,
    /// Requests cut in flight at the end (sent, but no response was waited for; not in the
    /// statistics).
    pub cut_requests: u64,
    /// Users still inside a task when the stop timeout expired (or at an immediate stop).
    pub cut_users: u64,
}

fn time_text(t: SystemTime) -> String {
    DateTime::<Utc>::from(t).to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// `p50`, `p99.9`, … for a fraction.
pub fn percentile_key(q: f64) -> String {
    let pct = q * 100.0;
    if pct.fract() == 0.0 {
        format!("p{pct:.0}")
    } else {
        let s = format!("{pct:.4}");
        format!("p{}", s.trim_end_matches('0').trim_end_matches('.'))
    }
}

fn latency(l: &LatencyStats) -> Value {
    if l.count() == 0 {
        return Value::Null;
    }
    let mut m = Map::new();
    m.insert("count".into(), json!(l.count()));
    m.insert("min".into(), json!(l.min_us()));
    m.insert("max".into(), json!(l.max_us()));
    m.insert("mean".into(), json!(l.mean_us()));
    for q in PERCENTILES_TO_REPORT {
        m.insert(percentile_key(q), json!(l.percentile_us(q)));
    }
    Value::Object(m)
}

fn endpoint(e: &EntrySnapshot) -> Value {
    json!({
        "method": e.method,
        "name": e.name,
        "requests": e.num_requests,
        "failures": e.num_failures,
        "fail_ratio": e.fail_ratio(),
        "content_length_total": e.total_content_length,
        "content_length_avg": e.avg_content_length(),
        "rps": e.total_rps,
        "fail_per_s": e.total_fail_per_sec,
        "current_rps": e.current_rps,
        "latency_us": latency(&e.raw),
        "corrected_latency_us": e.corrected.as_ref().map_or(Value::Null, latency),
    })
}

/// The summary as a JSON value.
pub fn summary(snap: &StatsSnapshot, meta: &RunMetadata, thresholds: &[ThresholdResult]) -> Value {
    let duration = meta
        .end_time
        .duration_since(meta.start_time)
        .unwrap_or_default();
    let thresholds_json: Vec<Value> = thresholds
        .iter()
        .map(|r| {
            let t = &r.threshold;
            json!({
                "expr": t.expr,
                "method": t.method,
                "name": t.name,
                "metric": format!("{:?}", t.metric),
                "op": format!("{:?}", t.op),
                "limit": t.limit,
                "observed": r.observed,
                "passed": r.passed,
            })
        })
        .collect();
    json!({
        "run": {
            "start_time": time_text(meta.start_time),
            "end_time": time_text(meta.end_time),
            "duration_s": duration.as_secs_f64(),
            "stats_start_time": time_text(snap.start_time),
            "users": meta.users,
            "host": meta.host,
            "end_reason": meta.end_reason,
            "cut_requests": meta.cut_requests,
            "cut_users": meta.cut_users,
        },
        "total": endpoint(&snap.total),
        "endpoints": snap.entries.iter().map(endpoint).collect::<Vec<_>>(),
        "failures": snap.errors.iter().map(|f| json!({
            "method": f.method, "name": f.name, "error": f.error, "occurrences": f.occurrences,
        })).collect::<Vec<_>>(),
        "exceptions": snap.exceptions.iter().map(|x| json!({
            "count": x.count, "message": x.message, "traceback": x.traceback, "nodes": x.nodes,
        })).collect::<Vec<_>>(),
        "thresholds": thresholds_json,
        "thresholds_passed": thresholds.iter().all(|r| r.passed),
    })
}

/// Writes the summary to `path` (pretty-printed; parent directory created).
pub fn write_json(
    path: &Path,
    snap: &StatsSnapshot,
    meta: &RunMetadata,
    thresholds: &[ThresholdResult],
) -> Result<(), ReportError> {
    let text = serde_json::to_string_pretty(&summary(snap, meta, thresholds))?;
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| ReportError::io(parent, e))?;
    }
    std::fs::write(path, text + "\n").map_err(|e| ReportError::io(path, e))
}
