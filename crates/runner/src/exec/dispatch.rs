//! Which user class each new user belongs to, as Locust's `UsersDispatcher` decides it:
//! classes sorted by name; `fixed_count` classes are filled first (cycling among them), then
//! weighted classes follow a smooth weighted round-robin over weights normalised so that the
//! smallest is 2. The order is deterministic, so for N users the class counts are always the
//! same, and ramping down removes the most recently added users first.
//!
//! Across the workers of a distributed run, [`distribute`] shares such a dispatch out: the
//! per-class totals are those of one process with the same user count, each worker gets an
//! even share (totals differ by at most one user, and so does each class's count between
//! workers), the spawn rate is shared out and an arrival rate is split in proportion to the
//! users. It is a pure function of the worker count, so rebalancing after a worker joins or is
//! lost is calling it again.

/// A class as the dispatcher sees it.
#[derive(Debug, Clone)]
pub struct DispatchClass {
    /// Class name (classes are ordered by it).
    pub name: String,
    /// Weight (used when `fixed_count` is `None`).
    pub weight: u32,
    /// Fixed number of users.
    pub fixed_count: Option<u32>,
}

/// Produces the class index (into the caller's slice) of user 1, 2, 3, ...
#[derive(Debug, Clone)]
pub struct Dispatcher {
    /// Class indices of the fixed users, in spawn order.
    fixed_sequence: Vec<usize>,
    /// One full cycle of weighted classes.
    weighted_cycle: Vec<usize>,
}

impl Dispatcher {
    /// Prepare the order for these classes.
    pub fn new(classes: &[DispatchClass]) -> Self {
        let mut order: Vec<usize> = (0..classes.len()).collect();
        order.sort_by(|&a, &b| classes[a].name.cmp(&classes[b].name));

        let fixed: Vec<(usize, u64)> = order
            .iter()
            .filter_map(|&i| classes[i].fixed_count.map(|c| (i, u64::from(c))))
            .filter(|&(_, c)| c > 0)
            .collect();
        let weighted: Vec<(usize, u64)> = order
            .iter()
            .filter(|&&i| classes[i].fixed_count.is_none() && classes[i].weight > 0)
            .map(|&i| (i, u64::from(classes[i].weight)))
            .collect();

        // Fixed users: cycle among the fixed classes (smooth round-robin over their counts)
        // until each reached its count.
        let total_fixed: u64 = fixed.iter().map(|f| f.1).sum();
        let mut fixed_sequence = Vec::with_capacity(usize::try_from(total_fixed).unwrap_or(0));
        let mut remaining: Vec<u64> = fixed.iter().map(|f| f.1).collect();
        let mut rr = SmoothRoundRobin::new(fixed.iter().map(|f| f.1).collect());
        while remaining.iter().any(|&r| r > 0) {
            let k = rr.next_index();
            if remaining[k] > 0 {
                remaining[k] -= 1;
                fixed_sequence.push(fixed[k].0);
            }
        }

        let weighted_cycle = if weighted.is_empty() {
            Vec::new()
        } else {
            let min = weighted.iter().map(|w| w.1).min().unwrap_or(1).max(1);
            let normalized: Vec<u64> = weighted
                .iter()
                // Python's `round` (Locust) rounds halves to even.
                .map(|w| ((2.0 * w.1 as f64 / min as f64).round_ties_even() as u64).max(1))
                .collect();
            let length: u64 = normalized.iter().sum();
            let mut rr = SmoothRoundRobin::new(normalized);
            (0..length).map(|_| weighted[rr.next_index()].0).collect()
        };
        Self {
            fixed_sequence,
            weighted_cycle,
        }
    }

    /// The class index of the `n`-th user (0-based), or `None` if no class can take it
    /// (all classes are fixed and full).
    pub fn class_of(&self, n: usize) -> Option<usize> {
        if let Some(&c) = self.fixed_sequence.get(n) {
            return Some(c);
        }
        if self.weighted_cycle.is_empty() {
            return None;
        }
        let k = n - self.fixed_sequence.len();
        Some(self.weighted_cycle[k % self.weighted_cycle.len()])
    }

    /// How many users of each class there are when `users` users run (`len` = number of classes).
    pub fn counts(&self, users: usize, len: usize) -> Vec<usize> {
        let mut counts = vec![0; len];
        for n in 0..users {
            match self.class_of(n) {
                Some(c) => counts[c] += 1,
                None => break,
            }
        }
        counts
    }

    /// The largest user count this dispatcher can place (`None` = unbounded).
    pub fn capacity(&self) -> Option<usize> {
        self.weighted_cycle
            .is_empty()
            .then_some(self.fixed_sequence.len())
    }
}

/// One worker's share of a distributed run, as [`distribute`] computes it.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkerShare {
    /// Users of each class (indices as in the caller's class slice).
    pub users_by_class: Vec<usize>,
    /// The worker's part of the spawn rate (users/s).
    pub spawn_rate: f64,
    /// The worker's part of the arrival rate (iterations/s), in open-model runs.
    pub arrival_rate: Option<f64>,
}

impl WorkerShare {
    /// The worker's users, all classes together.
    pub fn users(&self) -> usize {
        self.users_by_class.iter().sum()
    }
}

/// Shares `users` users of `classes` out over `workers` workers (in the caller's stable order,
/// e.g. sorted by worker id): the same per-class totals as one process running `users` users
/// (`fixed_count` honoured), each class spread evenly, and the remainders of consecutive classes
/// laid end to end round the workers so that worker totals differ by at most one. The spawn rate
/// is divided evenly (each worker starts about the same number of users, so all finish
/// together); an arrival rate is split in proportion to each worker's users (evenly when there
/// are none). Returns one share per worker (none without workers).
pub fn distribute(
    classes: &[DispatchClass],
    users: usize,
    spawn_rate: f64,
    arrival_rate: Option<f64>,
    workers: usize,
) -> Vec<WorkerShare> {
    if workers == 0 {
        return Vec::new();
    }
    let totals = Dispatcher::new(classes).counts(users, classes.len());
    let mut order: Vec<usize> = (0..classes.len()).collect();
    order.sort_by(|&a, &b| classes[a].name.cmp(&classes[b].name));
    let mut shares = vec![vec![0usize; classes.len()]; workers];
    let mut next = 0usize;
    for &c in &order {
        let (each, rest) = (totals[c] / workers, totals[c] % workers);
        for share in shares.iter_mut() {
            share[c] = each;
        }
        for _ in 0..rest {
            shares[next][c] += 1;
            next = (next + 1) % workers;
        }
    }
    let placed: usize = totals.iter().sum();
    shares
        .into_iter()
        .map(|users_by_class| {
            let mine: usize = users_by_class.iter().sum();
            let arrival_rate = arrival_rate.map(|rate| {
                if placed == 0 {
                    rate / workers as f64
                } else {
                    rate * mine as f64 / placed as f64
                }
            });
            WorkerShare {
                users_by_class,
                spawn_rate: spawn_rate / workers as f64,
                arrival_rate,
            }
        })
        .collect()
}

/// nginx's smooth weighted round-robin (as the `roundrobin.smooth` Locust uses).
struct SmoothRoundRobin {
    weights: Vec<i64>,
    current: Vec<i64>,
    total: i64,
}

impl SmoothRoundRobin {
    fn new(weights: Vec<u64>) -> Self {
        let weights: Vec<i64> = weights
            .into_iter()
            .map(|w| i64::try_from(w).unwrap_or(i64::MAX / 1024))
            .collect();
        let total = weights.iter().sum();
        Self {
            current: vec![0; weights.len()],
            weights,
            total,
        }
    }

    fn next_index(&mut self) -> usize {
        let mut best = 0;
        for i in 0..self.weights.len() {
            self.current[i] += self.weights[i];
            if self.current[i] > self.current[best] {
                best = i;
            }
        }
        self.current[best] -= self.total;
        best
    }
}
