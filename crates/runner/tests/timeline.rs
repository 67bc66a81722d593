//! The per-interval timeline: each point holds exactly the requests of its interval (true
//! interval percentiles, not averages), merging keeps that exact, and memory stays bounded.

use hdrhistogram::Histogram;
use milmove_runner::stats::{RequestRecord, StatsConfig, StatsHub, PERCENTILES_TO_REPORT};

fn hist(values: &[u64]) -> Histogram<u64> {
    let mut h = Histogram::<u64>::new(3).unwrap();
    for v in values {
        h.record(*v).unwrap();
    }
    h
}

fn expected(values: &[u64], q: f64) -> u64 {
    let h = hist(values);
    if q >= 1.0 {
        h.max()
    } else {
        h.value_at_quantile(q)
    }
}

#[test]
fn each_point_holds_exactly_its_interval() {
    let hub = StatsHub::default();
    let slow: Vec<u64> = (1..=200).map(|i| 50_000 + i * 997).collect();
    let fast: Vec<u64> = (1..=300).map(|i| 1_000 + i * 13).collect();
    for v in &slow {
        hub.record(RequestRecord::new("GET", "/a", *v));
    }
    hub.sample();
    for v in &fast {
        hub.record(RequestRecord::new("GET", "/a", *v));
    }
    hub.record(RequestRecord::new("POST", "/b", 7_000).error("HTTP 500"));
    hub.sample();
    let points = hub.timeline();
    assert_eq!(points.len(), 2);
    assert_eq!(points[0].total.requests, 200);
    assert_eq!(points[1].total.requests, 301);
    assert_eq!(points[1].total.failures, 1);
    let a0 = points[0].entry("GET", "/a").unwrap().raw.as_ref().unwrap();
    let a1 = points[1].entry("GET", "/a").unwrap().raw.as_ref().unwrap();
    for q in PERCENTILES_TO_REPORT {
        assert_eq!(
            a0.percentile_us(q),
            Some(expected(&slow, q)),
            "p{q} of interval 1"
        );
        assert_eq!(
            a1.percentile_us(q),
            Some(expected(&fast, q)),
            "p{q} of interval 2"
        );
    }
    // An arbitrary percentile comes from the stored histogram.
    assert_eq!(a1.percentile_us(0.42), Some(expected(&fast, 0.42)));
    assert!(points[0].entry("POST", "/b").is_none());
    // The cumulative p50 would mix both intervals; the interval's is its own.
    let cumulative = hub
        .snapshot()
        .entry(Some("GET"), "/a")
        .unwrap()
        .raw
        .percentile_us(0.5)
        .unwrap();
    assert_ne!(cumulative, a1.percentile_us(0.5).unwrap());
}

#[test]
fn corrected_series_is_kept_per_interval() {
    let hub = StatsHub::default();
    hub.record(RequestRecord::new("GET", "/", 1_000).corrected(250_000));
    hub.record(RequestRecord::new("GET", "/", 1_100).corrected(260_000));
    hub.sample();
    let p = &hub.timeline()[0];
    let row = p.entry("GET", "/").unwrap();
    assert_eq!(row.raw.as_ref().unwrap().count, 2);
    assert!(row.corrected.as_ref().unwrap().percentile_us(0.5).unwrap() >= 249_000);
    assert!(row.primary().unwrap().percentile_us(1.0).unwrap() >= 259_000);
}

#[test]
fn long_runs_merge_points_exactly_and_stay_bounded() {
    let hub = StatsHub::new(StatsConfig {
        timeline_points: 16,
        ..StatsConfig::default()
    });
    let mut all = Vec::new();
    for i in 0..200u64 {
        let v = 1_000 + (i * 7919) % 90_000;
        hub.record(RequestRecord::new("GET", "/x", v));
        hub.record(RequestRecord::new("GET", "/x", v / 2 + 10));
        all.push(v);
        all.push(v / 2 + 10);
        hub.sample();
    }
    let points = hub.timeline();
    assert!(points.len() <= 16, "{} points", points.len());
    assert!(hub.timeline_factor() >= 16);
    let total: u64 = points.iter().map(|p| p.total.requests).sum();
    assert_eq!(total, 400, "no request lost or counted twice by merging");
    // Merged intervals are exact: the union of the points' histograms is the histogram of
    // every sample.
    let mut merged = Histogram::<u64>::new(3).unwrap();
    for p in &points {
        merged
            .add(p.total.raw.as_ref().unwrap().histogram().unwrap())
            .unwrap();
    }
    let direct = hist(&all);
    for q in PERCENTILES_TO_REPORT {
        let want = if q >= 1.0 {
            direct.max()
        } else {
            direct.value_at_quantile(q)
        };
        let got = if q >= 1.0 {
            merged.max()
        } else {
            merged.value_at_quantile(q)
        };
        assert_eq!(got, want);
    }
    // Time is continuous: every point starts where the previous one ended.
    for w in points.windows(2) {
        assert_eq!(w[0].end, w[1].start);
    }
}

#[test]
fn reset_clears_the_timeline() {
    let hub = StatsHub::default();
    hub.record(RequestRecord::new("GET", "/", 1_000));
    hub.sample();
    hub.reset();
    assert!(hub.timeline().is_empty());
    hub.record(RequestRecord::new("GET", "/", 2_000));
    hub.sample();
    let points = hub.timeline();
    assert_eq!(points.len(), 1);
    assert_eq!(points[0].total.requests, 1);
}

#[test]
fn a_final_sliver_folds_into_the_last_point() {
    let hub = StatsHub::default();
    hub.set_user_count(3);
    hub.record(RequestRecord::new("GET", "/", 1_000));
    std::thread::sleep(std::time::Duration::from_millis(200));
    hub.sample();
    hub.set_user_count(0);
    hub.record(RequestRecord::new("GET", "/", 2_000));
    hub.sample_final();
    let points = hub.timeline();
    assert_eq!(points.len(), 1, "the sliver has no point of its own");
    assert_eq!(points[0].total.requests, 2, "its requests are kept");
    assert_eq!(points[0].user_count, 3);
}
