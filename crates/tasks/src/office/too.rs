//! TOO tasks: moves queue, order and allowance updates, approving moves and shipments.

use milmove_runner::{TaskResult, User};
use serde_json::{json, Value};

use crate::apis::Api;
use crate::call::{text, Call};
use crate::context::MilMoveUser;
use crate::fake::fake_body;
use crate::office::common::remember_queue_moves;
use crate::office::orders::{update_claimed_order, OrderUpdate};
use crate::refetch::Refetch;
use crate::store::{etag, Kind};

/// `GET /ghc/v1/queues/moves`.
pub const MOVES_QUEUE: &str = "/ghc/v1/queues/moves";
/// `PATCH /ghc/v1/orders/{orderID}`.
pub const UPDATE_ORDER: &str = "/ghc/v1/orders/{orderID}";
/// `PATCH /ghc/v1/orders/{orderID}/allowances`.
pub const UPDATE_ALLOWANCE: &str = "/ghc/v1/orders/{orderID}/allowances";
/// `PATCH /ghc/v1/move-task-orders/{moveTaskOrderID}/status`.
pub const APPROVE_MOVE: &str = "/ghc/v1/move-task-orders/{moveTaskOrderID}/status";
/// `POST /ghc/v1/shipments/{shipmentID}/approve`.
pub const APPROVE_SHIPMENT: &str = "/ghc/v1/shipments/{shipmentID}/approve";

/// Fields of an order update the TOO sends (the rest of the fake body is left out, as the old
/// suite did, so the update does not depend on unrelated order details).
const ORDER_FIELDS: &[&str] = &[
    "issueDate",
    "reportByDate",
    "ordersType",
    "ordersNumber",
    "tac",
    "sac",
    "departmentIndicator",
];

/// getMovesQueue: the TOO's moves (first page).
pub async fn moves_queue(u: &mut User<MilMoveUser>) -> TaskResult {
    let shared = u.state.shared.clone();
    let path = format!("{MOVES_QUEUE}?page=1&perPage=50&sort=status&order=asc");
    if let Some(page) = Call::get(path, MOVES_QUEUE).send(u).await {
        remember_queue_moves(&shared.stores, &page);
    }
    Ok(())
}

/// updateOrder: new order details (duty locations kept).
pub async fn update_order(u: &mut User<MilMoveUser>) -> TaskResult {
    let update = OrderUpdate {
        name: UPDATE_ORDER,
        require_all: true,
        order_fields: Some(ORDER_FIELDS),
    };
    update_claimed_order(u, update).await
}

/// updateAllowance: new entitlements.
pub async fn update_allowance(u: &mut User<MilMoveUser>) -> TaskResult {
    let update = OrderUpdate {
        name: UPDATE_ALLOWANCE,
        require_all: false,
        order_fields: None,
    };
    update_claimed_order(u, update).await
}

/// updateMoveTaskOrderStatus: approves a submitted move (with move management and counseling
/// service items), making it available to the Prime.
pub async fn approve_move(u: &mut User<MilMoveUser>) -> TaskResult {
    let shared = u.state.shared.clone();
    let submitted = |m: &Value| text(m, "status") == "SUBMITTED" && !etag(m).is_empty();
    let Some(claim) = shared
        .stores
        .of(Kind::Move)
        .claim_where(&mut u.rng, submitted)
    else {
        return Ok(());
    };
    let mv = claim.object().clone();
    let overrides = json!({ "serviceCodeMS": true, "serviceCodeCS": true });
    let body = fake_body(
        u,
        Api::Ghc,
        "/move-task-orders/{moveTaskOrderID}/status",
        "patch",
        overrides,
        false,
    )?;
    let move_id = claim.id().to_string();
    let path = format!("/ghc/v1/move-task-orders/{move_id}/status");
    let call = Call::patch(path, APPROVE_MOVE)
        .if_match(etag(&mv))
        .json(body);
    let refetch = Refetch::ghc(Kind::Move, &mv).needs_update(|m| text(m, "status") == "SUBMITTED");
    if call.send_update(u, claim, Some(refetch)).await.is_none() {
        return Ok(());
    }
    // Next in the TOO's flow: the move's shipments, to approve them.
    let path = format!("/ghc/v1/move_task_orders/{move_id}/mto_shipments");
    if let Some(shipments) = Call::get(path, crate::office::common::LIST_SHIPMENTS)
        .send(u)
        .await
    {
        shared.stores.of(Kind::Shipment).put_all(shipments);
    }
    Ok(())
}

/// approveShipment: approves a submitted shipment of an approved move (MilMove refuses
/// shipments of moves the TOO has not approved).
pub async fn approve_shipment(u: &mut User<MilMoveUser>) -> TaskResult {
    let shared = u.state.shared.clone();
    let moves = shared.stores.of(Kind::Move);
    let move_approved = |id: &str| {
        moves
            .get(id)
            .is_some_and(|m| matches!(text(&m, "status"), "APPROVED" | "APPROVALS REQUESTED"))
    };
    let submitted =
        |s: &Value| text(s, "status") == "SUBMITTED" && move_approved(text(s, "moveTaskOrderID"));
    let Some(claim) = shared
        .stores
        .of(Kind::Shipment)
        .claim_where(&mut u.rng, submitted)
    else {
        return Ok(());
    };
    let shipment = claim.object().clone();
    let path = format!("/ghc/v1/shipments/{}/approve", claim.id());
    let call = Call::post(path, APPROVE_SHIPMENT).if_match(etag(&shipment));
    let refetch =
        Refetch::ghc(Kind::Shipment, &shipment).needs_update(|s| text(s, "status") == "SUBMITTED");
    call.send_update(u, claim, Some(refetch)).await;
    Ok(())
}
