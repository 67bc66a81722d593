//! TIO tasks: the payment request queue and reviewing payment requests (each payment service
//! item approved, then the request marked reviewed).

use milmove_runner::{TaskResult, User};
use serde_json::{json, Value};

use crate::call::{text, Call, Updated};
use crate::context::MilMoveUser;
use crate::refetch::{nested_etag, Refetch};
use crate::store::{etag, Kind};

/// `GET /ghc/v1/queues/payment-requests`.
pub const PAYMENT_REQUESTS_QUEUE: &str = "/ghc/v1/queues/payment-requests";
/// `GET /ghc/v1/payment-requests/{paymentRequestID}`.
pub const GET_PAYMENT_REQUEST: &str = "/ghc/v1/payment-requests/{paymentRequestID}";
/// `PATCH /ghc/v1/move-task-orders/{moveTaskOrderID}/payment-service-items/{paymentServiceItemID}/status`.
pub const PAYMENT_SERVICE_ITEM_STATUS: &str =
    "/ghc/v1/move-task-orders/{moveTaskOrderID}/payment-service-items/{paymentServiceItemID}/status";
/// `PATCH /ghc/v1/payment-requests/{paymentRequestID}/status`.
pub const PAYMENT_REQUEST_STATUS: &str = "/ghc/v1/payment-requests/{paymentRequestID}/status";

/// getPaymentRequestsQueue: pending payment requests (first page, oldest first).
pub async fn payment_requests_queue(u: &mut User<MilMoveUser>) -> TaskResult {
    let shared = u.state.shared.clone();
    let path = format!("{PAYMENT_REQUESTS_QUEUE}?page=1&perPage=50&sort=age&order=desc");
    let Some(page) = Call::get(path, PAYMENT_REQUESTS_QUEUE).send(u).await else {
        return Ok(());
    };
    let store = shared.stores.of(Kind::PaymentRequest);
    if let Some(Value::Array(requests)) = page.get("queuePaymentRequests") {
        for summary in requests {
            if store.get(text(summary, "id")).is_none() {
                store.put(summary.clone());
            }
        }
    }
    Ok(())
}

/// getPaymentRequest: a stored payment request in full (with its service items).
pub async fn get_payment_request(u: &mut User<MilMoveUser>) -> TaskResult {
    let shared = u.state.shared.clone();
    let Some(stored) = shared.stores.of(Kind::PaymentRequest).random(&mut u.rng) else {
        return Ok(());
    };
    fetch_payment_request(u, text(&stored, "id")).await;
    Ok(())
}

async fn fetch_payment_request(u: &mut User<MilMoveUser>, id: &str) -> Option<Value> {
    let shared = u.state.shared.clone();
    let path = format!("/ghc/v1/payment-requests/{id}");
    let request = Call::get(path, GET_PAYMENT_REQUEST).send(u).await?;
    shared.stores.of(Kind::PaymentRequest).put(request.clone());
    Some(request)
}

/// Reviews a pending payment request: approves each of its payment service items, then marks
/// the request reviewed (with the request's fresh eTag).
pub async fn review_payment_request(u: &mut User<MilMoveUser>) -> TaskResult {
    let shared = u.state.shared.clone();
    let pending = |p: &Value| text(p, "status") == "PENDING";
    let Some(claim) = shared
        .stores
        .of(Kind::PaymentRequest)
        .claim_where(&mut u.rng, pending)
    else {
        return Ok(());
    };
    let id = claim.id().to_string();
    let Some(request) = fetch_payment_request(u, &id).await else {
        return Ok(());
    };
    if text(&request, "status") != "PENDING" {
        return Ok(());
    }
    let move_id = text(&request, "moveTaskOrderID").to_string();
    let items = request
        .get("serviceItems")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for item in items.iter().filter(|i| text(i, "status") == "REQUESTED") {
        let path = format!(
            "/ghc/v1/move-task-orders/{move_id}/payment-service-items/{}/status",
            text(item, "id")
        );
        let call = Call::patch(path, PAYMENT_SERVICE_ITEM_STATUS)
            .if_match(etag(item))
            .json(json!({ "status": "APPROVED" }));
        // The request can be reviewed meanwhile by someone else (a Support user, another
        // TIO): then the whole review is no longer needed.
        let item_id = text(item, "id").to_string();
        let still_requested = item_id.clone();
        let refetch = Refetch::get(
            format!("/ghc/v1/payment-requests/{id}"),
            GET_PAYMENT_REQUEST,
        )
        .needs_update(move |p| {
            text(p, "status") == "PENDING"
                && p["serviceItems"].as_array().is_some_and(|items| {
                    items.iter().any(|i| {
                        text(i, "id") == still_requested && text(i, "status") == "REQUESTED"
                    })
                })
        })
        .if_match_from(move |p| nested_etag(p, "serviceItems", &item_id));
        match call.send_refetching(u, Some(refetch)).await {
            Updated::Done(_) => {}
            Updated::NotNeeded(current) => {
                if text(&current, "status") != "PENDING" {
                    claim.release(current);
                    return Ok(());
                }
            }
            Updated::Failed { .. } => return Ok(()),
        }
    }
    let Some(fresh) = fetch_payment_request(u, &id).await else {
        return Ok(());
    };
    let path = format!("/ghc/v1/payment-requests/{id}/status");
    let call = Call::patch(path, PAYMENT_REQUEST_STATUS)
        .if_match(etag(&fresh))
        .json(json!({ "status": "REVIEWED", "eTag": etag(&fresh) }));
    let refetch =
        Refetch::ghc(Kind::PaymentRequest, &fresh).needs_update(|p| text(p, "status") == "PENDING");
    call.send_update(u, claim, Some(refetch)).await;
    Ok(())
}
