//! Cost of one `/metrics` scrape: the statistics snapshot plus the Prometheus text, for 50
//! endpoints with 20,000 recorded requests each (latencies spread from 1 ms to 20 s, as an HDR
//! histogram of a real API fills many cells). Prints the size of the text beside the timing.
//!
//! `cargo bench -p milmove-ui --bench metrics_render`

use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};
use milmove_runner::control::{FixedClasses, LocalController, Readiness, TestController};
use milmove_runner::stats::RequestRecord;
use milmove_runner::{Hooks, RunConfig, TaskResult, User, UserClass};

const ENDPOINTS: usize = 50;
const REQUESTS_PER_ENDPOINT: u64 = 20_000;

async fn idle(_u: &mut User<()>) -> TaskResult {
    Ok(())
}

fn controller() -> Arc<dyn TestController> {
    let class = UserClass::builder::<()>("Bench").task(1, idle).build();
    let ctl = LocalController::new(
        FixedClasses::new(vec![class]),
        RunConfig::default(),
        Hooks::default(),
    );
    let hub = ctl.stats();
    let names: Vec<String> = (0..ENDPOINTS)
        .map(|i| format!("/prime/v1/endpoint-{i}/{{id}}"))
        .collect();
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for name in &names {
        for _ in 0..REQUESTS_PER_ENDPOINT {
            // xorshift: a spread of latencies over 1 ms .. ~20 s (log-uniform).
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let exp = (x % 10_000) as f64 / 10_000.0 * 4.3 + 3.0;
            let us = 10f64.powf(exp) as u64;
            let mut r = RequestRecord::new("GET", name, us).content_length(1_234);
            if x.is_multiple_of(97) {
                r = r.error("HTTP 500");
            }
            hub.record(r);
        }
    }
    Arc::new(ctl)
}

fn bench(c: &mut Criterion) {
    let ctl = controller();
    let ready = Readiness::default();
    let text = milmove_ui::metrics::render(Some(&ctl), &ready, "bench");
    println!(
        "metrics text: {} bytes, {} lines for {ENDPOINTS} endpoints",
        text.len(),
        text.lines().count()
    );
    c.bench_function("metrics_render_50_endpoints", |b| {
        b.iter(|| milmove_ui::metrics::render(Some(&ctl), &ready, "bench").len())
    });
    let snapshot_only = ctl.clone();
    c.bench_function("snapshot_only_50_endpoints", |b| {
        b.iter(|| snapshot_only.stats().snapshot().entries.len())
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
