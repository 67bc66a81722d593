//! What a lifecycle user does on each of its turns (one task of the runner):
//!
//! - a customer ([`start_flow`]) starts a new flow, picked by the mix, when the process has
//!   room for one, and runs its first step;
//! - any other role ([`work_queue`]) takes the oldest flow waiting in its queue and runs its
//!   step;
//! - with nothing to do (an empty queue, no room for a new flow) the user runs one of its
//!   class's own tasks, by weight, as the class does outside lifecycle runs; a class with
//!   none left (tag filtering) waits until work arrives, at most [`IDLE_WAIT`]. It never spins.
//!
//! After a step the flow goes to the next step's queue ([`FlowHub::finish_step`]). With
//! `--complete-each-flow N`, once every flow of the mix completed N times each user stops at
//! its next turn (the run ends when every user has stopped).

use std::sync::Arc;
use std::time::{Duration, Instant};

use milmove_runner::{TaskError, TaskResult, User};
use rand::RngExt;

use super::case::FlowCase;
use super::catalog;
use super::hub::{FlowHub, StepEnd};
use super::role::Role;
use crate::context::{MilMoveUser, Seat};

/// How long a user with nothing at all to do waits for work before its turn ends.
pub const IDLE_WAIT: Duration = Duration::from_secs(1);

fn seat(u: &User<MilMoveUser>) -> Option<Arc<Seat>> {
    u.state.seat.clone()
}

/// Runs the next step of `case` and hands the flow on.
async fn run_step(u: &mut User<MilMoveUser>, hub: &FlowHub, mut case: FlowCase) {
    let step = &catalog::all()[case.flow].steps[case.step];
    let started = Instant::now();
    let result = step.run(u, &mut case.data).await;
    let end = match result {
        Ok(()) => StepEnd::Done,
        Err(failure) => StepEnd::Failed(failure.0),
    };
    hub.finish_step(&u.http, case, started.elapsed(), end);
}

/// One of the class's own tasks, by weight; or a wait for work when it has none.
async fn browse(u: &mut User<MilMoveUser>, seat: &Seat) -> TaskResult {
    let total: u64 = seat.browse.iter().map(|(w, _)| u64::from(*w)).sum();
    if total == 0 {
        if seat.role == Role::Customer {
            seat.hub.wait_for_room(IDLE_WAIT).await;
        } else {
            seat.hub.wait_for_work(seat.role, IDLE_WAIT).await;
        }
        return Ok(());
    }
    let mut r = u.rng.random_range(0..total);
    for (weight, task) in &seat.browse {
        let w = u64::from(*weight);
        if r < w {
            return task.run(u).await;
        }
        r -= w;
    }
    Ok(())
}

/// The customer's turn: a new flow when there is room for one, else the class's own tasks.
pub async fn start_flow(u: &mut User<MilMoveUser>) -> TaskResult {
    let Some(seat) = seat(u) else {
        return Ok(());
    };
    let hub = &seat.hub;
    if hub.done() {
        return Err(TaskError::stop_user());
    }
    if !hub.admit() {
        return browse(u, &seat).await;
    }
    let Some(flow) = hub.pick_flow(&mut u.rng) else {
        hub.cancel_admission();
        return browse(u, &seat).await;
    };
    let case = hub.start(flow);
    run_step(u, hub, case).await;
    Ok(())
}

/// Another role's turn: the oldest flow waiting for the role, else the class's own tasks.
pub async fn work_queue(u: &mut User<MilMoveUser>) -> TaskResult {
    let Some(seat) = seat(u) else {
        return Ok(());
    };
    if seat.hub.done() {
        return Err(TaskError::stop_user());
    }
    match seat.hub.take(&u.http, seat.role) {
        Some(case) => {
            run_step(u, &seat.hub, case).await;
            Ok(())
        }
        None => browse(u, &seat).await,
    }
}
