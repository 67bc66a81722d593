//! Exact latency accumulation: an HDR histogram plus exact count, sum, min and max.

use hdrhistogram::Histogram;

/// Significant decimal digits kept by every full-precision histogram (relative error ≤ 0.1 %).
pub const SIGNIFICANT_DIGITS: u8 = 3;

/// Creates an empty auto-resizing histogram of microseconds with [`SIGNIFICANT_DIGITS`].
pub(crate) fn new_histogram() -> Histogram<u64> {
    Histogram::new(SIGNIFICANT_DIGITS).expect("3 significant digits is a valid HDR configuration")
}

/// Latency figures for one series (raw or corrected) of one endpoint, in microseconds.
///
/// Min, max, sum and count are exact; percentiles come from the HDR histogram (3 significant
/// digits) and are clamped into `[min, max]`, so `p100 == max` exactly.
#[derive(Clone, Debug)]
pub struct LatencyStats {
    histogram: Histogram<u64>,
    count: u64,
    sum_us: u64,
    min_us: u64,
    max_us: u64,
}

impl Default for LatencyStats {
    fn default() -> Self {
        Self::new()
    }
}

impl LatencyStats {
    /// An empty series.
    pub fn new() -> Self {
        Self {
            histogram: new_histogram(),
            count: 0,
            sum_us: 0,
            min_us: u64::MAX,
            max_us: 0,
        }
    }

    /// Adds decoded buckets (lowest value of the bucket, count) with their exact count, sum,
    /// minimum and maximum (a decoded delta; the caller checked that they agree).
    pub(crate) fn merge_buckets(
        &mut self,
        buckets: &[(u64, u64)],
        count: u64,
        sum_us: u64,
        min_us: u64,
        max_us: u64,
    ) {
        if count == 0 {
            return;
        }
        for &(value, n) in buckets {
            if self.histogram.record_n(value, n).is_err() {
                self.histogram.saturating_record_n(value, n);
            }
        }
        self.count += count;
        self.sum_us = self.sum_us.saturating_add(sum_us);
        self.min_us = self.min_us.min(min_us);
        self.max_us = self.max_us.max(max_us);
    }

    /// Records one sample in microseconds.
    #[inline]
    pub fn record(&mut self, us: u64) {
        if self.histogram.record(us).is_err() {
            // Beyond the auto-resize limit (i64::MAX / 2 µs): clamp instead of failing.
            self.histogram.saturating_record(us);
        }
        self.count += 1;
        self.sum_us = self.sum_us.saturating_add(us);
        self.min_us = self.min_us.min(us);
        self.max_us = self.max_us.max(us);
    }

    /// Adds every sample of `other` to `self` (exact: the result equals one series of all samples).
    pub fn merge(&mut self, other: &LatencyStats) {
        if other.count == 0 {
            return;
        }
        if self.histogram.add(&other.histogram).is_err() {
            // Only possible beyond the auto-resize limit (i64::MAX / 2 µs): clamp those values.
            for v in other.histogram.iter_recorded() {
                let (value, n) = (v.value_iterated_to(), v.count_at_value());
                if self.histogram.record_n(value, n).is_err() {
                    self.histogram.saturating_record_n(value, n);
                }
            }
        }
        self.count += other.count;
        self.sum_us = self.sum_us.saturating_add(other.sum_us);
        self.min_us = self.min_us.min(other.min_us);
        self.max_us = self.max_us.max(other.max_us);
    }

    /// Forgets every sample (keeps the allocated histogram).
    pub fn reset(&mut self) {
        self.histogram.reset();
        self.count = 0;
        self.sum_us = 0;
        self.min_us = u64::MAX;
        self.max_us = 0;
    }

    /// Number of samples.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Sum of all samples in µs.
    pub fn sum_us(&self) -> u64 {
        self.sum_us
    }

    /// Exact minimum in µs (`None` when empty).
    pub fn min_us(&self) -> Option<u64> {
        (self.count > 0).then_some(self.min_us)
    }

    /// Exact maximum in µs (`None` when empty).
    pub fn max_us(&self) -> Option<u64> {
        (self.count > 0).then_some(self.max_us)
    }

    /// Mean in µs (`None` when empty).
    pub fn mean_us(&self) -> Option<f64> {
        (self.count > 0).then(|| self.sum_us as f64 / self.count as f64)
    }

    /// The value below or at which `quantile` (0.0..=1.0) of the samples fall, in µs, clamped into
    /// `[min, max]`; `None` when empty.
    pub fn percentile_us(&self, quantile: f64) -> Option<u64> {
        if self.count == 0 {
            return None;
        }
        if quantile >= 1.0 {
            return Some(self.max_us);
        }
        let q = quantile.max(0.0);
        let v = self.histogram.value_at_quantile(q);
        Some(v.clamp(self.min_us, self.max_us))
    }

    /// The underlying histogram (µs, 3 significant digits).
    pub fn histogram(&self) -> &Histogram<u64> {
        &self.histogram
    }
}
