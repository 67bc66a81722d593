//! The quickstart example as a child process: the issue's command line, Ctrl-C (graceful and
//! immediate), exit codes, and config file < environment < command line.

mod support;

use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};
use support::quickstart::{command, csv_total, finish, json_total, sigint, wait_for_requests};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_command_line_writes_reports_matching_the_server() {
    let server = support::start().await;
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("out/run");
    let json = dir.path().join("out/run.json");
    let child = command(&[
        "--host",
        &server.url,
        "--headless",
        "-u",
        "20",
        "-r",
        "20",
        "-t",
        "2s",
        "--csv",
        prefix.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
        "--stop-timeout",
        "5s",
        "--wait",
        "0.05..0.1",
    ])
    .spawn()
    .unwrap();
    let out = finish(child, Duration::from_secs(20)).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (total, v) = json_total(&json);
    assert!(total > 50, "{total}");
    assert_eq!(total, server.count());
    assert_eq!(csv_total(&prefix), total);
    assert_eq!(v["run"]["users"], 20);
    for kind in ["stats", "stats_history", "failures", "exceptions"] {
        assert!(
            Path::new(&format!("{}_{kind}.csv", prefix.display())).exists(),
            "{kind}"
        );
    }
    // Both names of the quickstart are there, `/` about 3 times as often as `/item/{n}`.
    let names: Vec<&str> = v["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["/", "/item/{n}"]);
    assert!(stdout.contains("Aggregated"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_stops_gracefully_and_reports_what_the_server_counted() {
    let server = support::start().await;
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("run");
    let json = dir.path().join("run.json");
    let child = command(&[
        "--host",
        &server.url,
        "--headless",
        "-u",
        "5",
        "-r",
        "100",
        "--only-summary",
        "--csv",
        prefix.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
        "--stop-timeout",
        "5s",
        "--wait",
        "0.01..0.02",
    ])
    .spawn()
    .unwrap();
    wait_for_requests(&server, 30).await;
    let sent = Instant::now();
    sigint(&child);
    let out = finish(child, Duration::from_secs(10)).await;
    assert!(sent.elapsed() < Duration::from_secs(3));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (total, v) = json_total(&json);
    assert_eq!(total, server.count());
    assert_eq!(csv_total(&prefix), total);
    assert_eq!(v["run"]["end_reason"], "stopped");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn second_ctrl_c_stops_at_once_and_still_writes_reports() {
    let server = support::start().await;
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("run.json");
    let child = command(&[
        "--host",
        &server.url,
        "--headless",
        "-u",
        "4",
        "-r",
        "100",
        "--only-summary",
        "--json",
        json.to_str().unwrap(),
        "--stop-timeout",
        "60s",
        "--wait",
        "0.01",
    ])
    .spawn()
    .unwrap();
    wait_for_requests(&server, 20).await;
    // From now on every request hangs for 30 s: the graceful stop would wait for them.
    server
        .delay_ms
        .store(30_000, std::sync::atomic::Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(300)).await;
    sigint(&child);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let second = Instant::now();
    sigint(&child);
    let out = finish(child, Duration::from_secs(10)).await;
    assert!(
        second.elapsed() < Duration::from_secs(3),
        "{:?}",
        second.elapsed()
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let (total, v) = json_total(&json);
    assert_eq!(v["run"]["end_reason"], "stopped");
    // The hanging requests reached the server but were cut: printed apart from the stats.
    let cut_line = stdout
        .lines()
        .find(|l| l.starts_with("Cut at stop:"))
        .unwrap_or_else(|| panic!("no cut line in {stdout}"));
    let cut: u64 = cut_line
        .split(", ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("cannot read {cut_line}"));
    assert_eq!(cut, 4, "{cut_line}");
    assert_eq!(v["run"]["cut_requests"], cut);
    assert_eq!(total + cut, server.count());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_timeout_end_reports_completed_and_cut_requests_as_the_server_counted() {
    let server = support::start().await;
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("run");
    let json = dir.path().join("run.json");
    let started = Instant::now();
    let child = command(&[
        "--host",
        &server.url,
        "--headless",
        "-u",
        "4",
        "-r",
        "100",
        "-t",
        "2s",
        "--only-summary",
        "--csv",
        prefix.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
        "--stop-timeout",
        "700ms",
        "--wait",
        "0.01",
    ])
    .spawn()
    .unwrap();
    wait_for_requests(&server, 20).await;
    // From now on every request hangs for 30 s: when the run time is up, the stop timeout
    // expires with all 4 users inside a request, and they are cut.
    server
        .delay_ms
        .store(30_000, std::sync::atomic::Ordering::SeqCst);
    let out = finish(child, Duration::from_secs(15)).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // 2 s run time + 0.7 s stop timeout, not the 30 s the requests would take.
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
    let (total, v) = json_total(&json);
    assert_eq!(v["run"]["end_reason"], "run time reached");
    assert_eq!(v["run"]["cut_users"], 4, "{stdout}");
    let cut = v["run"]["cut_requests"].as_u64().unwrap();
    assert_eq!(cut, 4, "{stdout}");
    assert!(total >= 20, "{total}");
    assert_eq!(csv_total(&prefix), total);
    // Completed requests are in the statistics, cut ones beside them: together they are
    // exactly what the server received.
    assert_eq!(total + cut, server.count());
    assert!(stdout.contains("Cut at stop: 4 users"), "{stdout}");
}

fn json_users(path: &Path) -> u64 {
    json_total(path).1["run"]["users"].as_u64().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_file_then_env_then_command_line() {
    let server = support::start().await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("load.toml");
    std::fs::write(
        &config,
        format!("host = \"{}\"\nusers = 7\nspawn-rate = 100\nrun-time = \"300ms\"\nheadless = true\nonly-summary = true\n", server.url),
    )
    .unwrap();
    let json = dir.path().join("run.json");
    let base = [
        "--config",
        config.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
        "--wait",
        "0.05",
    ];

    let out = finish(command(&base).spawn().unwrap(), Duration::from_secs(10)).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(json_users(&json), 7, "config file");

    let out = finish(
        command(&base)
            .env("MILMOVE_LOAD_USERS", "5")
            .spawn()
            .unwrap(),
        Duration::from_secs(10),
    )
    .await;
    assert!(out.status.success());
    assert_eq!(json_users(&json), 5, "environment over config");

    let mut args = base.to_vec();
    args.extend(["-u", "3"]);
    let out = finish(
        command(&args)
            .env("MILMOVE_LOAD_USERS", "5")
            .spawn()
            .unwrap(),
        Duration::from_secs(10),
    )
    .await;
    assert!(out.status.success());
    assert_eq!(json_users(&json), 3, "command line over environment");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_codes_for_errors_failures_and_thresholds() {
    let server = support::start().await;
    let code = |out: &Output| out.status.code();
    // Bad values: exit 2 with a message naming the flag.
    for (args, needle) in [
        (vec!["-t", "soon"], "run-time"),
        (vec!["--threshold", "p95<<3"], "threshold"),
        (vec!["--stages", "1:2"], "stages"),
        (vec!["-r", "0"], "spawn-rate"),
    ] {
        let mut full = vec!["--host", server.url.as_str(), "--headless"];
        full.extend(args.iter().copied());
        let out = finish(command(&full).spawn().unwrap(), Duration::from_secs(10)).await;
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(code(&out), Some(2), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
    }
    let short = [
        "--headless",
        "-u",
        "2",
        "-r",
        "100",
        "-t",
        "500ms",
        "--only-summary",
        "--wait",
        "0.05",
    ];
    // A threshold that cannot hold: exit 3.
    let mut args = vec!["--host", server.url.as_str()];
    args.extend(short);
    args.extend(["--threshold", "rps>100000"]);
    let out = finish(command(&args).spawn().unwrap(), Duration::from_secs(10)).await;
    assert_eq!(
        code(&out),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // Every request fails (nothing listens on port 9): exit 1, or --exit-code-on-error.
    let mut args = vec!["--host", "http://127.0.0.1:9"];
    args.extend(short);
    let out = finish(command(&args).spawn().unwrap(), Duration::from_secs(10)).await;
    assert_eq!(code(&out), Some(1));
    args.extend(["--exit-code-on-error", "0"]);
    let out = finish(command(&args).spawn().unwrap(), Duration::from_secs(10)).await;
    assert_eq!(code(&out), Some(0));
}
