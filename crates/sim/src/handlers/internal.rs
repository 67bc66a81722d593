//! Internal API handlers: the logged-in user and the customer's onboarding (profile, orders
//! with an upload, a shipment, submitting the move).

use http::StatusCode;
use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::{parse_uuid, uploads, Call, Outcome};
use crate::api::ApiError;
use crate::shape::{internal as shape, prime};
use crate::state::model::{rfc3339, unique_now, Customer};
use crate::state::shipments::NewShipment;
use crate::state::StateError;
use crate::SimState;

/// Handles an internal operation; `None` leaves it to the fallback.
pub fn handle(sim: &SimState, call: &Call<'_>, op_id: &str) -> Option<Outcome> {
    Some(match op_id {
        "showLoggedInUser" => logged_in(sim, call),
        "searchDutyLocations" => duty_locations(sim, call),
        "showServiceMember" => own_customer(sim, call, "serviceMemberId")
            .and_then(|c| call.reply(StatusCode::OK, shape::service_member(&sim.store, &c))),
        "patchServiceMember" => patch_service_member(sim, call),
        "createServiceMemberBackupContact" => backup_contact(sim, call),
        "showServiceMemberOrders" => current_orders(sim, call),
        "createOrders" => create_orders(sim, call),
        "showOrders" => show_orders(sim, call),
        "createUpload" => create_upload(sim, call),
        "showMove" => {
            own_move(sim, call).and_then(|(m, c)| call.reply(StatusCode::OK, shape::move_(&m, c)))
        }
        "patchMove" => patch_move(sim, call),
        "submitMoveForApproval" => submit(sim, call),
        "createMTOShipment" => create_shipment(sim, call),
        "listMTOShipments" => list_shipments(sim, call),
        _ => return None,
    })
}

fn logged_in(sim: &SimState, call: &Call<'_>) -> Outcome {
    let session = call.session()?;
    let user = sim
        .store
        .users
        .get(&session.user_id)
        .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "user no longer exists"))?;
    call.reply(StatusCode::OK, shape::logged_in_user(&sim.store, &user))
}

fn duty_locations(sim: &SimState, call: &Call<'_>) -> Outcome {
    let search = call
        .query("search")
        .unwrap_or_default()
        .to_ascii_lowercase();
    let store = &sim.store;
    let mut rows: Vec<Value> = store
        .duty_locations
        .iter()
        .filter(|d| d.name.to_ascii_lowercase().contains(&search))
        .map(|d| shape::duty_location(store, d))
        .collect();
    if rows.is_empty() {
        // Like a fuzzy search: always offer something so onboarding can go on.
        rows = store
            .duty_locations
            .iter()
            .map(|d| shape::duty_location(store, d))
            .collect();
    }
    call.reply(StatusCode::OK, Value::Array(rows))
}

/// The customer named by a path parameter, if it is the caller's own (403 otherwise).
fn own_customer(sim: &SimState, call: &Call<'_>, param: &str) -> Result<Customer, ApiError> {
    let id = call.path_uuid(param)?;
    let customer = sim
        .store
        .customers
        .get(&id)
        .ok_or_else(|| StateError::NotFound(format!("service member {id}")))?;
    check_owner(call, customer.id)?;
    Ok(customer)
}

fn check_owner(call: &Call<'_>, customer_id: Uuid) -> Result<(), ApiError> {
    let session = call.session()?;
    let is_office = session.office_user_id.is_some();
    if is_office || session.service_member_id == Some(customer_id) {
        Ok(())
    } else {
        Err(ApiError::new(StatusCode::FORBIDDEN, "not your record"))
    }
}

fn patch_service_member(sim: &SimState, call: &Call<'_>) -> Outcome {
    let customer = own_customer(sim, call, "serviceMemberId")?;
    let mut patch = call.body_map();
    patch.remove("user_id");
    if let Some(Value::Object(a)) = patch.get_mut("residential_address") {
        a.entry("id").or_insert(json!(Uuid::new_v4()));
    }
    let c = sim.store.patch_customer(&customer.id, None, &patch)?;
    call.reply(StatusCode::OK, shape::service_member(&sim.store, &c))
}

fn backup_contact(sim: &SimState, call: &Call<'_>) -> Outcome {
    let customer = own_customer(sim, call, "serviceMemberId")?;
    let now = rfc3339(&unique_now());
    let mut contact = call.body_map();
    contact.insert("id".into(), json!(Uuid::new_v4()));
    contact.insert("service_member_id".into(), json!(customer.id));
    contact.insert("created_at".into(), json!(now));
    contact.insert("updated_at".into(), json!(now));
    let patch = Map::from_iter([("backup_contact".to_string(), Value::Object(contact.clone()))]);
    sim.store.patch_customer(&customer.id, None, &patch)?;
    call.reply(StatusCode::CREATED, Value::Object(contact))
}

fn current_orders(sim: &SimState, call: &Call<'_>) -> Outcome {
    let customer = own_customer(sim, call, "serviceMemberId")?;
    let o = customer
        .order_ids
        .last()
        .and_then(|id| sim.store.orders.get(id))
        .ok_or_else(|| StateError::NotFound("orders".into()))?;
    call.reply(StatusCode::OK, shape::orders(&sim.store, &o))
}

fn create_orders(sim: &SimState, call: &Call<'_>) -> Outcome {
    let body = call.body_map();
    let sm = parse_uuid(
        call.body_str("service_member_id").unwrap_or(""),
        "service_member_id",
    )?;
    check_owner(call, sm)?;
    if !sim.store.customers.contains(&sm) {
        return Err(StateError::NotFound(format!("service member {sm}")).into());
    }
    let new_duty = parse_uuid(
        call.body_str("new_duty_location_id").unwrap_or(""),
        "new_duty_location_id",
    )?;
    if !sim.store.duty_locations.iter().any(|d| d.id == new_duty) {
        return Err(StateError::NotFound(format!("duty location {new_duty}")).into());
    }
    let mut fields = body;
    fields.remove("service_member_id");
    fields.remove("move_id");
    fields.entry("status").or_insert(json!("DRAFT"));
    // MilMove creates the orders' entitlement with them.
    let dependents = fields
        .get("has_dependents")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    fields.insert(
        "entitlement".into(),
        Value::Object(crate::state::seed::default_entitlement(dependents)),
    );
    let o = sim.store.create_orders(sm, fields)?;
    let mv = sim.store.create_move(o.id, "DRAFT")?;
    let o = sim.store.orders.get(&o.id).unwrap_or(o);
    let _ = mv;
    call.reply(StatusCode::CREATED, shape::orders(&sim.store, &o))
}

fn show_orders(sim: &SimState, call: &Call<'_>) -> Outcome {
    let id = call.path_uuid("ordersId")?;
    let o = sim
        .store
        .orders
        .get(&id)
        .ok_or_else(|| StateError::NotFound(format!("orders {id}")))?;
    check_owner(call, o.customer_id)?;
    call.reply(StatusCode::OK, shape::orders(&sim.store, &o))
}

fn create_upload(sim: &SimState, call: &Call<'_>) -> Outcome {
    // An upload outside a document is kept under its user's id (it goes with the user).
    let document = match call.query("documentId") {
        Some(d) => Some(parse_uuid(&d, "documentId")?),
        None => Some(call.session()?.user_id),
    };
    match uploads::store_upload(sim, call, document, uploads::ALLOWED_DOCUMENT_TYPES) {
        Ok(upload) => call.reply(StatusCode::CREATED, shape::upload(&upload)),
        Err(refused) => Ok(uploads::internal_refusal(refused)),
    }
}

fn own_move(
    sim: &SimState,
    call: &Call<'_>,
) -> Result<(crate::state::model::Move, Uuid), ApiError> {
    let id = call.path_uuid("moveId")?;
    let m = sim.store.get_move(&id)?;
    let o = sim
        .store
        .orders
        .get(&m.orders_id)
        .ok_or_else(|| StateError::NotFound("orders".into()))?;
    check_owner(call, o.customer_id)?;
    Ok((m, o.customer_id))
}

fn patch_move(sim: &SimState, call: &Call<'_>) -> Outcome {
    let (m, customer) = own_move(sim, call)?;
    let m = sim.store.touch_move(&m.id, call.if_match()?)?;
    call.reply(StatusCode::OK, shape::move_(&m, customer))
}

/// MilMove's move router: a draft goes to services counseling; a move already there is left
/// as it is (200); any other status is an invalid transition (400, `{"message": …}`).
fn submit(sim: &SimState, call: &Call<'_>) -> Outcome {
    let (m, customer) = own_move(sim, call)?;
    if m.status == "NEEDS SERVICE COUNSELING" {
        return call.reply(StatusCode::OK, shape::move_(&m, customer));
    }
    let m = sim.store.submit_move(&m.id, None).map_err(|e| match e {
        StateError::Conflict(message) => ApiError::new(StatusCode::BAD_REQUEST, message),
        other => other.into(),
    })?;
    call.reply(StatusCode::OK, shape::move_(&m, customer))
}

fn create_shipment(sim: &SimState, call: &Call<'_>) -> Outcome {
    let body = call.body_map();
    let move_id = parse_uuid(
        call.body_str("moveTaskOrderID").unwrap_or(""),
        "moveTaskOrderID",
    )?;
    let m = sim.store.get_move(&move_id)?;
    let o = sim
        .store
        .orders
        .get(&m.orders_id)
        .ok_or_else(|| StateError::NotFound("orders".into()))?;
    check_owner(call, o.customer_id)?;
    let obj = |k: &str| match body.get(k) {
        Some(Value::Object(a)) => Some(a.clone()),
        _ => None,
    };
    let fields: Map<String, Value> = [
        "requestedPickupDate",
        "requestedDeliveryDate",
        "customerRemarks",
    ]
    .iter()
    .filter_map(|k| {
        body.get(*k)
            .filter(|v| !v.is_null())
            .map(|v| (k.to_string(), v.clone()))
    })
    .collect();
    let new = NewShipment {
        shipment_type: call.body_str("shipmentType").unwrap_or("HHG").to_string(),
        fields,
        pickup_address: obj("pickupAddress"),
        destination_address: obj("destinationAddress"),
        agents: Vec::new(),
    };
    let status = if m.status == "DRAFT" {
        "DRAFT"
    } else {
        "SUBMITTED"
    };
    let s = sim.store.insert_shipment(&move_id, new, status)?;
    call.reply(
        StatusCode::OK,
        prime::shipment_in(&sim.store, &s, prime::ShipmentView::Internal),
    )
}

fn list_shipments(sim: &SimState, call: &Call<'_>) -> Outcome {
    let id = call.path_uuid("moveTaskOrderID")?;
    let m = sim.store.get_move(&id)?;
    let rows: Vec<Value> = m
        .shipment_ids
        .iter()
        .filter_map(|s| sim.store.shipments.get(s))
        .map(|s| prime::shipment_in(&sim.store, &s, prime::ShipmentView::Internal))
        .collect();
    call.reply(StatusCode::OK, Value::Array(rows))
}
