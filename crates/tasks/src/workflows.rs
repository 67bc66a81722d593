//! Prime workflows: the HHG move (a sequential task set, each step using the previous step's
//! results) and the endpoint workflow (make sure a move exists, then create a shipment on it).
//!
//! Each finished iteration is recorded as a pseudo-request with method `WORKFLOW` (as
//! locust-plugins records transactions): its time is the time its steps took, added up; the
//! users' think time between steps (`--wait-time`) is left out, so the figure shows what the
//! system costs a whole move, not how long the simulated user paused; an iteration whose
//! step failed is recorded as a failure naming the step (the step's own request is recorded
//! as well). A failed step skips the remaining steps of that iteration.

use std::time::{Duration, Instant};

use milmove_runner::{TaskResult, User};
use serde_json::Value;

use crate::call::{text, Call, Updated};
use crate::context::{MilMoveUser, WorkflowState};
use crate::prime::moves::POST_COUNSELING_INFO;
use crate::prime::payments::{payment_request_body, CREATE_PAYMENT_REQUEST};
use crate::prime::service_items::{create_service_item_body, send_create_service_item};
use crate::prime::shipments::{
    create_shipment_body, update_shipment_body, CREATE_SHIPMENT, UPDATE_SHIPMENT,
};
use crate::refetch::Refetch;
use crate::store::{etag, Kind};
use crate::support::{create_available_move, service_item_status_call, shipment_status_call};

/// The method of the workflow pseudo-requests.
pub const WORKFLOW_METHOD: &str = "WORKFLOW";
/// The name the HHG workflow is recorded under.
pub const HHG_WORKFLOW: &str = "hhg move";
/// The name the endpoint workflow is recorded under.
pub const ENDPOINT_WORKFLOW: &str = "endpoint: create shipment on a move";

/// Defines a workflow step task `$name` that runs `$inner` and adds the time it took to the
/// iteration's busy time (the think time between steps is not part of a workflow's time).
macro_rules! timed_step {
    ($(#[$attr:meta])* $name:ident => $inner:ident) => {
        $(#[$attr])*
        pub async fn $name(u: &mut User<MilMoveUser>) -> TaskResult {
            let start = std::time::Instant::now();
            let result = $inner(u).await;
            u.state.workflow.busy += start.elapsed();
            result
        }
    };
}
pub(crate) use timed_step;

/// Records the end of a workflow iteration that took `busy` (its steps' time, without the
/// think time between them).
pub(crate) fn record_workflow(
    u: &User<MilMoveUser>,
    name: &str,
    busy: Duration,
    failed: Option<&str>,
) {
    let error = failed.map(|step| format!("step {step} failed"));
    u.http
        .record(WORKFLOW_METHOD, name, busy, 0, error.as_deref());
}

/// The object after an update step: the server's new copy, or the current copy when another
/// actor already made the change (e.g. a Support user approved the workflow's shipment).
fn current(updated: Updated) -> Option<Value> {
    match updated {
        Updated::Done(value) | Updated::NotNeeded(value) => Some(value),
        Updated::Failed { .. } => None,
    }
}

/// Marks the step failed when `result` is `None`; returns the value otherwise.
fn step<T>(u: &mut User<MilMoveUser>, name: &'static str, result: Option<T>) -> Option<T> {
    if result.is_none() {
        u.state.workflow.failed_step = Some(name);
    }
    result
}

timed_step! {
/// HHG step 1: a new move, created (Support) and made available to the Prime.
    hhg_create_move => hhg_create_move_step
}

async fn hhg_create_move_step(u: &mut User<MilMoveUser>) -> TaskResult {
    u.state.workflow = WorkflowState {
        started: Some(Instant::now()),
        ..WorkflowState::default()
    };
    let created = create_available_move(u).await;
    u.state.workflow.move_task_order = step(u, "hhg_create_move", created);
    Ok(())
}

timed_step! {
/// HHG step 2: the Prime's post-counseling information on the move.
    hhg_post_counseling_info => hhg_post_counseling_info_step
}

async fn hhg_post_counseling_info_step(u: &mut User<MilMoveUser>) -> TaskResult {
    let Some(mto) = u.state.workflow.live(|w| &w.move_task_order) else {
        return Ok(());
    };
    let path = format!(
        "/prime/v1/move-task-orders/{}/post-counseling-info",
        text(&mto, "id")
    );
    let updated = Call::patch(path, POST_COUNSELING_INFO)
        .if_match(etag(&mto))
        .send_refetching(u, Some(Refetch::prime(Kind::Move, &mto)))
        .await;
    if let Some(updated) = step(u, "hhg_post_counseling_info", current(updated)) {
        u.state.workflow.move_task_order = Some(updated);
    }
    Ok(())
}

timed_step! {
/// HHG step 3: an HHG shipment on the move (prime v3).
    hhg_create_shipment => hhg_create_shipment_step
}

async fn hhg_create_shipment_step(u: &mut User<MilMoveUser>) -> TaskResult {
    let Some(mto) = u.state.workflow.live(|w| &w.move_task_order) else {
        return Ok(());
    };
    let body = create_shipment_body(u, text(&mto, "id"))?;
    let created = Call::post(CREATE_SHIPMENT, CREATE_SHIPMENT)
        .json(body)
        .send(u)
        .await;
    u.state.workflow.shipment = step(u, "hhg_create_shipment", created);
    Ok(())
}

timed_step! {
/// HHG step 4: the shipment approved (Support).
    hhg_approve_shipment => hhg_approve_shipment_step
}

async fn hhg_approve_shipment_step(u: &mut User<MilMoveUser>) -> TaskResult {
    let Some(shipment) = u.state.workflow.live(|w| &w.shipment) else {
        return Ok(());
    };
    let refetch =
        Refetch::prime(Kind::Shipment, &shipment).needs_update(|s| text(s, "status") != "APPROVED");
    let approved = shipment_status_call(u, &shipment, "APPROVED")?
        .send_refetching(u, Some(refetch))
        .await;
    if let Some(approved) = step(u, "hhg_approve_shipment", current(approved)) {
        u.state.workflow.shipment = Some(approved);
    }
    Ok(())
}

timed_step! {
/// HHG step 5: a shuttle service item on the shipment.
    hhg_request_shuttle => hhg_request_shuttle_step
}

async fn hhg_request_shuttle_step(u: &mut User<MilMoveUser>) -> TaskResult {
    let Some(shipment) = u.state.workflow.live(|w| &w.shipment) else {
        return Ok(());
    };
    let body = create_service_item_body(u, &shipment, "MTOServiceItemShuttle", "DOSHUT")?;
    let created = send_create_service_item(u, body).await;
    u.state.workflow.service_items = step(u, "hhg_request_shuttle", created).unwrap_or_default();
    Ok(())
}

timed_step! {
/// HHG step 6: the shuttle service item(s) approved (Support).
    hhg_approve_service_item => hhg_approve_service_item_step
}

async fn hhg_approve_service_item_step(u: &mut User<MilMoveUser>) -> TaskResult {
    if !u.state.workflow.running() {
        return Ok(());
    }
    let items = std::mem::take(&mut u.state.workflow.service_items);
    let mut approved = Vec::with_capacity(items.len());
    for item in items {
        let refetch = Refetch::prime(Kind::ServiceItem, &item)
            .needs_update(|i| text(i, "status") != "APPROVED");
        let result = service_item_status_call(&item, "APPROVED")
            .send_refetching(u, Some(refetch))
            .await;
        match step(u, "hhg_approve_service_item", current(result)) {
            Some(updated) => approved.push(updated),
            None => break,
        }
    }
    u.state.workflow.service_items = approved;
    Ok(())
}

timed_step! {
/// HHG step 7: the shipment's dates and actual weight (prime v3).
    hhg_update_shipment => hhg_update_shipment_step
}

async fn hhg_update_shipment_step(u: &mut User<MilMoveUser>) -> TaskResult {
    let Some(shipment) = u.state.workflow.live(|w| &w.shipment) else {
        return Ok(());
    };
    let body = update_shipment_body(u, 4000)?;
    let path = format!("/prime/v3/mto-shipments/{}", text(&shipment, "id"));
    let updated = Call::patch(path, UPDATE_SHIPMENT)
        .if_match(etag(&shipment))
        .json(body)
        .send_refetching(u, Some(Refetch::prime(Kind::Shipment, &shipment)))
        .await;
    if let Some(updated) = step(u, "hhg_update_shipment", current(updated)) {
        u.state.workflow.shipment = Some(updated);
    }
    Ok(())
}

/// HHG step 8: a payment request for the approved shuttle; records the iteration and hands
/// its objects to the data stores, then returns to the parent task set.
pub async fn hhg_request_payment(u: &mut User<MilMoveUser>) -> TaskResult {
    let step_start = Instant::now();
    let workflow = std::mem::take(&mut u.state.workflow);
    u.interrupt();
    if workflow.started.is_none() {
        return Ok(());
    }
    let mut failed = workflow.failed_step;
    let item = workflow.service_items.first().cloned();
    if let (None, Some(item)) = (failed, item) {
        let body = payment_request_body(u, &item)?;
        let created = Call::post(CREATE_PAYMENT_REQUEST, CREATE_PAYMENT_REQUEST)
            .json(body)
            .send(u)
            .await;
        match created {
            Some(request) => {
                u.state.shared.stores.of(Kind::PaymentRequest).put(request);
            }
            None => failed = Some("hhg_request_payment"),
        }
    } else if failed.is_none() {
        failed = Some("hhg_request_shuttle");
    }
    let stores = &u.state.shared.stores;
    if let Some(mto) = workflow.move_task_order {
        stores.of(Kind::Move).put(mto);
    }
    if let Some(shipment) = workflow.shipment {
        stores.of(Kind::Shipment).put(shipment);
    }
    stores
        .of(Kind::ServiceItem)
        .put_all(Value::Array(workflow.service_items));
    record_workflow(
        u,
        HHG_WORKFLOW,
        workflow.busy + step_start.elapsed(),
        failed,
    );
    Ok(())
}

/// The endpoint workflow: a stored move (or a new one), then a shipment on it.
pub async fn endpoint_workflow(u: &mut User<MilMoveUser>) -> TaskResult {
    let started = Instant::now();
    let shared = u.state.shared.clone();
    let known = shared.stores.of(Kind::Move).random(&mut u.rng);
    let mto = match known {
        Some(m) => Some(m.as_ref().clone()),
        None => {
            let created = create_available_move(u).await;
            if let Some(mto) = &created {
                shared.stores.of(Kind::Move).put(mto.clone());
            }
            created
        }
    };
    let Some(mto) = mto else {
        record_workflow(u, ENDPOINT_WORKFLOW, started.elapsed(), Some("ensure_move"));
        return Ok(());
    };
    let body = create_shipment_body(u, text(&mto, "id"))?;
    let created = Call::post(CREATE_SHIPMENT, CREATE_SHIPMENT)
        .json(body)
        .send(u)
        .await;
    let failed = match created {
        Some(shipment) => {
            shared.stores.of(Kind::Shipment).put(shipment);
            None
        }
        None => Some("create_shipment"),
    };
    record_workflow(u, ENDPOINT_WORKFLOW, started.elapsed(), failed);
    Ok(())
}
