//! End to end on loopback, with child processes of the demo binary (continued from
//! `e2e.rs`): a dropped connection, bad input, Ctrl-C on the master, stages and arrival rate.

mod support;

use std::time::Duration;
use support::demo::{master_args, runtime, single_process, spawn_worker, users_at_stop};
use support::{free_port, read_json, serial, worker_args, CountingServer, CuttableProxy, Proc};

#[test]
fn a_dropped_connection_loses_and_doubles_nothing() {
    let _serial = serial();
    let rt = runtime();
    let server = rt.block_on(CountingServer::start());
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let proxy = rt.block_on(CuttableProxy::start(port));
    let mut direct = spawn_worker("direct", port, &[]);
    let mut proxied = spawn_worker("proxied", proxy.port, &[]);
    let json = dir.path().join("run.json");
    let port_s = port.to_string();
    let extra = [
        "--expect-workers",
        "2",
        "-u",
        "12",
        "-r",
        "100",
        "-t",
        "10s",
        "--json",
        json.to_str().unwrap(),
    ];
    let mut master = Proc::spawn("master", &master_args(&port_s, &server.url, &extra), &[]);
    proxied.wait_line("running", Duration::from_secs(30));
    for _ in 0..2 {
        std::thread::sleep(Duration::from_millis(2_500));
        proxy.cut();
        master.wait_line("connection ended", Duration::from_secs(5));
    }
    assert!(
        master.wait_exit(Duration::from_secs(60)).success(),
        "{}",
        master.output()
    );
    direct.wait_exit(Duration::from_secs(10));
    proxied.wait_exit(Duration::from_secs(10));
    let report = read_json(&json);
    assert_eq!(
        report["cluster"]["lost_workers"].as_u64(),
        Some(0),
        "{}",
        master.output()
    );
    let total = report["total"]["requests"].as_u64().unwrap();
    assert_eq!(total, server.count(), "exact after reconnects");
    let reconnects = proxied.output().matches("connected to the master").count();
    assert!(reconnects >= 3, "{}", proxied.output());
}

#[test]
fn bad_input_gets_clear_errors_and_no_panic() {
    let _serial = serial();
    let rt = runtime();
    let server = rt.block_on(CountingServer::start());
    let port = free_port();
    let port_s = port.to_string();
    let extra = ["-u", "2", "-r", "10", "-t", "2s", "--expect-workers", "1"];
    let mut master = Proc::spawn(
        "master",
        &master_args(&port_s, &server.url, &extra),
        &[("MILMOVE_LOAD_CLUSTER_TOKEN", "right-token")],
    );
    master.wait_line("waiting for 1 worker", Duration::from_secs(20));
    // Garbage on the master port: the master shrugs it off.
    {
        use std::io::Write;
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        let _ = s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n\x00\x01\x02garbage\xff\xfe");
        let mut s2 = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        let _ = s2.write_all(&[0u8; 4096]);
    }
    // No token, then a wrong one: refused, the worker exits 2 with the reason.
    for token in [None, Some("wrong-token")] {
        let env: Vec<(&str, &str)> = token
            .map(|t| vec![("MILMOVE_LOAD_CLUSTER_TOKEN", t)])
            .unwrap_or_default();
        let args = worker_args(port);
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut w = Proc::spawn("bad-token worker", &refs, &env);
        let status = w.wait_exit(Duration::from_secs(20));
        assert_eq!(status.code(), Some(2), "{}", w.output());
        assert!(
            w.output()
                .contains("refused this worker: wrong or missing cluster token"),
            "{}",
            w.output()
        );
        w.assert_no_panic();
    }
    assert!(master.output().contains("refused worker"));
    // An unresolvable master: a clear message, retried, no panic.
    let mut lost = Proc::spawn(
        "unresolvable",
        &["--worker", "--master-host", "no-such-master.invalid"],
        &[],
    );
    lost.wait_line(
        "cannot resolve the master host `no-such-master.invalid`",
        Duration::from_secs(20),
    );
    assert!(lost.try_exit().is_none());
    lost.kill9();
    lost.assert_no_panic();
    // The master still serves a good worker after all that.
    let args = worker_args(port);
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut good = Proc::spawn(
        "good",
        &refs,
        &[("MILMOVE_LOAD_CLUSTER_TOKEN", "right-token")],
    );
    assert!(
        master.wait_exit(Duration::from_secs(40)).success(),
        "{}",
        master.output()
    );
    assert!(good.wait_exit(Duration::from_secs(10)).success());
    master.assert_no_panic();
    assert!(server.count() > 0);
    // A master on a non-loopback address without a token refuses to start.
    let mut open = Proc::spawn(
        "open master",
        &[
            "--master",
            "--master-bind-host",
            "0.0.0.0",
            "--master-bind-port",
            "0",
            "--headless",
        ],
        &[],
    );
    assert_eq!(open.wait_exit(Duration::from_secs(20)).code(), Some(2));
    assert!(
        open.output().contains("without a cluster token"),
        "{}",
        open.output()
    );
}

#[test]
fn ctrl_c_on_the_master_stops_every_worker_and_writes_the_reports() {
    let _serial = serial();
    let rt = runtime();
    let server = rt.block_on(CountingServer::start());
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut workers: Vec<Proc> = (0..2)
        .map(|i| spawn_worker(&format!("worker{i}"), port, &[]))
        .collect();
    let json = dir.path().join("run.json");
    let port_s = port.to_string();
    let extra = [
        "--expect-workers",
        "2",
        "-u",
        "6",
        "-r",
        "100",
        "-t",
        "60s",
        "--json",
        json.to_str().unwrap(),
    ];
    let mut master = Proc::spawn("master", &master_args(&port_s, &server.url, &extra), &[]);
    for w in &workers {
        w.wait_line("running", Duration::from_secs(30));
    }
    std::thread::sleep(Duration::from_secs(2));
    master.interrupt();
    let status = master.wait_exit(Duration::from_secs(30));
    assert!(status.success(), "{status}\n{}", master.output());
    for w in &mut workers {
        assert!(
            w.wait_exit(Duration::from_secs(10)).success(),
            "{}",
            w.output()
        );
        assert!(
            w.output().contains("the test is over (stopped)"),
            "{}",
            w.output()
        );
    }
    let report = read_json(&json);
    assert_eq!(report["run"]["end_reason"], "stopped");
    assert_eq!(report["total"]["requests"].as_u64(), Some(server.count()));
}

#[test]
fn stages_and_arrival_rate_mean_what_they_mean_in_one_process() {
    let _serial = serial();
    let rt = runtime();
    let server = rt.block_on(CountingServer::start());
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let port_s = port.to_string();
    // Stages: the shape's last stage sets the per-class counts, as in one process.
    let mut workers: Vec<Proc> = (0..2)
        .map(|i| spawn_worker(&format!("worker{i}"), port, &[]))
        .collect();
    let json = dir.path().join("stages.json");
    let extra = [
        "--expect-workers",
        "2",
        "--stages",
        "4:100:2s,9:100:3s",
        "--json",
        json.to_str().unwrap(),
    ];
    let mut master = Proc::spawn("master", &master_args(&port_s, &server.url, &extra), &[]);
    assert!(
        master.wait_exit(Duration::from_secs(40)).success(),
        "{}",
        master.output()
    );
    for w in &mut workers {
        w.wait_exit(Duration::from_secs(10));
    }
    let report = read_json(&json);
    assert_eq!(report["run"]["end_reason"], "shape finished");
    assert_eq!(users_at_stop(&report), single_process(9));
    assert_eq!(report["total"]["requests"].as_u64(), Some(server.count()));

    // Arrival rate: 40 iterations/s split over two workers, corrected latency reported.
    let before = server.count();
    let mut workers: Vec<Proc> = (0..2)
        .map(|i| spawn_worker(&format!("worker{i}"), port, &[]))
        .collect();
    let json = dir.path().join("arrival.json");
    let extra = [
        "--expect-workers",
        "2",
        "-u",
        "8",
        "--arrival-rate",
        "40",
        "-t",
        "5s",
        "--json",
        json.to_str().unwrap(),
    ];
    let mut master = Proc::spawn("master", &master_args(&port_s, &server.url, &extra), &[]);
    assert!(
        master.wait_exit(Duration::from_secs(40)).success(),
        "{}",
        master.output()
    );
    for w in &mut workers {
        w.wait_exit(Duration::from_secs(10));
    }
    let report = read_json(&json);
    let total = report["total"]["requests"].as_u64().unwrap();
    assert_eq!(total, server.count() - before);
    assert!(
        (150..=240).contains(&total),
        "{total} iterations at 40/s for 5 s"
    );
    assert!(report["total"]["corrected_latency_us"]["count"].as_u64() == Some(total));
    for w in report["cluster"]["workers"].as_array().unwrap() {
        let n = w["requests_reported"].as_u64().unwrap();
        assert!(
            n * 3 >= total,
            "each worker serves about half the rate: {n} of {total}"
        );
    }
}
