//! Office (GHC API) tasks shared by the Services Counselor and TOO roles.

use milmove_runner::{TaskResult, User};
use serde_json::Value;

use crate::call::{text, Call};
use crate::context::MilMoveUser;
use crate::store::Kind;

/// `GET /internal/users/logged_in`.
pub const LOGGED_IN_USER: &str = "/internal/users/logged_in";
/// `GET /ghc/v1/move/{locator}`.
pub const GET_MOVE: &str = "/ghc/v1/move/{locator}";
/// `GET /ghc/v1/orders/{orderID}`.
pub const GET_ORDER: &str = "/ghc/v1/orders/{orderID}";
/// `GET /ghc/v1/customer/{customerID}`.
pub const GET_CUSTOMER: &str = "/ghc/v1/customer/{customerID}";
/// `GET /ghc/v1/move_task_orders/{moveTaskOrderID}/mto_shipments`.
pub const LIST_SHIPMENTS: &str = "/ghc/v1/move_task_orders/{moveTaskOrderID}/mto_shipments";
/// `GET /ghc/v1/move_task_orders/{moveTaskOrderID}/mto_service_items`.
pub const LIST_SERVICE_ITEMS: &str = "/ghc/v1/move_task_orders/{moveTaskOrderID}/mto_service_items";

/// The logged-in user's details.
pub async fn get_logged_in_user(u: &mut User<MilMoveUser>) -> TaskResult {
    Call::get(LOGGED_IN_USER, LOGGED_IN_USER).send(u).await;
    Ok(())
}

/// Keeps the moves of a queue page (`queueMoves`) that are not stored yet.
pub fn remember_queue_moves(stores: &crate::store::DataStores, page: &Value) {
    let store = stores.of(Kind::Move);
    if let Some(Value::Array(moves)) = page.get("queueMoves") {
        for summary in moves {
            if store.get(text(summary, "id")).is_none() {
                store.put(summary.clone());
            }
        }
    }
}

/// Fetches a move by locator and stores the full move.
pub async fn fetch_move(u: &mut User<MilMoveUser>, locator: &str) -> Option<Value> {
    let shared = u.state.shared.clone();
    let path = format!("/ghc/v1/move/{locator}");
    let full = Call::get(path, GET_MOVE).send(u).await?;
    shared.stores.of(Kind::Move).put(full.clone());
    Some(full)
}

/// getMove: a stored move, by its locator.
pub async fn get_move(u: &mut User<MilMoveUser>) -> TaskResult {
    let shared = u.state.shared.clone();
    let Some(stored) = shared.stores.of(Kind::Move).random(&mut u.rng) else {
        return Ok(());
    };
    fetch_move(u, text(&stored, "locator")).await;
    Ok(())
}

/// getOrder: the orders of a stored move (fetching the move first when only its queue summary
/// is known).
pub async fn get_order(u: &mut User<MilMoveUser>) -> TaskResult {
    let shared = u.state.shared.clone();
    let Some(stored) = shared.stores.of(Kind::Move).random(&mut u.rng) else {
        return Ok(());
    };
    let mut orders_id = text(&stored, "ordersId").to_string();
    if orders_id.is_empty() {
        let Some(full) = fetch_move(u, text(&stored, "locator")).await else {
            return Ok(());
        };
        orders_id = text(&full, "ordersId").to_string();
    }
    let path = format!("/ghc/v1/orders/{orders_id}");
    if let Some(order) = Call::get(path, GET_ORDER).send(u).await {
        shared.stores.of(Kind::Order).put(order);
    }
    Ok(())
}

/// getCustomer: the customer of stored orders.
pub async fn get_customer(u: &mut User<MilMoveUser>) -> TaskResult {
    let shared = u.state.shared.clone();
    let Some(order) = shared.stores.of(Kind::Order).random(&mut u.rng) else {
        return Ok(());
    };
    let path = format!("/ghc/v1/customer/{}", text(&order, "customerID"));
    if let Some(customer) = Call::get(path, GET_CUSTOMER).send(u).await {
        shared.stores.of(Kind::Customer).put(customer);
    }
    Ok(())
}

/// listMTOShipments: the shipments of a stored move.
pub async fn list_shipments(u: &mut User<MilMoveUser>) -> TaskResult {
    let shared = u.state.shared.clone();
    let Some(stored) = shared.stores.of(Kind::Move).random(&mut u.rng) else {
        return Ok(());
    };
    let path = format!(
        "/ghc/v1/move_task_orders/{}/mto_shipments",
        text(&stored, "id")
    );
    if let Some(shipments) = Call::get(path, LIST_SHIPMENTS).send(u).await {
        shared.stores.of(Kind::Shipment).put_all(shipments);
    }
    Ok(())
}

/// listMTOServiceItems: the service items of a stored move.
pub async fn list_service_items(u: &mut User<MilMoveUser>) -> TaskResult {
    let shared = u.state.shared.clone();
    let Some(stored) = shared.stores.of(Kind::Move).random(&mut u.rng) else {
        return Ok(());
    };
    let path = format!(
        "/ghc/v1/move_task_orders/{}/mto_service_items",
        text(&stored, "id")
    );
    if let Some(items) = Call::get(path, LIST_SERVICE_ITEMS).send(u).await {
        shared.stores.of(Kind::ServiceItem).put_all(items);
    }
    Ok(())
}

/// The ids of an order's duty locations: (origin, new).
pub fn duty_location_ids(order: &Value) -> (String, String) {
    let id = |field: &str| text(&order[field], "id").to_string();
    (id("originDutyLocation"), id("destinationDutyLocation"))
}
