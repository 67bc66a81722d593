//! The quickstart example stopped by Ctrl-C in the middle of a run against a misbehaving
//! server, over plain HTTP and over TLS.

mod support;

use std::time::{Duration, Instant};
use support::quickstart::{command, finish, json_total, sigint};

/// Ctrl-C in the middle of a run against a server that misbehaves at random (plain HTTP, or
/// HTTPS through `--insecure`): the reports written at the end still match what the server
/// read, kind by kind; requests still in flight at the stop are the cut ones.
async fn ctrl_c_against_a_misbehaving_server(tls: bool) {
    use support::faulty::{self, Expect, FaultyOptions};
    let ca = support::certs::TestCa::new("ctrl-c CA");
    let server = faulty::start(FaultyOptions {
        tls: tls.then(|| support::certs::server_config(&ca, None)),
        seed: 31,
        ..FaultyOptions::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("run.json");
    let mut args = vec![
        "--host",
        &server.url,
        "--headless",
        "-u",
        "10",
        "-r",
        "100",
        "--only-summary",
        "--json",
        json.to_str().unwrap(),
        "--request-timeout",
        "1s",
        "--stop-timeout",
        "300ms",
        "--wait",
        "0..0.005",
    ];
    if tls {
        args.push("--insecure");
    }
    let child = command(&args).spawn().unwrap();
    let start = Instant::now();
    while server.counts.read() < 1500 {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "only {} requests in 60 s",
            server.counts.read()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    sigint(&child);
    let out = finish(child, Duration::from_secs(20)).await;
    server.quiesce().await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    // Requests failed (the server saw to that): exit code 1.
    assert_eq!(
        out.status.code(),
        Some(1),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (total, v) = json_total(&json);
    assert_eq!(v["run"]["end_reason"], "stopped");
    let failures = v["total"]["failures"].as_u64().unwrap();
    let cut = v["run"]["cut_requests"].as_u64().unwrap();
    let errors: Vec<(String, u64)> = v["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["error"].as_str().unwrap().to_string(),
                f["occurrences"].as_u64().unwrap(),
            )
        })
        .collect();
    let (kinds, unknown) = faulty::classify(errors.iter().map(|(t, n)| (t.as_str(), *n)));
    let expected = server.counts.expected();
    let context = format!(
        "tls {tls}: reported {total} + cut {cut}, server read {}; {kinds:?} vs {expected:?}; {errors:?}",
        server.counts.read()
    );
    eprintln!("{context}");
    assert!(unknown.is_empty(), "{context}");
    assert_eq!(total + cut, server.counts.read(), "{context}");
    // A request cut at the stop is in no kind: the kinds are short by the cut ones in all.
    let mut kinds = kinds;
    kinds.insert(Expect::Success, total - failures);
    let mut short = 0;
    for kind in [
        Expect::Success,
        Expect::ServerError,
        Expect::Reset,
        Expect::Closed,
        Expect::Invalid,
        Expect::Timeout,
    ] {
        let (got, want) = (
            kinds.get(&kind).copied().unwrap_or(0),
            expected.get(&kind).copied().unwrap_or(0),
        );
        assert!(got <= want, "{kind:?}: {context}");
        short += want - got;
    }
    assert_eq!(short, cut, "{context}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_against_a_misbehaving_server_reports_what_it_read() {
    ctrl_c_against_a_misbehaving_server(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_against_a_misbehaving_tls_server_reports_what_it_read() {
    ctrl_c_against_a_misbehaving_server(true).await;
}
