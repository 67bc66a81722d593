//! The TOO's steps (facts from the 2024 suite's `do_hhg_too_approve` and
//! `do_hhg_too_approve_service_items`: find the move in the moves queue by its locator, update
//! the orders, approve the move with move management and every shipment; later approve the
//! service items the Prime requested).

use milmove_runner::User;
use serde_json::{json, Value};

use super::{find, get, list, missing, update};
use crate::call::{text, Call};
use crate::context::MilMoveUser;
use crate::flows::case::MoveCase;
use crate::flows::spec::StepResult;
use crate::office::common::{GET_MOVE, GET_ORDER, LIST_SERVICE_ITEMS, LIST_SHIPMENTS};
use crate::office::too::{APPROVE_MOVE, APPROVE_SHIPMENT, MOVES_QUEUE, UPDATE_ORDER};
use crate::refetch::Refetch;
use crate::store::{etag, Kind};

/// `PATCH /ghc/v1/move-task-orders/{moveTaskOrderID}/service-items/{mtoServiceItemID}/status`.
pub const SERVICE_ITEM_STATUS: &str =
    "/ghc/v1/move-task-orders/{moveTaskOrderID}/service-items/{mtoServiceItemID}/status";

/// Finds the flow's move in the TOO's moves queue (by its locator).
async fn find_in_queue(u: &mut User<MilMoveUser>, case: &MoveCase) -> StepResult {
    let path = format!(
        "{MOVES_QUEUE}?page=1&perPage=20&sort=status&order=asc&locator={}",
        case.locator
    );
    let page = get(u, path, MOVES_QUEUE).await?;
    match find(list(&page, "queueMoves"), &case.move_id) {
        Some(_) => Ok(()),
        None => Err(missing("the move is not in the TOO's moves queue")),
    }
}

/// The order update a TOO makes before approving: the accounting and orders details MilMove
/// needs to bill the move, the order's own dates, type and duty locations kept.
fn order_update(order: &Value) -> Value {
    json!({
        "issueDate": order["date_issued"],
        "reportByDate": order["report_by_date"],
        "ordersType": order["order_type"],
        "ordersTypeDetail": "HHG_PERMITTED",
        "originDutyLocationId": order["originDutyLocation"]["id"],
        "newDutyLocationId": order["destinationDutyLocation"]["id"],
        "ordersNumber": "LT12345689",
        "tac": "F8J1",
        "sac": "E2-SAC",
        "departmentIndicator": "ARMY",
    })
}

/// Step 3 (TOO): finds the move, completes its orders (orders number, TAC, SAC, department),
/// approves it with move management (which makes it available to the Prime) and approves
/// each of its shipments.
pub async fn approve_move(u: &mut User<MilMoveUser>, case: &mut MoveCase) -> StepResult {
    find_in_queue(u, case).await?;
    let mv = get(u, format!("/ghc/v1/move/{}", case.locator), GET_MOVE).await?;
    let orders_id = text(&mv, "ordersId").to_string();
    let order = get(u, format!("/ghc/v1/orders/{orders_id}"), GET_ORDER).await?;
    let call = Call::patch(format!("/ghc/v1/orders/{orders_id}"), UPDATE_ORDER)
        .if_match(etag(&order))
        .json(order_update(&order));
    update(u, call, Refetch::ghc(Kind::Order, &order)).await?;

    let mv = get(u, format!("/ghc/v1/move/{}", case.locator), GET_MOVE).await?;
    let path = format!("/ghc/v1/move-task-orders/{}/status", case.move_id);
    let call = Call::patch(path, APPROVE_MOVE)
        .if_match(etag(&mv))
        .json(json!({ "serviceCodeMS": true, "serviceCodeCS": false }));
    let refetch = Refetch::ghc(Kind::Move, &mv).needs_update(|m| {
        matches!(
            text(m, "status"),
            "SUBMITTED" | "SERVICE COUNSELING COMPLETED"
        )
    });
    let approved = update(u, call, refetch).await?;
    case.available_to_prime_at = text(&approved, "availableToPrimeAt").to_string();
    if case.available_to_prime_at.is_empty() {
        return Err(missing("the approved move is not available to the Prime"));
    }

    let path = format!("/ghc/v1/move_task_orders/{}/mto_shipments", case.move_id);
    let shipments = get(u, path, LIST_SHIPMENTS).await?;
    for shipment in list(&shipments, "") {
        if text(shipment, "status") != "SUBMITTED" {
            continue;
        }
        let path = format!("/ghc/v1/shipments/{}/approve", text(shipment, "id"));
        let call = Call::post(path, APPROVE_SHIPMENT).if_match(etag(shipment));
        let refetch = Refetch::ghc(Kind::Shipment, shipment)
            .needs_update(|s| text(s, "status") == "SUBMITTED");
        let approved = update(u, call, refetch).await?;
        if text(&approved, "status") != "APPROVED" {
            return Err(missing("a shipment was not approved"));
        }
    }
    Ok(())
}

/// Step 5 (TOO, payment flow): finds the move again (the Prime's requests sent it back) and
/// approves every service item waiting for review.
pub async fn approve_service_items(u: &mut User<MilMoveUser>, case: &mut MoveCase) -> StepResult {
    find_in_queue(u, case).await?;
    let path = format!(
        "/ghc/v1/move_task_orders/{}/mto_service_items",
        case.move_id
    );
    let items = get(u, path.clone(), LIST_SERVICE_ITEMS).await?;
    for item in list(&items, "") {
        if text(item, "status") != "SUBMITTED" {
            continue;
        }
        let id = text(item, "id").to_string();
        let status_path = format!(
            "/ghc/v1/move-task-orders/{}/service-items/{id}/status",
            case.move_id
        );
        let call = Call::patch(status_path, SERVICE_ITEM_STATUS)
            .if_match(etag(item))
            .json(json!({ "status": "APPROVED" }));
        let refetch = Refetch::get(path.clone(), LIST_SERVICE_ITEMS)
            .element("", id.clone())
            .needs_update(|i| text(i, "status") == "SUBMITTED");
        let reviewed = update(u, call, refetch).await?;
        if text(&reviewed, "status") != "APPROVED" {
            return Err(missing("a requested service item was not approved"));
        }
        case.approved_service_item_ids.push(id);
    }
    let unreviewed = case
        .requested_service_item_ids
        .iter()
        .any(|id| !case.approved_service_item_ids.contains(id));
    if unreviewed {
        return Err(missing(
            "a service item the Prime requested was not found to approve",
        ));
    }
    Ok(())
}
