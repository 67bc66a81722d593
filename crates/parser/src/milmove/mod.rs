//! The MilMove parsers: [`PrimeApiParser`], [`SupportApiParser`], [`GhcApiParser`] and
//! [`InternalApiParser`], each an [`ApiParser`](crate::ApiParser) with MilMove hooks.
//!
//! Shared rules (every API, after data, never touching overridden fields): item dimensions
//! smaller than crate dimensions, end dates after start dates, matching city/state/postal
//! code. Built into the generators for every API: invented names, 555 phone numbers,
//! military times, CONUS postal codes, weights of 100–10,000 lb, future pickup dates and
//! past birth dates.
//!
//! Support's `createMoveTaskOrder` (`POST /move-task-orders`) body is stripped of the nested
//! objects that endpoint cannot create: shipments, service items, payment requests, and the
//! order's duty-location objects and uploaded orders (duty locations go by ID).

pub mod rules;

use serde_json::Value;

use crate::fake::FakeRng;
use crate::hooked::HookedParser;
use crate::hooks::FakeHooks;
use crate::operation::Operation;

macro_rules! milmove_hooks {
    ($(#[$doc:meta])* $name:ident, $body:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, Default)]
        pub struct $name;

        impl FakeHooks for $name {
            fn body_schema(&self, operation: &Operation, schema: &Value) -> Option<Value> {
                let body: fn(&Operation, &Value) -> Option<Value> = $body;
                body(operation, schema)
            }

            fn request(&self, _: &Operation, body: &mut Value, overrides: Option<&Value>, rng: &mut FakeRng) {
                rules::apply_all(body, overrides, rng);
            }
        }
    };
}

milmove_hooks!(
    /// Hooks of the Prime API (`/prime/v1`, also `prime_v2`, `prime_v3`).
    PrimeHooks,
    |_, _| None
);
milmove_hooks!(
    /// Hooks of the Support API (`/support/v1`): `createMoveTaskOrder` is stripped of what
    /// it cannot create.
    SupportHooks,
    strip_move_task_order
);
milmove_hooks!(
    /// Hooks of the Office (GHC) API (`/ghc/v1`).
    GhcHooks,
    |_, _| None
);
milmove_hooks!(
    /// Hooks of the Customer (internal) API (`/internal`).
    InternalHooks,
    |_, _| None
);

/// The Prime API parser.
pub type PrimeApiParser = HookedParser<PrimeHooks>;
/// The Support API parser.
pub type SupportApiParser = HookedParser<SupportHooks>;
/// The Office (GHC) API parser.
pub type GhcApiParser = HookedParser<GhcHooks>;
/// The Customer (internal) API parser.
pub type InternalApiParser = HookedParser<InternalHooks>;

/// Top-level fields of a MoveTaskOrder that `createMoveTaskOrder` cannot create.
pub const MTO_UNCREATABLE: [&str; 3] = ["mtoShipments", "mtoServiceItems", "paymentRequests"];
/// Fields of the MoveTaskOrder's `order` that `createMoveTaskOrder` cannot create.
pub const ORDER_UNCREATABLE: [&str; 3] = [
    "originDutyLocation",
    "destinationDutyLocation",
    "uploadedOrders",
];

fn strip_move_task_order(op: &Operation, schema: &Value) -> Option<Value> {
    let is_create = op.operation_id.as_deref() == Some("createMoveTaskOrder")
        || (op.method == "POST" && op.path == "/move-task-orders");
    if !is_create {
        return None;
    }
    let mut schema = schema.clone();
    remove_properties(&mut schema, &MTO_UNCREATABLE);
    if let Some(order) = schema.pointer_mut("/properties/order") {
        remove_properties(order, &ORDER_UNCREATABLE);
    }
    Some(schema)
}

/// Removes properties (and their `required` entries) from an object schema.
pub fn remove_properties(schema: &mut Value, names: &[&str]) {
    if let Some(Value::Object(props)) = schema.get_mut("properties") {
        for n in names {
            props.shift_remove(*n);
        }
    }
    if let Some(Value::Array(required)) = schema.get_mut("required") {
        required.retain(|r| !r.as_str().is_some_and(|r| names.contains(&r)));
    }
}
