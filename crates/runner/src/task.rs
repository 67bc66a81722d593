//! Tasks and task sets: what a user does.
//!
//! A task is an `async fn(&mut User<S>) -> TaskResult`. Task sets group tasks (and nested
//! sets) and pick among them by weight ([`TaskSet::random`]) or in order
//! ([`TaskSet::sequential`]). A nested set runs until one of its tasks calls
//! [`User::interrupt`](crate::User::interrupt); control then returns to the parent set.

use crate::error::TaskResult;
use crate::user::User;
use crate::wait::Wait;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// A boxed, sendable future borrowing the user for `'a`.
pub type BoxTaskFuture<'a> = Pin<Box<dyn Future<Output = TaskResult> + Send + 'a>>;

/// Anything callable as a task: implemented for every `async fn(&mut User<S>) -> TaskResult`
/// (and every `Fn(&'a mut User<S>) -> impl Future + 'a`).
///
/// You do not implement it yourself; it exists so that plain `async fn` items can be stored.
pub trait TaskFn<'a, S: 'a>: Send + Sync + 'static {
    /// The future returned by the task.
    type Fut: Future<Output = TaskResult> + Send + 'a;
    /// Call the task.
    fn call(&self, user: &'a mut User<S>) -> Self::Fut;
}

impl<'a, S: 'a, F, Fut> TaskFn<'a, S> for F
where
    F: Fn(&'a mut User<S>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = TaskResult> + Send + 'a,
{
    type Fut = Fut;
    fn call(&self, user: &'a mut User<S>) -> Fut {
        self(user)
    }
}

/// Object-safe, type-erased form of a task function.
pub(crate) trait ErasedTaskFn<S>: Send + Sync {
    fn call_boxed<'a>(&'a self, user: &'a mut User<S>) -> BoxTaskFuture<'a>;
}

struct Erased<F>(F);

impl<S: Send + 'static, F> ErasedTaskFn<S> for Erased<F>
where
    F: for<'a> TaskFn<'a, S>,
{
    fn call_boxed<'a>(&'a self, user: &'a mut User<S>) -> BoxTaskFuture<'a> {
        Box::pin(self.0.call(user))
    }
}

/// A shared, type-erased task function.
pub(crate) type SharedFn<S> = Arc<dyn ErasedTaskFn<S>>;

pub(crate) fn erase<S: Send + 'static, F: for<'a> TaskFn<'a, S>>(f: F) -> SharedFn<S> {
    Arc::new(Erased(f))
}

/// The last path segment of a function's type name (`my_crate::tasks::get_index` → `get_index`).
pub(crate) fn fn_name<F>() -> String {
    let full = std::any::type_name::<F>();
    let trimmed = full.split('<').next().unwrap_or(full);
    let name = trimmed.rsplit("::").next().unwrap_or(trimmed);
    if name.contains("{{closure}}") || name.is_empty() {
        "closure".to_string()
    } else {
        name.to_string()
    }
}

/// One task: a function with a name, a weight and tags.
///
/// ```
/// # use milmove_runner::{Task, TaskResult, User};
/// async fn list_moves(u: &mut User<()>) -> TaskResult { let _ = u; Ok(()) }
/// let t = Task::new(list_moves).weight(3).tags(["read", "moves"]);
/// assert_eq!(t.name(), "list_moves");
/// ```
pub struct Task<S> {
    pub(crate) name: String,
    pub(crate) weight: u32,
    pub(crate) tags: Vec<String>,
    pub(crate) func: SharedFn<S>,
}

impl<S> Clone for Task<S> {
    fn clone(&self) -> Self {
        Self {
            name: self.name.clone(),
            weight: self.weight,
            tags: self.tags.clone(),
            func: self.func.clone(),
        }
    }
}

impl<S: Send + 'static> Task<S> {
    /// A task of weight 1, named after the function.
    pub fn new<F: for<'a> TaskFn<'a, S>>(func: F) -> Self {
        Self {
            name: fn_name::<F>(),
            weight: 1,
            tags: Vec::new(),
            func: erase(func),
        }
    }

    /// Set the weight (relative probability in a random set; 0 disables the task).
    pub fn weight(mut self, weight: u32) -> Self {
        self.weight = weight;
        self
    }

    /// Rename the task (for logs and exceptions).
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Add tags (for `-T/--tags` and `-E/--exclude-tags`).
    pub fn tags<I, T>(mut self, tags: I) -> Self
    where
        I: IntoIterator<Item = T>,
        T: Into<String>,
    {
        self.tags.extend(tags.into_iter().map(Into::into));
        self
    }

    /// The task's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// How a task set picks its next entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetKind {
    /// Weighted random choice (Locust's `TaskSet`).
    Random,
    /// Entries in order, then again from the first (Locust's `SequentialTaskSet`); weights are ignored.
    Sequential,
}

/// An entry of a task set: a task or a nested set.
pub(crate) enum Entry<S> {
    Task(Task<S>),
    Set { weight: u32, set: TaskSet<S> },
}

impl<S> Clone for Entry<S> {
    fn clone(&self) -> Self {
        match self {
            Entry::Task(t) => Entry::Task(t.clone()),
            Entry::Set { weight, set } => Entry::Set {
                weight: *weight,
                set: set.clone(),
            },
        }
    }
}

/// A group of tasks and nested sets, with its own tags, `on_start`/`on_stop` and optional wait.
///
/// ```
/// # use milmove_runner::{TaskSet, TaskResult, User};
/// async fn open(u: &mut User<()>) -> TaskResult { let _ = u; Ok(()) }
/// async fn leave(u: &mut User<()>) -> TaskResult { u.interrupt(); Ok(()) }
/// let browse = TaskSet::<()>::sequential("browse").task(1, open).task(1, leave);
/// let root = TaskSet::<()>::random("root").task(5, open).set(1, browse);
/// assert_eq!(root.len(), 2);
/// ```
pub struct TaskSet<S> {
    pub(crate) name: String,
    pub(crate) kind: SetKind,
    pub(crate) tags: Vec<String>,
    pub(crate) entries: Vec<Entry<S>>,
    pub(crate) on_start: Option<SharedFn<S>>,
    pub(crate) on_stop: Option<SharedFn<S>>,
    pub(crate) wait: Option<Wait>,
}

impl<S> Clone for TaskSet<S> {
    fn clone(&self) -> Self {
        Self {
            name: self.name.clone(),
            kind: self.kind,
            tags: self.tags.clone(),
            entries: self.entries.clone(),
            on_start: self.on_start.clone(),
            on_stop: self.on_stop.clone(),
            wait: self.wait,
        }
    }
}

impl<S: Send + 'static> TaskSet<S> {
    /// An empty weighted-random set.
    pub fn random(name: impl Into<String>) -> Self {
        Self::with_kind(name, SetKind::Random)
    }

    /// An empty sequential set.
    pub fn sequential(name: impl Into<String>) -> Self {
        Self::with_kind(name, SetKind::Sequential)
    }

    fn with_kind(name: impl Into<String>, kind: SetKind) -> Self {
        Self {
            name: name.into(),
            kind,
            tags: Vec::new(),
            entries: Vec::new(),
            on_start: None,
            on_stop: None,
            wait: None,
        }
    }

    /// Add a task with a weight (one line per task).
    pub fn task<F: for<'a> TaskFn<'a, S>>(self, weight: u32, func: F) -> Self {
        self.with_task(Task::new(func).weight(weight))
    }

    /// Add a task with a weight and tags (one line per task).
    pub fn tagged<F, I, T>(self, weight: u32, tags: I, func: F) -> Self
    where
        F: for<'a> TaskFn<'a, S>,
        I: IntoIterator<Item = T>,
        T: Into<String>,
    {
        self.with_task(Task::new(func).weight(weight).tags(tags))
    }

    /// Add a fully configured [`Task`].
    pub fn with_task(mut self, task: Task<S>) -> Self {
        self.entries.push(Entry::Task(task));
        self
    }

    /// Add a nested set with a weight; it runs until one of its tasks calls `interrupt`.
    pub fn set(mut self, weight: u32, set: TaskSet<S>) -> Self {
        self.entries.push(Entry::Set { weight, set });
        self
    }

    /// Tags for the whole set: every task inside inherits them.
    pub fn tags<I, T>(mut self, tags: I) -> Self
    where
        I: IntoIterator<Item = T>,
        T: Into<String>,
    {
        self.tags.extend(tags.into_iter().map(Into::into));
        self
    }

    /// Run when the set is entered.
    pub fn on_start<F: for<'a> TaskFn<'a, S>>(mut self, func: F) -> Self {
        self.on_start = Some(erase(func));
        self
    }

    /// Run when the set is left (interrupt or user stop).
    pub fn on_stop<F: for<'a> TaskFn<'a, S>>(mut self, func: F) -> Self {
        self.on_stop = Some(erase(func));
        self
    }

    /// Wait time inside this set (default: the user class's).
    pub fn wait(mut self, wait: Wait) -> Self {
        self.wait = Some(wait);
        self
    }

    /// The set's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// How the set picks entries.
    pub fn kind(&self) -> SetKind {
        self.kind
    }

    /// Number of direct entries (tasks and nested sets).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the set has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// The task tree of a set, for catalogues: its entries with weights and tags.
pub(crate) fn describe_set<S>(set: &TaskSet<S>) -> Vec<crate::control::TaskNode> {
    let sequential = set.kind == SetKind::Sequential;
    set.entries
        .iter()
        .map(|e| match e {
            Entry::Task(t) => crate::control::TaskNode {
                name: t.name.clone(),
                weight: if sequential { 1 } else { t.weight },
                tags: t.tags.clone(),
                sequential: false,
                children: Vec::new(),
            },
            Entry::Set { weight, set: inner } => crate::control::TaskNode {
                name: inner.name.clone(),
                weight: if sequential { 1 } else { *weight },
                tags: inner.tags.clone(),
                sequential: inner.kind == SetKind::Sequential,
                children: describe_set(inner),
            },
        })
        .collect()
}
