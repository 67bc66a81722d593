//! End to end on loopback, with child processes of the demo binary: one master and three
//! workers against a counting server; a worker killed with -9; the master killed; a worker
//! started long before its master (the rest: `e2e_ending.rs`).

mod support;

use milmove_runner::stats::{LatencyStats, PERCENTILES_TO_REPORT};
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use support::demo::{master_args, runtime, single_process, spawn_worker, users_at_stop};
use support::{free_port, read_json, serial, CountingServer, Proc};

#[test]
fn one_master_three_workers_exact_counts_dispatch_and_percentiles() {
    let _serial = serial();
    let rt = runtime();
    let server = rt.block_on(CountingServer::start());
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let samples: Vec<_> = (0..3)
        .map(|i| dir.path().join(format!("w{i}.tsv")))
        .collect();
    let mut workers: Vec<Proc> = samples
        .iter()
        .enumerate()
        .map(|(i, f)| {
            spawn_worker(
                &format!("worker{i}"),
                port,
                &["--samples-file", f.to_str().unwrap()],
            )
        })
        .collect();
    let json = dir.path().join("run.json");
    let csv = dir.path().join("run");
    let port_s = port.to_string();
    let extra = [
        "--expect-workers",
        "3",
        "-u",
        "23",
        "-r",
        "40",
        "-t",
        "6s",
        "--json",
        json.to_str().unwrap(),
        "--csv",
        csv.to_str().unwrap(),
    ];
    let mut master = Proc::spawn("master", &master_args(&port_s, &server.url, &extra), &[]);
    let status = master.wait_exit(Duration::from_secs(60));
    assert!(status.success(), "master: {status}\n{}", master.output());
    for w in &mut workers {
        let s = w.wait_exit(Duration::from_secs(10));
        assert!(s.success(), "{}: {s}\n{}", w.name, w.output());
        w.assert_no_panic();
    }
    master.assert_no_panic();
    let report = read_json(&json);
    let total = report["total"]["requests"].as_u64().unwrap();
    assert!(total > 100, "{total} requests");
    assert_eq!(total, server.count(), "master's count == server's");
    assert_eq!(report["run"]["cut_requests"].as_u64(), Some(0));
    assert_eq!(report["cluster"]["worker_count"].as_u64(), Some(3));
    assert_eq!(users_at_stop(&report), single_process(23));
    // Every worker ran about a third of the users.
    for w in report["cluster"]["workers"].as_array().unwrap() {
        assert!(w["requests_reported"].as_u64().unwrap() > 0, "{w}");
    }
    // Merged percentiles == one histogram of every sample the workers recorded.
    let mut all: BTreeMap<String, LatencyStats> = BTreeMap::new();
    for f in &samples {
        for line in std::fs::read_to_string(f).unwrap().lines() {
            let (name, us) = line.split_once('\t').unwrap();
            all.entry(name.to_owned())
                .or_default()
                .record(us.parse().unwrap());
        }
    }
    let endpoints = report["endpoints"].as_array().unwrap();
    assert_eq!(endpoints.len(), all.len());
    for e in endpoints {
        let name = e["name"].as_str().unwrap();
        let one = &all[name];
        let lat = &e["latency_us"];
        assert_eq!(lat["count"].as_u64(), Some(one.count()), "{name}");
        assert_eq!(lat["max"].as_u64(), one.max_us(), "{name}");
        assert_eq!(lat["min"].as_u64(), one.min_us(), "{name}");
        for q in PERCENTILES_TO_REPORT {
            let key = milmove_runner::report::json::percentile_key(q);
            assert_eq!(lat[&key].as_u64(), one.percentile_us(q), "{name} {key}");
        }
    }
    // Locust's CSV files were written from the merged figures.
    let stats_csv = std::fs::read_to_string(dir.path().join("run_stats.csv")).unwrap();
    assert!(
        stats_csv.contains(&format!(",Aggregated,{total},")),
        "{stats_csv}"
    );
    assert!(dir.path().join("run_stats_history.csv").exists());
}

#[test]
fn a_killed_worker_is_lost_in_time_and_its_users_move() {
    let _serial = serial();
    let rt = runtime();
    let server = rt.block_on(CountingServer::start());
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut workers: Vec<Proc> = (0..3)
        .map(|i| spawn_worker(&format!("worker{i}"), port, &[]))
        .collect();
    let json = dir.path().join("run.json");
    let port_s = port.to_string();
    let extra = [
        "--expect-workers",
        "3",
        "-u",
        "30",
        "-r",
        "100",
        "-t",
        "12s",
        "--heartbeat-liveness",
        "3s",
        "--json",
        json.to_str().unwrap(),
    ];
    let mut master = Proc::spawn("master", &master_args(&port_s, &server.url, &extra), &[]);
    master.wait_line("test 1:", Duration::from_secs(30));
    for w in &workers {
        w.wait_line("running", Duration::from_secs(10));
    }
    std::thread::sleep(Duration::from_secs(3));
    let killed_at = Instant::now();
    workers[1].kill9();
    let (lost_at, line) = master.wait_line(" lost: nothing heard", Duration::from_secs(10));
    let took = lost_at.duration_since(killed_at);
    // Liveness 3 s plus one heartbeat interval (1 s), with a little slack for a busy machine.
    assert!(
        took <= Duration::from_millis(4_500),
        "lost after {took:?}: {line}"
    );
    assert!(
        took >= Duration::from_secs(2),
        "lost too early, after {took:?}"
    );
    let status = master.wait_exit(Duration::from_secs(60));
    master.assert_no_panic();
    assert!(status.success(), "{status}\n{}", master.output());
    let report = read_json(&json);
    let total = report["total"]["requests"].as_u64().unwrap();
    let missing = report["cluster"]["possibly_missing_requests"]
        .as_u64()
        .unwrap();
    let seen = server.count();
    assert_eq!(report["cluster"]["lost_workers"].as_u64(), Some(1));
    assert!(missing > 0);
    assert!(
        total <= seen && seen - total <= missing,
        "server saw {seen}, master counted {total}, up to {missing} reported missing"
    );
    // The lost worker's users moved: the two survivors ran all 30, split as one process would.
    assert_eq!(users_at_stop(&report), single_process(30));
    let lost: Vec<&Value> = report["cluster"]["workers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["state"] == "lost")
        .collect();
    assert_eq!(lost.len(), 1);
    assert!(lost[0]["lost_at"].is_string());
    assert!(
        lost[0]["requests_reported"].as_u64().unwrap() > 0,
        "its figures stay"
    );
    assert!(master.output().contains("Lost workers: 1"));
}

#[test]
fn workers_stop_all_load_within_5_s_of_losing_their_master() {
    let _serial = serial();
    let rt = runtime();
    let server = rt.block_on(CountingServer::start());
    let port = free_port();
    let workers: Vec<Proc> = (0..2)
        .map(|i| spawn_worker(&format!("worker{i}"), port, &[]))
        .collect();
    let port_s = port.to_string();
    let extra = [
        "--expect-workers",
        "2",
        "-u",
        "10",
        "-r",
        "100",
        "-t",
        "60s",
    ];
    let mut master = Proc::spawn("master", &master_args(&port_s, &server.url, &extra), &[]);
    for w in &workers {
        w.wait_line("running", Duration::from_secs(30));
    }
    std::thread::sleep(Duration::from_secs(2));
    let before = server.count();
    assert!(before > 0);
    let killed_at = Instant::now();
    master.kill9();
    for w in &workers {
        w.wait_line("heard nothing from the master", Duration::from_secs(10));
    }
    std::thread::sleep(Duration::from_secs(2));
    let last = server.last_request_at().unwrap();
    let after_kill = last.saturating_duration_since(killed_at);
    assert!(
        after_kill <= Duration::from_millis(5_300),
        "a worker still sent a request {after_kill:?} after its master died"
    );
    let quiet = server.count();
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(server.count(), quiet, "no request without a master");
    // The workers are still up, trying to rejoin.
    for w in &workers {
        w.assert_no_panic();
        assert!(w.output().contains("retrying") || w.output().contains("heard nothing"));
    }
}

#[test]
fn a_worker_started_10_s_before_its_master_joins_and_runs() {
    let _serial = serial();
    let rt = runtime();
    let server = rt.block_on(CountingServer::start());
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut worker = spawn_worker("worker", port, &[]);
    worker.wait_line("retrying", Duration::from_secs(10));
    std::thread::sleep(Duration::from_secs(10));
    assert!(
        worker.try_exit().is_none(),
        "the worker waits for its master"
    );
    let json = dir.path().join("run.json");
    let port_s = port.to_string();
    let extra = [
        "-u",
        "5",
        "-r",
        "50",
        "-t",
        "3s",
        "--json",
        json.to_str().unwrap(),
    ];
    let mut master = Proc::spawn("master", &master_args(&port_s, &server.url, &extra), &[]);
    assert!(
        master.wait_exit(Duration::from_secs(40)).success(),
        "{}",
        master.output()
    );
    assert!(worker.wait_exit(Duration::from_secs(10)).success());
    let total = read_json(&json)["total"]["requests"].as_u64().unwrap();
    assert!(total > 0);
    assert_eq!(total, server.count());
}
