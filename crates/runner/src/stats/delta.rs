//! Statistics deltas: what a hub recorded since its previous delta, in a serialisable form,
//! and their exact merge into another hub (a distributed master's).
//!
//! A worker calls [`StatsHub::take_delta`] every interval and ships the [`StatsDelta`]; the
//! master calls [`StatsHub::apply_delta`] for each one it receives. The master keeps an
//! ordinary [`StatsHub`], so snapshots, history, the rolling window, CSV and JSON reports work
//! on the merged figures unchanged.
//!
//! * **Exact.** Counts, sums, minimum and maximum travel as numbers; the latency series travel
//!   as HDR histograms in the V2 format (lossless), so a master that applied every
//!   delta of every worker holds exactly the histogram of all samples: every percentile, count
//!   and maximum equal those of one hub that recorded everything.
//! * **Nothing lost, nothing twice.** `take_delta` moves each shard's figures out under that
//!   shard's lock, so a record lands either in this delta or in the next one, even while users
//!   keep recording. What was moved out is kept in the hub's own reserve shard, so the worker's
//!   local snapshots still show everything (a snapshot taken *while* a delta is being taken may
//!   miss the part in transit for that one snapshot; it never counts anything twice).
//! * Exceptions travel as count increments grouped by traceback; the master lists each
//!   worker's node name under `nodes`, as Locust does.
//!
//! ```
//! use milmove_runner::stats::{RequestRecord, StatsHub};
//!
//! let worker = StatsHub::default();
//! worker.record(RequestRecord::new("GET", "/moves", 1_200));
//! let delta = worker.take_delta("worker-1");
//! assert_eq!(delta.entries[0].num_requests, 1);
//! assert!(worker.take_delta("worker-1").entries.is_empty()); // nothing new since
//!
//! let master = StatsHub::default();
//! master.apply_delta(&delta).unwrap();
//! assert_eq!(master.snapshot().total.num_requests, 1);
//! assert_eq!(master.snapshot().total.raw.max_us(), Some(1_200));
//! ```

use std::collections::BTreeMap;

use hdrhistogram::serialization::{Serializer, V2Serializer};
use serde::{Deserialize, Serialize};

use super::hub::StatsHub;
use super::latency::LatencyStats;
use super::shard::EntryAcc;
use super::snapshot::ExceptionSnapshot;
use super::v2::{self, Buckets};

/// What a hub's deltas have sent so far (exception counts, by position in the hub's list).
#[derive(Debug, Default)]
pub(crate) struct DeltaState {
    exceptions_sent: Vec<u64>,
}

/// Everything one hub recorded between two calls of [`StatsHub::take_delta`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatsDelta {
    /// The node that recorded it (a worker id); listed in exceptions' `nodes` on the master.
    pub node: String,
    /// Per (method, name) figures recorded since the previous delta (rows with no new request
    /// are left out), sorted by (name, method).
    pub entries: Vec<EntryDelta>,
    /// Exceptions raised since the previous delta, as count increments.
    pub exceptions: Vec<ExceptionDelta>,
    /// Users running when the delta was taken (an absolute value, not an increment).
    pub user_count: u64,
    /// Users running per class when the delta was taken (absolute; filled in by the caller
    /// that knows the classes, e.g. a worker).
    pub users_by_class: BTreeMap<String, u64>,
    /// How long before the delta was taken its newest record was made, in µs (`None` without
    /// any record). Relative, so the receiver's clock need not agree with the sender's.
    pub last_record_age_us: Option<u64>,
}

impl StatsDelta {
    /// Requests in this delta, as the aggregated row counts them (rows of pseudo methods,
    /// such as a flow's or a task's own timing, left out).
    pub fn num_requests(&self) -> u64 {
        self.entries
            .iter()
            .filter(|e| !super::is_pseudo_method(&e.method))
            .map(|e| e.num_requests)
            .sum()
    }

    /// True if the delta carries no request and no exception.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty() && self.exceptions.is_empty()
    }
}

/// The figures of one (method, name) in a [`StatsDelta`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryDelta {
    /// HTTP method or request type.
    pub method: String,
    /// Request name.
    pub name: String,
    /// Requests recorded (failures included).
    pub num_requests: u64,
    /// Requests that failed.
    pub num_failures: u64,
    /// Sum of the body sizes in bytes.
    pub total_content_length: u64,
    /// Latency from the moment the request was sent.
    pub raw: SeriesDelta,
    /// Coordinated-omission-corrected latency, when the sender had any.
    pub corrected: Option<SeriesDelta>,
    /// Failures grouped by error text, sorted by text.
    pub errors: Vec<ErrorCount>,
}

/// Failures of one error text.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorCount {
    /// The error text.
    pub error: String,
    /// How many failures had it.
    pub occurrences: u64,
}

/// One latency series: exact count, sum, minimum, maximum, and the HDR histogram of µs in the
/// V2 format (`V2Serializer`; the compressed variant is read too). A delta's histograms are
/// sparse, and V2 already writes runs of empty buckets as one number: deflating them saved
/// little and cost a master most of its decoding time.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeriesDelta {
    /// Samples.
    pub count: u64,
    /// Sum of the samples in µs.
    pub sum_us: u64,
    /// Smallest sample in µs (meaningless when `count` is 0).
    pub min_us: u64,
    /// Largest sample in µs (meaningless when `count` is 0).
    pub max_us: u64,
    /// The histogram, V2 encoding.
    pub histogram: Vec<u8>,
}

/// Exceptions of one traceback raised since the previous delta.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExceptionDelta {
    /// Message of the first occurrence.
    pub message: String,
    /// Traceback text (the grouping key).
    pub traceback: String,
    /// New occurrences.
    pub count: u64,
}

/// A delta that cannot be applied (nothing of it was applied).
#[derive(Debug, thiserror::Error)]
pub enum DeltaError {
    /// A histogram could not be encoded or decoded.
    #[error("{method} {name}: histogram: {message}")]
    Histogram {
        /// Row method.
        method: String,
        /// Row name.
        name: String,
        /// What went wrong.
        message: String,
    },
    /// The figures of a row contradict each other.
    #[error("{method} {name}: inconsistent delta: {message}")]
    Inconsistent {
        /// Row method.
        method: String,
        /// Row name.
        name: String,
        /// Which figures disagree.
        message: String,
    },
}

impl StatsHub {
    /// Moves out everything recorded since the previous call (or since the hub was created) and
    /// returns it as a [`StatsDelta`] from `node`. Safe to call while other threads record:
    /// every record is in exactly one delta. `users_by_class` is left empty for the caller.
    pub fn take_delta(&self, node: &str) -> StatsDelta {
        let mut moved: BTreeMap<(Box<str>, Box<str>), EntryAcc> = BTreeMap::new();
        let mut last_ns = 0u64;
        for shard in &self.shards[..=self.mask] {
            let mut data = shard.0.lock();
            if data.last_record_ns == 0 {
                continue;
            }
            last_ns = last_ns.max(data.last_record_ns);
            for (name, methods) in data.by_name.iter_mut() {
                for (method, acc) in methods.iter_mut() {
                    if acc.num_requests == 0 {
                        continue;
                    }
                    moved
                        .entry((name.clone(), method.clone()))
                        .or_default()
                        .merge(acc);
                    acc.reset();
                }
            }
        }
        let reserve = &self.shards[self.mask + 1];
        if !moved.is_empty() {
            let mut data = reserve.0.lock();
            data.last_record_ns = data.last_record_ns.max(last_ns);
            for ((name, method), acc) in &moved {
                data.entry(method, name).merge(acc);
            }
        }
        let exceptions = self.exceptions_since_last_delta();
        let now_ns = u64::try_from(self.epoch.elapsed().as_nanos()).unwrap_or(u64::MAX);
        let last_record_age_us = (!moved.is_empty()).then(|| now_ns.saturating_sub(last_ns) / 1000);
        let entries = moved
            .into_iter()
            .map(|((name, method), acc)| entry_delta(&method, &name, &acc))
            .collect();
        StatsDelta {
            node: node.to_owned(),
            entries,
            exceptions,
            user_count: self.user_count(),
            users_by_class: BTreeMap::new(),
            last_record_age_us,
        }
    }

    fn exceptions_since_last_delta(&self) -> Vec<ExceptionDelta> {
        let ex = self.exceptions.lock();
        let mut state = self.delta.lock();
        state.exceptions_sent.resize(ex.list.len(), 0);
        let mut out = Vec::new();
        for (e, sent) in ex.list.iter().zip(state.exceptions_sent.iter_mut()) {
            if e.count > *sent {
                out.push(ExceptionDelta {
                    message: e.message.clone(),
                    traceback: e.traceback.clone(),
                    count: e.count - *sent,
                });
                *sent = e.count;
            }
        }
        out
    }

    /// Merges a delta from another hub into this one: afterwards this hub's snapshots hold
    /// the delta's samples exactly as if they had been recorded here. The delta is checked
    /// and decoded first; on error nothing of it is applied.
    pub fn apply_delta(&self, delta: &StatsDelta) -> Result<(), DeltaError> {
        let decoded: Vec<DecodedEntry<'_>> = delta
            .entries
            .iter()
            .map(decode_entry)
            .collect::<Result<_, _>>()?;
        if !decoded.is_empty() {
            let now_ns = u64::try_from(self.epoch.elapsed().as_nanos()).unwrap_or(u64::MAX);
            let age_ns = delta.last_record_age_us.unwrap_or(0).saturating_mul(1000);
            let last_ns = now_ns.saturating_sub(age_ns).max(1);
            let mut data = self.shards[self.mask + 1].0.lock();
            data.last_record_ns = data.last_record_ns.max(last_ns);
            for d in &decoded {
                d.merge_into(data.entry(&d.row.method, &d.row.name));
            }
        }
        if !delta.exceptions.is_empty() {
            let mut ex = self.exceptions.lock();
            for d in &delta.exceptions {
                if let Some(&i) = ex.by_traceback.get(&d.traceback) {
                    let e = &mut ex.list[i];
                    e.count += d.count;
                    if !e.nodes.iter().any(|n| n == &delta.node) {
                        e.nodes.push(delta.node.clone());
                    }
                    continue;
                }
                let i = ex.list.len();
                ex.list.push(ExceptionSnapshot {
                    count: d.count,
                    message: d.message.clone(),
                    traceback: d.traceback.clone(),
                    nodes: vec![delta.node.clone()],
                });
                ex.by_traceback.insert(d.traceback.clone(), i);
            }
        }
        Ok(())
    }
}

fn entry_delta(method: &str, name: &str, acc: &EntryAcc) -> EntryDelta {
    let mut errors: Vec<ErrorCount> = acc
        .errors
        .iter()
        .map(|(e, n)| ErrorCount {
            error: e.to_string(),
            occurrences: *n,
        })
        .collect();
    errors.sort_by(|a, b| a.error.cmp(&b.error));
    EntryDelta {
        method: method.to_owned(),
        name: name.to_owned(),
        num_requests: acc.num_requests,
        num_failures: acc.num_failures,
        total_content_length: acc.total_content_length,
        raw: series_delta(&acc.raw),
        corrected: acc
            .corrected
            .as_deref()
            .filter(|c| c.count() > 0)
            .map(series_delta),
        errors,
    }
}

fn series_delta(s: &LatencyStats) -> SeriesDelta {
    let mut histogram = Vec::new();
    // Writing into a Vec cannot fail; an encoding error would only come from a histogram
    // whose counts overflow the format, which 64-bit counts of real samples never do.
    if let Err(e) = V2Serializer::new().serialize(s.histogram(), &mut histogram) {
        tracing::error!("cannot encode a latency histogram: {e:?}");
        histogram.clear();
    }
    SeriesDelta {
        count: s.count(),
        sum_us: s.sum_us(),
        min_us: s.min_us().unwrap_or(u64::MAX),
        max_us: s.max_us().unwrap_or(0),
        histogram,
    }
}

/// A series read from a delta: its non-zero buckets and exact figures.
struct DecodedSeries {
    buckets: Buckets,
    count: u64,
    sum_us: u64,
    min_us: u64,
    max_us: u64,
}

impl DecodedSeries {
    fn merge_into(&self, s: &mut LatencyStats) {
        s.merge_buckets(
            &self.buckets,
            self.count,
            self.sum_us,
            self.min_us,
            self.max_us,
        );
    }
}

/// A row of a delta, checked and decoded (nothing applied yet).
struct DecodedEntry<'a> {
    row: &'a EntryDelta,
    raw: DecodedSeries,
    corrected: Option<DecodedSeries>,
}

impl DecodedEntry<'_> {
    fn merge_into(&self, acc: &mut EntryAcc) {
        let e = self.row;
        acc.num_requests += e.num_requests;
        acc.num_failures += e.num_failures;
        acc.total_content_length = acc
            .total_content_length
            .saturating_add(e.total_content_length);
        self.raw.merge_into(&mut acc.raw);
        if let Some(c) = &self.corrected {
            c.merge_into(acc.corrected.get_or_insert_with(Default::default));
        }
        for x in &e.errors {
            match acc.errors.get_mut(x.error.as_str()) {
                Some(n) => *n += x.occurrences,
                None => {
                    acc.errors.insert(x.error.as_str().into(), x.occurrences);
                }
            }
        }
    }
}

fn decode_entry(e: &EntryDelta) -> Result<DecodedEntry<'_>, DeltaError> {
    let inconsistent = |message: String| DeltaError::Inconsistent {
        method: e.method.clone(),
        name: e.name.clone(),
        message,
    };
    if e.raw.count != e.num_requests {
        return Err(inconsistent(format!(
            "{} requests but {} latency samples",
            e.num_requests, e.raw.count
        )));
    }
    let error_total: u64 = e.errors.iter().map(|x| x.occurrences).sum();
    if e.num_failures > e.num_requests || error_total != e.num_failures {
        return Err(inconsistent(format!(
            "{} failures, {} requests, {} grouped errors",
            e.num_failures, e.num_requests, error_total
        )));
    }
    let raw = decode_series(e, &e.raw)?;
    let corrected = match &e.corrected {
        Some(c) => Some(decode_series(e, c)?),
        None => None,
    };
    Ok(DecodedEntry {
        row: e,
        raw,
        corrected,
    })
}

fn decode_series(e: &EntryDelta, s: &SeriesDelta) -> Result<DecodedSeries, DeltaError> {
    let inconsistent = |message: String| DeltaError::Inconsistent {
        method: e.method.clone(),
        name: e.name.clone(),
        message,
    };
    let (buckets, total) = v2::read(&s.histogram).map_err(|message| DeltaError::Histogram {
        method: e.method.clone(),
        name: e.name.clone(),
        message,
    })?;
    if total != s.count {
        return Err(inconsistent(format!(
            "{} samples announced, {total} in the histogram",
            s.count
        )));
    }
    if let (Some(first), Some(last)) = (buckets.first(), buckets.last()) {
        if s.min_us > s.max_us || first.0 > s.min_us || s.max_us < last.0 {
            return Err(inconsistent(format!(
                "minimum {} µs and maximum {} µs do not fit the histogram",
                s.min_us, s.max_us
            )));
        }
    }
    Ok(DecodedSeries {
        buckets,
        count: s.count,
        sum_us: s.sum_us,
        min_us: s.min_us,
        max_us: s.max_us,
    })
}
