//! Prime API tasks on service items: createMTOServiceItem (several model types) and
//! updateMTOServiceItem (SIT items).

use milmove_runner::{TaskResult, User};
use rand::RngExt;
use serde_json::{json, Value};

use crate::apis::Api;
use crate::call::{text, Call};
use crate::context::MilMoveUser;
use crate::fake::fake_body;
use crate::refetch::Refetch;
use crate::store::{etag, Kind};

/// `POST /prime/v1/mto-service-items`.
pub const CREATE_SERVICE_ITEM: &str = "/prime/v1/mto-service-items";
/// `PATCH /prime/v1/mto-service-items/{mtoServiceItemID}`.
pub const UPDATE_SERVICE_ITEM: &str = "/prime/v1/mto-service-items/{mtoServiceItemID}";

/// The service items the Prime requests: (model type, service code).
pub const SERVICE_ITEM_KINDS: &[(&str, &str)] = &[
    ("MTOServiceItemOriginSIT", "DOFSIT"),
    ("MTOServiceItemDestSIT", "DDFSIT"),
    ("MTOServiceItemShuttle", "DOSHUT"),
    ("MTOServiceItemShuttle", "DDSHUT"),
    ("MTOServiceItemDomesticCrating", "DCRT"),
];

/// SIT service items the Prime updates with updateMTOServiceItem (`UpdateMTOServiceItemSIT`):
/// the old suite's DDDSIT/DOPSIT plus the first-day and additional-days items it creates.
const UPDATABLE_SIT_CODES: &[&str] = &["DDDSIT", "DOPSIT", "DOFSIT", "DDFSIT", "DOASIT", "DDASIT"];

/// The createMTOServiceItem body: a fake body of `model_type` with the move, shipment and
/// service code decided by the flow.
pub fn create_service_item_body(
    u: &mut User<MilMoveUser>,
    shipment: &Value,
    model_type: &str,
    code: &str,
) -> Result<Value, crate::error::TasksError> {
    let overrides = json!({
        "moveTaskOrderID": text(shipment, "moveTaskOrderID"),
        "mtoShipmentID": text(shipment, "id"),
        "modelType": model_type,
        "reServiceCode": code,
    });
    fake_body(
        u,
        Api::Prime,
        "/mto-service-items",
        "post",
        overrides,
        false,
    )
}

/// Sends createMTOServiceItem; returns the created items (MilMove answers with a list: a
/// first-day SIT also creates the additional-days, pickup/delivery and fuel items). The
/// caller decides when to share them through the store.
pub async fn send_create_service_item(
    u: &mut User<MilMoveUser>,
    body: Value,
) -> Option<Vec<Value>> {
    let created = Call::post(CREATE_SERVICE_ITEM, CREATE_SERVICE_ITEM)
        .json(body)
        .send(u)
        .await?;
    Some(match created {
        Value::Array(items) => items,
        single => vec![single],
    })
}

/// createMTOServiceItem: a SIT, shuttle or crating item on a stored approved shipment.
pub async fn create_mto_service_item(u: &mut User<MilMoveUser>) -> TaskResult {
    let shared = u.state.shared.clone();
    let approved = |s: &Value| text(s, "status") == "APPROVED";
    let Some(shipment) = shared
        .stores
        .of(Kind::Shipment)
        .random_where(&mut u.rng, approved)
    else {
        return Ok(());
    };
    let (model_type, code) = SERVICE_ITEM_KINDS[u.rng.random_range(0..SERVICE_ITEM_KINDS.len())];
    let body = create_service_item_body(u, &shipment, model_type, code)?;
    if let Some(items) = send_create_service_item(u, body).await {
        shared
            .stores
            .of(Kind::ServiceItem)
            .put_all(Value::Array(items));
    }
    Ok(())
}

/// updateMTOServiceItem: the departure date of a SIT item.
pub async fn update_mto_service_item(u: &mut User<MilMoveUser>) -> TaskResult {
    let shared = u.state.shared.clone();
    let store = shared.stores.of(Kind::ServiceItem);
    let sit = |i: &Value| UPDATABLE_SIT_CODES.contains(&text(i, "reServiceCode"));
    let Some(claim) = store.claim_where(&mut u.rng, sit) else {
        return Ok(());
    };
    let item = claim.object().clone();
    let overrides = json!({
        "id": text(&item, "id"),
        "modelType": "UpdateMTOServiceItemSIT",
        "reServiceCode": text(&item, "reServiceCode"),
    });
    let mut body = fake_body(
        u,
        Api::Prime,
        "/mto-service-items/{mtoServiceItemID}",
        "patch",
        overrides,
        false,
    )?;
    keep_fields(
        &mut body,
        &[
            "id",
            "modelType",
            "reServiceCode",
            "sitDepartureDate",
            "updateReason",
        ],
    );
    let path = format!("/prime/v1/mto-service-items/{}", claim.id());
    let call = Call::patch(path, UPDATE_SERVICE_ITEM)
        .if_match(etag(&item))
        .json(body);
    let refetch = Refetch::prime(Kind::ServiceItem, &item).needs_update(sit);
    call.send_update(u, claim, Some(refetch)).await;
    Ok(())
}

/// Keeps only `fields` of a JSON object.
pub fn keep_fields(body: &mut Value, fields: &[&str]) {
    if let Some(object) = body.as_object_mut() {
        object.retain(|k, _| fields.contains(&k.as_str()));
    }
}
