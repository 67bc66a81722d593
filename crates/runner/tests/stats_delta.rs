//! Statistics deltas: a master that applied every worker's deltas holds exactly what one hub
//! recording every sample holds (every percentile, count, max), whatever the split of the
//! samples over workers and deltas; concurrent recording loses nothing and counts nothing
//! twice; bad deltas are refused whole.

use milmove_runner::stats::{
    EntrySnapshot, LatencyStats, RequestRecord, StatsConfig, StatsDelta, StatsHub, StatsSnapshot,
    PERCENTILES_TO_REPORT,
};
use proptest::prelude::*;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

const NAMES: [&str; 3] = ["/", "/item/{n}", "/moves"];
const ERRORS: [&str; 2] = ["HTTP 500", "connection refused"];

#[derive(Clone, Debug)]
struct Sample {
    endpoint: usize,
    us: u64,
    corrected_extra: Option<u64>,
    worker: usize,
    /// Take a delta on this worker right after this sample.
    cut_after: bool,
    error: Option<usize>,
    bytes: u64,
}

fn sample() -> impl Strategy<Value = Sample> {
    (
        0..NAMES.len(),
        prop_oneof![0u64..5_000, 0u64..200_000_000],
        prop::option::of(0u64..1_000_000),
        0usize..4,
        prop::bool::weighted(0.1),
        prop::option::of(0..ERRORS.len()),
        0u64..10_000,
    )
        .prop_map(
            |(endpoint, us, corrected_extra, worker, cut_after, error, bytes)| Sample {
                endpoint,
                us,
                corrected_extra,
                worker,
                cut_after,
                error,
                bytes,
            },
        )
}

fn record(hub: &StatsHub, x: &Sample) {
    let mut r = RequestRecord::new("GET", NAMES[x.endpoint], x.us).content_length(x.bytes);
    if let Some(extra) = x.corrected_extra {
        r = r.corrected(x.us + extra);
    }
    if let Some(e) = x.error {
        r = r.error(ERRORS[e]);
    }
    hub.record(r);
}

/// Through JSON and back: what a transport would carry.
fn ship(delta: &StatsDelta) -> StatsDelta {
    serde_json::from_str(&serde_json::to_string(delta).unwrap()).unwrap()
}

fn same_series(a: &LatencyStats, b: &LatencyStats, what: &str) -> Result<(), TestCaseError> {
    prop_assert_eq!(a.count(), b.count(), "{} count", what);
    prop_assert_eq!(a.sum_us(), b.sum_us(), "{} sum", what);
    prop_assert_eq!(a.min_us(), b.min_us(), "{} min", what);
    prop_assert_eq!(a.max_us(), b.max_us(), "{} max", what);
    prop_assert!(a.histogram() == b.histogram(), "{} histogram", what);
    for q in PERCENTILES_TO_REPORT
        .into_iter()
        .chain([0.0, 0.1, 0.333, 0.5001, 0.97, 0.99999])
    {
        prop_assert_eq!(a.percentile_us(q), b.percentile_us(q), "{} q={}", what, q);
    }
    Ok(())
}

fn same_entry(a: &EntrySnapshot, b: &EntrySnapshot) -> Result<(), TestCaseError> {
    prop_assert_eq!(&a.method, &b.method);
    prop_assert_eq!(&a.name, &b.name);
    prop_assert_eq!(a.num_requests, b.num_requests);
    prop_assert_eq!(a.num_failures, b.num_failures);
    prop_assert_eq!(a.total_content_length, b.total_content_length);
    same_series(&a.raw, &b.raw, &format!("{} raw", a.name))?;
    prop_assert_eq!(a.corrected.is_some(), b.corrected.is_some());
    if let (Some(x), Some(y)) = (&a.corrected, &b.corrected) {
        same_series(x, y, &format!("{} corrected", a.name))?;
    }
    Ok(())
}

fn same_snapshot(merged: &StatsSnapshot, single: &StatsSnapshot) -> Result<(), TestCaseError> {
    prop_assert_eq!(merged.entries.len(), single.entries.len());
    for (a, b) in merged.entries.iter().zip(&single.entries) {
        same_entry(a, b)?;
    }
    same_entry(&merged.total, &single.total)?;
    prop_assert_eq!(&merged.errors, &single.errors);
    Ok(())
}

fn hub() -> StatsHub {
    StatsHub::new(StatsConfig {
        shards: Some(4),
        ..StatsConfig::default()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn merged_deltas_equal_one_hub_of_all_samples(samples in prop::collection::vec(sample(), 0..400)) {
        let single = hub();
        let workers: Vec<StatsHub> = (0..4).map(|_| hub()).collect();
        let master = hub();
        for x in &samples {
            record(&single, x);
            record(&workers[x.worker], x);
            if x.cut_after {
                let d = workers[x.worker].take_delta(&format!("w{}", x.worker));
                master.apply_delta(&ship(&d)).unwrap();
            }
        }
        for (i, w) in workers.iter().enumerate() {
            master.apply_delta(&ship(&w.take_delta(&format!("w{i}")))).unwrap();
            // Taking deltas leaves the worker's own snapshot whole.
            let mine: Vec<&Sample> = samples.iter().filter(|x| x.worker == i).collect();
            prop_assert_eq!(w.snapshot().total.num_requests, mine.len() as u64);
            // And nothing is left to send.
            prop_assert!(w.take_delta("again").is_empty());
        }
        same_snapshot(&master.snapshot(), &single.snapshot())?;
    }
}

#[test]
fn concurrent_recording_is_in_exactly_one_delta() {
    let worker = Arc::new(hub());
    let master = hub();
    let done = Arc::new(AtomicBool::new(false));
    let recorded = Arc::new(AtomicU64::new(0));
    let takes = Arc::new(AtomicU64::new(0));
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let (worker, recorded, takes) = (worker.clone(), recorded.clone(), takes.clone());
            std::thread::spawn(move || {
                // Record until deltas were taken meanwhile (whatever the scheduling).
                let mut i = 0u64;
                while i < 50_000 || takes.load(Ordering::Relaxed) < 20 {
                    i += 1;
                    let mut r = RequestRecord::new("GET", NAMES[(i % 3) as usize], i % 10_007 + t);
                    if i.is_multiple_of(17) {
                        r = r.error("HTTP 500");
                    }
                    worker.record(r);
                    recorded.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    let taker = {
        let (worker, done, takes) = (worker.clone(), done.clone(), takes.clone());
        std::thread::spawn(move || {
            let mut deltas = Vec::new();
            while !done.load(Ordering::Relaxed) {
                deltas.push(worker.take_delta("w"));
                takes.fetch_add(1, Ordering::Relaxed);
                std::thread::yield_now();
            }
            deltas
        })
    };
    for t in threads {
        t.join().unwrap();
    }
    done.store(true, Ordering::Relaxed);
    let mut deltas = taker.join().unwrap();
    deltas.push(worker.take_delta("w"));
    assert!(deltas.len() > 20, "deltas were taken while recording");
    for d in &deltas {
        master.apply_delta(d).unwrap();
    }
    let (m, w) = (master.snapshot(), worker.snapshot());
    assert!(m.total.num_requests >= 200_000);
    assert_eq!(m.total.num_requests, recorded.load(Ordering::Relaxed));
    assert_eq!(m.total.num_failures, w.total.num_failures);
    assert!(m.total.raw.histogram() == w.total.raw.histogram());
    assert_eq!(m.errors, w.errors);
}

#[test]
fn exceptions_and_users_travel_with_their_node() {
    let (a, b, master) = (hub(), hub(), hub());
    a.record_exception("boom", "Web > index");
    a.record_exception("boom", "Web > index");
    b.record_exception("boom", "Web > index");
    b.record_exception("bad", "Web > item");
    a.set_user_count(7);
    let da = a.take_delta("alpha");
    assert_eq!(da.user_count, 7);
    assert_eq!(da.exceptions.len(), 1);
    assert_eq!(da.exceptions[0].count, 2);
    master.apply_delta(&da).unwrap();
    master.apply_delta(&b.take_delta("beta")).unwrap();
    // Only new occurrences are sent next time.
    a.record_exception("boom", "Web > index");
    let again = a.take_delta("alpha");
    assert_eq!(again.exceptions[0].count, 1);
    master.apply_delta(&again).unwrap();
    let ex = master.snapshot().exceptions;
    assert_eq!(ex.len(), 2);
    assert_eq!(ex[0].traceback, "Web > index");
    assert_eq!(ex[0].count, 4);
    assert_eq!(ex[0].nodes, vec!["alpha".to_string(), "beta".to_string()]);
    assert_eq!(ex[1].count, 1);
    assert_eq!(ex[1].nodes, vec!["beta".to_string()]);
}

#[test]
fn a_master_reset_and_rolling_window_work_on_merged_data() {
    let (w, master) = (hub(), hub());
    for i in 0..100 {
        w.record(RequestRecord::new("GET", "/", 1_000 + i));
    }
    master.apply_delta(&w.take_delta("w")).unwrap();
    let snap = master.snapshot();
    assert_eq!(snap.total.num_requests, 100);
    assert!(snap.last_request_at.is_some());
    assert!(snap.total.total_rps > 0.0);
    assert_eq!(snap.total.current_count(), 100);
    let sample = master.sample_history();
    assert_eq!(sample.total.num_requests, 100);
    master.reset();
    assert_eq!(master.snapshot().total.num_requests, 0);
    assert_eq!(master.snapshot().entries.len(), 1, "the row stays, empty");
}

#[test]
fn bad_deltas_are_refused_whole() {
    let w = hub();
    w.record(RequestRecord::new("GET", "/", 10));
    w.record(RequestRecord::new("GET", "/moves", 10));
    let good = w.take_delta("w");
    let master = hub();

    let mut garbage = good.clone();
    garbage.entries[1].raw.histogram = b"not a histogram".to_vec();
    let err = master.apply_delta(&garbage).unwrap_err().to_string();
    assert!(err.contains("/moves") && err.contains("histogram"), "{err}");

    let mut lying = good.clone();
    lying.entries[1].num_requests = 5;
    let err = master.apply_delta(&lying).unwrap_err().to_string();
    assert!(err.contains("inconsistent"), "{err}");

    let mut failures = good.clone();
    failures.entries[0].num_failures = 1;
    assert!(master.apply_delta(&failures).is_err());

    // Nothing of the refused deltas was applied (not even their first, valid row).
    assert_eq!(master.snapshot().total.num_requests, 0);
    master.apply_delta(&good).unwrap();
    assert_eq!(master.snapshot().total.num_requests, 2);
}

#[test]
fn histograms_are_sparse() {
    // A 3-digit histogram up to 2 s has about 12,000 counters (96 KB as u64s); V2 writes a run
    // of empty ones as one number, so a delta costs a few bytes per non-empty bucket.
    let w = hub();
    for i in 0..100u64 {
        w.record(RequestRecord::new(
            "GET",
            "/few",
            1_000 + (i * 7919) % 2_000_000,
        ));
    }
    for i in 0..10_000u64 {
        w.record(RequestRecord::new("GET", "/many", (i * 7919) % 2_000_000));
    }
    let d = w.take_delta("w");
    let size = |name: &str| {
        let e = d.entries.iter().find(|e| e.name == name).unwrap();
        e.raw.histogram.len()
    };
    let (few, many) = (size("/few"), size("/many"));
    eprintln!("V2 bytes: 100 samples {few}, 10,000 samples {many}");
    assert!(few < 40 + 100 * 4, "{few} bytes for 100 samples");
    assert!(many < 8_000, "{many} bytes for 10,000 samples");
}
