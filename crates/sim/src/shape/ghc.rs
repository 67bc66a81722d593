//! JSON bodies in the GHC (office) API shapes.

use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::prime;
use crate::state::model::{
    etag, rfc3339, stable_uuid, Customer, Move, Orders, PaymentRequest, PaymentServiceItem,
    ServiceItem, Shipment,
};
use crate::state::Store;

fn get<'a>(m: &'a Map<String, Value>, k: &str) -> Option<&'a Value> {
    m.get(k).filter(|v| !v.is_null())
}

/// A duty location by id (`{id, name, address}`), if seeded.
pub fn duty_location(store: &Store, id: Option<&Value>) -> Option<Value> {
    let id = Uuid::parse_str(id?.as_str()?).ok()?;
    let d = store.duty_locations.iter().find(|d| d.id == id)?;
    let address = store
        .addresses
        .get(&d.address_id)
        .map(|a| prime::address(&a));
    Some(
        json!({"id": d.id, "name": d.name, "address_id": d.address_id, "address": address,
                "eTag": etag(&d.created_at)}),
    )
}

/// A customer.
pub fn customer(c: &Customer) -> Value {
    let mut out = Map::new();
    for key in [
        "first_name",
        "last_name",
        "middle_name",
        "suffix",
        "edipi",
        "agency",
        "email",
        "phone",
        "current_address",
        "phoneIsPreferred",
        "emailIsPreferred",
        "secondaryTelephone",
        "backupAddress",
    ] {
        let source = match key {
            "agency" => "affiliation",
            "email" => "personal_email",
            "phone" => "telephone",
            "current_address" => "residential_address",
            other => other,
        };
        if let Some(v) = get(&c.profile, key).or_else(|| get(&c.profile, source)) {
            out.insert(key.into(), v.clone());
        }
    }
    if let Some(Value::Object(b)) = get(&c.profile, "backup_contact") {
        // MilMove's `BackupContact`: name, email and phone through non-nil pointers.
        let pick = |keys: &[&str]| {
            keys.iter()
                .find_map(|k| b.get(*k).and_then(Value::as_str))
                .unwrap_or("")
                .to_string()
        };
        // GHC requires the phone (MilMove writes "" for a contact created without one,
        // which its own pattern refuses): such a contact is left out.
        let phone = pick(&["phone", "telephone"]);
        if !phone.is_empty() {
            out.insert(
                "backup_contact".into(),
                json!({"name": pick(&["name"]), "email": pick(&["email"]), "phone": phone}),
            );
        }
    }
    out.insert("id".into(), json!(c.id));
    out.insert("userID".into(), json!(c.user_id));
    out.insert("eTag".into(), json!(etag(&c.updated_at)));
    out.entry("cacValidated").or_insert(json!(false));
    Value::Object(out)
}

/// Orders with entitlement, duty locations and customer.
pub fn order(store: &Store, o: &Orders) -> Value {
    let f = &o.fields;
    let mut out = Map::new();
    let pairs = [
        ("order_number", "orders_number"),
        ("order_type", "orders_type"),
        ("orders_type", "orders_type"),
        ("order_type_detail", "orders_type_detail"),
        ("date_issued", "issue_date"),
        ("report_by_date", "report_by_date"),
        ("department_indicator", "department_indicator"),
        ("tac", "tac"),
        ("sac", "sac"),
        ("has_dependents", "has_dependents"),
        ("spouse_has_pro_gear", "spouse_has_pro_gear"),
        ("grade", "grade"),
    ];
    for (to, from) in pairs {
        if let Some(v) = get(f, from) {
            out.insert(to.into(), v.clone());
        }
    }
    for key in ["order_type", "orders_type"] {
        match super::orders::common_orders_type(o) {
            Some(t) => out.insert(key.into(), json!(t)),
            None => out.remove(key),
        };
    }
    let mut entitlement = match get(f, "entitlement") {
        Some(Value::Object(e)) => e.clone(),
        _ => Map::new(),
    };
    entitlement.entry("authorizedWeight").or_insert(json!(8000));
    entitlement.entry("totalWeight").or_insert(json!(8000));
    entitlement.insert("eTag".into(), json!(etag(&o.updated_at)));
    out.insert("entitlement".into(), Value::Object(entitlement));
    if let Some(d) = duty_location(store, get(f, "origin_duty_location_id")) {
        out.insert("originDutyLocation".into(), d);
    }
    if let Some(d) = duty_location(store, get(f, "new_duty_location_id")) {
        out.insert("destinationDutyLocation".into(), d);
    }
    if let Some(c) = store.customers.get(&o.customer_id) {
        out.insert("customer".into(), customer(&c));
        for k in ["first_name", "last_name"] {
            if let Some(v) = get(&c.profile, k) {
                out.insert(k.into(), v.clone());
            }
        }
    }
    if let Some(m) = o.move_id.and_then(|id| store.moves.get(&id)) {
        out.insert("moveCode".into(), json!(m.locator));
        out.insert("moveTaskOrderID".into(), json!(m.id));
    }
    out.insert("id".into(), json!(o.id));
    out.insert("customerID".into(), json!(o.customer_id));
    out.insert("uploaded_order_id".into(), json!(o.uploaded_orders_id));
    out.insert("eTag".into(), json!(etag(&o.updated_at)));
    Value::Object(out)
}

/// A move.
pub fn move_(m: &Move) -> Value {
    let mut out = json!({
        "id": m.id, "locator": m.locator, "ordersId": m.orders_id, "referenceId": m.reference_id,
        "status": m.status, "contractorId": m.contractor_id,
        "createdAt": rfc3339(&m.created_at), "updatedAt": rfc3339(&m.updated_at),
        "eTag": etag(&m.updated_at),
    });
    if let Value::Object(map) = &mut out {
        if let Some(t) = &m.available_to_prime_at {
            map.insert("availableToPrimeAt".into(), json!(rfc3339(t)));
        }
        if let Some(t) = &m.approved_at {
            map.insert("approvedAt".into(), json!(rfc3339(t)));
        }
    }
    out
}

/// A shipment (agents under `mtoAgents`).
pub fn shipment(store: &Store, s: &Shipment) -> Value {
    let mut out = prime::shipment_in(store, s, prime::ShipmentView::Ghc);
    if let Value::Object(map) = &mut out {
        if let Some(agents) = map.remove("agents") {
            map.insert("mtoAgents".into(), agents);
        }
        if let Some(r) = s.fields.get("rejectionReason") {
            map.insert("rejectionReason".into(), r.clone());
        }
        if let Some(t) = &s.approved_date {
            map.insert("approvedDate".into(), json!(rfc3339(t)));
        }
    }
    out
}

/// A service item (GHC requires `reServiceID` and `reServiceName`).
pub fn service_item(i: &ServiceItem) -> Value {
    let mut out = json!({
        "id": i.id, "moveTaskOrderID": i.move_id, "reServiceCode": i.code,
        "reServiceID": stable_uuid(i.code.as_bytes()),
        "reServiceName": super::service_item::service_name(&i.code), "status": i.status,
        "createdAt": rfc3339(&i.created_at), "updatedAt": rfc3339(&i.updated_at),
        "eTag": etag(&i.updated_at),
    });
    if let Value::Object(map) = &mut out {
        if let Some(s) = i.shipment_id {
            map.insert("mtoShipmentID".into(), json!(s));
        }
        if let Some(r) = &i.rejection_reason {
            map.insert("rejectionReason".into(), json!(r));
        }
        for k in ["reason", "description", "estimatedWeight"] {
            if let Some(v) = i.body.get(k).filter(|v| !v.is_null()) {
                map.insert(k.into(), v.clone());
            }
        }
        // GHC writes the SIT dates as date-times (`FmtDateTimePtr`).
        for k in ["sitEntryDate", "sitDepartureDate"] {
            let date = i.body.get(k).and_then(Value::as_str);
            if let Some(d) = date.and_then(milmove_parser::formats::parse_date) {
                map.insert(k.into(), json!(format!("{d}T00:00:00.000Z")));
            }
        }
    }
    out
}

/// A payment service item.
pub fn payment_service_item(p: &PaymentRequest, i: &PaymentServiceItem) -> Value {
    let mut out = json!({
        "id": i.id, "paymentRequestID": p.id, "mtoServiceItemID": i.service_item_id,
        "status": i.status, "priceCents": 12_345, "createdAt": rfc3339(&p.created_at),
        "eTag": etag(&i.updated_at),
    });
    if let (Some(r), Value::Object(map)) = (&i.rejection_reason, &mut out) {
        map.insert("rejectionReason".into(), json!(r));
    }
    out
}

/// A payment request with its service items.
pub fn payment_request(p: &PaymentRequest) -> Value {
    let items: Vec<Value> = p.items.iter().map(|i| payment_service_item(p, i)).collect();
    json!({
        "id": p.id, "isFinal": p.is_final, "moveTaskOrderID": p.move_id, "status": p.status,
        "paymentRequestNumber": p.number, "serviceItems": items,
        "createdAt": rfc3339(&p.created_at), "eTag": etag(&p.updated_at),
    })
}
