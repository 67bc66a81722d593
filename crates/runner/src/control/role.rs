//! The role plug-in: how an app runs as something other than a single process (e.g. the
//! master or a worker of a distributed run) without depending on the crate that implements
//! it. The app passes a [`RolePlugin`] in its [`Extensions`](super::Extensions); the plug-in
//! adds its flags to the app's command line ([`RolePlugin::augment`]), decides from the parsed
//! flags whether this process plays a role ([`RolePlugin::select`]) and, if so, runs it with the
//! app's [`ClassFactory`] ([`RoleRun::run`]).

use std::sync::Arc;

use super::factory::ClassFactory;
use super::plugins::Extensions;
use super::types::{Catalogue, ClassChoice, TaskNode};
use super::BoxFuture;
use crate::config::Settings;
use crate::filter::TagFilter;
use crate::hooks::Hooks;

/// What a role is given to run: the resolved settings of the command line, the app's class
/// factory (the same classes and weights as a single process), its hooks and plug-ins.
pub struct RoleInput {
    /// The resolved runner settings (`-u`, `-r`, `-t`, `--host`, reports, …).
    pub settings: Settings,
    /// The app's classes.
    pub factory: Arc<dyn ClassFactory>,
    /// Hooks of every run (e.g. the lifecycle flows' listeners).
    pub hooks: Hooks,
    /// The app's other plug-ins (web UI, HTML report, version).
    pub extensions: Extensions,
}

/// A role this process was asked to play (chosen by [`RolePlugin::select`]).
pub trait RoleRun: Send {
    /// Runs the role to its end; returns the process exit code (as a single process: 0, 1 on
    /// errors with `--exit-code-on-error`, 2 for configuration errors, 3 for thresholds), or an
    /// error message (exit 2).
    fn run(self: Box<Self>, input: RoleInput) -> BoxFuture<'static, Result<i32, String>>;

    /// A short name for logs, e.g. `master` or `worker`.
    fn name(&self) -> &'static str;
}

/// Adds flags to an app's command line and runs a role when they ask for one.
pub trait RolePlugin: Send + Sync {
    /// Adds the plug-in's flags to the app's command.
    fn augment(&self, command: clap::Command) -> clap::Command;

    /// The role the parsed flags ask for (`None`: a single process), or a message saying which
    /// flag is wrong.
    fn select(&self, matches: &clap::ArgMatches) -> Result<Option<Box<dyn RoleRun>>, String>;
}

/// The classes of `catalogue` that `choices` keep (every class with its default weight when
/// `choices` is empty; weight 0 leaves a class out unless it has a fixed count) and that have
/// at least one task `tags` allow, as `(class, weight)` pairs in catalogue order.
pub fn runnable_classes<'a>(
    catalogue: &'a Catalogue,
    choices: &[ClassChoice],
    tags: &TagFilter,
) -> Vec<(&'a super::types::ClassInfo, u32)> {
    fn any_allowed(nodes: &[TaskNode], inherited: &[String], tags: &TagFilter) -> bool {
        nodes.iter().any(|n| {
            let mut own: Vec<String> = inherited.to_vec();
            own.extend(n.tags.iter().cloned());
            if n.children.is_empty() {
                tags.allows(own.iter())
            } else {
                any_allowed(&n.children, &own, tags)
            }
        })
    }
    catalogue
        .classes
        .iter()
        .filter_map(|c| {
            let weight = if choices.is_empty() {
                c.weight
            } else {
                choices.iter().find(|ch| ch.name == c.name)?.weight
            };
            if weight == 0 && c.fixed_count.is_none() {
                return None;
            }
            let runnable = !tags.is_active() || any_allowed(&c.tasks, &c.tags, tags);
            runnable.then_some((c, weight))
        })
        .collect()
}
