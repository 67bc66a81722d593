//! StatsHub behaviour: failures grouping, exceptions, corrected series, reset, rolling window.

use std::time::Duration;

use milmove_runner::stats::{RequestRecord, StatsConfig, StatsHub, AGGREGATED_NAME};

#[test]
fn failures_are_grouped_by_method_name_and_error() {
    let hub = StatsHub::default();
    std::thread::scope(|s| {
        for _ in 0..3 {
            s.spawn(|| {
                for _ in 0..5 {
                    hub.record(RequestRecord::new("GET", "/moves", 10).error("HTTP 500"));
                    hub.record(RequestRecord::new("POST", "/moves", 10).error("HTTP 500"));
                }
                hub.record(RequestRecord::new("GET", "/moves", 10).error("timeout"));
                hub.record(RequestRecord::new("GET", "/moves", 10));
            });
        }
    });
    let snap = hub.snapshot();
    let find = |m: &str, e: &str| {
        snap.errors
            .iter()
            .find(|f| f.method == m && f.error == e)
            .map(|f| f.occurrences)
    };
    assert_eq!(find("GET", "HTTP 500"), Some(15));
    assert_eq!(find("POST", "HTTP 500"), Some(15));
    assert_eq!(find("GET", "timeout"), Some(3));
    assert_eq!(snap.errors.len(), 3);
    assert!(
        snap.errors[0].occurrences >= snap.errors[2].occurrences,
        "most frequent first"
    );
    let get = snap.entry(Some("GET"), "/moves").unwrap();
    assert_eq!((get.num_requests, get.num_failures), (21, 18));
    assert_eq!(snap.total.num_requests, 36);
    assert_eq!(snap.total.name, AGGREGATED_NAME);
    assert!(snap.total.method.is_empty());
}

#[test]
fn entries_are_sorted_by_name_then_method() {
    let hub = StatsHub::default();
    for (m, n) in [("POST", "/b"), ("GET", "/b"), ("GET", "/a")] {
        hub.record(RequestRecord::new(m, n, 1));
    }
    let keys: Vec<_> = hub
        .snapshot()
        .entries
        .iter()
        .map(|e| format!("{} {}", e.method, e.name))
        .collect();
    assert_eq!(keys, ["GET /a", "GET /b", "POST /b"]);
}

#[test]
fn exceptions_group_by_traceback() {
    let hub = StatsHub::default();
    hub.record_exception("boom", "at task a");
    hub.record_exception("boom again", "at task a");
    hub.record_exception("other", "at task b");
    let snap = hub.snapshot();
    assert_eq!(snap.exceptions.len(), 2);
    assert_eq!(
        (
            snap.exceptions[0].count,
            snap.exceptions[0].message.as_str()
        ),
        (2, "boom")
    );
    assert_eq!(snap.exceptions[0].nodes, ["local"]);
    assert!(snap.has_errors());
}

#[test]
fn corrected_series_is_kept_beside_raw_and_is_primary() {
    let hub = StatsHub::default();
    hub.record(RequestRecord::new("GET", "/", 1_000).corrected(50_000));
    hub.record(RequestRecord::new("GET", "/", 2_000).corrected(2_000));
    let snap = hub.snapshot();
    let e = snap.entry(None, "/").unwrap();
    assert_eq!(e.raw.max_us(), Some(2_000));
    assert_eq!(e.corrected.as_ref().unwrap().max_us(), Some(50_000));
    assert_eq!(e.primary().max_us(), Some(50_000));
    assert!(snap.has_corrected());
    let plain = StatsHub::default();
    plain.record(RequestRecord::new("GET", "/", 1_000));
    assert!(plain.snapshot().total.corrected.is_none());
}

#[test]
fn reset_zeroes_counts_but_keeps_rows_and_exceptions() {
    let hub = StatsHub::default();
    hub.record(RequestRecord::new("GET", "/", 1_000).error("x"));
    hub.record_exception("m", "tb");
    hub.sample_history();
    hub.reset();
    let snap = hub.snapshot();
    assert_eq!(snap.entries.len(), 1);
    assert_eq!(snap.entries[0].num_requests, 0);
    assert_eq!(snap.total.num_requests, 0);
    assert!(snap.errors.is_empty());
    assert_eq!(snap.exceptions.len(), 1);
    assert!(snap.last_request_at.is_none());
    assert!(hub.history().is_empty());
    hub.record(RequestRecord::new("GET", "/", 3_000));
    assert_eq!(hub.snapshot().total.raw.min_us(), Some(3_000));
}

#[test]
fn rolling_window_only_counts_recent_requests() {
    let hub = StatsHub::new(StatsConfig {
        window: Duration::from_millis(300),
        ..StatsConfig::default()
    });
    for _ in 0..5 {
        hub.record(RequestRecord::new("GET", "/", 1_000));
    }
    std::thread::sleep(Duration::from_millis(1_000));
    let first = hub.snapshot(); // window = since start; stores a checkpoint
    assert!(first.total.current_rps > 0.0);
    assert_eq!(first.total.current_count(), 5);
    std::thread::sleep(Duration::from_millis(1_000));
    for _ in 0..3 {
        hub.record(RequestRecord::new("GET", "/", 50_000).error("slow"));
    }
    let snap = hub.snapshot();
    let e = &snap.total;
    assert_eq!(e.num_requests, 8);
    assert_eq!(
        e.current_count(),
        3,
        "window holds only the requests after the checkpoint"
    );
    let p50 = e.current_percentile_us(0.5).unwrap();
    assert!((49_000..=51_000).contains(&p50), "current p50 {p50}");
    assert_eq!(
        e.raw.percentile_us(0.5),
        Some(1_000),
        "cumulative p50 unchanged"
    );
    assert!(
        e.current_rps > 1.0 && e.current_rps < 4.0,
        "current rps {}",
        e.current_rps
    );
    assert!((e.current_fail_per_sec - e.current_rps).abs() < 1e-9);
}

#[test]
fn history_samples_keep_aggregated_rows_and_user_count() {
    let hub = StatsHub::new(StatsConfig {
        full_history: true,
        ..StatsConfig::default()
    });
    hub.set_user_count(7);
    hub.record(RequestRecord::new("GET", "/a", 1_000));
    hub.record(RequestRecord::new("GET", "/b", 2_000));
    let s = hub.sample_history();
    assert_eq!(s.user_count, 7);
    assert_eq!(s.entries.len(), 2);
    assert_eq!(s.total.num_requests, 2);
    assert!(s.timestamp > 1_600_000_000);
    let kept = hub.history();
    assert_eq!(kept.len(), 1);
    assert!(
        kept[0].entries.is_empty(),
        "only the aggregated row is kept in memory"
    );
}

#[test]
fn totals_per_second_use_the_last_request_time() {
    let hub = StatsHub::default();
    std::thread::sleep(Duration::from_millis(200));
    for _ in 0..10 {
        hub.record(RequestRecord::new("GET", "/", 1));
    }
    let at_end = hub.snapshot().total.total_rps;
    std::thread::sleep(Duration::from_millis(300));
    let later = hub.snapshot().total.total_rps;
    assert!(at_end > 0.0 && at_end < 60.0, "{at_end}");
    assert!(
        (at_end - later).abs() < 1e-9,
        "idle time after the last request does not lower req/s"
    );
}
