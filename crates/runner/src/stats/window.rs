//! Rolling-window figures (current requests/s, failures/s, percentiles) computed from
//! cumulative checkpoints, so the recording path does no extra work.
//!
//! About once a second a checkpoint stores, per endpoint, the cumulative request and failure
//! counts and a 2-significant-digit copy of the latency histogram (as precise as Locust's own
//! figures, and ~8× smaller than a full-precision copy). The window figures are the current
//! cumulative values minus those of the checkpoint taken about `window` ago.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;

use super::hash::FxHashMap;
use super::latency::LatencyStats;
use super::snapshot::EntrySnapshot;

/// Minimum spacing between two checkpoints.
const CHECKPOINT_SPACING: Duration = Duration::from_millis(900);
/// Upper bound on stored checkpoints (memory guard if snapshots are very frequent).
const MAX_CHECKPOINTS: usize = 64;

#[derive(Clone, Debug)]
struct CpEntry {
    requests: u64,
    failures: u64,
    hist: Option<Histogram<u64>>,
}

#[derive(Clone, Debug)]
struct Checkpoint {
    at: Instant,
    entries: FxHashMap<(String, String), CpEntry>,
    total: CpEntry,
}

/// Checkpoint ring for one `StatsHub`.
#[derive(Debug)]
pub(crate) struct Window {
    window: Duration,
    checkpoints: VecDeque<Checkpoint>,
}

/// A 2-significant-digit copy of the primary series of `e`.
fn downsample(series: &LatencyStats) -> Option<Histogram<u64>> {
    let mut h = Histogram::<u64>::new(2).ok()?;
    for v in series.histogram().iter_recorded() {
        h.record_n(v.value_iterated_to(), v.count_at_value()).ok()?;
    }
    Some(h)
}

impl Window {
    /// A ring whose first checkpoint (all zero) is at `start`.
    pub(crate) fn new(window: Duration, start: Instant) -> Self {
        let mut checkpoints = VecDeque::new();
        checkpoints.push_back(Checkpoint {
            at: start,
            entries: FxHashMap::default(),
            total: CpEntry {
                requests: 0,
                failures: 0,
                hist: None,
            },
        });
        Self {
            window,
            checkpoints,
        }
    }

    /// The checkpoint the window starts from: the newest one at least `window` old, else the
    /// oldest one kept.
    fn base(&self, now: Instant) -> Option<&Checkpoint> {
        let limit = now.checked_sub(self.window);
        let mut chosen = self.checkpoints.front();
        if let Some(limit) = limit {
            for cp in &self.checkpoints {
                if cp.at <= limit {
                    chosen = Some(cp);
                } else {
                    break;
                }
            }
        }
        chosen
    }

    /// Fills the `current_*` fields of every row, then stores a new checkpoint if due. Each
    /// row's histogram is downsampled once, for both (the walk over a full-precision histogram
    /// is most of the cost of a snapshot).
    pub(crate) fn apply(
        &mut self,
        now: Instant,
        entries: &mut [EntrySnapshot],
        total: &mut EntrySnapshot,
    ) {
        let due = self
            .checkpoints
            .back()
            .is_none_or(|last| now.saturating_duration_since(last.at) >= CHECKPOINT_SPACING);
        let mut cp_entries = FxHashMap::default();
        let base = self.base(now);
        let secs = base.map_or(0.0, |b| now.saturating_duration_since(b.at).as_secs_f64());
        for e in entries.iter_mut() {
            let key = (e.method.clone(), e.name.clone());
            let down = downsample(e.primary());
            if due {
                cp_entries.insert(key.clone(), checkpoint_of(e, &down));
            }
            if let Some(base) = base {
                fill(e, base.entries.get(&key), secs, down);
            }
        }
        let down = downsample(total.primary());
        let cp_total = checkpoint_of(total, &down);
        if let Some(base) = base {
            fill(total, Some(&base.total), secs, down);
        }
        if due {
            self.push_checkpoint(Checkpoint {
                at: now,
                entries: cp_entries,
                total: cp_total,
            });
        }
    }

    fn push_checkpoint(&mut self, cp: Checkpoint) {
        let now = cp.at;
        self.checkpoints.push_back(cp);
        // Keep only one checkpoint older than the window (the newest such), plus the newer ones.
        if let Some(limit) = now.checked_sub(self.window) {
            while self.checkpoints.len() > 1 && self.checkpoints[1].at <= limit {
                self.checkpoints.pop_front();
            }
        }
        while self.checkpoints.len() > MAX_CHECKPOINTS {
            self.checkpoints.pop_front();
        }
    }
}

/// The checkpoint entry of row `e`, whose primary series downsampled is `down`.
fn checkpoint_of(e: &EntrySnapshot, down: &Option<Histogram<u64>>) -> CpEntry {
    CpEntry {
        requests: e.num_requests,
        failures: e.num_failures,
        hist: down.clone(),
    }
}

/// Sets the window figures of `e` relative to checkpoint entry `base` (`None`: all zero then);
/// `current` is the downsampled primary series of `e`.
fn fill(
    e: &mut EntrySnapshot,
    base: Option<&CpEntry>,
    secs: f64,
    mut current: Option<Histogram<u64>>,
) {
    let (req0, fail0) = base.map_or((0, 0), |b| (b.requests, b.failures));
    let reqs = e.num_requests.saturating_sub(req0);
    let fails = e.num_failures.saturating_sub(fail0);
    if secs > 0.0 {
        e.current_rps = reqs as f64 / secs;
        e.current_fail_per_sec = fails as f64 / secs;
    }
    if let (Some(cur), Some(Some(old))) = (current.as_mut(), base.map(|b| b.hist.as_ref())) {
        if cur.subtract(old).is_err() {
            // The primary series switched (raw -> corrected) inside the window: no sound diff.
            current = None;
        }
    }
    e.current = current;
}
