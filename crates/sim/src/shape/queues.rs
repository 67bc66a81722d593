//! Queue rows of the GHC API, with the fields MilMove's `QueueMoves` and
//! `QueuePaymentRequests` payloads fill (office-user assignment and locks aside: the stand-in
//! has neither, so those fields are absent, as MilMove leaves them for unassigned moves).

use chrono::NaiveDate;
use serde_json::{json, Map, Value};

use super::ghc::{customer, duty_location};
use crate::state::model::{rfc3339, Move, Orders, PaymentRequest};
use crate::state::Store;

/// Which queue a move row is for: MilMove fills the destination duty location in every queue
/// but the TOO task-order queue (`getMovesQueue`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueType {
    /// `getServicesCounselingQueue`.
    Counseling,
    /// `getMovesQueue` (MilMove's `QueueTypeTaskOrder`).
    TaskOrder,
}

/// Shipment statuses MilMove counts in a queue row (`queueIncludeShipmentStatus`).
const QUEUE_SHIPMENT_STATUSES: [&str; 6] = [
    "SUBMITTED",
    "APPROVED",
    "APPROVALS_REQUESTED",
    "DIVERSION_REQUESTED",
    "CANCELLATION_REQUESTED",
    "TERMINATED_FOR_CAUSE",
];

/// The zero `time.Time` as MilMove's `FmtDateTimePtr(&zero)` writes it (its
/// `closeoutInitiated` for moves without a PPM closeout).
const ZERO_DATE_TIME: &str = "0001-01-01T00:00:00.000Z";

fn field<'a>(o: &'a Orders, key: &str) -> Option<&'a Value> {
    o.fields.get(key).filter(|v| !v.is_null())
}

/// The origin GBLOC MilMove shows: the origin duty location's.
fn origin_gbloc<'a>(store: &'a Store, o: &Orders) -> Option<&'a str> {
    super::orders::duty_locations(store, o)
        .0
        .map(|d| d.gbloc.as_str())
}

/// The earliest requested pickup or delivery date of the counted shipments, and all of them
/// as MilMove lists them (`Jan 2 2006, …`).
fn requested_dates(store: &Store, m: &Move) -> (Option<NaiveDate>, Option<String>) {
    let mut dates: Vec<NaiveDate> = m
        .shipment_ids
        .iter()
        .filter_map(|id| store.shipments.get(id))
        .filter(|s| QUEUE_SHIPMENT_STATUSES.contains(&s.status.as_str()))
        .filter_map(|s| {
            ["requestedPickupDate", "requestedDeliveryDate"]
                .iter()
                .filter_map(|k| s.fields.get(*k)?.as_str())
                .filter_map(milmove_parser::formats::parse_date)
                .min()
        })
        .collect();
    dates.sort();
    let listed = (!dates.is_empty()).then(|| {
        dates
            .iter()
            .map(|d| d.format("%b %-d %Y").to_string())
            .collect::<Vec<_>>()
            .join(", ")
    });
    (dates.first().copied(), listed)
}

fn counted_shipments(store: &Store, m: &Move) -> usize {
    m.shipment_ids
        .iter()
        .filter(|id| {
            store
                .shipments
                .with(id, |s| QUEUE_SHIPMENT_STATUSES.contains(&s.status.as_str()))
                .unwrap_or(false)
        })
        .count()
}

/// One row of the counseling or moves queue.
pub fn queue_move(store: &Store, m: &Move, queue: QueueType) -> Value {
    let (earliest, listed) = requested_dates(store, m);
    let mut out = Map::new();
    out.insert("id".into(), json!(m.id));
    out.insert("locator".into(), json!(m.locator));
    out.insert("status".into(), json!(m.status));
    out.insert("shipmentsCount".into(), json!(counted_shipments(store, m)));
    if m.status != "DRAFT" {
        out.insert("submittedAt".into(), json!(rfc3339(&m.created_at)));
        out.insert("appearedInTooAt".into(), json!(rfc3339(&m.created_at)));
    }
    if let Some(d) = earliest {
        out.insert("requestedMoveDate".into(), json!(d.to_string()));
    }
    if let Some(text) = listed {
        out.insert("requestedMoveDates".into(), json!(text));
    }
    if let Some(p) = &m.ppm_type {
        out.insert("ppmType".into(), json!(p));
    }
    out.insert("closeoutInitiated".into(), json!(ZERO_DATE_TIME));
    out.insert("closeoutLocation".into(), json!(""));
    out.insert("counselingOffice".into(), json!(""));
    out.insert(
        "counselingOfficeID".into(),
        json!(uuid::Uuid::nil().to_string()),
    );
    if let Some(o) = store.orders.get(&m.orders_id) {
        if let Some(c) = store.customers.get(&o.customer_id) {
            out.insert("customer".into(), customer(&c));
        }
        if let Some(d) = duty_location(store, field(&o, "origin_duty_location_id")) {
            out.insert("originDutyLocation".into(), d);
        }
        if queue != QueueType::TaskOrder {
            if let Some(d) = duty_location(store, field(&o, "new_duty_location_id")) {
                out.insert("destinationDutyLocation".into(), d);
            }
        }
        if let Some(g) = origin_gbloc(store, &o) {
            out.insert("originGBLOC".into(), json!(g));
        }
        if let Some(v) = field(&o, "department_indicator") {
            out.insert("departmentIndicator".into(), v.clone());
        }
        if let Some(t) = field(&o, "orders_type") {
            out.insert("orderType".into(), t.clone());
        }
    }
    Value::Object(out)
}

/// One row of the payment requests queue (`age` in whole days, rounded up, as MilMove).
pub fn queue_payment_request(store: &Store, p: &PaymentRequest) -> Value {
    let hours = (chrono::Utc::now() - p.created_at).num_seconds() as f64 / 3600.0;
    let mut out = Map::new();
    out.insert("id".into(), json!(p.id));
    out.insert("moveID".into(), json!(p.move_id));
    out.insert("status".into(), json!(queue_status(&p.status)));
    out.insert("submittedAt".into(), json!(rfc3339(&p.created_at)));
    out.insert("age".into(), json!((hours / 24.0).ceil()));
    if let Some(m) = store.moves.get(&p.move_id) {
        out.insert("locator".into(), json!(m.locator));
        if let Some(o) = store.orders.get(&m.orders_id) {
            if let Some(c) = store.customers.get(&o.customer_id) {
                out.insert("customer".into(), customer(&c));
            }
            if let Some(d) = duty_location(store, field(&o, "origin_duty_location_id")) {
                out.insert("originDutyLocation".into(), d);
            }
            if let Some(g) = origin_gbloc(store, &o) {
                out.insert("originGBLOC".into(), json!(g));
            }
            if let Some(t) = field(&o, "orders_type") {
                out.insert("orderType".into(), t.clone());
            }
            if let Some(v) = field(&o, "department_indicator") {
                out.insert("departmentIndicator".into(), v.clone());
            }
        }
    }
    Value::Object(out)
}

/// MilMove's queue status for a payment request status (`queuePaymentRequestStatus`).
pub fn queue_status(status: &str) -> &'static str {
    match status {
        "PENDING" => "Payment requested",
        "REVIEWED" | "SENT_TO_GEX" | "TPPS_RECEIVED" => "Reviewed",
        "REVIEWED_AND_ALL_SERVICE_ITEMS_REJECTED" => "Rejected",
        "PAID" => "Paid",
        "DEPRECATED" => "Deprecated",
        _ => "Error",
    }
}
