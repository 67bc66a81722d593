//! A task function kept so that another task can call it: the runner's tasks can only be run
//! by the runner, but a lifecycle user whose queue is empty runs one of its class's own tasks
//! itself.

use std::sync::Arc;

use milmove_runner::{BoxTaskFuture, TaskFn, User};

trait ErasedTask<S>: Send + Sync {
    fn run<'a>(&'a self, user: &'a mut User<S>) -> BoxTaskFuture<'a>;
}

struct Wrap<F>(F);

impl<S: Send + 'static, F> ErasedTask<S> for Wrap<F>
where
    F: for<'a> TaskFn<'a, S>,
{
    fn run<'a>(&'a self, user: &'a mut User<S>) -> BoxTaskFuture<'a> {
        Box::pin(self.0.call(user))
    }
}

/// A task function (`async fn(&mut User<S>) -> TaskResult`) that can be called directly.
pub struct Runnable<S>(Arc<dyn ErasedTask<S>>);

impl<S> Clone for Runnable<S> {
    fn clone(&self) -> Self {
        Runnable(self.0.clone())
    }
}

impl<S> std::fmt::Debug for Runnable<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Runnable")
    }
}

impl<S: Send + 'static> Runnable<S> {
    /// Keeps `func`.
    pub fn new<F: for<'a> TaskFn<'a, S>>(func: F) -> Self {
        Runnable(Arc::new(Wrap(func)))
    }

    /// Runs the task for `user`.
    pub fn run<'a>(&'a self, user: &'a mut User<S>) -> BoxTaskFuture<'a> {
        self.0.run(user)
    }
}
