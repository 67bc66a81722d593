//! The user context handed to every task: HTTP client, per-user state, random numbers, control.

use crate::http::{HttpClient, Request};
use rand::rngs::SmallRng;
use rand::SeedableRng;
use std::sync::Arc;

/// One simulated user, as seen by its tasks (`&mut User<S>`).
///
/// The fields are public and separate so a task can borrow them independently, e.g.
/// `u.http.post(..).json(&u.state.payload)`.
pub struct User<S> {
    /// The user's HTTP client (shared connection pool, own cookies, recording).
    pub http: HttpClient,
    /// The per-user state, created by the class's state factory when the user starts.
    pub state: S,
    /// A fast per-user random generator (seeded per user; see `--seed`).
    pub rng: SmallRng,
    pub(crate) id: u64,
    pub(crate) class_name: Arc<str>,
    pub(crate) interrupt: bool,
}

impl<S> User<S> {
    pub(crate) fn new(
        http: HttpClient,
        state: S,
        seed: u64,
        id: u64,
        class_name: Arc<str>,
    ) -> Self {
        Self {
            http,
            state,
            rng: SmallRng::seed_from_u64(seed),
            id,
            class_name,
            interrupt: false,
        }
    }

    /// Leave the current nested task set after this task, returning to its parent
    /// (Locust's `self.interrupt()`). In the top-level set it has no effect.
    pub fn interrupt(&mut self) {
        self.interrupt = true;
    }

    /// The user's number, unique in the run (1-based, in spawn order).
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The user's class name.
    pub fn class_name(&self) -> &str {
        &self.class_name
    }

    /// Shortcut for `self.http.get(path)`.
    pub fn get(&mut self, path: &str) -> Request<'_> {
        self.http.get(path)
    }

    /// Shortcut for `self.http.post(path)`.
    pub fn post(&mut self, path: &str) -> Request<'_> {
        self.http.post(path)
    }

    /// Shortcut for `self.http.put(path)`.
    pub fn put(&mut self, path: &str) -> Request<'_> {
        self.http.put(path)
    }

    /// Shortcut for `self.http.patch(path)`.
    pub fn patch(&mut self, path: &str) -> Request<'_> {
        self.http.patch(path)
    }

    /// Shortcut for `self.http.delete(path)`.
    pub fn delete(&mut self, path: &str) -> Request<'_> {
        self.http.delete(path)
    }
}
