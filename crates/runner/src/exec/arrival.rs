//! The open-model schedule: iteration `k` is due at a fixed time whatever the response times.
//! Users claim iterations with one atomic increment (no lock, no message).
//!
//! The rate can change while users claim (a distributed worker's share of the arrival rate
//! changes when workers join or leave): the schedule is a chain of segments, each with its own
//! first iteration, origin and period. The claim counter carries the segment's generation in
//! its top bits, so one `fetch_add` gives both the iteration and the segment it belongs to.

use parking_lot::Mutex;
use std::sync::atomic::{fence, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Bits of the claim counter that count iterations (the rest is the segment generation).
const ITERATION_BITS: u32 = 48;
const ITERATION_MASK: u64 = (1 << ITERATION_BITS) - 1;
const GENERATION_MASK: u64 = (1 << (64 - ITERATION_BITS)) - 1;
/// Segments kept (a claim is read against the segment of its generation; only a claimer that
/// slept through this many rate changes between its increment and its read would miss it, and
/// then it falls back to "due now").
const SEGMENTS: usize = 8;

/// One stretch of constant rate: iteration `k >= first` is due at `origin + (k - first) × period`.
#[derive(Default)]
struct Segment {
    /// Generation + 1 once written (0 while being rewritten).
    tag: AtomicU64,
    first: AtomicU64,
    /// Nanoseconds from the schedule's start.
    origin_ns: AtomicU64,
    /// Seconds between iterations, as `f64` bits.
    period: AtomicU64,
}

struct SegmentView {
    first: u64,
    origin_ns: u64,
    period: f64,
}

impl SegmentView {
    fn offset(&self, k: u64) -> Option<Duration> {
        let secs = self.origin_ns as f64 / 1e9 + self.period * k.saturating_sub(self.first) as f64;
        Duration::try_from_secs_f64(secs).ok()
    }
}

/// The arrival schedule of a run (or of one worker's share of it).
pub(crate) struct ArrivalSchedule {
    start: Instant,
    /// No iteration is due at or after this instant (the run time's end).
    end: Option<Instant>,
    /// Generation (top bits) and next iteration index (low [`ITERATION_BITS`]).
    next: AtomicU64,
    segments: [Segment; SEGMENTS],
    /// Serialises rate changes.
    rerate: Mutex<()>,
    started: AtomicU64,
}

fn period_of(per_second: f64) -> f64 {
    if per_second > 0.0 && per_second.is_finite() {
        1.0 / per_second
    } else {
        // No rate: the next iteration is never due (about 30 years away).
        1e9
    }
}

impl ArrivalSchedule {
    pub(crate) fn new(start: Instant, per_second: f64, run_time: Option<Duration>) -> Self {
        let s = Self {
            start,
            end: run_time.and_then(|t| start.checked_add(t)),
            next: AtomicU64::new(0),
            segments: Default::default(),
            rerate: Mutex::new(()),
            started: AtomicU64::new(0),
        };
        s.write_segment(0, 0, 0, period_of(per_second));
        s
    }

    fn write_segment(&self, generation: u64, first: u64, origin_ns: u64, period: f64) {
        let seg = &self.segments[(generation as usize) % SEGMENTS];
        seg.tag.store(0, Ordering::Relaxed);
        fence(Ordering::Release);
        seg.first.store(first, Ordering::Relaxed);
        seg.origin_ns.store(origin_ns, Ordering::Relaxed);
        seg.period.store(period.to_bits(), Ordering::Relaxed);
        seg.tag.store(generation + 1, Ordering::Release);
    }

    /// The segment of `generation`, unless it was rewritten in the meantime.
    fn read_segment(&self, generation: u64) -> Option<SegmentView> {
        let seg = &self.segments[(generation as usize) % SEGMENTS];
        let tag = seg.tag.load(Ordering::Acquire);
        let view = SegmentView {
            first: seg.first.load(Ordering::Relaxed),
            origin_ns: seg.origin_ns.load(Ordering::Relaxed),
            period: f64::from_bits(seg.period.load(Ordering::Relaxed)),
        };
        fence(Ordering::Acquire);
        (tag == generation + 1 && seg.tag.load(Ordering::Relaxed) == tag).then_some(view)
    }

    /// Claim the next iteration; returns its intended start, or `None` if it would fall
    /// after the end of the run.
    pub(crate) fn claim(&self) -> Option<Instant> {
        let v = self.next.fetch_add(1, Ordering::AcqRel);
        let (generation, k) = (v >> ITERATION_BITS, v & ITERATION_MASK);
        let due = match self.read_segment(generation) {
            // An offset beyond what a clock can hold is never due.
            Some(seg) => self.start.checked_add(seg.offset(k)?)?,
            None => Instant::now(),
        };
        match self.end {
            Some(end) if due >= end => None,
            _ => Some(due),
        }
    }

    /// Change the rate from now on: iterations not yet claimed follow `per_second`; the next
    /// one is due when it would have been under the old rate, or one new period from now if
    /// that is sooner (a backlog is kept, a long old period is not waited out).
    pub(crate) fn set_rate(&self, per_second: f64) {
        let _serial = self.rerate.lock();
        let period = period_of(per_second);
        loop {
            let v = self.next.load(Ordering::Acquire);
            let (generation, k) = (v >> ITERATION_BITS, v & ITERATION_MASK);
            let now_ns = self.start.elapsed().as_nanos() as f64;
            let old_due_ns = self
                .read_segment(generation)
                .and_then(|seg| seg.offset(k))
                .map_or(now_ns, |d| d.as_nanos() as f64);
            let origin_ns = old_due_ns.min(now_ns + period * 1e9).max(0.0);
            let next_generation = (generation + 1) & GENERATION_MASK;
            self.write_segment(
                next_generation,
                k,
                origin_ns.min(u64::MAX as f64) as u64,
                period,
            );
            let swapped = self.next.compare_exchange(
                v,
                (next_generation << ITERATION_BITS) | k,
                Ordering::AcqRel,
                Ordering::Acquire,
            );
            if swapped.is_ok() {
                return;
            }
        }
    }

    pub(crate) fn mark_started(&self) {
        self.started.fetch_add(1, Ordering::Relaxed);
    }

    /// Iterations started so far.
    pub(crate) fn started(&self) -> u64 {
        self.started.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_rate_slots_are_evenly_spaced() {
        let start = Instant::now();
        let s = ArrivalSchedule::new(start, 10.0, None);
        for k in 0..5u32 {
            let due = s.claim().unwrap();
            let want = Duration::from_millis(100) * k;
            let got = due.duration_since(start);
            assert!(
                got.abs_diff(want) < Duration::from_micros(1),
                "{k}: {got:?}"
            );
        }
    }

    #[test]
    fn run_time_ends_the_schedule() {
        let s = ArrivalSchedule::new(Instant::now(), 10.0, Some(Duration::from_millis(250)));
        assert_eq!((0..5).filter_map(|_| s.claim()).count(), 3);
    }

    #[test]
    fn a_new_rate_applies_to_unclaimed_iterations() {
        let start = Instant::now();
        // Very slow at first: the second iteration would be 100 s away.
        let s = ArrivalSchedule::new(start, 0.01, None);
        assert_eq!(s.claim().unwrap(), start);
        s.set_rate(100.0);
        let a = s.claim().unwrap();
        let b = s.claim().unwrap();
        // Not the old 100 s: within one new period of the change, then 10 ms apart.
        assert!(a.duration_since(start) < Duration::from_secs(1), "{a:?}");
        let gap = b.duration_since(a);
        assert!(gap.abs_diff(Duration::from_millis(10)) < Duration::from_micros(1));
    }

    #[test]
    fn a_backlog_survives_a_rate_change() {
        let start = Instant::now() - Duration::from_secs(10);
        let s = ArrivalSchedule::new(start, 1.0, None);
        s.claim();
        s.set_rate(2.0);
        // Iteration 1 was due 1 s after the start under the old rate: still due then.
        let due = s.claim().unwrap().duration_since(start);
        assert!(due.abs_diff(Duration::from_secs(1)) < Duration::from_micros(1));
        let next = s.claim().unwrap().duration_since(start);
        assert!(next.abs_diff(Duration::from_millis(1500)) < Duration::from_micros(1));
    }

    #[test]
    fn concurrent_claims_across_rate_changes_are_each_counted_once() {
        let s = std::sync::Arc::new(ArrivalSchedule::new(Instant::now(), 1e6, None));
        let claims: u64 = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..4)
                .map(|_| {
                    let s = s.clone();
                    scope.spawn(move || (0..10_000).filter(|_| s.claim().is_some()).count())
                })
                .collect();
            for i in 0..100 {
                s.set_rate(1e6 + f64::from(i));
            }
            workers.into_iter().map(|w| w.join().unwrap() as u64).sum()
        });
        assert_eq!(claims, 40_000);
        assert_eq!(s.next.load(Ordering::Relaxed) & ITERATION_MASK, 40_000);
    }
}
