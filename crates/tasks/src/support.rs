//! Support API tasks: createMoveTaskOrder + makeMoveTaskOrderAvailable, getMoveTaskOrder,
//! updateMTOShipmentStatus, updateMTOServiceItemStatus, updatePaymentRequestStatus, and the
//! old suite's expected failure (a shipment status update to `DRAFT` → 422).

use milmove_runner::{TaskResult, User};
use serde_json::{json, Value};

use crate::apis::Api;
use crate::call::{text, Call};
use crate::context::MilMoveUser;
use crate::fake::fake_body;
use crate::prime::moves::remember_move;
use crate::refetch::Refetch;
use crate::store::{etag, Kind};

/// `POST /support/v1/move-task-orders`.
pub const CREATE_MOVE_TASK_ORDER: &str = "/support/v1/move-task-orders";
/// `PATCH /support/v1/move-task-orders/{moveTaskOrderID}/available-to-prime`.
pub const MAKE_AVAILABLE: &str =
    "/support/v1/move-task-orders/{moveTaskOrderID}/available-to-prime";
/// `GET /support/v1/move-task-orders/{moveTaskOrderID}`.
pub const GET_MOVE_TASK_ORDER: &str = "/support/v1/move-task-orders/{moveTaskOrderID}";
/// `PATCH /support/v1/mto-shipments/{mtoShipmentID}/status`.
pub const SHIPMENT_STATUS: &str = "/support/v1/mto-shipments/{mtoShipmentID}/status";
/// The expected-failure variant of [`SHIPMENT_STATUS`] (its own statistics row).
pub const SHIPMENT_STATUS_EXPECTED_FAILURE: &str =
    "/support/v1/mto-shipments/{mtoShipmentID}/status — expected failure";
/// `PATCH /support/v1/mto-service-items/{mtoServiceItemID}/status`.
pub const SERVICE_ITEM_STATUS: &str = "/support/v1/mto-service-items/{mtoServiceItemID}/status";
/// `PATCH /support/v1/payment-requests/{paymentRequestID}/status`.
pub const PAYMENT_REQUEST_STATUS: &str = "/support/v1/payment-requests/{paymentRequestID}/status";

/// Creates a move with the Support API and makes it available to the Prime; returns it (the
/// caller decides when to share it through the store). `None` when the IDs it needs are not
/// known yet or a step failed.
pub async fn create_available_move(u: &mut User<MilMoveUser>) -> Option<Value> {
    let shared = u.state.shared.clone();
    let ids = shared.move_template.lock().clone();
    if !ids.is_complete() {
        learn_move_template(u).await;
    }
    let ids = shared.move_template.lock().clone();
    if !ids.is_complete() {
        return None;
    }
    let overrides = json!({
        "contractorID": ids.contractor_id,
        "status": "SUBMITTED",
        "availableToPrimeAt": null,
        "order": {
            "status": "APPROVED",
            "originDutyLocationID": ids.origin_duty_location_id,
            "destinationDutyLocationID": ids.destination_duty_location_id,
            "uploadedOrdersID": ids.uploaded_orders_id,
        },
    });
    let mut body = fake_body(
        u,
        Api::Support,
        "/move-task-orders",
        "post",
        overrides,
        false,
    )
    .ok()?;
    if let Some(order) = body.get_mut("order").and_then(Value::as_object_mut) {
        // The order refers to existing duty locations and documents by ID only; its customer
        // is created from the inline `customer` (no existing customer ID).
        for nested in [
            "originDutyLocation",
            "destinationDutyLocation",
            "uploadedOrders",
            "customerID",
            "id",
        ] {
            order.remove(nested);
        }
    }
    if let Some(object) = body.as_object_mut() {
        for nested in ["mtoShipments", "mtoServiceItems", "paymentRequests"] {
            object.remove(nested);
        }
    }
    let created = Call::post(CREATE_MOVE_TASK_ORDER, CREATE_MOVE_TASK_ORDER)
        .json(body)
        .send(u)
        .await?;
    let path = format!(
        "/support/v1/move-task-orders/{}/available-to-prime",
        text(&created, "id")
    );
    Call::patch(path, MAKE_AVAILABLE)
        .if_match(etag(&created))
        .send(u)
        .await
}

/// Learns the IDs `createMoveTaskOrder` needs from a move the Prime can see (listMoves, then
/// the Support API's full view of one move).
pub async fn learn_move_template(u: &mut User<MilMoveUser>) {
    let shared = u.state.shared.clone();
    let known = shared.stores.of(Kind::Move).random(&mut u.rng);
    let move_id = match known {
        Some(m) => text(&m, "id").to_string(),
        None => {
            let listed = Call::get(
                crate::prime::moves::LIST_MOVES,
                crate::prime::moves::LIST_MOVES,
            )
            .send(u)
            .await;
            match listed.as_ref().and_then(|l| l.get(0)) {
                Some(first) => text(first, "id").to_string(),
                None => return,
            }
        }
    };
    let path = format!("/support/v1/move-task-orders/{move_id}");
    if let Some(mto) = Call::get(path, GET_MOVE_TASK_ORDER).send(u).await {
        shared.move_template.lock().learn_from(&mto);
    }
}

/// createMoveTaskOrder followed by makeMoveTaskOrderAvailable.
pub async fn create_move_task_order(u: &mut User<MilMoveUser>) -> TaskResult {
    if let Some(available) = create_available_move(u).await {
        u.state.shared.stores.of(Kind::Move).put(available);
    }
    Ok(())
}

/// getMoveTaskOrder (Support): the full move; learns the createMoveTaskOrder IDs from it.
pub async fn get_move_task_order(u: &mut User<MilMoveUser>) -> TaskResult {
    let shared = u.state.shared.clone();
    let Some(stored) = shared.stores.of(Kind::Move).random(&mut u.rng) else {
        return Ok(());
    };
    let path = format!("/support/v1/move-task-orders/{}", text(&stored, "id"));
    if let Some(mto) = Call::get(path, GET_MOVE_TASK_ORDER).send(u).await {
        shared.move_template.lock().learn_from(&mto);
        remember_move(&shared.stores, mto);
    }
    Ok(())
}

/// The updateMTOShipmentStatus request moving `shipment` to `status` (a fake body with the
/// status the flow decides).
pub fn shipment_status_call(
    u: &mut User<MilMoveUser>,
    shipment: &Value,
    status: &str,
) -> Result<Call, crate::error::TasksError> {
    let overrides = json!({ "status": status });
    let mut body = fake_body(
        u,
        Api::Support,
        "/mto-shipments/{mtoShipmentID}/status",
        "patch",
        overrides,
        false,
    )?;
    crate::prime::service_items::keep_fields(&mut body, &["status"]);
    let path = format!("/support/v1/mto-shipments/{}/status", text(shipment, "id"));
    Ok(Call::patch(path, SHIPMENT_STATUS)
        .if_match(etag(shipment))
        .json(body))
}

/// updateMTOShipmentStatus: approves a submitted shipment (the transition the flow needs).
pub async fn update_mto_shipment_status(u: &mut User<MilMoveUser>) -> TaskResult {
    let shared = u.state.shared.clone();
    let store = shared.stores.of(Kind::Shipment);
    let Some(claim) = store.claim_where(&mut u.rng, |s| text(s, "status") == "SUBMITTED") else {
        return Ok(());
    };
    let shipment = claim.object().clone();
    let call = shipment_status_call(u, &shipment, "APPROVED")?;
    let refetch = Refetch::prime(Kind::Shipment, &shipment)
        .needs_update(|s| text(s, "status") == "SUBMITTED");
    call.send_update(u, claim, Some(refetch)).await;
    Ok(())
}

/// Expected failure (tag `expectedFailure`): moving a shipment back to `DRAFT` is invalid;
/// MilMove answers 422, recorded as a success under its own name.
pub async fn update_mto_shipment_with_invalid_status(u: &mut User<MilMoveUser>) -> TaskResult {
    let shared = u.state.shared.clone();
    let Some(shipment) = shared.stores.of(Kind::Shipment).random(&mut u.rng) else {
        return Ok(());
    };
    let path = format!("/support/v1/mto-shipments/{}/status", text(&shipment, "id"));
    Call::patch(path, SHIPMENT_STATUS_EXPECTED_FAILURE)
        .if_match(etag(&shipment))
        .json(json!({ "status": "DRAFT" }))
        .send_expecting(u, 422)
        .await;
    Ok(())
}

/// The updateMTOServiceItemStatus request moving `item` to `status`.
pub fn service_item_status_call(item: &Value, status: &str) -> Call {
    let path = format!("/support/v1/mto-service-items/{}/status", text(item, "id"));
    Call::patch(path, SERVICE_ITEM_STATUS)
        .if_match(etag(item))
        .json(json!({ "status": status }))
}

/// updateMTOServiceItemStatus: approves a submitted service item.
pub async fn update_mto_service_item_status(u: &mut User<MilMoveUser>) -> TaskResult {
    let shared = u.state.shared.clone();
    let store = shared.stores.of(Kind::ServiceItem);
    let Some(claim) = store.claim_where(&mut u.rng, |i| text(i, "status") == "SUBMITTED") else {
        return Ok(());
    };
    let call = service_item_status_call(claim.object(), "APPROVED");
    let refetch = Refetch::prime(Kind::ServiceItem, claim.object())
        .needs_update(|i| text(i, "status") == "SUBMITTED");
    call.send_update(u, claim, Some(refetch)).await;
    Ok(())
}

/// updatePaymentRequestStatus: reviews a pending payment request.
pub async fn update_payment_request_status(u: &mut User<MilMoveUser>) -> TaskResult {
    let shared = u.state.shared.clone();
    let store = shared.stores.of(Kind::PaymentRequest);
    let Some(claim) = store.claim_where(&mut u.rng, |p| text(p, "status") == "PENDING") else {
        return Ok(());
    };
    let request = claim.object().clone();
    let path = format!("/support/v1/payment-requests/{}/status", claim.id());
    let call = Call::patch(path, PAYMENT_REQUEST_STATUS)
        .if_match(etag(&request))
        .json(json!({ "status": "REVIEWED" }));
    let refetch = Refetch::prime(Kind::PaymentRequest, &request)
        .needs_update(|p| text(p, "status") == "PENDING");
    call.send_update(u, claim, Some(refetch)).await;
    Ok(())
}
