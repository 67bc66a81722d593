//! Prometheus metrics of a test, rendered on each scrape from the runner's control API only
//! ([`TestController`]: status, statistics snapshot, run facts, workers), so a local run and a
//! distributed master (whose hub holds the merged worker figures) export the same series.
//!
//! Served as `/metrics` (Prometheus text format 0.0.4) on the web UI's port and on
//! `--metrics-port` ([`MetricsServer`]). Every name starts with `milmove_load_`:
//!
//! | series | type | labels |
//! |---|---|---|
//! | `requests_total`, `failures_total`, `content_bytes_total` | counter | `method`, `name` |
//! | `request_duration_seconds` (`_bucket`, `_sum`, `_count`) | histogram | `method`, `name`, `le` |
//! | `exceptions_total` | counter | |
//! | `users`, `users_running`, `users_target`, `spawn_rate` | gauge | `class` (users) |
//! | `run_state` (1 for the current phase), `run_id`, `run_elapsed_seconds` | gauge | `state` |
//! | `threshold_passed` (1 pass, 0 fail) | gauge | `threshold` |
//! | `workers` (per state), `missing_requests` | gauge | `state` |
//! | `build_info`, `ready` | gauge | `version` |
//!
//! Counters restart at 0 with a new test or a statistics reset (Prometheus sees a counter reset).
//! Rows of pseudo methods (`WORKFLOW`, `QUEUE`) are exported with their method; the sum over the
//! other methods equals the report's Aggregated row.

mod buckets;
mod server;

pub use buckets::{bucket_counts, BOUNDS_SECONDS};
pub use server::{metrics_router, MetricsServer};

use std::sync::Arc;

use milmove_runner::control::{Phase, Readiness, TestController, WorkerState};
use milmove_runner::stats::StatsSnapshot;
use milmove_runner::threshold;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, MetricEncoder, NoLabelSet};
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Registry;

/// The media type of the Prometheus text format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Renders the metrics of `ctl` (or only the process facts when `None`).
pub fn render(
    ctl: Option<&Arc<dyn TestController>>,
    readiness: &Readiness,
    version: &str,
) -> String {
    let mut registry = Registry::with_prefix("milmove_load");
    registry.register_collector(Box::new(TestCollector {
        ctl: ctl.cloned(),
        readiness: readiness.clone(),
        version: version.to_string(),
    }));
    let mut out = String::new();
    prometheus_client::encoding::prometheus_text::encode(&mut out, &registry)
        .expect("writing to a String cannot fail");
    out
}

/// Reads the controller on each scrape.
struct TestCollector {
    ctl: Option<Arc<dyn TestController>>,
    readiness: Readiness,
    version: String,
}

impl std::fmt::Debug for TestCollector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestCollector")
            .field("version", &self.version)
            .finish()
    }
}

type Fmt = Result<(), std::fmt::Error>;

fn gauge(m: &mut MetricEncoder<'_>, labels: &[(&str, &str)], v: f64) -> Fmt {
    m.encode_family(&labels)?.encode_gauge(&v)
}

fn counter(m: &mut MetricEncoder<'_>, labels: &[(&str, &str)], v: u64) -> Fmt {
    m.encode_family(&labels)?
        .encode_counter::<NoLabelSet, u64, u64>(&v, None)
}

/// One family: its descriptor, then `samples` writes its samples.
fn family(
    enc: &mut DescriptorEncoder<'_>,
    name: &str,
    help: &str,
    kind: MetricType,
    samples: impl FnOnce(&mut MetricEncoder<'_>) -> Fmt,
) -> Fmt {
    let mut m = enc.encode_descriptor(name, help, None, kind)?;
    samples(&mut m)
}

impl Collector for TestCollector {
    fn encode(&self, mut enc: DescriptorEncoder<'_>) -> Fmt {
        let version = self.version.as_str();
        family(
            &mut enc,
            "build_info",
            "The app's version (always 1).",
            MetricType::Gauge,
            |m| gauge(m, &[("version", version)], 1.0),
        )?;
        let ready = f64::from(u8::from(self.readiness.check().is_ok()));
        family(
            &mut enc,
            "ready",
            "1 when ready to take a test (/readyz).",
            MetricType::Gauge,
            |m| gauge(m, &[], ready),
        )?;
        let Some(ctl) = &self.ctl else {
            return Ok(());
        };
        encode_status(&mut enc, &**ctl)?;
        let snapshot = ctl.stats().snapshot();
        encode_requests(&mut enc, &snapshot)?;
        encode_verdicts(&mut enc, &**ctl, &snapshot)?;
        encode_workers(&mut enc, &**ctl)
    }
}

fn encode_status(enc: &mut DescriptorEncoder<'_>, ctl: &dyn TestController) -> Fmt {
    let status = ctl.status();
    family(
        enc,
        "run_state",
        "1 for the test's current phase, 0 for the others.",
        MetricType::Gauge,
        |m| {
            for phase in [
                Phase::Ready,
                Phase::Spawning,
                Phase::Running,
                Phase::Stopping,
                Phase::Stopped,
            ] {
                let on = f64::from(u8::from(phase == status.phase));
                gauge(m, &[("state", phase.as_str())], on)?;
            }
            Ok(())
        },
    )?;
    family(
        enc,
        "run_id",
        "Number of the current test in this process (0 before the first).",
        MetricType::Gauge,
        |m| gauge(m, &[], status.run_id as f64),
    )?;
    family(
        enc,
        "run_elapsed_seconds",
        "Time since the current test started (frozen at its end).",
        MetricType::Gauge,
        |m| gauge(m, &[], status.elapsed.as_secs_f64()),
    )?;
    family(
        enc,
        "users",
        "Users running now, per user class.",
        MetricType::Gauge,
        |m| {
            for (class, n) in &status.users_per_class {
                gauge(m, &[("class", class)], *n as f64)?;
            }
            Ok(())
        },
    )?;
    family(
        enc,
        "users_running",
        "Users running now.",
        MetricType::Gauge,
        |m| gauge(m, &[], status.users as f64),
    )?;
    family(
        enc,
        "users_target",
        "Target number of users.",
        MetricType::Gauge,
        |m| gauge(m, &[], status.target as f64),
    )?;
    family(
        enc,
        "spawn_rate",
        "Users started per second while spawning (no sample when all start at once).",
        MetricType::Gauge,
        |m| match status.spawn_rate {
            r if r.is_finite() => gauge(m, &[], r),
            _ => Ok(()),
        },
    )
}

fn encode_requests(enc: &mut DescriptorEncoder<'_>, snap: &StatsSnapshot) -> Fmt {
    let rows = &snap.entries;
    let labels = |e: &milmove_runner::stats::EntrySnapshot| {
        [("method", e.method.clone()), ("name", e.name.clone())]
    };
    family(
        enc,
        "requests",
        "Requests sent (failures included), per method and name.",
        MetricType::Counter,
        |m| {
            rows.iter().try_for_each(|e| {
                m.encode_family(&labels(e))?
                    .encode_counter::<NoLabelSet, u64, u64>(&e.num_requests, None)
            })
        },
    )?;
    family(
        enc,
        "failures",
        "Requests that failed, per method and name.",
        MetricType::Counter,
        |m| {
            rows.iter().try_for_each(|e| {
                m.encode_family(&labels(e))?
                    .encode_counter::<NoLabelSet, u64, u64>(&e.num_failures, None)
            })
        },
    )?;
    family(
        enc,
        "content_bytes",
        "Response body bytes received, per method and name.",
        MetricType::Counter,
        |m| {
            rows.iter().try_for_each(|e| {
                m.encode_family(&labels(e))?
                    .encode_counter::<NoLabelSet, u64, u64>(&e.total_content_length, None)
            })
        },
    )?;
    family(
        enc,
        "request_duration_seconds",
        "Response times (from the intended start in arrival-rate mode), from the exact HDR histogram.",
        MetricType::Histogram,
        |m| {
            rows.iter().try_for_each(|e| {
                let series = e.primary();
                let sum = series.sum_us() as f64 / 1e6;
                m.encode_family(&labels(e))?.encode_histogram::<NoLabelSet>(
                    sum,
                    series.count(),
                    &bucket_counts(series),
                    None,
                )
            })
        },
    )?;
    let exceptions: u64 = snap.exceptions.iter().map(|x| x.count).sum();
    family(
        enc,
        "exceptions",
        "Errors raised by task code.",
        MetricType::Counter,
        |m| counter(m, &[], exceptions),
    )
}

fn encode_verdicts(
    enc: &mut DescriptorEncoder<'_>,
    ctl: &dyn TestController,
    snap: &StatsSnapshot,
) -> Fmt {
    let thresholds = ctl.run_info().map(|r| r.thresholds).unwrap_or_default();
    let results = threshold::evaluate(&thresholds, snap);
    family(
        enc,
        "threshold_passed",
        "1 while a --threshold holds, 0 when it fails.",
        MetricType::Gauge,
        |m| {
            for r in &results {
                gauge(
                    m,
                    &[("threshold", &r.threshold.expr)],
                    f64::from(u8::from(r.passed)),
                )?;
            }
            Ok(())
        },
    )
}

fn encode_workers(enc: &mut DescriptorEncoder<'_>, ctl: &dyn TestController) -> Fmt {
    let workers = ctl.workers();
    family(
        enc,
        "workers",
        "Workers of a distributed run, per state.",
        MetricType::Gauge,
        |m| {
            for state in [
                WorkerState::Ready,
                WorkerState::Spawning,
                WorkerState::Running,
                WorkerState::Stopping,
                WorkerState::Stopped,
                WorkerState::Lost,
            ] {
                let n = workers.iter().filter(|w| w.state == state).count();
                gauge(m, &[("state", state.as_str())], n as f64)?;
            }
            Ok(())
        },
    )?;
    let missing = ctl.missing_requests();
    family(
        enc,
        "missing_requests",
        "Requests possibly missing because workers were lost.",
        MetricType::Gauge,
        |m| gauge(m, &[], missing as f64),
    )
}
