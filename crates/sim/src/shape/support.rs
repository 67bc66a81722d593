//! JSON bodies in the Support API shapes.

use serde_json::{json, Value};

use super::prime;
use crate::state::model::{Move, Orders};
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

/// Support `Order` with every required field.
pub fn order(store: &Store, o: &Orders) -> Value {
    super::orders::support_order(store, o)
}

/// Support `MoveTaskOrder`.
pub fn move_task_order(store: &Store, m: &Move) -> Value {
    let mut out = prime::move_task_order(store, m, prime::Family::Support);
    if let Value::Object(map) = &mut out {
        map.insert("status".into(), json!(move_status(&m.status)));
        if let Some(o) = store.orders.get(&m.orders_id) {
            map.insert("order".into(), order(store, &o));
        }
    }
    out
}
