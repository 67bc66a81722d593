//! Per-interval history at a bounded resolution: for every history interval, the exact HDR
//! histogram of the requests that finished *in that interval* (per endpoint and aggregated, raw
//! and corrected), so a chart shows the true percentile of each interval — never an average of
//! percentiles.
//!
//! Each [`StatsHub::sample`](super::StatsHub::sample) adds one interval: the cumulative
//! histograms of the snapshot minus those of the previous sample. Intervals are kept as
//! [`TimelinePoint`]s (percentiles precomputed, the histogram stored V2-encoded: a few bytes per
//! non-empty bucket). When more than `max_points` points are kept, neighbouring points are merged
//! pairwise (their histograms added, which is exact) and later intervals are accumulated two at a
//! time, and so on: memory stays bounded whatever the run's length, and every point still holds
//! the exact histogram of its (longer) interval.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::time::SystemTime;

use hdrhistogram::serialization::{Deserializer, Serializer, V2Serializer};
use hdrhistogram::Histogram;

use super::history::NUM_PERCENTILES;
use super::latency::LatencyStats;
use super::snapshot::{EntrySnapshot, StatsSnapshot};
use super::PERCENTILES_TO_REPORT;

/// The latency of one row over one interval.
#[derive(Clone, Debug)]
pub struct IntervalLatency {
    /// Samples in the interval.
    pub count: u64,
    /// Mean in µs (exact: from the sum of the interval's samples, not from the histogram).
    pub mean_us: f64,
    /// Sum of the interval's samples in µs.
    pub sum_us: u64,
    /// [`PERCENTILES_TO_REPORT`] of the interval in µs (the last one is the interval's max, to
    /// the histogram's 3 significant digits).
    pub percentiles_us: [u64; NUM_PERCENTILES],
    /// The interval's histogram, V2-encoded.
    encoded: Box<[u8]>,
}

impl IntervalLatency {
    fn of(series: &Series) -> Option<Self> {
        let h = &series.hist;
        if h.is_empty() {
            return None;
        }
        let mut encoded = Vec::new();
        V2Serializer::new().serialize(h, &mut encoded).ok()?;
        Some(Self {
            count: h.len(),
            mean_us: series.sum_us as f64 / h.len() as f64,
            sum_us: series.sum_us,
            percentiles_us: PERCENTILES_TO_REPORT.map(|q| quantile(h, q)),
            encoded: encoded.into_boxed_slice(),
        })
    }

    /// The interval's percentile `q` (0..=1) in µs: from the precomputed table for the
    /// reported percentiles, otherwise from the decoded histogram.
    pub fn percentile_us(&self, q: f64) -> Option<u64> {
        if let Some(i) = PERCENTILES_TO_REPORT
            .iter()
            .position(|p| (p - q).abs() < 1e-9)
        {
            return Some(self.percentiles_us[i]);
        }
        self.histogram().map(|h| quantile(&h, q))
    }

    /// The interval's histogram (µs, 3 significant digits).
    pub fn histogram(&self) -> Option<Histogram<u64>> {
        let mut h: Histogram<u64> = Deserializer::new()
            .deserialize(&mut &self.encoded[..])
            .ok()?;
        // A decoded histogram covers only the range it was written with: let it grow, so adding
        // a later interval with larger values stays exact.
        h.auto(true);
        Some(h)
    }

    /// Bytes held by the encoded histogram.
    pub fn encoded_len(&self) -> usize {
        self.encoded.len()
    }
}

fn quantile(h: &Histogram<u64>, q: f64) -> u64 {
    if q >= 1.0 {
        h.max()
    } else {
        h.value_at_quantile(q.max(0.0))
    }
}

/// One row (an endpoint, or the aggregated row) over one interval.
#[derive(Clone, Debug)]
pub struct IntervalRow {
    /// HTTP method or row type (empty for the aggregated row).
    pub method: String,
    /// Request name, or `Aggregated`.
    pub name: String,
    /// Requests finished in the interval.
    pub requests: u64,
    /// Failures in the interval.
    pub failures: u64,
    /// Latency measured from the moment the request was sent.
    pub raw: Option<IntervalLatency>,
    /// Latency measured from the intended start (arrival-rate mode).
    pub corrected: Option<IntervalLatency>,
}

impl IntervalRow {
    /// The corrected series when it has samples, else the raw one (as reports choose).
    pub fn primary(&self) -> Option<&IntervalLatency> {
        self.corrected.as_ref().or(self.raw.as_ref())
    }
}

/// One interval of the run.
#[derive(Clone, Debug)]
pub struct TimelinePoint {
    /// Start of the interval.
    pub start: SystemTime,
    /// End of the interval (when the sample was taken).
    pub end: SystemTime,
    /// Users running at the end of the interval.
    pub user_count: u64,
    /// The aggregated row.
    pub total: IntervalRow,
    /// Rows of endpoints that finished requests in the interval, sorted by (name, method).
    pub entries: Vec<IntervalRow>,
}

impl TimelinePoint {
    /// Length of the interval in seconds (at least 1 ms, so rates stay finite).
    pub fn seconds(&self) -> f64 {
        self.end
            .duration_since(self.start)
            .map_or(0.0, |d| d.as_secs_f64())
            .max(0.001)
    }

    /// Requests per second over the interval.
    pub fn rps(&self) -> f64 {
        self.total.requests as f64 / self.seconds()
    }

    /// Failures per second over the interval.
    pub fn fail_per_sec(&self) -> f64 {
        self.total.failures as f64 / self.seconds()
    }

    /// The row of `(method, name)`, if it had requests in the interval.
    pub fn entry(&self, method: &str, name: &str) -> Option<&IntervalRow> {
        self.entries
            .iter()
            .find(|e| e.name == name && e.method == method)
    }
}

/// Intervals shorter than this are folded into the previous point.
const SHORT_TAIL: std::time::Duration = std::time::Duration::from_millis(250);

/// The samples of one latency series: its histogram and their exact sum in µs (a cumulative
/// series at the previous sample, or an interval's).
#[derive(Clone)]
struct Series {
    hist: Histogram<u64>,
    sum_us: u64,
}

impl Series {
    fn of(l: &LatencyStats) -> Self {
        Self {
            hist: l.histogram().clone(),
            sum_us: l.sum_us(),
        }
    }

    fn thaw(l: &IntervalLatency) -> Option<Self> {
        Some(Self {
            hist: l.histogram()?,
            sum_us: l.sum_us,
        })
    }
}

/// Cumulative figures of one row at the previous sample.
#[derive(Clone)]
struct Prev {
    requests: u64,
    failures: u64,
    raw: Series,
    corrected: Option<Series>,
}

impl Prev {
    fn of(e: &EntrySnapshot) -> Self {
        Self {
            requests: e.num_requests,
            failures: e.num_failures,
            raw: Series::of(&e.raw),
            corrected: e.corrected.as_ref().map(Series::of),
        }
    }
}

/// An interval being accumulated (decoded histograms).
struct Acc {
    method: String,
    name: String,
    requests: u64,
    failures: u64,
    raw: Option<Series>,
    corrected: Option<Series>,
}

impl Acc {
    fn add(&mut self, other: Acc) {
        self.requests += other.requests;
        self.failures += other.failures;
        add_series(&mut self.raw, other.raw);
        add_series(&mut self.corrected, other.corrected);
    }

    fn freeze(&self) -> IntervalRow {
        IntervalRow {
            method: self.method.clone(),
            name: self.name.clone(),
            requests: self.requests,
            failures: self.failures,
            raw: self.raw.as_ref().and_then(IntervalLatency::of),
            corrected: self.corrected.as_ref().and_then(IntervalLatency::of),
        }
    }

    fn thaw(row: &IntervalRow) -> Self {
        Self {
            method: row.method.clone(),
            name: row.name.clone(),
            requests: row.requests,
            failures: row.failures,
            raw: row.raw.as_ref().and_then(Series::thaw),
            corrected: row.corrected.as_ref().and_then(Series::thaw),
        }
    }
}

fn add_series(into: &mut Option<Series>, other: Option<Series>) {
    match (into.as_mut(), other) {
        (_, None) => {}
        (None, Some(s)) => *into = Some(s),
        (Some(a), Some(b)) => {
            a.sum_us = a.sum_us.saturating_add(b.sum_us);
            a.hist.auto(true);
            if a.hist.add(&b.hist).is_err() {
                for v in b.hist.iter_recorded() {
                    a.hist
                        .saturating_record_n(v.value_iterated_to(), v.count_at_value());
                }
            }
        }
    }
}

/// The interval series `cur - prev` (`cur` alone when `prev` is not below it, e.g. after a
/// reset).
fn diff(cur: &LatencyStats, prev: Option<&Series>) -> Option<Series> {
    let mut h = cur.histogram().clone();
    let mut sum_us = cur.sum_us();
    if let Some(p) = prev {
        if h.subtract(&p.hist).is_ok() && sum_us >= p.sum_us {
            sum_us -= p.sum_us;
        } else {
            h = cur.histogram().clone();
        }
    }
    (!h.is_empty()).then_some(Series { hist: h, sum_us })
}

struct Pending {
    start: SystemTime,
    end: SystemTime,
    user_count: u64,
    samples: u32,
    total: Acc,
    entries: BTreeMap<(String, String), Acc>,
}

impl Pending {
    fn freeze(&self) -> TimelinePoint {
        TimelinePoint {
            start: self.start,
            end: self.end,
            user_count: self.user_count,
            total: self.total.freeze(),
            entries: self.entries.values().map(Acc::freeze).collect(),
        }
    }

    fn thaw(p: &TimelinePoint) -> Self {
        Self {
            start: p.start,
            end: p.end,
            user_count: p.user_count,
            samples: 1,
            total: Acc::thaw(&p.total),
            entries: p
                .entries
                .iter()
                .map(|e| ((e.name.clone(), e.method.clone()), Acc::thaw(e)))
                .collect(),
        }
    }

    fn add(&mut self, other: Pending) {
        self.end = other.end;
        self.user_count = other.user_count;
        self.samples += other.samples;
        self.total.add(other.total);
        for (k, acc) in other.entries {
            match self.entries.get_mut(&k) {
                Some(a) => a.add(acc),
                None => {
                    self.entries.insert(k, acc);
                }
            }
        }
    }
}

/// The bounded per-interval history of one [`StatsHub`](super::StatsHub).
pub(crate) struct Timeline {
    max_points: usize,
    /// Samples merged into one point (doubles at every compaction).
    factor: u32,
    points: VecDeque<Arc<TimelinePoint>>,
    pending: Option<Pending>,
    prev: BTreeMap<(String, String), Prev>,
    prev_total: Option<Prev>,
    last_at: Option<SystemTime>,
}

impl Timeline {
    pub(crate) fn new(max_points: usize) -> Self {
        Self {
            max_points: max_points.max(4),
            factor: 1,
            points: VecDeque::new(),
            pending: None,
            prev: BTreeMap::new(),
            prev_total: None,
            last_at: None,
        }
    }

    /// Forgets everything (statistics reset); the next interval starts at `at`.
    pub(crate) fn clear(&mut self, at: SystemTime) {
        let max = self.max_points;
        *self = Self::new(max);
        self.last_at = Some(at);
    }

    /// Adds the interval that ends with `snap`.
    pub(crate) fn push(&mut self, snap: &StatsSnapshot, final_sample: bool) {
        let start = self.last_at.unwrap_or(snap.start_time).max(snap.start_time);
        let end = snap.taken_at;
        self.last_at = Some(end);
        let mut entries = BTreeMap::new();
        for e in &snap.entries {
            let key = (e.name.clone(), e.method.clone());
            let prev = self.prev.get(&key);
            if let Some(acc) = interval_acc(e, prev) {
                entries.insert(key.clone(), acc);
            }
            self.prev.insert(key, Prev::of(e));
        }
        let total = interval_acc(&snap.total, self.prev_total.as_ref()).unwrap_or(Acc {
            method: String::new(),
            name: snap.total.name.clone(),
            requests: 0,
            failures: 0,
            raw: None,
            corrected: None,
        });
        self.prev_total = Some(Prev::of(&snap.total));
        let sample = Pending {
            start,
            end,
            user_count: snap.user_count,
            samples: 1,
            total,
            entries,
        };
        let length = end.duration_since(start).unwrap_or_default();
        let factor = f64::from(self.factor);
        let short = final_sample
            && length < SHORT_TAIL
            && self
                .points
                .back()
                .is_some_and(|p| length.as_secs_f64() * 4.0 * factor < p.seconds());
        match (self.pending.as_mut(), self.points.back_mut()) {
            (Some(p), _) => p.add(sample),
            // A sliver of an interval (the final sample of a run, taken just after a regular
            // one): fold it into the last point instead of drawing a point of its own; its
            // requests stay counted, the users shown stay those of the interval.
            (None, Some(last)) if short => {
                let mut merged = Pending::thaw(last);
                let users = merged.user_count;
                merged.add(sample);
                merged.user_count = users;
                *last = Arc::new(merged.freeze());
                return;
            }
            (None, _) => self.pending = Some(sample),
        }
        if self
            .pending
            .as_ref()
            .is_some_and(|p| p.samples >= self.factor)
        {
            if let Some(p) = self.pending.take() {
                self.points.push_back(Arc::new(p.freeze()));
            }
        }
        if self.points.len() >= self.max_points {
            self.compact();
        }
    }

    /// Merges neighbouring points pairwise and doubles the samples per point.
    fn compact(&mut self) {
        let old: Vec<Arc<TimelinePoint>> = self.points.drain(..).collect();
        for pair in old.chunks(2) {
            let mut merged = Pending::thaw(&pair[0]);
            if let Some(second) = pair.get(1) {
                merged.add(Pending::thaw(second));
            }
            self.points.push_back(Arc::new(merged.freeze()));
        }
        self.factor = self.factor.saturating_mul(2);
    }

    /// Every point, oldest first, with the interval being accumulated as the last one.
    pub(crate) fn points(&self) -> Vec<Arc<TimelinePoint>> {
        let mut out: Vec<Arc<TimelinePoint>> = self.points.iter().cloned().collect();
        if let Some(p) = &self.pending {
            out.push(Arc::new(p.freeze()));
        }
        out
    }

    /// Samples per point now.
    pub(crate) fn factor(&self) -> u32 {
        self.factor
    }
}

fn interval_acc(e: &EntrySnapshot, prev: Option<&Prev>) -> Option<Acc> {
    let requests = e
        .num_requests
        .saturating_sub(prev.map_or(0, |p| p.requests));
    let failures = e
        .num_failures
        .saturating_sub(prev.map_or(0, |p| p.failures));
    if requests == 0 && failures == 0 {
        return None;
    }
    let raw = diff(&e.raw, prev.map(|p| &p.raw));
    let corrected = e
        .corrected
        .as_ref()
        .and_then(|c| diff(c, prev.and_then(|p| p.corrected.as_ref())));
    Some(Acc {
        method: e.method.clone(),
        name: e.name.clone(),
        requests,
        failures,
        raw,
        corrected,
    })
}
