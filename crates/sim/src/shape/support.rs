//! JSON bodies in the Support API shapes.

use serde_json::{json, Map, Value};

use super::prime;
use crate::state::model::{etag, Move, Orders};
use crate::state::Store;

/// The Support API's move status (its enum is DRAFT, SUBMITTED, APPROVED, CANCELED).
pub fn move_status(status: &str) -> &'static str {
    match status {
        "DRAFT" => "DRAFT",
        "CANCELED" => "CANCELED",
        "APPROVED" | "APPROVALS REQUESTED" => "APPROVED",
        _ => "SUBMITTED",
    }
}

fn text(fields: &Map<String, Value>, key: &str, default: &str) -> Value {
    match fields.get(key) {
        Some(Value::String(s)) if !s.is_empty() => json!(s),
        _ => json!(default),
    }
}

/// Support `Order` with every required field.
pub fn order(store: &Store, o: &Orders) -> Value {
    let f = &o.fields;
    let rank = text(f, "grade", "E-5");
    let mut out = json!({
        "id": o.id, "customerID": o.customer_id,
        "orderNumber": text(f, "orders_number", "ORD000000"),
        "ordersType": text(f, "orders_type", "PERMANENT_CHANGE_OF_STATION"),
        "ordersTypeDetail": text(f, "orders_type_detail", "HHG_PERMITTED"),
        "rank": rank,
        "reportByDate": text(f, "report_by_date", "2030-01-01"),
        "issueDate": text(f, "issue_date", "2030-01-01"),
        "status": text(f, "status", "APPROVED"),
        "uploadedOrdersID": o.uploaded_orders_id,
        "tac": text(f, "tac", "F8J1"),
        "originDutyLocationID": text(f, "origin_duty_location_id", ""),
        "destinationDutyLocationID": text(f, "new_duty_location_id", ""),
        "departmentIndicator": text(f, "department_indicator", "ARMY"),
        "eTag": etag(&o.updated_at),
    });
    if let (Some(c), Value::Object(map)) = (store.customers.get(&o.customer_id), &mut out) {
        let p = &c.profile;
        map.insert(
            "customer".into(),
            json!({"id": c.id, "userID": c.user_id,
                   "firstName": text(p, "first_name", "Alice"),
                   "lastName": text(p, "last_name", "Bob"),
                   "dodID": text(p, "edipi", "1234567890"),
                   "rank": rank, "agency": text(p, "affiliation", "ARMY"),
                   "email": text(p, "personal_email", "customer@example.com"),
                   "eTag": etag(&c.updated_at)}),
        );
    }
    out
}

/// Support `MoveTaskOrder`.
pub fn move_task_order(store: &Store, m: &Move) -> Value {
    let mut out = prime::move_task_order(store, m, true);
    if let Value::Object(map) = &mut out {
        map.insert("status".into(), json!(move_status(&m.status)));
        if let Some(o) = store.orders.get(&m.orders_id) {
            map.insert("order".into(), order(store, &o));
        }
    }
    out
}
