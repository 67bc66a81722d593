//! Merged statistics equal those of one histogram holding every sample, whatever the
//! split of the samples over threads (and so over shards).

use hdrhistogram::Histogram;
use milmove_runner::stats::{RequestRecord, StatsConfig, StatsHub, PERCENTILES_TO_REPORT};
use proptest::prelude::*;

const NAMES: [&str; 3] = ["/", "/item/{n}", "/moves"];

#[derive(Clone, Debug)]
struct Sample {
    endpoint: usize,
    us: u64,
    thread: usize,
    failed: bool,
    bytes: u64,
}

fn sample() -> impl Strategy<Value = Sample> {
    (
        0..NAMES.len(),
        prop_oneof![0u64..5_000, 0u64..200_000_000],
        0usize..4,
        any::<bool>(),
        0u64..10_000,
    )
        .prop_map(|(endpoint, us, thread, failed, bytes)| Sample {
            endpoint,
            us,
            thread,
            failed,
            bytes,
        })
}

fn record_on_threads(hub: &StatsHub, samples: &[Sample]) {
    std::thread::scope(|s| {
        for t in 0..4 {
            s.spawn(move || {
                for x in samples.iter().filter(|x| x.thread == t) {
                    let mut r =
                        RequestRecord::new("GET", NAMES[x.endpoint], x.us).content_length(x.bytes);
                    if x.failed {
                        r = r.error("HTTP 500");
                    }
                    hub.record(r);
                }
            });
        }
    });
}

fn reference(samples: &[&Sample]) -> Histogram<u64> {
    let mut h = Histogram::<u64>::new(3).unwrap();
    for x in samples {
        h.record(x.us).unwrap();
    }
    h
}

fn check(
    l: &milmove_runner::stats::LatencyStats,
    samples: &[&Sample],
    extra_q: f64,
) -> Result<(), TestCaseError> {
    let h = reference(samples);
    prop_assert_eq!(l.count(), samples.len() as u64);
    prop_assert!(
        l.histogram() == &h,
        "merged histogram differs from the single one"
    );
    if samples.is_empty() {
        prop_assert_eq!(l.percentile_us(0.5), None);
        return Ok(());
    }
    let min = samples.iter().map(|x| x.us).min().unwrap();
    let max = samples.iter().map(|x| x.us).max().unwrap();
    let sum: u64 = samples.iter().map(|x| x.us).sum();
    prop_assert_eq!(l.min_us(), Some(min));
    prop_assert_eq!(l.max_us(), Some(max));
    prop_assert_eq!(l.sum_us(), sum);
    for q in PERCENTILES_TO_REPORT.into_iter().chain([extra_q]) {
        let expected = if q >= 1.0 {
            max
        } else {
            h.value_at_quantile(q).clamp(min, max)
        };
        prop_assert_eq!(l.percentile_us(q), Some(expected), "quantile {}", q);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn merged_equals_single_histogram(samples in prop::collection::vec(sample(), 0..400), q in 0.0f64..1.0) {
        let hub = StatsHub::new(StatsConfig { shards: Some(4), ..StatsConfig::default() });
        record_on_threads(&hub, &samples);
        let snap = hub.snapshot();

        let all: Vec<&Sample> = samples.iter().collect();
        check(&snap.total.raw, &all, q)?;
        prop_assert_eq!(snap.total.num_failures, samples.iter().filter(|x| x.failed).count() as u64);
        prop_assert_eq!(snap.total.total_content_length, samples.iter().map(|x| x.bytes).sum::<u64>());

        for (i, name) in NAMES.iter().enumerate() {
            let mine: Vec<&Sample> = samples.iter().filter(|x| x.endpoint == i).collect();
            match snap.entry(Some("GET"), name) {
                Some(e) => {
                    check(&e.raw, &mine, q)?;
                    let fails = mine.iter().filter(|x| x.failed).count() as u64;
                    prop_assert_eq!(e.num_failures, fails);
                    let grouped = snap.errors.iter().find(|f| f.name == *name).map_or(0, |f| f.occurrences);
                    prop_assert_eq!(grouped, fails);
                }
                None => prop_assert!(mine.is_empty()),
            }
        }
    }
}

#[test]
fn many_threads_and_one_thread_give_identical_snapshots() {
    let samples: Vec<Sample> = (0..10_000u64)
        .map(|i| Sample {
            endpoint: (i % 3) as usize,
            us: (i * 7919) % 3_000_000,
            thread: (i % 4) as usize,
            failed: i % 10 == 0,
            bytes: i % 300,
        })
        .collect();
    let sharded = StatsHub::default();
    record_on_threads(&sharded, &samples);
    let single = StatsHub::new(StatsConfig {
        shards: Some(1),
        ..StatsConfig::default()
    });
    for x in &samples {
        let mut r = RequestRecord::new("GET", NAMES[x.endpoint], x.us).content_length(x.bytes);
        if x.failed {
            r = r.error("HTTP 500");
        }
        single.record(r);
    }
    let (a, b) = (sharded.snapshot(), single.snapshot());
    assert_eq!(a.entries.len(), b.entries.len());
    for (x, y) in a
        .entries
        .iter()
        .chain([&a.total])
        .zip(b.entries.iter().chain([&b.total]))
    {
        assert_eq!(
            (&x.method, &x.name, x.num_requests, x.num_failures),
            (&y.method, &y.name, y.num_requests, y.num_failures)
        );
        assert!(x.raw.histogram() == y.raw.histogram());
        for q in PERCENTILES_TO_REPORT {
            assert_eq!(x.raw.percentile_us(q), y.raw.percentile_us(q));
        }
    }
    assert_eq!(a.errors, b.errors);
}
