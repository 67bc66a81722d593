//! JSON bodies in the internal (customer and office app) API shapes.

use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::prime;
use crate::state::model::{
    etag, rfc3339, stable_uuid, Customer, DutyLocation, Move, Orders, Upload, User,
};
use crate::state::Store;

/// An upload.
pub fn upload(u: &Upload) -> Value {
    json!({
        "id": u.id, "url": format!("https://storage.milmove-sim.invalid/uploads/{}", u.id), "filename": u.filename,
        "contentType": u.content_type, "bytes": u.bytes, "status": "CLEAN",
        "createdAt": rfc3339(&u.created_at), "updatedAt": rfc3339(&u.created_at),
    })
}

/// A duty location (`DutyLocationPayload`).
pub fn duty_location(store: &Store, d: &DutyLocation) -> Value {
    let created = rfc3339(&d.created_at);
    let address = store
        .addresses
        .get(&d.address_id)
        .map(|a| prime::address(&a));
    json!({"id": d.id, "name": d.name, "address_id": d.address_id, "address": address,
           "affiliation": d.affiliation, "created_at": created, "updated_at": created})
}

fn duty_location_by_id(store: &Store, id: Option<&Value>) -> Option<Value> {
    let id = Uuid::parse_str(id?.as_str()?).ok()?;
    let d = store.duty_locations.iter().find(|d| d.id == id)?;
    Some(duty_location(store, d))
}

/// A move status in the customer app's terms: its `MoveStatus` enum has no
/// `SERVICE COUNSELING COMPLETED` (MilMove writes it anyway, against its spec); the move then
/// waits for the TOO, which the customer app calls `SUBMITTED`.
pub fn move_status(status: &str) -> &str {
    match status {
        "SERVICE COUNSELING COMPLETED" => "SUBMITTED",
        other => other,
    }
}

/// A move (`MovePayload`).
pub fn move_(m: &Move, service_member_id: Uuid) -> Value {
    json!({
        "id": m.id, "orders_id": m.orders_id, "service_member_id": service_member_id,
        "locator": m.locator, "status": move_status(&m.status),
        "created_at": rfc3339(&m.created_at),
        "updated_at": rfc3339(&m.updated_at), "eTag": etag(&m.updated_at),
    })
}

/// Orders (`Orders`) with duty locations, uploaded orders document and moves.
pub fn orders(store: &Store, o: &Orders) -> Value {
    let mut out: Map<String, Value> = o
        .fields
        .iter()
        .filter(|(k, v)| {
            !v.is_null()
                && !matches!(
                    k.as_str(),
                    "origin_duty_location_id" | "new_duty_location_id" | "entitlement" | "move_id"
                )
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    out.insert("id".into(), json!(o.id));
    out.insert("service_member_id".into(), json!(o.customer_id));
    for (k, d) in [("has_dependents", false), ("spouse_has_pro_gear", false)] {
        out.entry(k).or_insert(json!(d));
    }
    let fallback = store
        .duty_locations
        .first()
        .map(|d| duty_location(store, d));
    let new_duty = duty_location_by_id(store, o.fields.get("new_duty_location_id")).or(fallback);
    out.insert("new_duty_location".into(), new_duty.unwrap_or(Value::Null));
    if let Some(d) = duty_location_by_id(store, o.fields.get("origin_duty_location_id")) {
        out.insert("origin_duty_location".into(), d);
    }
    let uploads: Vec<Value> = store
        .documents
        .get(&o.uploaded_orders_id)
        .unwrap_or_default()
        .iter()
        .filter_map(|id| store.uploads.get(id))
        .map(|u| upload(&u))
        .collect();
    out.insert(
        "uploaded_orders".into(),
        json!({"id": o.uploaded_orders_id, "service_member_id": o.customer_id, "uploads": uploads}),
    );
    let moves: Vec<Value> = o
        .move_id
        .and_then(|id| store.moves.get(&id))
        .map(|m| vec![move_(&m, o.customer_id)])
        .unwrap_or_default();
    out.insert("moves".into(), Value::Array(moves));
    out.insert("created_at".into(), json!(rfc3339(&o.created_at)));
    out.insert("updated_at".into(), json!(rfc3339(&o.updated_at)));
    Value::Object(out)
}

/// Profile fields kept verbatim in `ServiceMemberPayload`.
const PROFILE_FIELDS: &[&str] = &[
    "edipi",
    "emplid",
    "affiliation",
    "grade",
    "first_name",
    "middle_name",
    "last_name",
    "suffix",
    "telephone",
    "secondary_telephone",
    "personal_email",
    "phone_is_preferred",
    "email_is_preferred",
    "residential_address",
    "backup_mailing_address",
];

/// A service member (`ServiceMemberPayload`).
pub fn service_member(store: &Store, c: &Customer) -> Value {
    let mut out: Map<String, Value> = PROFILE_FIELDS
        .iter()
        .filter_map(|k| {
            c.profile
                .get(*k)
                .filter(|v| !v.is_null())
                .map(|v| (k.to_string(), v.clone()))
        })
        .collect();
    let complete = ["first_name", "last_name", "residential_address"]
        .iter()
        .all(|k| out.contains_key(*k));
    let orders: Vec<Value> = c
        .order_ids
        .iter()
        .filter_map(|id| store.orders.get(id))
        .map(|o| orders(store, &o))
        .collect();
    out.insert("id".into(), json!(c.id));
    out.insert("user_id".into(), json!(c.user_id));
    out.insert("orders".into(), Value::Array(orders));
    out.insert("is_profile_complete".into(), json!(complete));
    out.insert("created_at".into(), json!(rfc3339(&c.created_at)));
    out.insert("updated_at".into(), json!(rfc3339(&c.updated_at)));
    Value::Object(out)
}

/// The logged-in user (`LoggedInUserPayload`), customer or office user.
pub fn logged_in_user(store: &Store, user: &User) -> Value {
    let now = rfc3339(&user.created_at);
    let roles: Vec<Value> = user
        .roles
        .iter()
        .map(|r| {
            json!({"id": stable_uuid(format!("{}{}", user.id, r.role_type()).as_bytes()),
                   "roleType": r.role_type(), "createdAt": now, "updatedAt": now})
        })
        .collect();
    let mut out = json!({
        "id": user.id, "email": user.email, "first_name": user.first_name,
        "activeRole": roles.first().cloned(), "inactiveRoles": roles.get(1..).unwrap_or(&[]),
        "permissions": [],
    });
    let Value::Object(map) = &mut out else {
        return out;
    };
    if let Some(c) = user
        .service_member_id
        .and_then(|id| store.customers.get(&id))
    {
        map.insert("service_member".into(), service_member(store, &c));
    }
    if let Some(id) = user.office_user_id {
        map.insert(
            "office_user".into(),
            json!({"id": id, "user_id": user.id, "first_name": user.first_name,
                   "last_name": user.last_name, "email": user.email,
                   "created_at": now, "updated_at": now}),
        );
    }
    out
}
