//! The random generator fake data is drawn from, on its own so that the hook trait and the
//! generators can both name it without depending on each other.

use rand::SeedableRng;

/// The random generator fake data is drawn from (fast, seedable, reproducible).
pub type FakeRng = rand::rngs::SmallRng;

/// A fresh [`FakeRng`] from a seed.
pub fn rng_from_seed(seed: u64) -> FakeRng {
    FakeRng::seed_from_u64(seed)
}
