//! The TIO's step, which the 2024 suite left out: review the payment requests, so the move
//! reaches the end of its life.

use milmove_runner::User;
use rand::RngExt;
use serde_json::json;

use super::{find, get, list, missing, update};
use crate::call::{text, Call};
use crate::context::MilMoveUser;
use crate::flows::case::MoveCase;
use crate::flows::spec::StepResult;
use crate::office::tio::{
    GET_PAYMENT_REQUEST, PAYMENT_REQUESTS_QUEUE, PAYMENT_REQUEST_STATUS,
    PAYMENT_SERVICE_ITEM_STATUS,
};
use crate::refetch::Refetch;
use crate::store::{etag, Kind};

/// `GET /ghc/v1/moves/{locator}/payment-requests`.
pub const MOVE_PAYMENT_REQUESTS: &str = "/ghc/v1/moves/{locator}/payment-requests";

/// The share of payment service items the TIO rejects (the rest are approved).
pub const DENIED_SHARE: f64 = 0.125;

/// The reason given for a rejected payment service item.
pub const DENIAL_REASON: &str = "load test: the documents do not support this amount";

/// Step 7 (TIO, payment flow): finds the move's payment requests in the payment request queue
/// by its locator, and reviews each: every payment service item approved or (one in eight)
/// rejected with a reason, then the request marked reviewed.
pub async fn review_payment_requests(u: &mut User<MilMoveUser>, case: &mut MoveCase) -> StepResult {
    let path = format!(
        "{PAYMENT_REQUESTS_QUEUE}?page=1&perPage=20&sort=age&order=desc&locator={}",
        case.locator
    );
    let page = get(u, path, PAYMENT_REQUESTS_QUEUE).await?;
    let queued = list(&page, "queuePaymentRequests");
    if case
        .payment_request_ids
        .iter()
        .any(|id| find(queued, id).is_none())
    {
        return Err(missing(
            "a payment request is not in the TIO's payment request queue",
        ));
    }
    let path = format!("/ghc/v1/moves/{}/payment-requests", case.locator);
    get(u, path, MOVE_PAYMENT_REQUESTS).await?;
    for id in case.payment_request_ids.clone() {
        let path = format!("/ghc/v1/payment-requests/{id}");
        let request = get(u, path.clone(), GET_PAYMENT_REQUEST).await?;
        for item in list(&request, "serviceItems") {
            if text(item, "status") != "REQUESTED" {
                continue;
            }
            let item_id = text(item, "id").to_string();
            let deny = u.rng.random_bool(DENIED_SHARE);
            let body = if deny {
                json!({ "status": "DENIED", "rejectionReason": DENIAL_REASON })
            } else {
                json!({ "status": "APPROVED" })
            };
            let status_path = format!(
                "/ghc/v1/move-task-orders/{}/payment-service-items/{item_id}/status",
                case.move_id
            );
            let call = Call::patch(status_path, PAYMENT_SERVICE_ITEM_STATUS)
                .if_match(etag(item))
                .json(body);
            let refetch = Refetch::get(path.clone(), GET_PAYMENT_REQUEST)
                .element("serviceItems", item_id.clone())
                .needs_update(|i| text(i, "status") == "REQUESTED");
            let reviewed = update(u, call, refetch).await?;
            match text(&reviewed, "status") {
                "APPROVED" => case.payment_items_approved += 1,
                "DENIED" => case.payment_items_denied += 1,
                _ => return Err(missing("a payment service item was not reviewed")),
            }
        }
        let fresh = get(u, path, GET_PAYMENT_REQUEST).await?;
        let status_path = format!("/ghc/v1/payment-requests/{id}/status");
        let call = Call::patch(status_path, PAYMENT_REQUEST_STATUS)
            .if_match(etag(&fresh))
            .json(json!({ "status": "REVIEWED", "eTag": etag(&fresh) }));
        let refetch = Refetch::ghc(Kind::PaymentRequest, &fresh)
            .needs_update(|p| text(p, "status") == "PENDING");
        let reviewed = update(u, call, refetch).await?;
        if !text(&reviewed, "status").starts_with("REVIEWED") {
            return Err(missing("a payment request was not marked reviewed"));
        }
    }
    Ok(())
}
