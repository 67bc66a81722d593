//! JSON bodies in the Prime (and Support) API shapes, built from state.

use serde_json::{json, Map, Value};

use crate::state::model::{
    etag, rfc3339, Address, Agent, Move, PaymentRequest, ServiceItem, Shipment,
};
use crate::state::Store;

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

/// A shipment without service items (`MTOShipmentWithoutServiceItems`).
pub fn shipment(store: &Store, s: &Shipment) -> Value {
    let mut out: Map<String, Value> = s.fields.clone();
    out.remove("rejectionReason");
    out.insert("id".into(), json!(s.id));
    out.insert("moveTaskOrderID".into(), json!(s.move_id));
    out.insert("shipmentType".into(), json!(s.shipment_type));
    out.insert("status".into(), json!(s.status));
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

/// A shipment with its service items (prime v2/v3 `MTOShipment`).
pub fn shipment_with_items(store: &Store, s: &Shipment) -> Value {
    let mut out = shipment(store, s);
    let items: Vec<Value> = store
        .service_items
        .collect(|i| (i.shipment_id == Some(s.id)).then(|| service_item(i)));
    if let Value::Object(m) = &mut out {
        m.insert("mtoServiceItems".into(), Value::Array(items));
    }
    out
}

/// A service item: the body the Prime sent plus server-owned fields.
pub fn service_item(i: &ServiceItem) -> Value {
    let mut out = i.body.clone();
    out.insert("id".into(), json!(i.id));
    out.insert("moveTaskOrderID".into(), json!(i.move_id));
    if let Some(s) = i.shipment_id {
        out.insert("mtoShipmentID".into(), json!(s));
    }
    out.insert("modelType".into(), json!(i.model_type));
    out.insert("status".into(), json!(i.status));
    if let Some(r) = &i.rejection_reason {
        out.insert("rejectionReason".into(), json!(r));
    }
    out.insert("eTag".into(), json!(etag(&i.updated_at)));
    Value::Object(out)
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
    let Some(o) = store.orders.get(&m.orders_id) else {
        return json!({"orderNumber": "", "rank": "E-5", "linesOfAccounting": ""});
    };
    let field = |k: &str| o.fields.get(k).cloned().unwrap_or(Value::Null);
    let customer = store.customers.get(&o.customer_id);
    let cust = customer.map(|c| {
        let p = |k: &str| c.profile.get(k).cloned().unwrap_or(json!(""));
        json!({"id": c.id, "userID": c.user_id, "firstName": p("first_name"),
               "lastName": p("last_name"), "email": p("personal_email"),
               "dodID": p("edipi"), "branch": p("affiliation"), "eTag": etag(&c.updated_at)})
    });
    let mut out = json!({
        "id": o.id, "customerID": o.customer_id,
        "orderNumber": field("orders_number").as_str().unwrap_or("ORD000000"),
        "rank": field("grade").as_str().unwrap_or("E-5"),
        "linesOfAccounting": field("tac").as_str().unwrap_or("F8J1"),
        "reportByDate": field("report_by_date"),
        "ordersType": field("orders_type"),
        "eTag": etag(&o.updated_at),
    });
    if let (Some(c), Value::Object(map)) = (cust, &mut out) {
        map.insert("customer".into(), c);
    }
    out
}

fn move_common(m: &Move) -> Map<String, Value> {
    let mut out = Map::new();
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

/// A move in the `ListMove` shape.
pub fn list_move(m: &Move) -> Value {
    Value::Object(move_common(m))
}

/// A full move task order (`MoveTaskOrder`) with shipments, service items and payment
/// requests. `with_contractor` adds the Support API's `contractorID` and `status`.
pub fn move_task_order(store: &Store, m: &Move, with_contractor: bool) -> Value {
    let mut out = move_common(m);
    out.insert("order".into(), order(store, m));
    let shipments: Vec<Value> = m
        .shipment_ids
        .iter()
        .filter_map(|id| store.shipments.get(id))
        .map(|s| shipment(store, &s))
        .collect();
    let items: Vec<Value> = m
        .service_item_ids
        .iter()
        .filter_map(|id| store.service_items.get(id))
        .map(|i| service_item(&i))
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
