//! The recording hot path: one thread, and several threads recording at once.
//!
//! `cargo bench -p milmove-runner --bench record`

use std::hint::black_box;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use milmove_runner::stats::{RequestRecord, StatsHub};

const NAMES: [&str; 8] = [
    "/",
    "/item/{n}",
    "/moves",
    "/moves/{id}",
    "/orders",
    "/orders/{id}",
    "/users",
    "/users/{id}",
];

fn record_one(hub: &StatsHub, i: u64) {
    let name = NAMES[(i % 8) as usize];
    let mut r = RequestRecord::new("GET", name, 500 + (i * 7919) % 200_000).content_length(200);
    if i.is_multiple_of(64) {
        r = r.error("HTTP 500 Internal Server Error");
    }
    hub.record(black_box(r));
}

fn single_thread(c: &mut Criterion) {
    let mut g = c.benchmark_group("record");
    g.throughput(Throughput::Elements(1));
    let hub = StatsHub::default();
    let mut i = 0u64;
    g.bench_function("single_thread", |b| {
        b.iter(|| {
            i = i.wrapping_add(1);
            record_one(&hub, i);
        })
    });
    g.finish();
}

/// Time for `threads` threads to record `iters` records each (all start together).
fn contended(threads: usize, iters: u64) -> Duration {
    let hub = Arc::new(StatsHub::default());
    let barrier = Arc::new(Barrier::new(threads + 1));
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let (hub, barrier) = (hub.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                for i in 0..iters {
                    record_one(&hub, i.wrapping_mul(threads as u64) + t as u64);
                }
            })
        })
        .collect();
    barrier.wait();
    let start = Instant::now();
    for h in handles {
        h.join().expect("recording thread panicked");
    }
    start.elapsed()
}

fn multi_thread(c: &mut Criterion) {
    let mut g = c.benchmark_group("record_contended");
    for threads in [2usize, 4, 8] {
        // Throughput is per record over all threads.
        g.throughput(Throughput::Elements(threads as u64));
        g.bench_function(format!("{threads}_threads"), |b| {
            b.iter_custom(|iters| contended(threads, iters))
        });
    }
    g.finish();
}

fn snapshot(c: &mut Criterion) {
    let hub = StatsHub::default();
    for i in 0..100_000 {
        record_one(&hub, i);
    }
    c.bench_function("snapshot_8_endpoints_100k_samples", |b| {
        b.iter(|| black_box(hub.snapshot()))
    });
}

criterion_group!(benches, single_thread, multi_thread, snapshot);
criterion_main!(benches);
