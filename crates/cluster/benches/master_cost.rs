//! Master cost: a real headless master (the demo binary, a child process) serving 20
//! synthetic workers, each sending heartbeats and, every second, a delta of 50 endpoints with
//! realistic histograms (raw and corrected). Prints the master's CPU as a percent of one core.
//!
//! `cargo bench -p milmove-cluster --bench master_cost` (env `WORKERS`, `ENDPOINTS`,
//! `SECONDS`, `SAMPLES` per endpoint and delta, `CORRECTED=1` for arrival-rate deltas that
//! carry a corrected series beside the raw one).

use milmove_cluster::proto::{delta_to_pb, pb, PROTOCOL_VERSION};
use milmove_runner::stats::{RequestRecord, StatsHub};
use pb::master_message::Kind as M;
use pb::worker_message::Kind as W;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio_stream::wrappers::UnboundedReceiverStream;

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// utime + stime of a process, from /proc.
fn cpu_of(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<u64> = after
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0))
        .collect();
    // Fields 14 and 15 (utime, stime) are the 12th and 13th after the command name.
    let ticks = f.get(11).copied().unwrap_or(0) + f.get(12).copied().unwrap_or(0);
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    Duration::from_micros(ticks * 1_000_000 / hz)
}

/// One second of a worker's figures: `endpoints` rows of `samples` requests each.
fn delta(endpoints: u64, samples: u64, seed: u64) -> pb::StatsDelta {
    let corrected = env("CORRECTED", 0) == 1;
    let hub = StatsHub::default();
    let mut x = seed | 1;
    for e in 0..endpoints {
        let name = format!("/api/endpoint/{e}");
        for _ in 0..samples {
            // xorshift: latencies spread over 1 ms .. 2 s, a few failures.
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let us = 1_000 + (x % 2_000_000) * (x % 7 + 1) / 7;
            let mut r = RequestRecord::new("GET", &name, us);
            if corrected {
                r = r.corrected(us + x % 5_000);
            }
            if x.is_multiple_of(97) {
                r = r.error("HTTP 503");
            }
            hub.record(r);
        }
    }
    delta_to_pb(&hub.take_delta("bench"))
}

async fn synthetic_worker(port: u16, i: u64, endpoints: u64, samples: u64, seconds: u64) {
    let url = format!("http://127.0.0.1:{port}");
    let mut client = loop {
        match pb::cluster_client::ClusterClient::connect(url.clone()).await {
            Ok(c) => break c.max_encoding_message_size(64 << 20),
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    };
    let (tx, rx) = mpsc::unbounded_channel();
    let send = |kind| {
        let _ = tx.send(pb::WorkerMessage { kind: Some(kind) });
    };
    send(W::Hello(pb::Hello {
        protocol_version: PROTOCOL_VERSION,
        worker_id: format!("synthetic-{i:02}"),
        host: "bench".into(),
        classes: vec!["Reader".into(), "Writer".into(), "Admin".into()],
        ..Default::default()
    }));
    let mut inbound = client
        .join(UnboundedReceiverStream::new(rx))
        .await
        .unwrap()
        .into_inner();
    // Pre-built deltas (the cost measured is the master's, not ours).
    let deltas: Vec<pb::StatsDelta> = (0..4)
        .map(|k| delta(endpoints, samples, i * 31 + k))
        .collect();
    let mut test_id = 0;
    let mut users = 0;
    let mut seq = 0;
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let end = Instant::now() + Duration::from_secs(seconds + 30);
    while Instant::now() < end {
        tokio::select! {
            m = inbound.message() => match m {
                Ok(Some(pb::MasterMessage { kind: Some(M::Share(s)) })) => {
                    test_id = s.test_id;
                    users = s.users_by_class.values().sum();
                }
                Ok(Some(pb::MasterMessage { kind: Some(M::Stop(s)) })) => {
                    send(W::Stopped(pb::Stopped { test_id: s.test_id, stop_id: s.stop_id, last_seq: seq, ..Default::default() }));
                }
                Ok(Some(pb::MasterMessage { kind: Some(M::Quit(_)) })) | Ok(None) | Err(_) => return,
                Ok(Some(_)) => {}
            },
            _ = tick.tick() => {
                send(W::Heartbeat(pb::WorkerHeartbeat {
                    state: pb::WorkerState::Running as i32, test_id, users,
                    cpu_percent: 10.0, memory_bytes: 50 << 20, ..Default::default()
                }));
                if test_id > 0 {
                    seq += 1;
                    send(W::Delta(pb::Delta {
                        seq, test_id, epoch: 0,
                        stats: Some(deltas[(seq % 4) as usize].clone()),
                    }));
                }
            }
        }
    }
}

fn main() {
    let workers = env("WORKERS", 20);
    let endpoints = env("ENDPOINTS", 50);
    let seconds = env("SECONDS", 20);
    let samples = env("SAMPLES", 100);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let bytes = {
        use prost::Message;
        delta(endpoints, samples, 1).encoded_len()
    };
    let mut master = Command::new(env!("CARGO_BIN_EXE_milmove-cluster-demo"))
        .args([
            "--master",
            "--master-bind-port",
            &port.to_string(),
            "--expect-workers",
            &workers.to_string(),
            "-H",
            "http://127.0.0.1:9",
            "-u",
            "1000",
            "-t",
            &format!("{seconds}s"),
            "--headless",
            "--print-interval",
            "2",
        ])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let pid = master.id();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let handles: Vec<_> = (0..workers)
        .map(|i| rt.spawn(synthetic_worker(port, i, endpoints, samples, seconds)))
        .collect();
    // Measure the steady state: from 2 s after the start to 1 s before the end.
    std::thread::sleep(Duration::from_secs(3));
    let (cpu0, t0) = (cpu_of(pid), Instant::now());
    std::thread::sleep(Duration::from_secs(seconds.saturating_sub(4).max(1)));
    let (cpu1, t1) = (cpu_of(pid), Instant::now());
    let status = master.wait().unwrap();
    for h in handles {
        let _ = rt.block_on(h);
    }
    let pct = 100.0 * (cpu1 - cpu0).as_secs_f64() / (t1 - t0).as_secs_f64();
    println!(
        "master cost: {workers} workers x {endpoints} endpoints ({samples} samples each{}, \
         {bytes} bytes per delta), one delta per worker per second: master CPU {pct:.2}% of one \
         core over {:.1} s (target < 5%); master exit {status}",
        if env("CORRECTED", 0) == 1 {
            ", raw + corrected"
        } else {
            ", raw"
        },
        (t1 - t0).as_secs_f64()
    );
}
