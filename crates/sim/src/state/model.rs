//! Records held by the stand-in. Fields the flows depend on are typed; free-form parts that
//! clients send (addresses, service item details) are kept as JSON.

use std::sync::atomic::{AtomicI64, Ordering};

use base64::Engine;
use chrono::{DateTime, TimeZone, Utc};
use serde_json::Value;
use uuid::Uuid;

/// A point in time that is unique and increasing across the process, so every update gets a
/// different `updated_at` and therefore a different eTag.
pub fn unique_now() -> DateTime<Utc> {
    static LAST: AtomicI64 = AtomicI64::new(0);
    let now = Utc::now().timestamp_nanos_opt().unwrap_or(0);
    let mut prev = LAST.load(Ordering::Relaxed);
    loop {
        let next = now.max(prev + 1);
        match LAST.compare_exchange_weak(prev, next, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return Utc.timestamp_nanos(next),
            Err(actual) => prev = actual,
        }
    }
}

/// A UUID derived deterministically from `seed` (same seed, same id).
pub fn stable_uuid(seed: &[u8]) -> Uuid {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(seed);
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

/// RFC 3339 with nanoseconds, as MilMove formats `updated_at` before hashing it into an eTag.
pub fn rfc3339(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
}

/// RFC 3339 with nanoseconds as Go's `time.RFC3339Nano` writes it (MilMove's eTag input): the
/// fraction loses its trailing zeros, and disappears when it is zero.
pub fn rfc3339_nano_go(t: &DateTime<Utc>) -> String {
    let full = rfc3339(t);
    match full.split_once('.') {
        Some((seconds, fraction)) => {
            let digits = fraction.trim_end_matches('Z').trim_end_matches('0');
            if digits.is_empty() {
                format!("{seconds}Z")
            } else {
                format!("{seconds}.{digits}Z")
            }
        }
        None => full,
    }
}

/// eTag = base64 of `updated_at` (RFC 3339 with nanoseconds, as MilMove's `etag.GenerateEtag`).
pub fn etag(t: &DateTime<Utc>) -> String {
    base64::engine::general_purpose::STANDARD.encode(rfc3339_nano_go(t))
}

/// A person's role in the office app (MilMove role types).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// `task_ordering_officer`
    Too,
    /// `task_invoicing_officer`
    Tio,
    /// `services_counselor`
    ServicesCounselor,
    /// `qae`
    Qae,
    /// `customer_service_representative`
    Csr,
    /// `headquarters`
    Hq,
    /// `prime_simulator`
    PrimeSimulator,
    /// `customer` (a service member using the milmove app)
    Customer,
}

impl Role {
    /// MilMove's role type string.
    pub fn role_type(self) -> &'static str {
        match self {
            Role::Too => "task_ordering_officer",
            Role::Tio => "task_invoicing_officer",
            Role::ServicesCounselor => "services_counselor",
            Role::Qae => "qae",
            Role::Csr => "customer_service_representative",
            Role::Hq => "headquarters",
            Role::PrimeSimulator => "prime_simulator",
            Role::Customer => "customer",
        }
    }
}

/// A logged-in-able user (customer or office user).
#[derive(Debug, Clone)]
pub struct User {
    /// User id.
    pub id: Uuid,
    /// Login e-mail.
    pub email: String,
    /// Roles.
    pub roles: Vec<Role>,
    /// Office user id, for office users.
    pub office_user_id: Option<Uuid>,
    /// Service member id, for customers.
    pub service_member_id: Option<Uuid>,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

/// A customer (service member). `profile` holds the fields the customer edits.
#[derive(Debug, Clone)]
pub struct Customer {
    /// Service member id.
    pub id: Uuid,
    /// Owning user id.
    pub user_id: Uuid,
    /// Editable profile fields, snake_case (internal API naming).
    pub profile: serde_json::Map<String, Value>,
    /// Order ids, oldest first.
    pub order_ids: Vec<Uuid>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last update (eTag source).
    pub updated_at: DateTime<Utc>,
}

/// Orders issued to a customer.
#[derive(Debug, Clone)]
pub struct Orders {
    /// Orders id.
    pub id: Uuid,
    /// Customer id.
    pub customer_id: Uuid,
    /// Move created with these orders.
    pub move_id: Option<Uuid>,
    /// Fields (camelCase where both spellings exist; see shapes).
    pub fields: serde_json::Map<String, Value>,
    /// Uploaded orders document id.
    pub uploaded_orders_id: Uuid,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last update.
    pub updated_at: DateTime<Utc>,
}

/// A move (move task order).
#[derive(Debug, Clone)]
pub struct Move {
    /// Move id.
    pub id: Uuid,
    /// Six-character locator.
    pub locator: String,
    /// `DRAFT`, `NEEDS SERVICE COUNSELING`, `SERVICE COUNSELING COMPLETED`, `SUBMITTED`,
    /// `APPROVALS REQUESTED`, `APPROVED`, `CANCELED`.
    pub status: String,
    /// Orders id.
    pub orders_id: Uuid,
    /// Contractor id.
    pub contractor_id: Uuid,
    /// When the move was made available to the Prime.
    pub available_to_prime_at: Option<DateTime<Utc>>,
    /// Approval time.
    pub approved_at: Option<DateTime<Utc>>,
    /// PPM type (`FULL`/`PARTIAL`), if any.
    pub ppm_type: Option<String>,
    /// Reference id (`1234-5678`).
    pub reference_id: String,
    /// Shipments, in creation order.
    pub shipment_ids: Vec<Uuid>,
    /// Service items, in creation order.
    pub service_item_ids: Vec<Uuid>,
    /// Payment requests, in creation order.
    pub payment_request_ids: Vec<Uuid>,
    /// Counter for payment request numbers.
    pub payment_request_seq: u32,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last update.
    pub updated_at: DateTime<Utc>,
}

/// A postal address with its own eTag.
#[derive(Debug, Clone)]
pub struct Address {
    /// Address id.
    pub id: Uuid,
    /// camelCase fields (streetAddress1, city, state, postalCode, ...).
    pub fields: serde_json::Map<String, Value>,
    /// Last update.
    pub updated_at: DateTime<Utc>,
}

/// A shipment agent (releasing/receiving).
#[derive(Debug, Clone)]
pub struct Agent {
    /// Agent id.
    pub id: Uuid,
    /// Shipment id.
    pub shipment_id: Uuid,
    /// camelCase fields (firstName, lastName, email, phone, agentType).
    pub fields: serde_json::Map<String, Value>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last update.
    pub updated_at: DateTime<Utc>,
}

/// A shipment on a move.
#[derive(Debug, Clone)]
pub struct Shipment {
    /// Shipment id.
    pub id: Uuid,
    /// Move id.
    pub move_id: Uuid,
    /// `HHG`, `PPM`, `HHG_INTO_NTS`, ...
    pub shipment_type: String,
    /// Shipment status.
    pub status: String,
    /// Other scalar fields (camelCase): dates, weights, remarks, rejection reason.
    pub fields: serde_json::Map<String, Value>,
    /// Pickup address id.
    pub pickup_address_id: Option<Uuid>,
    /// Destination address id.
    pub destination_address_id: Option<Uuid>,
    /// Agent ids.
    pub agent_ids: Vec<Uuid>,
    /// Approval time.
    pub approved_date: Option<DateTime<Utc>>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last update.
    pub updated_at: DateTime<Utc>,
}

/// A service item.
#[derive(Debug, Clone)]
pub struct ServiceItem {
    /// Service item id.
    pub id: Uuid,
    /// Move id.
    pub move_id: Uuid,
    /// Shipment id, if any.
    pub shipment_id: Option<Uuid>,
    /// `reServiceCode` (e.g. `DDSHUT`, `DOFSIT`, `MS`).
    pub code: String,
    /// Prime `modelType` (e.g. `MTOServiceItemShuttle`).
    pub model_type: String,
    /// `SUBMITTED`, `APPROVED`, `REJECTED`.
    pub status: String,
    /// The body the Prime sent (prime shape), reused in responses.
    pub body: serde_json::Map<String, Value>,
    /// Rejection reason.
    pub rejection_reason: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last update.
    pub updated_at: DateTime<Utc>,
}

/// A payment request.
#[derive(Debug, Clone)]
pub struct PaymentRequest {
    /// Payment request id.
    pub id: Uuid,
    /// Move id.
    pub move_id: Uuid,
    /// `PENDING`, `REVIEWED`, `REVIEWED_AND_ALL_SERVICE_ITEMS_REJECTED`, `SENT_TO_GEX`,
    /// `TPPS_RECEIVED`, `PAID`, `EDI_ERROR`, `DEPRECATED`.
    pub status: String,
    /// `{reference}-{seq}`.
    pub number: String,
    /// Whether this is the final payment request.
    pub is_final: bool,
    /// Payment service items (one per billed service item).
    pub items: Vec<PaymentServiceItem>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last update.
    pub updated_at: DateTime<Utc>,
}

/// One billed service item of a payment request.
#[derive(Debug, Clone)]
pub struct PaymentServiceItem {
    /// Payment service item id.
    pub id: Uuid,
    /// The service item billed.
    pub service_item_id: Uuid,
    /// `REQUESTED`, `APPROVED`, `DENIED`, ...
    pub status: String,
    /// Rejection reason when denied.
    pub rejection_reason: Option<String>,
    /// Last update.
    pub updated_at: DateTime<Utc>,
}

/// An uploaded file (bytes are not kept: only size and checksum).
#[derive(Debug, Clone)]
pub struct Upload {
    /// Upload id.
    pub id: Uuid,
    /// Document it belongs to, if any.
    pub document_id: Option<Uuid>,
    /// File name.
    pub filename: String,
    /// MIME type.
    pub content_type: String,
    /// Size in bytes.
    pub bytes: u64,
    /// Base64 MD5-style checksum stand-in (SHA-256 here).
    pub checksum: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

/// A duty location (seeded), named as MilMove names them: `Fort Eisenhower, GA 30813`.
#[derive(Debug, Clone)]
pub struct DutyLocation {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Address id.
    pub address_id: Uuid,
    /// Affiliation.
    pub affiliation: String,
    /// The GBLOC of the location's transportation office (also its ZIP's GBLOC here).
    pub gbloc: String,
    /// Its ZIP (the address's postal code).
    pub postal_code: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etag_is_base64_of_go_rfc3339_nano() {
        let t = Utc.timestamp_nanos(1_700_000_000_123_450_000);
        assert_eq!(rfc3339(&t), "2023-11-14T22:13:20.123450000Z");
        assert_eq!(rfc3339_nano_go(&t), "2023-11-14T22:13:20.12345Z");
        assert_eq!(etag(&t), "MjAyMy0xMS0xNFQyMjoxMzoyMC4xMjM0NVo=");
        let whole = Utc.timestamp_nanos(1_700_000_000_000_000_000);
        assert_eq!(rfc3339_nano_go(&whole), "2023-11-14T22:13:20Z");
        let a = unique_now();
        let b = unique_now();
        assert!(b > a && etag(&b) != etag(&a));
    }
}
