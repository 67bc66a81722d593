//! One shard of the statistics: the per-endpoint accumulators recorded by one group of threads.

use super::hash::FxHashMap;
use super::latency::LatencyStats;
use super::RequestRecord;

/// Everything recorded for one (method, name) in one shard.
#[derive(Clone, Debug, Default)]
pub(crate) struct EntryAcc {
    pub(crate) num_requests: u64,
    pub(crate) num_failures: u64,
    pub(crate) total_content_length: u64,
    pub(crate) raw: LatencyStats,
    /// Coordinated-omission-corrected latencies; allocated on the first corrected sample.
    pub(crate) corrected: Option<Box<LatencyStats>>,
    /// Failures of this endpoint grouped by error text.
    pub(crate) errors: FxHashMap<Box<str>, u64>,
}

impl EntryAcc {
    #[inline]
    pub(crate) fn record(&mut self, r: &RequestRecord<'_>) {
        self.num_requests += 1;
        self.total_content_length = self.total_content_length.saturating_add(r.content_length);
        self.raw.record(r.response_time_us);
        if let Some(c) = r.corrected_response_time_us {
            self.corrected
                .get_or_insert_with(Default::default)
                .record(c);
        }
        if let Some(err) = r.error {
            self.num_failures += 1;
            match self.errors.get_mut(err) {
                Some(n) => *n += 1,
                None => {
                    self.errors.insert(err.into(), 1);
                }
            }
        }
    }

    pub(crate) fn merge(&mut self, other: &EntryAcc) {
        self.num_requests += other.num_requests;
        self.num_failures += other.num_failures;
        self.total_content_length = self
            .total_content_length
            .saturating_add(other.total_content_length);
        self.raw.merge(&other.raw);
        if let Some(c) = &other.corrected {
            self.corrected.get_or_insert_with(Default::default).merge(c);
        }
        for (err, n) in &other.errors {
            *self.errors.entry(err.clone()).or_insert(0) += n;
        }
    }

    pub(crate) fn reset(&mut self) {
        self.num_requests = 0;
        self.num_failures = 0;
        self.total_content_length = 0;
        self.raw.reset();
        if let Some(c) = &mut self.corrected {
            c.reset();
        }
        self.errors.clear();
    }
}

/// Per-shard data: endpoints keyed by name, then a short list of methods for that name
/// (so a lookup by `(&str, &str)` never allocates).
#[derive(Debug, Default)]
pub(crate) struct ShardData {
    pub(crate) by_name: FxHashMap<Box<str>, Vec<(Box<str>, EntryAcc)>>,
    /// Nanoseconds since the hub's epoch of the latest record in this shard.
    pub(crate) last_record_ns: u64,
}

impl ShardData {
    /// The accumulator for `(method, name)`, created on first use.
    #[inline]
    pub(crate) fn entry(&mut self, method: &str, name: &str) -> &mut EntryAcc {
        if !self.by_name.contains_key(name) {
            self.by_name.insert(name.into(), Vec::new());
        }
        // The key was inserted just above when missing.
        let methods = self.by_name.get_mut(name).expect("entry inserted above");
        let pos = match methods.iter().position(|(m, _)| &**m == method) {
            Some(pos) => pos,
            None => {
                methods.push((method.into(), EntryAcc::default()));
                methods.len() - 1
            }
        };
        &mut methods[pos].1
    }

    pub(crate) fn reset(&mut self) {
        for methods in self.by_name.values_mut() {
            for (_, e) in methods.iter_mut() {
                e.reset();
            }
        }
    }
}
