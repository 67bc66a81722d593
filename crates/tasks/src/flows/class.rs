//! The user classes of a lifecycle run: each role's class keeps its name, host, login, weight
//! and wait, but its users take turns ([`super::turn`]) instead of picking their tasks
//! directly; the class's own tasks become what a user does when it has no flow to work on.

use std::sync::Arc;

use milmove_runner::{TagFilter, Task, TaskSet, UserClass};

use super::hub::FlowHub;
use super::role::Role;
use super::turn;
use crate::catalog::{ClassOptions, ClassSpec};
use crate::context::{MilMoveUser, Seat, Shared};

/// The tag every lifecycle turn carries (`-E lifecycle` leaves the flows out).
pub const LIFECYCLE_TAG: &str = "lifecycle";

/// The class's own tasks a user of `role` runs when it has nothing else to do, with their
/// weights, after `-T`/`-E` (`filter`). A customer checks on the move it submitted last.
pub fn browse_tasks(
    spec: &ClassSpec,
    role: Role,
    filter: &TagFilter,
) -> Vec<(u32, crate::flows::runnable::Runnable<MilMoveUser>)> {
    if role == Role::Customer {
        let tags: Vec<String> = spec
            .tags
            .iter()
            .chain(&["move"])
            .map(|t| t.to_string())
            .collect();
        return if filter.allows(tags.iter()) {
            vec![(
                1,
                crate::flows::runnable::Runnable::new(super::steps::customer::check_my_move),
            )]
        } else {
            Vec::new()
        };
    }
    spec.tasks
        .iter()
        .filter(|t| t.weight > 0)
        .filter(|t| {
            let tags: Vec<String> = spec
                .tags
                .iter()
                .chain(&t.tags)
                .map(|t| t.to_string())
                .collect();
            filter.allows(tags.iter())
        })
        .map(|t| (t.weight, t.run.clone()))
        .collect()
}

/// The lifecycle class of `spec`, whose users play `role` in the flows of `hub`.
pub fn build(
    spec: &ClassSpec,
    role: Role,
    hub: &Arc<FlowHub>,
    shared: &Arc<Shared>,
    options: ClassOptions,
    filter: &TagFilter,
) -> UserClass {
    let seat = Arc::new(Seat {
        hub: hub.clone(),
        role,
        browse: browse_tasks(spec, role, filter),
    });
    let shared = shared.clone();
    let mut builder = UserClass::with_state(spec.name, move || {
        MilMoveUser::seated(shared.clone(), seat.clone())
    })
    .weight(options.weight)
    .wait(options.wait)
    .host(options.host);
    if let Some(tls) = options.tls {
        builder = builder.client(move |b| milmove_hosts::apply_to_reqwest(b, &tls));
    }
    if let Some(on_start) = spec.on_start {
        builder = on_start(builder);
    }
    let mut tags: Vec<&str> = spec.tags.clone();
    tags.push(LIFECYCLE_TAG);
    let root = TaskSet::random(spec.name).tags(tags);
    let root = if role == Role::Customer {
        // Half of a customer's turns start a flow (when there is room), half look at the move
        // the customer submitted last: the default weights then keep every queue moving.
        root.with_task(Task::new(turn::start_flow).weight(1))
            .with_task(Task::new(super::steps::customer::check_my_move).weight(1))
    } else {
        root.with_task(Task::new(turn::work_queue).weight(1))
    };
    builder.tasks(root).build()
}
