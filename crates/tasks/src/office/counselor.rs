//! Services Counselor tasks: counseling queue, and counseling updates of orders, allowances
//! and the customer.

use milmove_runner::{TaskResult, User};
use serde_json::json;

use crate::apis::Api;
use crate::call::{text, Call};
use crate::context::MilMoveUser;
use crate::fake::fake_body;
use crate::office::common::remember_queue_moves;
use crate::office::orders::{update_claimed_order, OrderUpdate};
use crate::refetch::Refetch;
use crate::store::{etag, Kind};

/// `GET /ghc/v1/queues/counseling`.
pub const COUNSELING_QUEUE: &str = "/ghc/v1/queues/counseling";
/// `PATCH /ghc/v1/counseling/orders/{orderID}`.
pub const COUNSELING_UPDATE_ORDER: &str = "/ghc/v1/counseling/orders/{orderID}";
/// `PATCH /ghc/v1/counseling/orders/{orderID}/allowances`.
pub const COUNSELING_UPDATE_ALLOWANCE: &str = "/ghc/v1/counseling/orders/{orderID}/allowances";
/// `PATCH /ghc/v1/customer/{customerID}`.
pub const UPDATE_CUSTOMER: &str = "/ghc/v1/customer/{customerID}";

/// getServicesCounselingQueue: moves needing counseling (first page, oldest first).
pub async fn counseling_queue(u: &mut User<MilMoveUser>) -> TaskResult {
    let shared = u.state.shared.clone();
    let path = format!(
        "{COUNSELING_QUEUE}?page=1&perPage=50&sort=submittedAt&order=asc\
         &status=NEEDS%20SERVICE%20COUNSELING"
    );
    if let Some(page) = Call::get(path, COUNSELING_QUEUE).send(u).await {
        remember_queue_moves(&shared.stores, &page);
    }
    Ok(())
}

/// counselingUpdateOrder: new dates and type for stored orders (duty locations kept).
pub async fn counseling_update_order(u: &mut User<MilMoveUser>) -> TaskResult {
    let update = OrderUpdate {
        name: COUNSELING_UPDATE_ORDER,
        require_all: false,
        order_fields: Some(&["issueDate", "reportByDate", "ordersType"]),
    };
    update_claimed_order(u, update).await
}

/// counselingUpdateAllowance: new entitlements for stored orders.
pub async fn counseling_update_allowance(u: &mut User<MilMoveUser>) -> TaskResult {
    let update = OrderUpdate {
        name: COUNSELING_UPDATE_ALLOWANCE,
        require_all: false,
        order_fields: None,
    };
    update_claimed_order(u, update).await
}

/// updateCustomer: new contact details for a stored customer (an existing current address is
/// kept by id; a customer without one gets none).
pub async fn update_customer(u: &mut User<MilMoveUser>) -> TaskResult {
    let shared = u.state.shared.clone();
    let Some(claim) = shared
        .stores
        .of(Kind::Customer)
        .claim_where(&mut u.rng, |_| true)
    else {
        return Ok(());
    };
    let customer = claim.object().clone();
    let address_id = text(&customer["current_address"], "id").to_string();
    let overrides = if address_id.is_empty() {
        json!({})
    } else {
        json!({ "current_address": { "id": address_id } })
    };
    let mut body = fake_body(
        u,
        Api::Ghc,
        "/customer/{customerID}",
        "patch",
        overrides,
        true,
    )?;
    if let Some(object) = body.as_object_mut() {
        if address_id.is_empty() {
            object.remove("current_address");
        }
        object.remove("backupAddress");
    }
    let path = format!("/ghc/v1/customer/{}", claim.id());
    let call = Call::patch(path, UPDATE_CUSTOMER)
        .if_match(etag(&customer))
        .json(body);
    let refetch = Refetch::ghc(Kind::Customer, &customer);
    call.send_update(u, claim, Some(refetch)).await;
    Ok(())
}
