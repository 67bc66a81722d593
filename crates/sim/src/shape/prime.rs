//! JSON bodies in the Prime (and Support) API shapes, built from state.

use serde_json::{json, Map, Value};

use crate::state::model::{etag, rfc3339, Address, Agent, Move, PaymentRequest, Shipment};
use crate::state::Store;

pub use super::service_item::{representable, service_item, Family};

/// An address with its id and eTag.
pub fn address(a: &Address) -> Value {
    let mut out = a.fields.clone();
    out.insert("id".into(), json!(a.id));
    out.insert("eTag".into(), json!(etag(&a.updated_at)));
    Value::Object(out)
}

/// An agent.
pub fn agent(a: &Agent) -> Value {
    let mut out = a.fields.clone();
    out.insert("id".into(), json!(a.id));
    out.insert("mtoShipmentID".into(), json!(a.shipment_id));
    out.insert("createdAt".into(), json!(rfc3339(&a.created_at)));
    out.insert("updatedAt".into(), json!(rfc3339(&a.updated_at)));
    out.insert("eTag".into(), json!(etag(&a.updated_at)));
    Value::Object(out)
}

/// Which API a shipment is answered in: their shipment status enums differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShipmentView {
    /// Prime v1/v2/v3.
    Prime,
    /// Support.
    Support,
    /// Internal (customer app).
    Internal,
    /// GHC (office app): every status.
    Ghc,
}

impl From<Family> for ShipmentView {
    fn from(f: Family) -> Self {
        match f {
            Family::Prime => ShipmentView::Prime,
            Family::Support => ShipmentView::Support,
        }
    }
}

/// A stored shipment status in the terms of the API answering (`None`: it has none). MilMove
/// casts the status as it is, whatever the API's enum; the stand-in keeps each answer valid:
/// for the Prime, `APPROVALS_REQUESTED` (an approved shipment with new requests pending) is
/// `APPROVED` and `TERMINATED_FOR_CAUSE` is spelled `TERMINATION_FOR_CAUSE` as its spec does;
/// the customer app knows only draft, submitted, approved and rejected.
pub fn shipment_status(view: ShipmentView, status: &str) -> Option<&str> {
    match (view, status) {
        (ShipmentView::Ghc, s) => Some(s),
        (ShipmentView::Prime, "APPROVALS_REQUESTED") => Some("APPROVED"),
        (ShipmentView::Prime, "TERMINATED_FOR_CAUSE") => Some("TERMINATION_FOR_CAUSE"),
        (ShipmentView::Support, "TERMINATED_FOR_CAUSE") => None,
        (ShipmentView::Prime | ShipmentView::Support, s) => Some(s),
        (ShipmentView::Internal, s @ ("DRAFT" | "APPROVED" | "SUBMITTED" | "REJECTED")) => Some(s),
        (
            ShipmentView::Internal,
            "APPROVALS_REQUESTED"
            | "DIVERSION_REQUESTED"
            | "CANCELLATION_REQUESTED"
            | "TERMINATED_FOR_CAUSE",
        ) => Some("APPROVED"),
        (ShipmentView::Internal, _) => None,
    }
}

/// A shipment without service items (`MTOShipmentWithoutServiceItems`) as the Prime sees it.
pub fn shipment(store: &Store, s: &Shipment) -> Value {
    shipment_in(store, s, ShipmentView::Prime)
}

/// A shipment without service items, its status in `view`'s terms.
pub fn shipment_in(store: &Store, s: &Shipment, view: ShipmentView) -> Value {
    let mut out: Map<String, Value> = s.fields.clone();
    out.remove("rejectionReason");
    out.insert("id".into(), json!(s.id));
    out.insert("moveTaskOrderID".into(), json!(s.move_id));
    out.insert("shipmentType".into(), json!(s.shipment_type));
    if let Some(status) = shipment_status(view, &s.status) {
        out.insert("status".into(), json!(status));
    }
    if let Some(t) = &s.approved_date {
        out.insert("approvedDate".into(), json!(t.date_naive().to_string()));
    }
    for (key, id) in [
        ("pickupAddress", s.pickup_address_id),
        ("destinationAddress", s.destination_address_id),
    ] {
        if let Some(a) = id.and_then(|id| store.addresses.get(&id)) {
            out.insert(key.into(), address(&a));
        }
    }
    let agents: Vec<Value> = s
        .agent_ids
        .iter()
        .filter_map(|id| store.agents.get(id))
        .map(|a| agent(&a))
        .collect();
    out.insert("agents".into(), Value::Array(agents));
    out.insert("createdAt".into(), json!(rfc3339(&s.created_at)));
    out.insert("updatedAt".into(), json!(rfc3339(&s.updated_at)));
    out.insert("eTag".into(), json!(etag(&s.updated_at)));
    Value::Object(out)
}

/// A shipment with its service items (prime v2/v3 `MTOShipment`, Support `MTOShipment`).
pub fn shipment_with_items(store: &Store, s: &Shipment, family: Family) -> Value {
    let mut out = shipment_in(store, s, family.into());
    let item_ids = store
        .moves
        .with(&s.move_id, |m| m.service_item_ids.clone())
        .unwrap_or_default();
    let items: Vec<Value> = item_ids
        .iter()
        .filter_map(|id| store.service_items.get(id))
        .filter(|i| i.shipment_id == Some(s.id) && representable(&i.code))
        .map(|i| service_item(family, &i))
        .collect();
    if let Value::Object(m) = &mut out {
        m.insert("mtoServiceItems".into(), Value::Array(items));
    }
    out
}

/// A payment request.
pub fn payment_request(p: &PaymentRequest) -> Value {
    let items: Vec<Value> = p
        .items
        .iter()
        .map(|i| {
            json!({"id": i.id, "paymentRequestID": p.id, "mtoServiceItemID": i.service_item_id,
                   "status": i.status, "eTag": etag(&i.updated_at)})
        })
        .collect();
    json!({
        "id": p.id, "isFinal": p.is_final, "moveTaskOrderID": p.move_id, "status": p.status,
        "paymentRequestNumber": p.number, "paymentServiceItems": items,
        "eTag": etag(&p.updated_at),
    })
}

/// The order of a move in the Prime shape.
pub fn order(store: &Store, m: &Move) -> Value {
    match store.orders.get(&m.orders_id) {
        Some(o) => super::orders::prime_order(store, &o),
        None => json!({"orderNumber": "", "rank": "", "linesOfAccounting": ""}),
    }
}

fn move_common(store: &Store, m: &Move) -> Map<String, Value> {
    let mut out = Map::new();
    let destination = store
        .orders
        .get(&m.orders_id)
        .and_then(|o| super::orders::destination_gbloc_and_zip(store, &o));
    if let Some((gbloc, zip)) = destination {
        out.insert("destinationGBLOC".into(), json!(gbloc));
        out.insert("destinationPostalCode".into(), json!(zip));
    }
    out.insert("id".into(), json!(m.id));
    out.insert("moveCode".into(), json!(m.locator));
    out.insert("orderID".into(), json!(m.orders_id));
    out.insert("referenceId".into(), json!(m.reference_id));
    out.insert("createdAt".into(), json!(rfc3339(&m.created_at)));
    out.insert("updatedAt".into(), json!(rfc3339(&m.updated_at)));
    if let Some(t) = &m.available_to_prime_at {
        out.insert("availableToPrimeAt".into(), json!(rfc3339(t)));
    }
    if let Some(t) = &m.approved_at {
        out.insert("approvedAt".into(), json!(rfc3339(t)));
    }
    if let Some(p) = &m.ppm_type {
        out.insert("ppmType".into(), json!(p));
    }
    out.insert("eTag".into(), json!(etag(&m.updated_at)));
    out
}

/// A move in the `ListMove` shape (no orders amendments in the stand-in: both counts 0).
pub fn list_move(store: &Store, m: &Move) -> Value {
    let mut out = move_common(store, m);
    out.insert(
        "amendments".into(),
        json!({"total": 0, "availableSince": 0}),
    );
    Value::Object(out)
}

/// A full move task order (`MoveTaskOrder`) with shipments, service items and payment
/// requests. The Support family adds its `contractorID` and `status`.
pub fn move_task_order(store: &Store, m: &Move, family: Family) -> Value {
    let with_contractor = family == Family::Support;
    let mut out = move_common(store, m);
    out.insert("order".into(), order(store, m));
    let shipments: Vec<Value> = m
        .shipment_ids
        .iter()
        .filter_map(|id| store.shipments.get(id))
        .map(|s| shipment_in(store, &s, family.into()))
        .collect();
    let items: Vec<Value> = m
        .service_item_ids
        .iter()
        .filter_map(|id| store.service_items.get(id))
        .filter(|i| representable(&i.code))
        .map(|i| service_item(family, &i))
        .collect();
    let payments: Vec<Value> = m
        .payment_request_ids
        .iter()
        .filter_map(|id| store.payment_requests.get(id))
        .map(|p| payment_request(&p))
        .collect();
    out.insert("mtoShipments".into(), Value::Array(shipments));
    out.insert("mtoServiceItems".into(), Value::Array(items));
    out.insert("paymentRequests".into(), Value::Array(payments));
    if with_contractor {
        out.insert("contractorID".into(), json!(m.contractor_id));
        out.insert("status".into(), json!(m.status));
        if let Some(t) = &m.available_to_prime_at {
            out.insert("availableToPrimeAt".into(), json!(rfc3339(t)));
        }
    }
    Value::Object(out)
}
