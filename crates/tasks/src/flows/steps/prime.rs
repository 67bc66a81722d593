//! The Prime's steps (facts from the 2024 suite's `do_hhg_prime_service_items` and
//! `do_hhg_request_payment_for_service_items`: find the move with `listMoves?since=`, weigh
//! and schedule the shipments, request an origin SIT; later bill the approved service items in
//! several payment requests).

use milmove_runner::User;
use serde_json::{json, Value};

use super::{find, get, list, missing, send, update};
use crate::call::{text, upload_pdf, Call};
use crate::context::MilMoveUser;
use crate::customer::address_without_id;
use crate::flows::case::MoveCase;
use crate::flows::spec::StepResult;
use crate::prime::moves::{GET_MOVE_TASK_ORDER, LIST_MOVES};
use crate::prime::payments::{CREATE_PAYMENT_REQUEST, CREATE_UPLOAD};
use crate::prime::service_items::{create_service_item_body, CREATE_SERVICE_ITEM};
use crate::prime::shipments::UPDATE_SHIPMENT;
use crate::refetch::Refetch;
use crate::store::{etag, Kind};

/// The Prime's full view of the flow's move.
async fn move_task_order(
    u: &mut User<MilMoveUser>,
    case: &MoveCase,
) -> Result<Value, crate::flows::spec::StepFailure> {
    let path = format!("/prime/v1/move-task-orders/{}", case.move_id);
    get(u, path, GET_MOVE_TASK_ORDER).await
}

/// Step 4 (Prime): finds the new move among the moves changed since it was approved, weighs
/// and schedules each of its shipments, and requests origin storage in transit (`DOFSIT`) on
/// the first one, which MilMove sends to the TOO for approval.
pub async fn request_service_items(u: &mut User<MilMoveUser>, case: &mut MoveCase) -> StepResult {
    let path = if case.available_to_prime_at.is_empty() {
        LIST_MOVES.to_string()
    } else {
        format!(
            "{LIST_MOVES}?since={}",
            case.available_to_prime_at.replace('+', "%2B")
        )
    };
    let moves = get(u, path, LIST_MOVES).await?;
    if find(list(&moves, ""), &case.move_id).is_none() {
        return Err(missing("the move is not listed to the Prime"));
    }
    let mto = move_task_order(u, case).await?;
    let today = chrono::Utc::now().date_naive();
    let day = |n: u64| (today + chrono::Days::new(n)).to_string();
    let mut first = None;
    for shipment in list(&mto, "mtoShipments") {
        if !case
            .shipment_ids
            .iter()
            .any(|id| id == text(shipment, "id"))
        {
            continue;
        }
        let path = format!("/prime/v3/mto-shipments/{}", text(shipment, "id"));
        let body = json!({
            "scheduledPickupDate": day(12),
            "actualPickupDate": day(13),
            "primeEstimatedWeight": 4000,
            "primeActualWeight": 3800,
        });
        let call = Call::patch(path, UPDATE_SHIPMENT)
            .if_match(etag(shipment))
            .json(body);
        let weighed = update(u, call, Refetch::prime(Kind::Shipment, shipment)).await?;
        first.get_or_insert(weighed);
    }
    let Some(first) = first else {
        return Err(missing("the Prime sees none of the move's shipments"));
    };
    let mut body = create_service_item_body(u, &first, "MTOServiceItemOriginSIT", "DOFSIT")?;
    let origin = first.get("pickupAddress").and_then(address_without_id);
    if let Some(object) = body.as_object_mut() {
        object.insert(
            "reason".into(),
            json!("the customer's new home is not ready"),
        );
        object.insert("sitEntryDate".into(), json!(day(13)));
        object.insert("sitDepartureDate".into(), json!(day(20)));
        object.insert(
            "sitPostalCode".into(),
            first["pickupAddress"]["postalCode"].clone(),
        );
        match origin {
            Some(origin) => object.insert("sitHHGActualOrigin".into(), origin),
            None => object.remove("sitHHGActualOrigin"),
        };
        object.remove("sitHHGOriginalOrigin");
    }
    let created = send(
        u,
        Call::post(CREATE_SERVICE_ITEM, CREATE_SERVICE_ITEM).json(body),
    )
    .await?;
    let created = match created {
        Value::Array(items) => items,
        single => vec![single],
    };
    case.requested_service_item_ids = created
        .iter()
        .filter(|i| text(i, "status") == "SUBMITTED")
        .map(|i| text(i, "id").to_string())
        .collect();
    if case.requested_service_item_ids.is_empty() {
        return Err(missing(
            "the requested service item was not created for review",
        ));
    }
    Ok(())
}

/// Step 6 (Prime, payment flow): bills every approved service item of the move in two payment
/// requests (the first item, then the rest) and uploads a proof of service to each.
pub async fn request_payment(u: &mut User<MilMoveUser>, case: &mut MoveCase) -> StepResult {
    let mto = move_task_order(u, case).await?;
    let approved: Vec<String> = list(&mto, "mtoServiceItems")
        .iter()
        .filter(|i| text(i, "status") == "APPROVED")
        .map(|i| text(i, "id").to_string())
        .collect();
    if approved.is_empty() {
        return Err(missing("the move has no approved service item to bill"));
    }
    let (first, rest) = approved.split_at(1);
    for items in [first, rest].into_iter().filter(|g| !g.is_empty()) {
        let body = json!({
            "moveTaskOrderID": case.move_id,
            "isFinal": false,
            "serviceItems": items.iter().map(|id| json!({ "id": id })).collect::<Vec<_>>(),
        });
        let call = Call::post(CREATE_PAYMENT_REQUEST, CREATE_PAYMENT_REQUEST).json(body);
        let request = send(u, call).await?;
        let id = text(&request, "id").to_string();
        let path = format!("/prime/v1/payment-requests/{id}/uploads");
        if upload_pdf(u, &path, CREATE_UPLOAD, &[]).await.is_none() {
            return Err(missing("the proof of service upload failed"));
        }
        case.payment_request_ids.push(id);
    }
    Ok(())
}
