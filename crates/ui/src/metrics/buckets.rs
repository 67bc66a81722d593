//! The latency histogram's buckets: bounds chosen for HTTP APIs, counts read from the exact HDR
//! histogram of the statistics (not interpolated from percentiles).
//!
//! A sample falls in the first bucket whose bound is at or above it, at the HDR histogram's
//! resolution (3 significant digits): values up to 2.048 ms are exact to the microsecond;
//! above, a sample shares a histogram cell of width ≤ 0.1 % of its value, and a cell that
//! contains a bound counts as at or below that bound (as `Histogram::count_between(0, bound)`
//! counts it). The `+Inf` bucket is the exact request count.

use hdrhistogram::Histogram;
use milmove_runner::stats::LatencyStats;

/// Upper bounds of the finite buckets, in seconds: 5 ms to 60 s, dense where API latency
/// objectives usually sit (50 ms – 1 s).
pub const BOUNDS_SECONDS: [f64; 18] = [
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.4, 0.5, 0.75, 1.0, 1.5, 2.5, 5.0, 10.0,
    30.0, 60.0,
];

/// [`BOUNDS_SECONDS`] in microseconds (the statistics' unit).
fn bound_us(seconds: f64) -> u64 {
    (seconds * 1e6).round() as u64
}

/// Per-bucket (not cumulative) counts of `series` for [`BOUNDS_SECONDS`] followed by `+Inf`,
/// as `(upper bound in seconds, count)`; the counts add up to `series.count()`.
pub fn bucket_counts(series: &LatencyStats) -> Vec<(f64, u64)> {
    let bounds: Vec<u64> = BOUNDS_SECONDS.iter().map(|s| bound_us(*s)).collect();
    let mut counts = vec![0u64; bounds.len()];
    let h: &Histogram<u64> = series.histogram();
    let mut at = 0;
    // `iter_recorded` walks the non-empty cells in increasing order, so one pass suffices.
    for cell in h.iter_recorded() {
        let low = h.lowest_equivalent(cell.value_iterated_to());
        while at < bounds.len() && low > bounds[at] {
            at += 1;
        }
        if at == bounds.len() {
            break;
        }
        counts[at] += cell.count_at_value();
    }
    let finite: u64 = counts.iter().sum();
    let mut out: Vec<(f64, u64)> = BOUNDS_SECONDS.iter().copied().zip(counts).collect();
    out.push((f64::INFINITY, series.count().saturating_sub(finite)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn series(values: &[u64]) -> LatencyStats {
        let mut s = LatencyStats::new();
        for v in values {
            s.record(*v);
        }
        s
    }

    fn cumulative(buckets: &[(f64, u64)]) -> Vec<u64> {
        buckets
            .iter()
            .scan(0, |acc, (_, n)| {
                *acc += n;
                Some(*acc)
            })
            .collect()
    }

    #[test]
    fn empty_series_has_only_zero_buckets() {
        let b = bucket_counts(&LatencyStats::new());
        assert_eq!(b.len(), BOUNDS_SECONDS.len() + 1);
        assert!(b.iter().all(|(_, n)| *n == 0));
        assert!(b.last().unwrap().0.is_infinite());
    }

    #[test]
    fn exact_values_land_in_their_buckets() {
        // 1 ms and 5 ms (exact cells), 7 ms, 100 ms, 61 s (beyond every finite bound).
        let b = bucket_counts(&series(&[
            1_000, 5_000, 7_000, 100_000, 100_000, 61_000_000,
        ]));
        let at = |bound: f64| b.iter().find(|(s, _)| *s == bound).unwrap().1;
        assert_eq!(at(0.005), 2, "1 ms and 5 ms are at or below 5 ms");
        assert_eq!(at(0.01), 1);
        assert_eq!(at(0.1), 2);
        assert_eq!(at(f64::INFINITY), 1);
        assert_eq!(b.iter().map(|(_, n)| n).sum::<u64>(), 6);
    }

    #[test]
    fn a_sample_just_above_a_bound_counts_in_the_next_bucket() {
        // 5,004 µs is the first value in a cell above the one holding 5,000 µs.
        let h = LatencyStats::new();
        assert!(h.histogram().lowest_equivalent(5_004) > 5_000);
        let b = bucket_counts(&series(&[5_004]));
        assert_eq!(b[0].1, 0);
        assert_eq!(b[1].1, 1);
    }

    proptest! {
        /// Cumulative counts equal the HDR histogram's own count at or below each bound, the
        /// `+Inf` bucket closes at the exact count, and counts never decrease.
        #[test]
        fn buckets_match_the_hdr_histogram(values in proptest::collection::vec(0u64..90_000_000, 0..400)) {
            let s = series(&values);
            let b = bucket_counts(&s);
            let cum = cumulative(&b);
            for (i, seconds) in BOUNDS_SECONDS.iter().enumerate() {
                let expected = s.histogram().count_between(0, bound_us(*seconds));
                prop_assert_eq!(cum[i], expected, "bound {} s", seconds);
            }
            prop_assert_eq!(*cum.last().unwrap(), values.len() as u64);
        }

        /// Against the raw samples: a bucket's cumulative count differs from the exact count of
        /// samples at or below its bound only by samples in the bound's own HDR cell.
        #[test]
        fn buckets_match_the_raw_samples_to_hdr_resolution(values in proptest::collection::vec(0u64..90_000_000, 0..400)) {
            let s = series(&values);
            let cum = cumulative(&bucket_counts(&s));
            let h = s.histogram();
            for (i, seconds) in BOUNDS_SECONDS.iter().enumerate() {
                let bound = bound_us(*seconds);
                let exact = values.iter().filter(|v| **v <= bound).count() as u64;
                let in_cell = values
                    .iter()
                    .filter(|v| **v > bound && h.lowest_equivalent(**v) <= bound)
                    .count() as u64;
                prop_assert_eq!(cum[i], exact + in_cell, "bound {} s", seconds);
            }
        }
    }
}
