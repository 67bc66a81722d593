//! Tag filtering (`-T/--tags`, `-E/--exclude-tags`) of task sets, before a run starts.

use crate::task::{Entry, SetKind, TaskSet};
use std::collections::HashSet;

/// Which tasks may run: with `include` set, only tasks carrying (or inheriting) one of its tags;
/// never a task carrying (or inheriting) an `exclude` tag (exclude wins).
#[derive(Debug, Clone, Default)]
pub struct TagFilter {
    include: Option<HashSet<String>>,
    exclude: HashSet<String>,
}

impl TagFilter {
    /// A filter from `--tags` (empty = no restriction) and `--exclude-tags`.
    pub fn new<I, E>(include: I, exclude: E) -> Self
    where
        I: IntoIterator<Item = String>,
        E: IntoIterator<Item = String>,
    {
        let include: HashSet<String> = include.into_iter().collect();
        Self {
            include: (!include.is_empty()).then_some(include),
            exclude: exclude.into_iter().collect(),
        }
    }

    /// Whether a task with these (own + inherited) tags may run.
    pub fn allows<'t>(&self, tags: impl IntoIterator<Item = &'t String> + Clone) -> bool {
        if tags.clone().into_iter().any(|t| self.exclude.contains(t)) {
            return false;
        }
        match &self.include {
            None => true,
            Some(inc) => tags.into_iter().any(|t| inc.contains(t)),
        }
    }

    /// The include tags (`-T`), sorted; empty when there is no restriction.
    pub fn include_list(&self) -> Vec<String> {
        let mut v: Vec<String> = self.include.iter().flatten().cloned().collect();
        v.sort();
        v
    }

    /// The exclude tags (`-E`), sorted.
    pub fn exclude_list(&self) -> Vec<String> {
        let mut v: Vec<String> = self.exclude.iter().cloned().collect();
        v.sort();
        v
    }

    /// Whether the filter restricts anything.
    pub fn is_active(&self) -> bool {
        self.include.is_some() || !self.exclude.is_empty()
    }
}

/// Filter `set` (whose ancestors carry `inherited` tags). Returns `None` when nothing in it can
/// run; every emptied set is reported once through `warn`.
pub(crate) fn filter_set<S: Send + 'static>(
    set: &TaskSet<S>,
    inherited: &[String],
    filter: &TagFilter,
    path: &str,
    warn: &mut dyn FnMut(String),
) -> Option<TaskSet<S>> {
    let mut tags: Vec<String> = inherited.to_vec();
    tags.extend(set.tags.iter().cloned());
    let here = format!("{path} > {}", set.name);
    let mut kept = Vec::with_capacity(set.entries.len());
    for entry in &set.entries {
        match entry {
            Entry::Task(t) => {
                let weighted_out = set.kind == SetKind::Random && t.weight == 0;
                if !weighted_out && filter.allows(tags.iter().chain(t.tags.iter())) {
                    kept.push(Entry::Task(t.clone()));
                }
            }
            Entry::Set { weight, set: inner } => {
                if set.kind == SetKind::Random && *weight == 0 {
                    continue;
                }
                if let Some(f) = filter_set(inner, &tags, filter, &here, warn) {
                    kept.push(Entry::Set {
                        weight: *weight,
                        set: f,
                    });
                }
            }
        }
    }
    if kept.is_empty() {
        warn(format!(
            "task set `{here}` has nothing runnable{}; it is skipped",
            if filter.is_active() {
                " after tag filtering"
            } else {
                " (no task, or all weights are 0)"
            }
        ));
        return None;
    }
    let mut out = set.clone();
    out.entries = kept;
    Some(out)
}
