//! JSON summary shape and console output.

use std::time::{Duration, SystemTime};

use milmove_runner::report::console::{final_summary, stats_table};
use milmove_runner::report::json::{summary, write_json, RunMetadata};
use milmove_runner::stats::{RequestRecord, StatsHub};
use milmove_runner::threshold::{evaluate, Threshold};

fn meta() -> RunMetadata {
    let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    RunMetadata {
        start_time: start,
        end_time: start + Duration::from_millis(10_500),
        host: "http://127.0.0.1:8080".into(),
        users: 20,
        end_reason: "run time reached".into(),
        cut_requests: 2,
        cut_users: 1,
    }
}

fn hub() -> StatsHub {
    let hub = StatsHub::default();
    hub.record(RequestRecord::new("GET", "/", 1_234).content_length(10));
    hub.record(
        RequestRecord::new("GET", "/item/{n}", 5_000)
            .corrected(80_000)
            .error("HTTP 404"),
    );
    hub
}

#[test]
fn json_summary_has_the_documented_shape() {
    let snap = hub().snapshot();
    let t: Vec<Threshold> = vec![
        "p95<500ms".parse().unwrap(),
        "fail_ratio<0.01".parse().unwrap(),
    ];
    let results = evaluate(&t, &snap);
    let v = summary(&snap, &meta(), &results);
    assert_eq!(v["run"]["start_time"], "2023-11-14T22:13:20.000Z");
    assert_eq!(v["run"]["duration_s"], 10.5);
    assert_eq!(v["run"]["users"], 20);
    assert_eq!(v["run"]["host"], "http://127.0.0.1:8080");
    assert_eq!(v["run"]["end_reason"], "run time reached");
    assert_eq!(v["run"]["cut_requests"], 2);
    assert_eq!(v["run"]["cut_users"], 1);
    assert_eq!(v["total"]["requests"], 2);
    assert_eq!(v["total"]["failures"], 1);
    let eps = v["endpoints"].as_array().unwrap();
    assert_eq!(eps.len(), 2);
    assert_eq!(eps[0]["name"], "/");
    assert_eq!(eps[0]["latency_us"]["p50"], 1_234);
    assert_eq!(eps[0]["latency_us"]["p100"], 1_234);
    assert!(eps[0]["latency_us"].get("p99.9").is_some());
    assert!(eps[0]["latency_us"].get("p99.99").is_some());
    assert!(eps[0]["corrected_latency_us"].is_null());
    assert_eq!(eps[1]["corrected_latency_us"]["max"], 80_000);
    assert_eq!(eps[1]["latency_us"]["max"], 5_000);
    assert_eq!(v["failures"][0]["error"], "HTTP 404");
    assert_eq!(v["thresholds"][0]["expr"], "p95<500ms");
    assert_eq!(v["thresholds"][0]["passed"], true);
    assert_eq!(v["thresholds"][1]["passed"], false);
    assert_eq!(v["thresholds_passed"], false);
}

#[test]
fn write_json_creates_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out/run.json");
    write_json(&path, &hub().snapshot(), &meta(), &[]).unwrap();
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(v["total"]["requests"], 2);
    assert_eq!(v["thresholds_passed"], true);
}

#[test]
fn console_tables_show_rows_corrected_figures_and_thresholds() {
    let snap = hub().snapshot();
    let table = stats_table(&snap, true);
    assert!(table.starts_with("Type"));
    assert!(table.contains("/item/{n}"));
    assert!(table.contains("1(50.00%)"), "{table}");
    let results = evaluate(&["p99<1ms".parse().unwrap()], &snap);
    let summary = final_summary(&snap, &results);
    assert!(summary.contains("corrected"), "{summary}");
    assert!(summary.contains("Error report"));
    assert!(
        summary.contains("FAIL p99<1ms (observed 80.000 ms"),
        "{summary}"
    );
}
