//! The catalog of MilMove user classes: each task with its weight, tags and the request that
//! shows it ran. Classes are built from it ([`ClassSpec::build`]) and `--list` prints it, so
//! the two never disagree.

use std::sync::Arc;

use milmove_hosts::Domain;
use milmove_runner::{Task, TaskFn, TaskSet, UserClass, UserClassBuilder, Wait};

use crate::context::{MilMoveUser, Shared};
use crate::flows::runnable::Runnable;

/// One task of a class.
pub struct TaskSpec {
    /// The task's name (its function's name).
    pub name: String,
    /// Relative weight in its set (ignored in sequential sets).
    pub weight: u32,
    /// Own tags (the class's and set's tags are added).
    pub tags: Vec<&'static str>,
    /// The request (method, statistics name) the task sends when it runs; a workflow's last
    /// step names its `WORKFLOW` record.
    pub request: (&'static str, &'static str),
    /// The runnable task.
    pub task: Task<MilMoveUser>,
    /// The same function, callable by another task (a lifecycle user with nothing in its
    /// queue runs one of its class's tasks itself).
    pub run: Runnable<MilMoveUser>,
}

impl TaskSpec {
    /// A task entry for the task function `func`.
    pub fn new<F>(
        func: F,
        weight: u32,
        tags: &[&'static str],
        request: (&'static str, &'static str),
    ) -> Self
    where
        F: for<'a> TaskFn<'a, MilMoveUser> + Clone,
    {
        let task = Task::new(func.clone());
        TaskSpec {
            name: task.name().to_string(),
            weight,
            tags: tags.to_vec(),
            request,
            task: task.weight(weight).tags(tags.iter().copied()),
            run: Runnable::new(func),
        }
    }
}

/// A set of tasks: the class's top level (random) or a nested (sequential) workflow.
pub struct SetSpec {
    /// The set's name.
    pub name: &'static str,
    /// Sequential (workflow) or weighted random.
    pub sequential: bool,
    /// Weight of a nested set in its parent.
    pub weight: u32,
    /// Tags every task of the set inherits.
    pub tags: Vec<&'static str>,
    /// The tasks, in order.
    pub tasks: Vec<TaskSpec>,
}

impl SetSpec {
    /// The runner's task set.
    pub fn task_set(&self) -> TaskSet<MilMoveUser> {
        let base = if self.sequential {
            TaskSet::sequential(self.name)
        } else {
            TaskSet::random(self.name)
        };
        self.tasks
            .iter()
            .fold(base.tags(self.tags.iter().copied()), |set, t| {
                set.with_task(t.task.clone())
            })
    }
}

/// Adds the class's `on_start` (e.g. a login) to a class builder.
pub type OnStart = fn(UserClassBuilder<MilMoveUser>) -> UserClassBuilder<MilMoveUser>;

/// A MilMove user class.
pub struct ClassSpec {
    /// The class name (e.g. `PrimeUser`).
    pub name: &'static str,
    /// The domain its host is built for.
    pub domain: Domain,
    /// Whether it calls an API host (`api.` in deployed environments).
    pub is_api: bool,
    /// Whether it needs a client certificate (mutual TLS).
    pub mutual_tls: bool,
    /// Tags of every task of the class.
    pub tags: Vec<&'static str>,
    /// Login or other start-up, if any.
    pub on_start: Option<OnStart>,
    /// Top-level tasks (weighted random).
    pub tasks: Vec<TaskSpec>,
    /// Nested sets (workflows), each with its weight; a class with only one sequential set
    /// and no top-level tasks runs that set as its top level.
    pub sets: Vec<SetSpec>,
    /// Requests a task of the class declares as expected failures (recorded as successes when
    /// the expected status comes back).
    pub expected_failures: Vec<(&'static str, &'static str)>,
}

/// How to build a class for one run.
#[derive(Clone)]
pub struct ClassOptions {
    /// The base URL.
    pub host: String,
    /// TLS client configuration (mutual TLS and verification), if the host uses TLS.
    pub tls: Option<Arc<rustls::ClientConfig>>,
    /// The class weight.
    pub weight: u32,
    /// Wait between tasks.
    pub wait: Wait,
}

impl ClassSpec {
    /// Every task of the class (top level, then each set's), with the set it belongs to.
    pub fn all_tasks(&self) -> impl Iterator<Item = (Option<&SetSpec>, &TaskSpec)> {
        self.tasks.iter().map(|t| (None, t)).chain(
            self.sets
                .iter()
                .flat_map(|s| s.tasks.iter().map(move |t| (Some(s), t))),
        )
    }

    /// The runner's user class, sharing `shared` between its users.
    pub fn build(&self, shared: &Arc<Shared>, options: ClassOptions) -> UserClass {
        let shared = shared.clone();
        let mut builder =
            UserClass::with_state(self.name, move || MilMoveUser::new(shared.clone()))
                .weight(options.weight)
                .wait(options.wait)
                .host(options.host);
        if let Some(tls) = options.tls {
            builder = builder.tls(tls);
        }
        if let Some(on_start) = self.on_start {
            builder = on_start(builder);
        }
        let single_workflow = self.tasks.is_empty() && self.sets.len() == 1;
        if single_workflow {
            let set = self.sets[0].task_set().tags(self.tags.iter().copied());
            return builder.tasks(set).build();
        }
        let mut root = TaskSet::random(self.name).tags(self.tags.iter().copied());
        for task in &self.tasks {
            root = root.with_task(task.task.clone());
        }
        for set in &self.sets {
            root = root.set(set.weight, set.task_set());
        }
        builder.tasks(root).build()
    }
}
