//! Support API handlers: creating moves, making them available to the Prime, and the status
//! changes the Prime cannot make itself.

use http::StatusCode;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::{parse_uuid, Call, Outcome};
use crate::api::ApiError;
use crate::shape::{prime, support as shape};
use crate::state::StateError;
use crate::SimState;

/// Handles a Support operation; `None` leaves it to the fallback.
pub fn handle(sim: &SimState, call: &Call<'_>, op_id: &str) -> Option<Outcome> {
    Some(match op_id {
        "createMoveTaskOrder" => create_move(sim, call),
        "makeMoveTaskOrderAvailable" => make_available(sim, call),
        "getMoveTaskOrder" => get_move(sim, call),
        "listMTOs" => list_moves(sim, call),
        "updateMTOShipmentStatus" => shipment_status(sim, call),
        "updateMTOServiceItemStatus" => service_item_status(sim, call),
        "updatePaymentRequestStatus" => payment_request_status(sim, call),
        _ => return None,
    })
}

fn str_field<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// Camel-case support order fields → the stored (internal, snake_case) names.
const ORDER_FIELDS: &[(&str, &str)] = &[
    ("orderNumber", "orders_number"),
    ("ordersType", "orders_type"),
    ("ordersTypeDetail", "orders_type_detail"),
    ("rank", "grade"),
    ("reportByDate", "report_by_date"),
    ("issueDate", "issue_date"),
    ("status", "status"),
    ("tac", "tac"),
    ("departmentIndicator", "department_indicator"),
    ("originDutyLocationID", "origin_duty_location_id"),
    ("destinationDutyLocationID", "new_duty_location_id"),
];

fn create_move(sim: &SimState, call: &Call<'_>) -> Outcome {
    let body = call.body.clone().unwrap_or(Value::Null);
    let order = body.get("order").cloned().unwrap_or(Value::Null);
    let store = &sim.store;
    let contractor = parse_uuid(
        str_field(&body, "contractorID").unwrap_or(""),
        "contractorID",
    )?;
    if contractor != store.contractor_id {
        return Err(StateError::NotFound(format!("contractor {contractor}")).into());
    }
    for key in ["originDutyLocationID", "destinationDutyLocationID"] {
        let id = parse_uuid(str_field(&order, key).unwrap_or(""), key)?;
        if !store.duty_locations.iter().any(|d| d.id == id) {
            return Err(StateError::NotFound(format!("duty location {id}")).into());
        }
    }
    let document = parse_uuid(
        str_field(&order, "uploadedOrdersID").unwrap_or(""),
        "uploadedOrdersID",
    )?;
    if !store.documents.contains(&document) {
        return Err(StateError::NotFound(format!("document {document}")).into());
    }
    let customer_id = match str_field(&order, "customerID") {
        Some(id) => {
            let id = parse_uuid(id, "customerID")?;
            store
                .customers
                .get(&id)
                .ok_or_else(|| StateError::NotFound(format!("customer {id}")))?
                .id
        }
        None => {
            let c = order.get("customer").cloned().unwrap_or(Value::Null);
            let mut profile = Map::new();
            for (from, to) in [
                ("firstName", "first_name"),
                ("lastName", "last_name"),
                ("dodID", "edipi"),
                ("agency", "affiliation"),
                ("email", "personal_email"),
                ("phone", "telephone"),
            ] {
                if let Some(v) = c.get(from) {
                    profile.insert(to.into(), v.clone());
                }
            }
            if let Some(Value::Object(a)) = c.get("currentAddress") {
                let mut address = a.clone();
                address.insert("id".into(), serde_json::json!(Uuid::new_v4()));
                address.remove("eTag");
                profile.insert("residential_address".into(), Value::Object(address));
            }
            store.create_customer(Uuid::new_v4(), profile).id
        }
    };
    let mut fields = Map::new();
    for (from, to) in ORDER_FIELDS {
        if let Some(v) = order.get(*from).filter(|v| !v.is_null()) {
            fields.insert(to.to_string(), v.clone());
        }
    }
    // MilMove keeps the entitlement it is sent (over its defaults).
    let dependents = order
        .pointer("/entitlement/dependentsAuthorized")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let mut entitlement = crate::state::seed::default_entitlement(dependents);
    if let Some(Value::Object(sent)) = order.get("entitlement") {
        for (k, v) in sent {
            if !v.is_null() && !matches!(k.as_str(), "id" | "eTag") {
                entitlement.insert(k.clone(), v.clone());
            }
        }
    }
    fields.insert("entitlement".into(), Value::Object(entitlement));
    let mut orders = store.create_orders(customer_id, fields)?;
    store
        .orders
        .update(&orders.id, |o| o.uploaded_orders_id = document);
    orders.uploaded_orders_id = document;
    const KNOWN_STATUSES: [&str; 4] = ["DRAFT", "SUBMITTED", "APPROVED", "CANCELED"];
    let status = str_field(&body, "status")
        .filter(|s| KNOWN_STATUSES.contains(s))
        .unwrap_or("DRAFT");
    let initial = if status == "APPROVED" {
        "SUBMITTED"
    } else {
        status
    };
    let mut mv = store.create_move(orders.id, initial)?;
    if status == "APPROVED" {
        mv = store.approve_move(&mv.id, None)?;
    }
    if let Some(ppm) = str_field(&body, "ppmType") {
        store
            .moves
            .update(&mv.id, |m| m.ppm_type = Some(ppm.to_string()));
        mv.ppm_type = Some(ppm.to_string());
    }
    call.reply(StatusCode::CREATED, shape::move_task_order(store, &mv))
}

fn make_available(sim: &SimState, call: &Call<'_>) -> Outcome {
    let id = call.path_uuid("moveTaskOrderID")?;
    let tag = call.if_match()?;
    let mv = sim
        .store
        .approve_move(&id, Some(tag))
        .map_err(|e| match e {
            // Support declares no 409 here: MilMove's handler answers 422 (InvalidInputError).
            StateError::Conflict(message) => ApiError::invalid("status", message),
            other => other.into(),
        })?;
    call.reply(StatusCode::OK, shape::move_task_order(&sim.store, &mv))
}

fn get_move(sim: &SimState, call: &Call<'_>) -> Outcome {
    let key = call.path("moveTaskOrderID");
    let mv = match Uuid::parse_str(key) {
        Ok(id) => sim.store.get_move(&id)?,
        Err(_) => sim.store.move_by_locator(key)?,
    };
    call.reply(StatusCode::OK, shape::move_task_order(&sim.store, &mv))
}

fn list_moves(sim: &SimState, call: &Call<'_>) -> Outcome {
    let moves: Vec<Value> = sim
        .store
        .moves
        .collect(|m| Some(m.clone()))
        .iter()
        .map(|m| shape::move_task_order(&sim.store, m))
        .collect();
    call.reply(StatusCode::OK, Value::Array(moves))
}

fn status_and_reason<'a>(call: &'a Call<'_>) -> Result<(&'a str, Option<&'a str>), ApiError> {
    let status = call
        .body_str("status")
        .ok_or_else(|| ApiError::invalid("status", "status is required"))?;
    Ok((status, call.body_str("rejectionReason")))
}

fn shipment_status(sim: &SimState, call: &Call<'_>) -> Outcome {
    let id = call.path_uuid("mtoShipmentID")?;
    let tag = call.if_match()?;
    let (status, reason) = status_and_reason(call)?;
    let s = sim.store.set_shipment_status(&id, tag, status, reason)?;
    if status == "APPROVED" {
        sim.store.shipment_approved(&id)?;
    }
    let mut body = prime::shipment_with_items(&sim.store, &s, prime::Family::Support);
    if let (Some(r), Value::Object(m)) = (s.fields.get("rejectionReason"), &mut body) {
        m.insert("rejectionReason".into(), r.clone());
    }
    call.reply(StatusCode::OK, body)
}

fn service_item_status(sim: &SimState, call: &Call<'_>) -> Outcome {
    let id = call.path_uuid("mtoServiceItemID")?;
    let tag = call.if_match()?;
    let (status, reason) = status_and_reason(call)?;
    let item = sim
        .store
        .set_service_item_status(&id, tag, status, reason)?;
    sim.store.route_move(&item.move_id)?;
    call.reply(
        StatusCode::OK,
        prime::service_item(prime::Family::Support, &item),
    )
}

fn payment_request_status(sim: &SimState, call: &Call<'_>) -> Outcome {
    let id = call.path_uuid("paymentRequestID")?;
    let tag = call.if_match()?;
    let (status, _) = status_and_reason(call)?;
    let p = sim.store.set_payment_request_status(&id, tag, status)?;
    call.reply(StatusCode::OK, prime::payment_request(&p))
}
