//! Prime API (v1, v2, v3) handlers for the operations the load tests use.

use axum::response::IntoResponse;
use http::StatusCode;
use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::{parse_uuid, uploads, Call, Outcome};
use crate::api::{Api, ApiError};
use crate::shape::prime as shape;
use crate::state::shipments::NewShipment;
use crate::SimState;

/// Handles a Prime operation; `None` leaves it to the fallback.
pub fn handle(sim: &SimState, call: &Call<'_>, op_id: &str) -> Option<Outcome> {
    let v1 = call.api == Api::PrimeV1;
    Some(match op_id {
        "listMoves" => list_moves(sim, call),
        "getMoveTaskOrder" => get_move(sim, call),
        "createMTOShipment" | "updateMTOShipment" if v1 => retired(call, op_id),
        "createMTOShipment" => create_shipment(sim, call),
        "updateMTOShipment" => update_shipment(sim, call),
        "updateMTOShipmentAddress" => update_address(sim, call),
        "createMTOAgent" => create_agent(sim, call),
        "updateMTOAgent" => update_agent(sim, call),
        "createMTOServiceItem" => create_service_item(sim, call),
        "updateMTOServiceItem" => update_service_item(sim, call),
        "updateMTOPostCounselingInformation" => post_counseling(sim, call),
        "createPaymentRequest" => create_payment_request(sim, call),
        "createUpload" => create_upload(sim, call),
        _ => return None,
    })
}

/// How MilMove answers a retired Prime v1 operation: `410 Gone` where its spec declares it
/// (current specs), else `501 Not Implemented` (older specs, where the v1 handler was removed).
pub fn retired_status(declared: &[String]) -> StatusCode {
    if declared.iter().any(|s| s == "410") {
        StatusCode::GONE
    } else {
        StatusCode::NOT_IMPLEMENTED
    }
}

/// Prime v1 `createMTOShipment` / `updateMTOShipment`: retired in favour of `/prime/v3`.
fn retired(call: &Call<'_>, op_id: &str) -> Outcome {
    match retired_status(&call.op.responses) {
        StatusCode::GONE => Ok(StatusCode::GONE.into_response()),
        status => Err(ApiError::new(
            status,
            format!("{op_id} is retired on /prime/v1: use /prime/v3"),
        )),
    }
}

fn list_moves(sim: &SimState, call: &Call<'_>) -> Outcome {
    let since = match call.query("since") {
        Some(s) => Some(
            milmove_parser::formats::parse_date_time(&s)
                .ok_or_else(|| ApiError::invalid("since", "must be a date-time"))?
                .with_timezone(&chrono::Utc),
        ),
        None => None,
    };
    let moves: Vec<Value> = sim
        .store
        .prime_move_ids(since)
        .iter()
        .filter_map(|id| sim.store.moves.get(id))
        .map(|m| shape::list_move(&sim.store, &m))
        .collect();
    call.reply(StatusCode::OK, Value::Array(moves))
}

/// Finds a move by UUID or by locator (the Prime API accepts either).
fn find_prime_move(sim: &SimState, key: &str) -> Result<crate::state::model::Move, ApiError> {
    let found = match Uuid::parse_str(key) {
        Ok(id) => sim.store.prime_move(&id),
        Err(_) => sim
            .store
            .move_by_locator(key)
            .and_then(|m| sim.store.prime_move(&m.id)),
    };
    Ok(found?)
}

fn get_move(sim: &SimState, call: &Call<'_>) -> Outcome {
    let m = find_prime_move(sim, call.path("moveID"))?;
    call.reply(
        StatusCode::OK,
        shape::move_task_order(&sim.store, &m, shape::Family::Prime),
    )
}

fn object(v: Option<&Value>) -> Option<Map<String, Value>> {
    match v {
        Some(Value::Object(m)) => Some(m.clone()),
        _ => None,
    }
}

const SHIPMENT_SCALARS: &[&str] = &[
    "requestedPickupDate",
    "requestedDeliveryDate",
    "scheduledPickupDate",
    "actualPickupDate",
    "firstAvailableDeliveryDate",
    "scheduledDeliveryDate",
    "actualDeliveryDate",
    "primeEstimatedWeight",
    "primeActualWeight",
    "ntsRecordedWeight",
    "actualProGearWeight",
    "actualSpouseProGearWeight",
    "customerRemarks",
    "counselorRemarks",
    "pointOfContact",
    "diversion",
    "destinationType",
];

fn scalars(body: &Map<String, Value>) -> Map<String, Value> {
    body.iter()
        .filter(|(k, v)| SHIPMENT_SCALARS.contains(&k.as_str()) && !v.is_null())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

fn create_shipment(sim: &SimState, call: &Call<'_>) -> Outcome {
    let body = call.body_map();
    let move_id = parse_uuid(
        call.body_str("moveTaskOrderID").unwrap_or(""),
        "moveTaskOrderID",
    )?;
    let agents = match body.get("agents") {
        Some(Value::Array(a)) => a.iter().filter_map(|v| object(Some(v))).collect(),
        _ => Vec::new(),
    };
    let new = NewShipment {
        shipment_type: call.body_str("shipmentType").unwrap_or("HHG").to_string(),
        fields: scalars(&body),
        pickup_address: object(body.get("pickupAddress")),
        destination_address: object(body.get("destinationAddress")),
        agents: agents
            .into_iter()
            .map(|mut a: Map<String, Value>| {
                a.remove("id");
                a.remove("mtoShipmentID");
                a
            })
            .collect(),
    };
    let shipment = sim.store.create_shipment(&move_id, new)?;
    call.reply(
        StatusCode::OK,
        shape::shipment_with_items(&sim.store, &shipment, shape::Family::Prime),
    )
}

fn update_shipment(sim: &SimState, call: &Call<'_>) -> Outcome {
    let id = call.path_uuid("mtoShipmentID")?;
    let tag = call.if_match()?;
    let existing = sim.store.get_shipment(&id)?;
    sim.store.prime_move(&existing.move_id)?;
    let body = call.body_map();
    let shipment = sim.store.update_shipment(&id, tag, &scalars(&body))?;
    for (key, address_id) in [
        ("pickupAddress", shipment.pickup_address_id),
        ("destinationAddress", shipment.destination_address_id),
    ] {
        if let (Some(fields), Some(aid)) = (object(body.get(key)), address_id) {
            sim.store.addresses.update(&aid, |a| {
                for (k, v) in fields {
                    if k != "id" && k != "eTag" {
                        a.fields.insert(k, v);
                    }
                }
                a.updated_at = crate::state::model::unique_now();
            });
        }
    }
    call.reply(
        StatusCode::OK,
        shape::shipment_with_items(&sim.store, &shipment, shape::Family::Prime),
    )
}

fn update_address(sim: &SimState, call: &Call<'_>) -> Outcome {
    let shipment_id = call.path_uuid("mtoShipmentID")?;
    let address_id = call.path_uuid("addressID")?;
    let tag = call.if_match()?;
    let address =
        sim.store
            .update_shipment_address(&shipment_id, &address_id, tag, &call.body_map())?;
    call.reply(StatusCode::OK, shape::address(&address))
}

fn create_agent(sim: &SimState, call: &Call<'_>) -> Outcome {
    let shipment_id = call.path_uuid("mtoShipmentID")?;
    let mut fields = call.body_map();
    for k in ["id", "mtoShipmentID", "eTag", "createdAt", "updatedAt"] {
        fields.remove(k);
    }
    let agent = sim.store.create_agent(&shipment_id, fields)?;
    call.reply(StatusCode::OK, shape::agent(&agent))
}

fn update_agent(sim: &SimState, call: &Call<'_>) -> Outcome {
    let shipment_id = call.path_uuid("mtoShipmentID")?;
    let agent_id = call.path_uuid("agentID")?;
    let tag = call.if_match()?;
    let agent = sim
        .store
        .update_agent(&shipment_id, &agent_id, tag, &call.body_map())?;
    call.reply(StatusCode::OK, shape::agent(&agent))
}

fn create_service_item(sim: &SimState, call: &Call<'_>) -> Outcome {
    let mut body = call.body_map();
    let move_id = parse_uuid(
        call.body_str("moveTaskOrderID").unwrap_or(""),
        "moveTaskOrderID",
    )?;
    let shipment_id = match call.body_str("mtoShipmentID") {
        Some(s) => Some(parse_uuid(s, "mtoShipmentID")?),
        None => None,
    };
    let model_type = call
        .body_str("modelType")
        .unwrap_or("MTOServiceItemBasic")
        .to_string();
    let code = call.body_str("reServiceCode").unwrap_or("MS").to_string();
    for k in [
        "id",
        "eTag",
        "status",
        "rejectionReason",
        "moveTaskOrderID",
        "mtoShipmentID",
    ] {
        body.remove(k);
    }
    let items =
        sim.store
            .create_prime_service_items(&move_id, shipment_id, &model_type, &code, body)?;
    sim.store.route_move(&move_id)?;
    let body: Vec<Value> = items
        .iter()
        .filter(|i| shape::representable(&i.code))
        .map(|i| shape::service_item(shape::Family::Prime, i))
        .collect();
    call.reply(StatusCode::OK, Value::Array(body))
}

fn update_service_item(sim: &SimState, call: &Call<'_>) -> Outcome {
    let id = call.path_uuid("mtoServiceItemID")?;
    let tag = call.if_match()?;
    let existing = sim.store.get_service_item(&id)?;
    sim.store.prime_move(&existing.move_id)?;
    let mut fields = call.body_map();
    // The update payload's own discriminator (e.g. UpdateMTOServiceItemSIT) is not kept.
    fields.remove("modelType");
    let item = sim.store.update_service_item(&id, tag, &fields)?;
    call.reply(
        StatusCode::OK,
        shape::service_item(shape::Family::Prime, &item),
    )
}

fn post_counseling(sim: &SimState, call: &Call<'_>) -> Outcome {
    let id = call.path_uuid("moveTaskOrderID")?;
    let tag = call.if_match()?;
    let m = sim.store.post_counseling(&id, tag)?;
    call.reply(
        StatusCode::OK,
        shape::move_task_order(&sim.store, &m, shape::Family::Prime),
    )
}

fn create_payment_request(sim: &SimState, call: &Call<'_>) -> Outcome {
    let move_id = parse_uuid(
        call.body_str("moveTaskOrderID").unwrap_or(""),
        "moveTaskOrderID",
    )?;
    let mut ids = Vec::new();
    if let Some(Value::Array(items)) = call.body.as_ref().and_then(|b| b.get("serviceItems")) {
        for item in items {
            let id = item.get("id").and_then(Value::as_str).unwrap_or("");
            ids.push(parse_uuid(id, "serviceItems.id")?);
        }
    }
    if ids.is_empty() {
        return Err(ApiError::invalid(
            "serviceItems",
            "at least one service item is required",
        ));
    }
    let is_final = call
        .body
        .as_ref()
        .and_then(|b| b.get("isFinal"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let request = sim.store.create_payment_request(&move_id, ids, is_final)?;
    call.reply(StatusCode::CREATED, shape::payment_request(&request))
}

fn create_upload(sim: &SimState, call: &Call<'_>) -> Outcome {
    let request_id = call.path_uuid("paymentRequestID")?;
    sim.store.get_payment_request(&request_id)?;
    // Kept in a proof-of-service document named after the payment request (so it goes
    // when the move goes).
    let upload =
        uploads::store_upload(sim, call, Some(request_id), uploads::ALLOWED_DOCUMENT_TYPES)
            .map_err(uploads::prime_refusal)?;
    call.reply(
        StatusCode::CREATED,
        json!({"id": upload.id, "filename": upload.filename, "contentType": upload.content_type,
               "bytes": upload.bytes,
               "createdAt": crate::state::model::rfc3339(&upload.created_at),
               "updatedAt": crate::state::model::rfc3339(&upload.created_at)}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retired_v1_shipment_endpoints_answer_410_or_501() {
        let declared = |codes: &[&str]| codes.iter().map(|c| c.to_string()).collect::<Vec<_>>();
        assert_eq!(retired_status(&declared(&["410"])), StatusCode::GONE);
        assert_eq!(
            retired_status(&declared(&["200", "422", "501"])),
            StatusCode::NOT_IMPLEMENTED
        );
        assert_eq!(retired_status(&[]), StatusCode::NOT_IMPLEMENTED);
        // The 501 body is the Prime `Error` shape.
        let body = ApiError::new(StatusCode::NOT_IMPLEMENTED, "x").body(Api::PrimeV1);
        assert!(body["title"].is_string() && body["detail"].is_string());
    }
}
