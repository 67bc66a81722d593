//! Office updates of a stored order (counselor and TOO alike): claim an order, send a fake
//! body with the order's eTag, refetch and retry on a stale copy.

use milmove_runner::{TaskResult, User};
use serde_json::{json, Value};

use crate::apis::Api;
use crate::call::Call;
use crate::context::MilMoveUser;
use crate::fake::fake_body;
use crate::office::common::duty_location_ids;
use crate::prime::service_items::keep_fields;
use crate::refetch::Refetch;
use crate::store::{etag, Kind};

/// How one office operation updates an order.
#[derive(Debug, Clone, Copy)]
pub struct OrderUpdate {
    /// The recorded request name, which is also the path template with the base path, e.g.
    /// `/ghc/v1/orders/{orderID}/allowances`.
    pub name: &'static str,
    /// Whether the fake body includes every optional field.
    pub require_all: bool,
    /// `Some`: send only these fields of the fake body, with the order's own duty locations
    /// (an order update); `None`: send the whole fake body (an allowance update).
    pub order_fields: Option<&'static [&'static str]>,
}

/// Claims a stored order and sends `update` for it; a stale copy is refetched and retried.
pub async fn update_claimed_order(u: &mut User<MilMoveUser>, update: OrderUpdate) -> TaskResult {
    let shared = u.state.shared.clone();
    let Some(claim) = shared
        .stores
        .of(Kind::Order)
        .claim_where(&mut u.rng, |_| true)
    else {
        return Ok(());
    };
    let order = claim.object().clone();
    let base = Api::Ghc.base_path();
    let template = update.name.strip_prefix(base).unwrap_or(update.name);
    let mut body = fake_body(
        u,
        Api::Ghc,
        template,
        "patch",
        json!({}),
        update.require_all,
    )?;
    if let Some(fields) = update.order_fields {
        let (origin, destination) = duty_location_ids(&order);
        keep_fields(&mut body, fields);
        body["originDutyLocationId"] = Value::String(origin);
        body["newDutyLocationId"] = Value::String(destination);
    }
    let path = update.name.replace("{orderID}", claim.id());
    let call = Call::patch(path, update.name)
        .if_match(etag(&order))
        .json(body);
    let refetch = Refetch::ghc(Kind::Order, &order);
    call.send_update(u, claim, Some(refetch)).await;
    Ok(())
}
