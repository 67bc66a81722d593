//! The JSON documents built from a tick: our live state (pushed by SSE, `/api/state`) and
//! Locust's `/stats/requests`.

use std::time::SystemTime;

use milmove_runner::control::{Catalogue, ControlStatus, RunInfo, Tick, WorkerInfo};
use milmove_runner::stats::{EntrySnapshot, StatsSnapshot};
use milmove_runner::threshold::{self, format_value, ThresholdResult};
use serde_json::{json, Map, Value};

/// Milliseconds of a µs value.
pub(crate) fn ms(us: Option<u64>) -> Option<f64> {
    us.map(|v| v as f64 / 1000.0)
}

/// RFC 3339 text of a time.
pub(crate) fn time_text(t: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(t).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// One statistics row of our API (times in ms).
pub(crate) fn row(e: &EntrySnapshot) -> Value {
    let p = e.primary();
    json!({
        "type": e.method,
        "name": e.name,
        "requests": e.num_requests,
        "failures": e.num_failures,
        "fail_ratio": e.fail_ratio(),
        "median_ms": ms(p.percentile_us(0.5)),
        "p90_ms": ms(p.percentile_us(0.9)),
        "p95_ms": ms(p.percentile_us(0.95)),
        "p99_ms": ms(p.percentile_us(0.99)),
        "p999_ms": ms(p.percentile_us(0.999)),
        "max_ms": ms(p.max_us()),
        "min_ms": ms(p.min_us()),
        "avg_ms": p.mean_us().map(|v| v / 1000.0),
        "avg_size": e.avg_content_length(),
        "rps": e.total_rps,
        "current_rps": e.current_rps,
        "current_fail_per_sec": e.current_fail_per_sec,
        "corrected": e.corrected.as_ref().is_some_and(|c| c.count() > 0),
        "raw_p95_ms": ms(e.raw.percentile_us(0.95)),
        "raw_p99_ms": ms(e.raw.percentile_us(0.99)),
    })
}

/// Thresholds with their live values and verdicts.
pub(crate) fn thresholds(results: &[ThresholdResult]) -> Vec<Value> {
    results
        .iter()
        .map(|r| {
            let t = &r.threshold;
            json!({
                "expr": t.expr,
                "passed": r.passed,
                "observed": r.observed,
                "observed_text": r.observed.map_or("no requests".to_string(), |v| format_value(t.metric, v)),
                "limit_text": format!("{} {}", op_text(t.op), format_value(t.metric, t.limit)),
            })
        })
        .collect()
}

fn op_text(op: threshold::Op) -> &'static str {
    match op {
        threshold::Op::Lt => "<",
        threshold::Op::Le => "<=",
        threshold::Op::Gt => ">",
        threshold::Op::Ge => ">=",
    }
}

/// The threshold results of a run on a snapshot.
pub(crate) fn evaluate(run: Option<&RunInfo>, snap: &StatsSnapshot) -> Vec<ThresholdResult> {
    run.map(|r| threshold::evaluate(&r.thresholds, snap))
        .unwrap_or_default()
}

pub(crate) fn workers(list: &[WorkerInfo]) -> Vec<Value> {
    list.iter()
        .map(|w| {
            json!({
                "id": w.id,
                "host": w.host,
                "state": w.state.as_str(),
                "user_count": w.users,
                "cpu_usage": w.cpu_percent,
                "memory_usage": w.memory_bytes,
                "last_heartbeat": time_text(w.last_heartbeat),
                "lost_at": w.lost_at.map(time_text),
            })
        })
        .collect()
}

fn status_json(s: &ControlStatus) -> Value {
    json!({
        "state": s.phase.as_str(),
        "users": s.users,
        "target": s.target,
        "spawn_rate": if s.spawn_rate.is_finite() { json!(s.spawn_rate) } else { Value::Null },
        "host": s.host,
        "host_detail": s.host_detail,
        "elapsed_s": s.elapsed.as_secs_f64(),
        "run_id": s.run_id,
        "arrival_rate": s.arrival_rate,
        "users_per_class": s.users_per_class.iter().map(|(n, u)| json!({"name": n, "users": u})).collect::<Vec<_>>(),
    })
}

pub(crate) fn run_json(r: &RunInfo) -> Value {
    let p = &r.params;
    json!({
        "run_id": r.run_id,
        "users": p.users,
        "spawn_rate": p.spawn_rate,
        "host": p.host,
        "host_detail": r.host_detail,
        "run_time_s": p.run_time.map(|d| d.as_secs_f64()),
        "classes": p.classes.iter().map(|c| json!({"name": c.name, "weight": c.weight})).collect::<Vec<_>>(),
        "tags": p.tags,
        "exclude_tags": p.exclude_tags,
        "thresholds": p.thresholds,
        "arrival_rate": p.arrival_rate,
        "start_time": time_text(r.start_time),
        "end_time": r.end_time.map(time_text),
        "end_reason": r.end_reason,
        "cut_requests": r.cut_requests,
        "cut_users": r.cut_users,
    })
}

/// Our live document of a tick.
pub(crate) fn state(tick: &Tick, chart_version: u64) -> Value {
    let snap = &tick.snapshot;
    let results = evaluate(tick.run.as_ref(), snap);
    let mut v = status_json(&tick.status);
    let m = v.as_object_mut().expect("status is an object");
    m.insert("seq".into(), json!(tick.seq));
    m.insert("chart_version".into(), json!(chart_version));
    m.insert("stats_start".into(), json!(time_text(snap.start_time)));
    m.insert("total".into(), row(&snap.total));
    m.insert(
        "rows".into(),
        Value::Array(snap.entries.iter().map(row).collect()),
    );
    m.insert(
        "errors".into(),
        Value::Array(
            snap.errors
                .iter()
                .map(|e| json!({"method": e.method, "name": e.name, "error": e.error, "occurrences": e.occurrences}))
                .collect(),
        ),
    );
    m.insert(
        "exceptions".into(),
        Value::Array(
            snap.exceptions
                .iter()
                .map(|x| json!({"count": x.count, "msg": x.message, "traceback": x.traceback, "nodes": x.nodes.join(", ")}))
                .collect(),
        ),
    );
    m.insert("thresholds".into(), Value::Array(thresholds(&results)));
    m.insert(
        "thresholds_passed".into(),
        json!(results.iter().all(|r| r.passed)),
    );
    m.insert("workers".into(), Value::Array(workers(&tick.workers)));
    m.insert("worker_count".into(), json!(live_workers(&tick.workers)));
    m.insert("missing_requests".into(), json!(tick.missing_requests));
    m.insert("corrected".into(), json!(snap.has_corrected()));
    m.insert(
        "run".into(),
        tick.run.as_ref().map_or(Value::Null, run_json),
    );
    v
}

/// Workers that are not lost (Locust's `worker_count`).
fn live_workers(workers: &[milmove_runner::control::WorkerInfo]) -> usize {
    workers
        .iter()
        .filter(|w| w.state != milmove_runner::control::WorkerState::Lost)
        .count()
}

/// Locust 2.x's `/stats/requests` document.
pub(crate) fn locust_stats(tick: &Tick) -> Value {
    let snap = &tick.snapshot;
    let mut stats = Vec::with_capacity(snap.entries.len() + 1);
    for e in snap.entries.iter().chain(std::iter::once(&snap.total)) {
        stats.push(locust_row(e));
    }
    let errors: Vec<Value> = snap
        .errors
        .iter()
        .take(500)
        .map(|e| {
            json!({
                "method": e.method,
                "name": e.name,
                "error": e.error,
                "occurrences": e.occurrences,
            })
        })
        .collect();
    let total = &snap.total;
    let mut current = Map::new();
    for q in [0.5, 0.95] {
        current.insert(
            format!(
                "response_time_percentile_{}",
                milmove_runner::report::py_float(q)
            ),
            json!(ms(total.current_percentile_us(q))),
        );
    }
    stats.truncate(501);
    json!({
        "stats": stats,
        "errors": errors,
        "total_rps": total.current_rps,
        "total_fail_per_sec": total.current_fail_per_sec,
        "fail_ratio": total.fail_ratio(),
        "current_response_time_percentiles": current,
        "total_avg_response_time": total.primary().mean_us().map_or(0.0, |v| v / 1000.0),
        "state": tick.status.phase.as_str(),
        "user_count": tick.status.users,
        "workers": workers(&tick.workers),
        "worker_count": live_workers(&tick.workers),
    })
}

fn locust_row(e: &EntrySnapshot) -> Value {
    let p = e.primary();
    let mut m = Map::new();
    m.insert("method".into(), json!(e.method));
    m.insert("name".into(), json!(e.name));
    m.insert("safe_name".into(), json!(html_escape(&e.name)));
    m.insert("num_requests".into(), json!(e.num_requests));
    m.insert("num_failures".into(), json!(e.num_failures));
    m.insert(
        "avg_response_time".into(),
        json!(p.mean_us().map_or(0.0, |v| v / 1000.0)),
    );
    m.insert(
        "min_response_time".into(),
        json!(ms(p.min_us()).map_or(0, |v| v.round() as u64)),
    );
    m.insert(
        "max_response_time".into(),
        json!(ms(p.max_us()).map_or(0, |v| v.round() as u64)),
    );
    m.insert("current_rps".into(), json!(e.current_rps));
    m.insert("current_fail_per_sec".into(), json!(e.current_fail_per_sec));
    m.insert(
        "median_response_time".into(),
        json!(locust_ms(p.percentile_us(0.5))),
    );
    m.insert(
        "ninetieth_response_time".into(),
        json!(locust_ms(p.percentile_us(0.9))),
    );
    m.insert(
        "ninety_ninth_response_time".into(),
        json!(locust_ms(p.percentile_us(0.99))),
    );
    m.insert("avg_content_length".into(), json!(e.avg_content_length()));
    for q in [
        0.5, 0.66, 0.75, 0.8, 0.9, 0.95, 0.98, 0.99, 0.999, 0.9999, 1.0,
    ] {
        m.insert(
            format!(
                "response_time_percentile_{}",
                milmove_runner::report::py_float(q)
            ),
            json!(locust_ms(p.percentile_us(q))),
        );
    }
    Value::Object(m)
}

/// A percentile in whole ms as Locust reports it (0 without requests).
fn locust_ms(us: Option<u64>) -> u64 {
    us.map_or(0, |v| v.saturating_add(500) / 1000)
}

/// Escapes text for HTML (element content and quoted attributes).
pub(crate) fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Locust's `/tasks`: per class the class's share and its tasks' shares; `total` multiplies
/// them.
pub(crate) fn tasks(catalogue: &Catalogue, status: &ControlStatus) -> Value {
    use milmove_runner::control::TaskNode;
    fn level(nodes: &[TaskNode], scale: f64) -> Map<String, Value> {
        let total: u64 = nodes.iter().map(|n| u64::from(n.weight)).sum();
        let mut out = Map::new();
        for n in nodes {
            let ratio = if total == 0 {
                0.0
            } else {
                f64::from(n.weight) / total as f64
            };
            let mut entry = Map::new();
            entry.insert("ratio".into(), json!(ratio * scale));
            if !n.children.is_empty() {
                entry.insert(
                    "tasks".into(),
                    Value::Object(level(&n.children, ratio * scale)),
                );
            }
            out.insert(n.name.clone(), Value::Object(entry));
        }
        out
    }
    let running: u64 = status.users_per_class.iter().map(|(_, n)| *n as u64).sum();
    let weights: u64 = catalogue.classes.iter().map(|c| u64::from(c.weight)).sum();
    let share = |name: &str, weight: u32| -> f64 {
        if running > 0 {
            status
                .users_per_class
                .iter()
                .find(|(n, _)| n == name)
                .map_or(0.0, |(_, u)| *u as f64 / running as f64)
        } else if weights > 0 {
            f64::from(weight) / weights as f64
        } else {
            0.0
        }
    };
    let mut per_class = Map::new();
    let mut total = Map::new();
    for c in &catalogue.classes {
        let ratio = share(&c.name, c.weight);
        per_class.insert(
            c.name.clone(),
            json!({"ratio": ratio, "tasks": Value::Object(level(&c.tasks, 1.0))}),
        );
        total.insert(
            c.name.clone(),
            json!({"ratio": ratio, "tasks": Value::Object(level(&c.tasks, ratio))}),
        );
    }
    json!({"per_class": per_class, "total": total})
}
