//! [`StatsHub`]: sharded recording, merging into snapshots, reset, history.

use std::cell::Cell;
use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use parking_lot::Mutex;

use super::hash::FxHashMap;
use super::history::HistorySample;
use super::shard::{EntryAcc, ShardData};
use super::snapshot::{
    EntrySnapshot, ErrorSnapshot, ExceptionSnapshot, StatsSnapshot, AGGREGATED_NAME,
};
use super::timeline::{Timeline, TimelinePoint};
use super::window::Window;
use super::RequestRecord;

/// Options of a [`StatsHub`].
#[derive(Clone, Debug)]
pub struct StatsConfig {
    /// Length of the rolling window behind the "current" figures (Locust: 10 s).
    pub window: Duration,
    /// Keep per-endpoint rows in history samples (`--csv-full-history`).
    pub full_history: bool,
    /// How many aggregated history samples to keep in memory (oldest dropped first).
    pub max_history: usize,
    /// Number of shards (rounded up to a power of two); `None` = 4 × available cores, 4..=64.
    pub shards: Option<usize>,
    /// Most per-interval points kept by the timeline ([`StatsHub::timeline`]); beyond it,
    /// neighbouring intervals are merged (exactly) so memory stays bounded.
    pub timeline_points: usize,
}

impl Default for StatsConfig {
    fn default() -> Self {
        Self {
            window: Duration::from_secs(10),
            full_history: false,
            max_history: 24 * 3600,
            shards: None,
            timeline_points: 720,
        }
    }
}

/// Keeps the shard lock of one thread on its own cache lines.
#[repr(align(128))]
#[derive(Default)]
pub(super) struct Padded(pub(super) Mutex<ShardData>);

#[derive(Clone, Copy)]
struct Start {
    instant: Instant,
    system: SystemTime,
}

#[derive(Default)]
pub(super) struct Exceptions {
    pub(super) by_traceback: FxHashMap<String, usize>,
    pub(super) list: Vec<ExceptionSnapshot>,
}

static NEXT_THREAD_SLOT: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static THREAD_SLOT: Cell<usize> = const { Cell::new(usize::MAX) };
}

/// Slot of the calling thread: threads take consecutive slots on first use, so worker threads
/// land on distinct shards.
#[inline]
fn thread_slot() -> usize {
    THREAD_SLOT.with(|s| {
        let v = s.get();
        if v != usize::MAX {
            return v;
        }
        let v = NEXT_THREAD_SLOT.fetch_add(1, Ordering::Relaxed);
        s.set(v);
        v
    })
}

/// The shared statistics of one run. Share it with `Arc<StatsHub>`; every method takes `&self`.
pub struct StatsHub {
    config: StatsConfig,
    /// `mask + 1` recording shards, then one more (the last) that threads never record into:
    /// it holds what [`take_delta`](Self::take_delta) moved out and what
    /// [`apply_delta`](Self::apply_delta) merged in, so snapshots and resets cover it as any shard.
    pub(super) shards: Box<[Padded]>,
    pub(super) mask: usize,
    /// Fixed origin of `ShardData::last_record_ns`.
    pub(super) epoch: Instant,
    start: Mutex<Start>,
    user_count: AtomicU64,
    pub(super) exceptions: Mutex<Exceptions>,
    /// What the deltas taken so far have sent (exception counts).
    pub(super) delta: Mutex<super::delta::DeltaState>,
    window: Mutex<Window>,
    history: Mutex<VecDeque<HistorySample>>,
    timeline: Mutex<Timeline>,
}

/// What [`StatsHub::sample`] returns: the snapshot it took and the history sample made of it.
#[derive(Clone, Debug)]
pub struct Sampled {
    /// The snapshot of this moment.
    pub snapshot: StatsSnapshot,
    /// The history sample (as [`StatsHub::sample_history`] returns it).
    pub history: HistorySample,
}

impl Default for StatsHub {
    fn default() -> Self {
        Self::new(StatsConfig::default())
    }
}

impl std::fmt::Debug for StatsHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StatsHub")
            .field("config", &self.config)
            .field("shards", &(self.mask + 1))
            .finish_non_exhaustive()
    }
}

impl StatsHub {
    /// A hub with the given options; statistics start now.
    pub fn new(config: StatsConfig) -> Self {
        let wanted = config.shards.unwrap_or_else(|| {
            let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
            (cores * 4).clamp(4, 64)
        });
        let n = wanted.clamp(1, 1024).next_power_of_two();
        let shards = (0..=n)
            .map(|_| Padded::default())
            .collect::<Vec<_>>()
            .into_boxed_slice();
        let now = Instant::now();
        let timeline = Mutex::new(Timeline::new(config.timeline_points));
        Self {
            window: Mutex::new(Window::new(config.window, now)),
            config,
            shards,
            mask: n - 1,
            epoch: now,
            start: Mutex::new(Start {
                instant: now,
                system: SystemTime::now(),
            }),
            user_count: AtomicU64::new(0),
            exceptions: Mutex::new(Exceptions::default()),
            delta: Mutex::default(),
            timeline,
            history: Mutex::new(VecDeque::new()),
        }
    }

    /// The options this hub was built with.
    pub fn config(&self) -> &StatsConfig {
        &self.config
    }

    /// Records one finished request (the hot path): one uncontended lock of the calling
    /// thread's shard, no allocation once the endpoint (and error text) has been seen.
    #[inline]
    pub fn record(&self, record: RequestRecord<'_>) {
        let now_ns = u64::try_from(self.epoch.elapsed().as_nanos())
            .unwrap_or(u64::MAX)
            .max(1);
        let shard = &self.shards[thread_slot() & self.mask];
        let mut data = shard.0.lock();
        data.last_record_ns = data.last_record_ns.max(now_ns);
        data.entry(record.method, record.name).record(&record);
    }

    /// Records an exception raised by task code; grouped by `traceback` as Locust does.
    pub fn record_exception(&self, message: &str, traceback: &str) {
        let mut ex = self.exceptions.lock();
        if let Some(&i) = ex.by_traceback.get(traceback) {
            ex.list[i].count += 1;
            return;
        }
        let i = ex.list.len();
        ex.list.push(ExceptionSnapshot {
            count: 1,
            message: message.to_owned(),
            traceback: traceback.to_owned(),
            nodes: vec!["local".to_owned()],
        });
        ex.by_traceback.insert(traceback.to_owned(), i);
    }

    /// Sets the number of running users reported in snapshots and history.
    pub fn set_user_count(&self, users: u64) {
        self.user_count.store(users, Ordering::Relaxed);
    }

    /// When the statistics started (creation or last reset).
    pub fn snapshot_start(&self) -> SystemTime {
        self.start.lock().system
    }

    /// Users as last set.
    pub fn user_count(&self) -> u64 {
        self.user_count.load(Ordering::Relaxed)
    }

    /// Zeroes every figure and restarts the clock (`--reset-stats`); endpoints seen so far keep
    /// their (empty) rows, in-memory history is cleared, exceptions are kept (as Locust).
    pub fn reset(&self) {
        for shard in self.shards.iter() {
            let mut d = shard.0.lock();
            d.reset();
            d.last_record_ns = 0;
        }
        let now = Instant::now();
        *self.start.lock() = Start {
            instant: now,
            system: SystemTime::now(),
        };
        *self.window.lock() = Window::new(self.config.window, now);
        self.history.lock().clear();
        self.timeline.lock().clear(SystemTime::now());
    }

    /// Merges all shards into one consistent-enough view (each shard is read atomically).
    pub fn snapshot(&self) -> StatsSnapshot {
        let start = *self.start.lock();
        let mut merged: BTreeMap<(String, String), EntryAcc> = BTreeMap::new();
        let mut last_ns = 0u64;
        for shard in self.shards.iter() {
            let d = shard.0.lock();
            last_ns = last_ns.max(d.last_record_ns);
            for (name, methods) in &d.by_name {
                for (method, acc) in methods {
                    let key = (name.to_string(), method.to_string());
                    merged.entry(key).or_default().merge(acc);
                }
            }
        }
        let now = Instant::now();
        let taken_at = SystemTime::now();
        let start_ns =
            u64::try_from(start.instant.duration_since(self.epoch).as_nanos()).unwrap_or(u64::MAX);
        let active = Duration::from_nanos(last_ns.saturating_sub(start_ns));
        let last_request_at = (last_ns > start_ns).then(|| start.system + active);

        let mut total_acc = EntryAcc::default();
        let mut errors = Vec::new();
        let mut entries = Vec::with_capacity(merged.len());
        for ((name, method), acc) in merged {
            if !super::is_pseudo_method(&method) {
                total_acc.merge(&acc);
            }
            for (err, n) in &acc.errors {
                errors.push(ErrorSnapshot {
                    method: method.clone(),
                    name: name.clone(),
                    error: err.to_string(),
                    occurrences: *n,
                });
            }
            entries.push(to_snapshot(&method, &name, acc, active));
        }
        total_acc.errors.clear();
        let mut total = to_snapshot("", AGGREGATED_NAME, total_acc, active);
        errors.sort_by(|a, b| {
            b.occurrences
                .cmp(&a.occurrences)
                .then_with(|| (&a.name, &a.method, &a.error).cmp(&(&b.name, &b.method, &b.error)))
        });
        self.window.lock().apply(now, &mut entries, &mut total);
        StatsSnapshot {
            start_time: start.system,
            taken_at,
            elapsed: now.saturating_duration_since(start.instant),
            last_request_at,
            user_count: self.user_count(),
            entries,
            total,
            errors,
            exceptions: self.exceptions.lock().list.clone(),
        }
    }

    /// Takes a history sample (call it every history interval, e.g. each second); the
    /// aggregated row is kept in memory ([`history`](Self::history)); the returned sample has
    /// per-endpoint rows too when `full_history` is set.
    pub fn sample_history(&self) -> HistorySample {
        self.sample().history
    }

    /// Takes a history sample as [`sample_history`](Self::sample_history) does, adds the
    /// interval since the previous sample to the [`timeline`](Self::timeline), and returns the
    /// snapshot with the sample. Call it once per history interval, from one place.
    pub fn sample(&self) -> Sampled {
        self.sample_inner(false)
    }

    /// The last sample of a run: as [`sample`](Self::sample), but an interval much shorter
    /// than the previous one (the run ended just after a regular sample) is folded into the
    /// previous timeline point rather than drawn as a point of its own.
    pub fn sample_final(&self) -> Sampled {
        self.sample_inner(true)
    }

    fn sample_inner(&self, final_sample: bool) -> Sampled {
        let snapshot = self.snapshot();
        let history = HistorySample::from_snapshot(&snapshot, self.config.full_history);
        let mut kept = history.clone();
        kept.entries.clear();
        {
            let mut h = self.history.lock();
            h.push_back(kept);
            while h.len() > self.config.max_history.max(1) {
                h.pop_front();
            }
        }
        self.timeline.lock().push(&snapshot, final_sample);
        Sampled { snapshot, history }
    }

    /// The per-interval history, oldest first: one point per sample (or per group of merged
    /// samples once the run outgrew `timeline_points`); the last point may still be growing.
    pub fn timeline(&self) -> Vec<Arc<TimelinePoint>> {
        self.timeline.lock().points()
    }

    /// How many samples each timeline point holds now (1 until the first merge, then 2, 4, …).
    pub fn timeline_factor(&self) -> u32 {
        self.timeline.lock().factor()
    }

    /// Aggregated history samples kept in memory, oldest first.
    pub fn history(&self) -> Vec<HistorySample> {
        self.history.lock().iter().cloned().collect()
    }
}

fn to_snapshot(method: &str, name: &str, acc: EntryAcc, active: Duration) -> EntrySnapshot {
    let secs = active.as_secs_f64();
    let mut e = EntrySnapshot::empty(method, name);
    e.num_requests = acc.num_requests;
    e.num_failures = acc.num_failures;
    e.total_content_length = acc.total_content_length;
    if secs > 0.0 {
        e.total_rps = acc.num_requests as f64 / secs;
        e.total_fail_per_sec = acc.num_failures as f64 / secs;
    }
    e.raw = acc.raw;
    e.corrected = acc.corrected.map(|c| *c);
    e
}
