//! Prime API tasks on shipments: createMTOShipment and updateMTOShipment (prime v3: the v1
//! endpoints now answer 410 Gone), updateMTOShipmentAddress and updateMTOAgent (v1).

use milmove_runner::{TaskResult, User};
use serde_json::{json, Value};

use crate::apis::Api;
use crate::call::{text, Call, Updated};
use crate::context::MilMoveUser;
use crate::fake::fake_body;
use crate::refetch::{nested_etag, Refetch};
use crate::store::{etag, Claim, Kind};

/// `POST /prime/v3/mto-shipments`.
pub const CREATE_SHIPMENT: &str = "/prime/v3/mto-shipments";
/// `PATCH /prime/v3/mto-shipments/{mtoShipmentID}`.
pub const UPDATE_SHIPMENT: &str = "/prime/v3/mto-shipments/{mtoShipmentID}";
/// `PUT /prime/v1/mto-shipments/{mtoShipmentID}/addresses/{addressID}`.
pub const UPDATE_ADDRESS: &str = "/prime/v1/mto-shipments/{mtoShipmentID}/addresses/{addressID}";
/// `PUT /prime/v1/mto-shipments/{mtoShipmentID}/agents/{agentID}`.
pub const UPDATE_AGENT: &str = "/prime/v1/mto-shipments/{mtoShipmentID}/agents/{agentID}";

/// Fields of a shipment the Prime may not send on update (addresses and agents have their
/// own endpoints, the estimated weight is set once at creation, the type never changes).
const NOT_UPDATABLE: &[&str] = &[
    "pickupAddress",
    "secondaryPickupAddress",
    "tertiaryPickupAddress",
    "destinationAddress",
    "secondaryDeliveryAddress",
    "tertiaryDeliveryAddress",
    "primeEstimatedWeight",
    "shipmentType",
    "ntsRecordedWeight",
    "ppmShipment",
    "storageFacility",
    "diversion",
    "portOfEmbarkation",
    "portOfDebarkation",
    "destinationType",
];

/// The createMTOShipment body for an HHG shipment on `move_id`: a fake body with only the
/// flow's decisions overridden (the move, the type, one agent of each type, no nested service
/// items or PPM/boat/mobile-home parts).
pub fn create_shipment_body(
    u: &mut User<MilMoveUser>,
    move_id: &str,
) -> Result<Value, crate::error::TasksError> {
    let overrides = json!({
        "moveTaskOrderID": move_id,
        "shipmentType": "HHG",
        "mtoServiceItems": [],
    });
    let mut body = fake_body(u, Api::PrimeV3, "/mto-shipments", "post", overrides, false)?;
    if let Some(object) = body.as_object_mut() {
        for field in [
            "ppmShipment",
            "boatShipment",
            "mobileHomeShipment",
            "divertedFromShipmentId",
            "diversion",
            "tertiaryPickupAddress",
            "tertiaryDestinationAddress",
        ] {
            object.remove(field);
        }
        unique_agent_types(object.get_mut("agents"));
    }
    Ok(body)
}

/// At most one releasing and one receiving agent (MilMove rejects duplicates).
fn unique_agent_types(agents: Option<&mut Value>) {
    let Some(Value::Array(agents)) = agents else {
        return;
    };
    agents.truncate(2);
    for (agent, kind) in agents
        .iter_mut()
        .zip(["RELEASING_AGENT", "RECEIVING_AGENT"])
    {
        if let Some(agent) = agent.as_object_mut() {
            agent.insert("agentType".into(), kind.into());
        }
    }
}

/// createMTOShipment (v3): a new HHG shipment on a stored move.
pub async fn create_mto_shipment(u: &mut User<MilMoveUser>) -> TaskResult {
    let shared = u.state.shared.clone();
    let Some(mto) = shared.stores.of(Kind::Move).random(&mut u.rng) else {
        return Ok(());
    };
    let body = create_shipment_body(u, text(&mto, "id"))?;
    if let Some(shipment) = Call::post(CREATE_SHIPMENT, CREATE_SHIPMENT)
        .json(body)
        .send(u)
        .await
    {
        shared.stores.of(Kind::Shipment).put(shipment);
    }
    Ok(())
}

/// The updateMTOShipment body: a fake body without the fields the Prime may not change, with
/// the flow's actual weight.
pub fn update_shipment_body(
    u: &mut User<MilMoveUser>,
    actual_weight: u32,
) -> Result<Value, crate::error::TasksError> {
    let mut body = fake_body(
        u,
        Api::PrimeV3,
        "/mto-shipments/{mtoShipmentID}",
        "patch",
        json!({}),
        false,
    )?;
    if let Some(object) = body.as_object_mut() {
        for field in NOT_UPDATABLE {
            object.remove(*field);
        }
        object.insert("primeActualWeight".into(), actual_weight.into());
    }
    Ok(body)
}

/// updateMTOShipment (v3): dates and weights of an approved shipment.
pub async fn update_mto_shipment(u: &mut User<MilMoveUser>) -> TaskResult {
    let shared = u.state.shared.clone();
    let store = shared.stores.of(Kind::Shipment);
    let Some(claim) = store.claim_where(&mut u.rng, |s| text(s, "status") == "APPROVED") else {
        return Ok(());
    };
    let weight = 2000 + (u.id() % 50) as u32 * 100;
    let body = update_shipment_body(u, weight)?;
    let path = format!("/prime/v3/mto-shipments/{}", claim.id());
    let call = Call::patch(path, UPDATE_SHIPMENT)
        .if_match(etag(claim.object()))
        .json(body);
    let refetch = Refetch::prime(Kind::Shipment, claim.object())
        .needs_update(|s| text(s, "status") == "APPROVED");
    call.send_update(u, claim, Some(refetch)).await;
    Ok(())
}

/// updateMTOShipmentAddress: a new pickup or destination address for a stored shipment.
pub async fn update_mto_shipment_address(u: &mut User<MilMoveUser>) -> TaskResult {
    let shared = u.state.shared.clone();
    let store = shared.stores.of(Kind::Shipment);
    let Some(claim) = store.claim_where(&mut u.rng, |s| address_field(s).is_some()) else {
        return Ok(());
    };
    let Some(field) = address_field(claim.object()) else {
        return Ok(());
    };
    let address = claim.object()[field].clone();
    let address_id = text(&address, "id").to_string();
    let overrides = json!({ "id": address_id });
    let body = fake_body(
        u,
        Api::Prime,
        "/mto-shipments/{mtoShipmentID}/addresses/{addressID}",
        "put",
        overrides,
        false,
    )?;
    let path = format!(
        "/prime/v1/mto-shipments/{}/addresses/{address_id}",
        claim.id()
    );
    let call = Call::put(path, UPDATE_ADDRESS)
        .if_match(etag(&address))
        .json(body);
    let refetch = Refetch::prime(Kind::Shipment, claim.object())
        .if_match_from(move |s| nested_etag(s, field, &address_id));
    let updated = call.send_refetching(u, Some(refetch)).await;
    release_nested(claim, updated, |shipment, address| {
        shipment[field] = address
    });
    Ok(())
}

/// The address field of a shipment that has a stored address with an id.
fn address_field(shipment: &Value) -> Option<&'static str> {
    ["pickupAddress", "destinationAddress"]
        .into_iter()
        .find(|f| !text(&shipment[*f], "id").is_empty() && !etag(&shipment[*f]).is_empty())
}

/// updateMTOAgent: new contact details for a shipment's first agent (its type unchanged).
pub async fn update_mto_agent(u: &mut User<MilMoveUser>) -> TaskResult {
    let shared = u.state.shared.clone();
    let store = shared.stores.of(Kind::Shipment);
    let has_agent = |s: &Value| !text(&s["agents"][0], "id").is_empty();
    let Some(claim) = store.claim_where(&mut u.rng, has_agent) else {
        return Ok(());
    };
    let agent = claim.object()["agents"][0].clone();
    let overrides = json!({ "agentType": text(&agent, "agentType") });
    let body = fake_body(
        u,
        Api::Prime,
        "/mto-shipments/{mtoShipmentID}/agents/{agentID}",
        "put",
        overrides,
        false,
    )?;
    let path = format!(
        "/prime/v1/mto-shipments/{}/agents/{}",
        claim.id(),
        text(&agent, "id")
    );
    let call = Call::put(path, UPDATE_AGENT)
        .if_match(etag(&agent))
        .json(body);
    let agent_id = text(&agent, "id").to_string();
    let refetch = Refetch::prime(Kind::Shipment, claim.object())
        .if_match_from(move |s| nested_etag(s, "agents", &agent_id));
    let updated = call.send_refetching(u, Some(refetch)).await;
    release_nested(claim, updated, |shipment, agent| {
        shipment["agents"][0] = agent
    });
    Ok(())
}

/// Ends the claim on a shipment after an update of one of its nested objects (address,
/// agent): the shipment with the server's new copy of it, or the current shipment when one
/// was refetched; a shipment that is gone is dropped.
fn release_nested(claim: Claim<'_>, updated: Updated, put: impl FnOnce(&mut Value, Value)) {
    match updated {
        Updated::Done(nested) => {
            let mut shipment = claim.object().clone();
            put(&mut shipment, nested);
            claim.release(shipment);
        }
        Updated::NotNeeded(current)
        | Updated::Failed {
            current: Some(current),
            ..
        } => claim.release(current),
        Updated::Failed {
            status: 404 | 412,
            current: None,
        } => claim.discard(),
        Updated::Failed { .. } => {}
    }
}
