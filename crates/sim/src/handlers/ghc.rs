//! GHC (office) API handlers: queues, move/orders/customer views and the office users'
//! updates (orders, allowances, customer, move approval, shipment approval, reviews).

use http::StatusCode;
use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::{Call, Outcome};
use crate::api::ApiError;
use crate::shape::ghc as shape;
use crate::shape::queues::{self, QueueType};
use crate::state::model::Move;
use crate::state::{StateError, Store};
use crate::SimState;

/// Handles a GHC operation; `None` leaves it to the fallback.
pub fn handle(sim: &SimState, call: &Call<'_>, op_id: &str) -> Option<Outcome> {
    let store = &sim.store;
    Some(match op_id {
        "getServicesCounselingQueue" => moves_queue(
            store,
            call,
            QueueType::Counseling,
            &["NEEDS SERVICE COUNSELING"],
        ),
        "getMovesQueue" => moves_queue(
            store,
            call,
            QueueType::TaskOrder,
            &[
                "SUBMITTED",
                "APPROVALS REQUESTED",
                "SERVICE COUNSELING COMPLETED",
                "APPROVED",
            ],
        ),
        "getPaymentRequestsQueue" => payment_queue(store, call),
        "getMove" => store
            .move_by_locator(call.path("locator"))
            .map_err(ApiError::from)
            .and_then(|m| call.reply(StatusCode::OK, shape::move_(&m))),
        "getOrder" => get_order(store, call),
        "getCustomer" => get_customer(store, call),
        "listMTOShipments" => list_shipments(store, call),
        "listMTOServiceItems" => list_service_items(store, call),
        "updateOrder" | "counselingUpdateOrder" => update_order(store, call),
        "updateAllowance" | "counselingUpdateAllowance" => update_allowance(store, call),
        "updateCustomer" => update_customer(store, call),
        "updateMoveTaskOrderStatus" => approve_move(store, call),
        "updateMTOStatusServiceCounselingCompleted" => counseling_completed(store, call),
        "approveShipment" => approve_shipment(store, call),
        "updateMTOServiceItemStatus" => service_item_status(store, call),
        "getPaymentRequest" => get_payment_request(store, call),
        "getPaymentRequestsForMove" => payment_requests_for_move(store, call),
        "updatePaymentServiceItemStatus" => payment_service_item_status(store, call),
        "updatePaymentRequestStatus" => payment_request_status(store, call),
        _ => return None,
    })
}

fn page(call: &Call<'_>) -> (usize, usize) {
    let num = |k: &str, d: usize| call.query(k).and_then(|v| v.parse().ok()).unwrap_or(d);
    (num("page", 1).max(1), num("perPage", 20).clamp(1, 500))
}

fn moves_queue(store: &Store, call: &Call<'_>, queue: QueueType, statuses: &[&str]) -> Outcome {
    let locator = call.query("locator");
    let mut moves: Vec<Move> = store.moves.collect(|m| {
        let wanted = statuses.contains(&m.status.as_str())
            && locator
                .as_deref()
                .is_none_or(|l| m.locator.eq_ignore_ascii_case(l));
        wanted.then(|| m.clone())
    });
    moves.sort_by_key(|m| std::cmp::Reverse(m.created_at));
    let (page, per_page) = page(call);
    let rows: Vec<Value> = moves
        .iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .map(|m| queues::queue_move(store, m, queue))
        .collect();
    call.reply(
        StatusCode::OK,
        json!({"page": page, "perPage": per_page, "totalCount": moves.len(), "queueMoves": rows}),
    )
}

fn payment_queue(store: &Store, call: &Call<'_>) -> Outcome {
    let locator = call.query("locator");
    let of_locator = |move_id: &Uuid| {
        locator.as_deref().is_none_or(|l| {
            store
                .moves
                .with(move_id, |m| m.locator.eq_ignore_ascii_case(l))
                .unwrap_or(false)
        })
    };
    let mut requests = store
        .payment_requests
        .collect(|p| (p.status == "PENDING" && of_locator(&p.move_id)).then(|| p.clone()));
    requests.sort_by_key(|r| std::cmp::Reverse(r.created_at));
    let (page, per_page) = page(call);
    let rows: Vec<Value> = requests
        .iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .map(|p| queues::queue_payment_request(store, p))
        .collect();
    call.reply(
        StatusCode::OK,
        json!({"page": page, "perPage": per_page, "totalCount": requests.len(),
               "queuePaymentRequests": rows}),
    )
}

fn get_order(store: &Store, call: &Call<'_>) -> Outcome {
    let id = call.path_uuid("orderID")?;
    let o = store
        .orders
        .get(&id)
        .ok_or_else(|| StateError::NotFound(format!("orders {id}")))?;
    call.reply(StatusCode::OK, shape::order(store, &o))
}

fn get_customer(store: &Store, call: &Call<'_>) -> Outcome {
    let id = call.path_uuid("customerID")?;
    let c = store
        .customers
        .get(&id)
        .ok_or_else(|| StateError::NotFound(format!("customer {id}")))?;
    call.reply(StatusCode::OK, shape::customer(&c))
}

fn list_shipments(store: &Store, call: &Call<'_>) -> Outcome {
    let m = store.get_move(&call.path_uuid("moveTaskOrderID")?)?;
    let rows: Vec<Value> = m
        .shipment_ids
        .iter()
        .filter_map(|id| store.shipments.get(id))
        .map(|s| shape::shipment(store, &s))
        .collect();
    call.reply(StatusCode::OK, Value::Array(rows))
}

fn list_service_items(store: &Store, call: &Call<'_>) -> Outcome {
    let m = store.get_move(&call.path_uuid("moveTaskOrderID")?)?;
    let rows: Vec<Value> = m
        .service_item_ids
        .iter()
        .filter_map(|id| store.service_items.get(id))
        .map(|i| shape::service_item(&i))
        .collect();
    call.reply(StatusCode::OK, Value::Array(rows))
}

/// GHC order payload names → stored (snake_case) names.
const ORDER_FIELDS: &[(&str, &str)] = &[
    ("issueDate", "issue_date"),
    ("reportByDate", "report_by_date"),
    ("ordersType", "orders_type"),
    ("ordersTypeDetail", "orders_type_detail"),
    ("originDutyLocationId", "origin_duty_location_id"),
    ("newDutyLocationId", "new_duty_location_id"),
    ("ordersNumber", "orders_number"),
    ("tac", "tac"),
    ("sac", "sac"),
    ("departmentIndicator", "department_indicator"),
    ("grade", "grade"),
    ("hasDependents", "has_dependents"),
];

fn update_order(store: &Store, call: &Call<'_>) -> Outcome {
    let id = call.path_uuid("orderID")?;
    let tag = call.if_match()?;
    let body = call.body_map();
    for key in ["originDutyLocationId", "newDutyLocationId"] {
        if let Some(Value::String(s)) = body.get(key) {
            let exists = Uuid::parse_str(s)
                .ok()
                .is_some_and(|d| store.duty_locations.iter().any(|l| l.id == d));
            if !exists {
                return Err(StateError::NotFound(format!("duty location {s}")).into());
            }
        }
    }
    let patch: Map<String, Value> = ORDER_FIELDS
        .iter()
        .filter_map(|(from, to)| body.get(*from).map(|v| (to.to_string(), v.clone())))
        .collect();
    let o = store.patch_orders(&id, tag, &patch)?;
    call.reply(StatusCode::OK, shape::order(store, &o))
}

fn update_allowance(store: &Store, call: &Call<'_>) -> Outcome {
    let id = call.path_uuid("orderID")?;
    let tag = call.if_match()?;
    let current = store
        .orders
        .get(&id)
        .ok_or_else(|| StateError::NotFound(format!("orders {id}")))?;
    let mut entitlement = match current.fields.get("entitlement") {
        Some(Value::Object(e)) => e.clone(),
        _ => Map::new(),
    };
    let mut patch = Map::new();
    for (k, v) in call.body_map() {
        match k.as_str() {
            "grade" => {
                patch.insert("grade".into(), v);
            }
            "agency" => {}
            _ => {
                entitlement.insert(k, v);
            }
        }
    }
    patch.insert("entitlement".into(), Value::Object(entitlement));
    let o = store.patch_orders(&id, tag, &patch)?;
    call.reply(StatusCode::OK, shape::order(store, &o))
}

fn update_customer(store: &Store, call: &Call<'_>) -> Outcome {
    let id = call.path_uuid("customerID")?;
    let tag = call.if_match()?;
    let c = store.patch_customer(&id, Some(tag), &call.body_map())?;
    call.reply(StatusCode::OK, shape::customer(&c))
}

fn approve_move(store: &Store, call: &Call<'_>) -> Outcome {
    let id = call.path_uuid("moveTaskOrderID")?;
    let first_time = store.get_move(&id)?.available_to_prime_at.is_none();
    let m = store.approve_move(&id, Some(call.if_match()?))?;
    if first_time {
        // MilMove creates the move-level items (MS, CS) asked for when it first makes the
        // move available to the Prime.
        store.move_approved_with_items(&id, call.body.as_ref().unwrap_or(&Value::Null))?;
    }
    call.reply(StatusCode::OK, shape::move_(&m))
}

fn counseling_completed(store: &Store, call: &Call<'_>) -> Outcome {
    let id = call.path_uuid("moveTaskOrderID")?;
    let m = store.complete_counseling(&id, call.if_match()?)?;
    call.reply(StatusCode::OK, shape::move_(&m))
}

fn approve_shipment(store: &Store, call: &Call<'_>) -> Outcome {
    let id = call.path_uuid("shipmentID")?;
    let s = store.set_shipment_status(&id, call.if_match()?, "APPROVED", None)?;
    store.shipment_approved(&id)?;
    call.reply(StatusCode::OK, shape::shipment(store, &s))
}

fn service_item_status(store: &Store, call: &Call<'_>) -> Outcome {
    let id = call.path_uuid("mtoServiceItemID")?;
    let tag = call.if_match()?;
    let status = call
        .body_str("status")
        .ok_or_else(|| ApiError::invalid("status", "status is required"))?;
    let item = store
        .set_service_item_status(&id, tag, status, call.body_str("rejectionReason"))
        .map_err(|e| match e {
            // GHC declares no 409: MilMove's service item updater answers what it refuses
            // with a 422 (InvalidInputError).
            StateError::Conflict(message) => ApiError::invalid("status", message),
            other => other.into(),
        })?;
    store.route_move(&item.move_id)?;
    call.reply(StatusCode::OK, shape::service_item(&item))
}

fn get_payment_request(store: &Store, call: &Call<'_>) -> Outcome {
    let p = store.get_payment_request(&call.path_uuid("paymentRequestID")?)?;
    call.reply(StatusCode::OK, shape::payment_request(&p))
}

fn payment_requests_for_move(store: &Store, call: &Call<'_>) -> Outcome {
    let m = store.move_by_locator(call.path("locator"))?;
    let rows: Vec<Value> = m
        .payment_request_ids
        .iter()
        .filter_map(|id| store.payment_requests.get(id))
        .map(|p| shape::payment_request(&p))
        .collect();
    call.reply(StatusCode::OK, Value::Array(rows))
}

fn payment_service_item_status(store: &Store, call: &Call<'_>) -> Outcome {
    let move_id = call.path_uuid("moveTaskOrderID")?;
    let item_id = call.path_uuid("paymentServiceItemID")?;
    let tag = call.if_match()?;
    let status = call
        .body_str("status")
        .ok_or_else(|| ApiError::invalid("status", "status is required"))?;
    let request_id = store.payment_request_of_item(&move_id, &item_id)?;
    let reason = call.body_str("rejectionReason");
    let (p, item) =
        store.set_payment_service_item_status(&request_id, &item_id, tag, status, reason)?;
    call.reply(StatusCode::OK, shape::payment_service_item(&p, &item))
}

fn payment_request_status(store: &Store, call: &Call<'_>) -> Outcome {
    let id = call.path_uuid("paymentRequestID")?;
    let tag = call.if_match()?;
    let mut status = call
        .body_str("status")
        .ok_or_else(|| ApiError::invalid("status", "status is required"))?
        .to_string();
    let current = store.get_payment_request(&id)?;
    // MilMove's handler takes only the two reviewed statuses, and answers 422 otherwise.
    if status != "REVIEWED" && status != "REVIEWED_AND_ALL_SERVICE_ITEMS_REJECTED" {
        return Err(ApiError::invalid(
            "status",
            format!("{status} is not a reviewed status"),
        ));
    }
    if status == "REVIEWED" {
        // MilMove's updater refuses this with a ConflictError its handler turns into a 500;
        // the stand-in answers the declared 422 instead.
        if current.items.iter().any(|i| i.status == "REQUESTED") {
            return Err(ApiError::invalid(
                "status",
                "All PaymentServiceItems must be approved or denied to review this PaymentRequest",
            ));
        }
        if current.items.iter().all(|i| i.status == "DENIED") {
            status = "REVIEWED_AND_ALL_SERVICE_ITEMS_REJECTED".into();
        }
    }
    let p = store.review_payment_request(&id, tag, &status)?;
    call.reply(StatusCode::OK, shape::payment_request(&p))
}
