//! Orders, their customer, entitlement and duty locations in the Prime and Support shapes,
//! with the fields MilMove's `primeapi/payloads` and `supportapi/internal/payloads` `Order`,
//! `Customer`, `Entitlement(s)` and `DutyLocation` fill.

use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::prime::address;
use crate::state::model::{etag, stable_uuid, Customer, DutyLocation, Orders};
use crate::state::seed::default_entitlement;
use crate::state::Store;

/// The orders types every API but Support knows.
const COMMON_ORDERS_TYPES: [&str; 10] = [
    "PERMANENT_CHANGE_OF_STATION",
    "LOCAL_MOVE",
    "RETIREMENT",
    "SEPARATION",
    "WOUNDED_WARRIOR",
    "BLUEBARK",
    "SAFETY",
    "TEMPORARY_DUTY",
    "EARLY_RETURN_OF_DEPENDENTS",
    "STUDENT_TRAVEL",
];

/// Support's orders types (its spec has `GHC` and `NTS`, and no `SAFETY`).
const SUPPORT_ORDERS_TYPES: [&str; 11] = [
    "PERMANENT_CHANGE_OF_STATION",
    "LOCAL_MOVE",
    "RETIREMENT",
    "SEPARATION",
    "GHC",
    "NTS",
    "WOUNDED_WARRIOR",
    "BLUEBARK",
    "TEMPORARY_DUTY",
    "EARLY_RETURN_OF_DEPENDENTS",
    "STUDENT_TRAVEL",
];

/// The stored orders type if the Prime, GHC and internal APIs can express it (`GHC` and `NTS`
/// only exist in Support's enum: left out rather than sent invalid).
pub fn common_orders_type(o: &Orders) -> Option<&str> {
    o.fields
        .get("orders_type")
        .and_then(Value::as_str)
        .filter(|t| COMMON_ORDERS_TYPES.contains(t))
}

/// The stored orders type for Support (required there: `SAFETY`, which Support cannot
/// express, is answered as a permanent change of station).
pub fn support_orders_type(o: &Orders) -> &str {
    o.fields
        .get("orders_type")
        .and_then(Value::as_str)
        .filter(|t| SUPPORT_ORDERS_TYPES.contains(t))
        .unwrap_or("PERMANENT_CHANGE_OF_STATION")
}

/// The seeded duty location an id field names.
pub fn duty_location<'a>(store: &'a Store, id: Option<&Value>) -> Option<&'a DutyLocation> {
    let id = Uuid::parse_str(id?.as_str()?).ok()?;
    store.duty_locations.iter().find(|d| d.id == id)
}

/// The orders' origin and new duty locations.
pub fn duty_locations<'a>(
    store: &'a Store,
    o: &Orders,
) -> (Option<&'a DutyLocation>, Option<&'a DutyLocation>) {
    (
        duty_location(store, o.fields.get("origin_duty_location_id")),
        duty_location(store, o.fields.get("new_duty_location_id")),
    )
}

/// A duty location in the Prime (and GHC) shape: id, name, address id and address.
pub fn prime_duty_location(store: &Store, d: &DutyLocation) -> Value {
    let mut out = json!({"id": d.id, "name": d.name, "addressID": d.address_id});
    if let (Some(a), Value::Object(map)) = (store.addresses.get(&d.address_id), &mut out) {
        map.insert("address".into(), address(&a));
    }
    out
}

/// The orders' entitlement (what was stored, over MilMove's defaults) with its id and eTag.
pub fn entitlement(o: &Orders) -> Map<String, Value> {
    let mut out = default_entitlement(false);
    if let Some(Value::Object(stored)) = o.fields.get("entitlement") {
        for (k, v) in stored {
            if !v.is_null() {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    out.insert(
        "id".into(),
        json!(stable_uuid(format!("entitlement {}", o.id).as_bytes())),
    );
    out.insert("eTag".into(), json!(etag(&o.updated_at)));
    out
}

/// A customer's current (residential) address in the Prime/Support `Address` shape.
fn current_address(c: &Customer) -> Option<Value> {
    let Some(Value::Object(stored)) = c.profile.get("residential_address") else {
        return None;
    };
    let mut out = stored.clone();
    out.entry("id")
        .or_insert_with(|| json!(stable_uuid(format!("address {}", c.id).as_bytes())));
    out.insert("eTag".into(), json!(etag(&c.updated_at)));
    Some(Value::Object(out))
}

fn profile<'a>(c: &'a Customer, key: &str) -> Option<&'a Value> {
    c.profile.get(key).filter(|v| !v.is_null())
}

/// A customer in the Prime shape.
pub fn prime_customer(c: &Customer) -> Value {
    let mut out = Map::new();
    for (to, from) in [
        ("firstName", "first_name"),
        ("lastName", "last_name"),
        ("dodID", "edipi"),
        ("emplid", "emplid"),
        ("branch", "affiliation"),
        ("phone", "telephone"),
        ("email", "personal_email"),
    ] {
        if let Some(v) = profile(c, from) {
            out.insert(to.into(), v.clone());
        }
    }
    if let Some(a) = current_address(c) {
        out.insert("currentAddress".into(), a);
    }
    if let Some(Value::Object(b)) = profile(c, "backup_contact") {
        let pick = |k: &str| b.get(k).cloned().unwrap_or(json!(""));
        out.insert(
            "backupContact".into(),
            json!({"name": pick("name"), "email": pick("email"), "phone": pick("telephone")}),
        );
    }
    out.insert("id".into(), json!(c.id));
    out.insert("userID".into(), json!(c.user_id));
    out.insert("eTag".into(), json!(etag(&c.updated_at)));
    Value::Object(out)
}

fn field<'a>(o: &'a Orders, key: &str) -> Option<&'a Value> {
    o.fields.get(key).filter(|v| !v.is_null())
}

fn text<'a>(o: &'a Orders, key: &str, default: &'a str) -> &'a str {
    field(o, key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .unwrap_or(default)
}

/// The GBLOC MilMove reports for a duty location (`USMC` for Marines' orders).
fn gbloc(d: Option<&DutyLocation>, marines: bool) -> Option<String> {
    match (d, marines) {
        (_, true) => Some("USMC".into()),
        (Some(d), false) => Some(d.gbloc.clone()),
        (None, false) => None,
    }
}

/// Orders in the Prime `Order` shape.
pub fn prime_order(store: &Store, o: &Orders) -> Value {
    let customer = store.customers.get(&o.customer_id);
    let marines = customer
        .as_ref()
        .and_then(|c| profile(c, "affiliation"))
        .and_then(Value::as_str)
        .is_some_and(|a| a.eq_ignore_ascii_case("marines"));
    let (origin, destination) = duty_locations(store, o);
    let mut out = Map::new();
    out.insert("id".into(), json!(o.id));
    out.insert("customerID".into(), json!(o.customer_id));
    out.insert(
        "orderNumber".into(),
        json!(text(o, "orders_number", "ORD000000")),
    );
    out.insert("rank".into(), json!(text(o, "grade", "")));
    out.insert("linesOfAccounting".into(), json!(text(o, "tac", "")));
    if let Some(d) = field(o, "report_by_date") {
        out.insert("reportByDate".into(), d.clone());
    }
    if let Some(t) = common_orders_type(o) {
        out.insert("ordersType".into(), json!(t));
    }
    out.insert("entitlement".into(), Value::Object(entitlement(o)));
    for (key, gbloc_key, d) in [
        ("originDutyLocation", "originDutyLocationGBLOC", origin),
        (
            "destinationDutyLocation",
            "destinationDutyLocationGBLOC",
            destination,
        ),
    ] {
        if let Some(d) = d {
            out.insert(key.into(), prime_duty_location(store, d));
        }
        if let Some(g) = gbloc(d, marines) {
            out.insert(gbloc_key.into(), json!(g));
        }
    }
    if let Some(c) = &customer {
        out.insert("customer".into(), prime_customer(c));
    }
    out.insert("eTag".into(), json!(etag(&o.updated_at)));
    Value::Object(out)
}

/// The GBLOC and ZIP of where a move ends (the orders' new duty location).
pub fn destination_gbloc_and_zip(store: &Store, o: &Orders) -> Option<(String, String)> {
    let (_, destination) = duty_locations(store, o);
    destination.map(|d| (d.gbloc.clone(), d.postal_code.clone()))
}

/// Orders in the Support `Order` shape.
pub fn support_order(store: &Store, o: &Orders) -> Value {
    let (origin, destination) = duty_locations(store, o);
    let named = |d: &DutyLocation| json!({"id": d.id, "name": d.name});
    let mut out = json!({
        "id": o.id, "customerID": o.customer_id,
        "orderNumber": text(o, "orders_number", "ORD000000"),
        "ordersType": support_orders_type(o),
        "ordersTypeDetail": text(o, "orders_type_detail", "HHG_PERMITTED"),
        "rank": text(o, "grade", "E-5"),
        "reportByDate": text(o, "report_by_date", "2030-01-01"),
        "issueDate": text(o, "issue_date", "2030-01-01"),
        "status": text(o, "status", "APPROVED"),
        "uploadedOrdersID": o.uploaded_orders_id,
        "uploadedOrders": {"id": o.uploaded_orders_id, "serviceMemberID": o.customer_id},
        "tac": text(o, "tac", "F8J1"),
        "originDutyLocationID": text(o, "origin_duty_location_id", ""),
        "destinationDutyLocationID": text(o, "new_duty_location_id", ""),
        "departmentIndicator": text(o, "department_indicator", "ARMY"),
        "entitlement": entitlement(o),
        "eTag": etag(&o.updated_at),
    });
    let Value::Object(map) = &mut out else {
        return out;
    };
    if let Some(d) = origin {
        map.insert("originDutyLocation".into(), named(d));
    }
    if let Some(d) = destination {
        map.insert("destinationDutyLocation".into(), named(d));
    }
    if let Some(c) = store.customers.get(&o.customer_id) {
        let p = |k: &str, d: &str| {
            profile(&c, k)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .unwrap_or(d)
                .to_string()
        };
        let mut customer = json!({"id": c.id, "userID": c.user_id,
            "firstName": p("first_name", "Alice"), "lastName": p("last_name", "Bob"),
            "dodID": p("edipi", "1234567890"), "agency": p("affiliation", "ARMY"),
            "email": p("personal_email", "customer@example.com"),
            "phone": p("telephone", "555-555-5555"),
            "rank": text(o, "grade", "E-5"), "eTag": etag(&c.updated_at)});
        if let (Some(a), Value::Object(cm)) = (current_address(&c), &mut customer) {
            cm.insert("currentAddress".into(), a);
        }
        map.insert("customer".into(), customer);
    }
    out
}
