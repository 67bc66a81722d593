//! In-memory MilMove state: users, customers, orders, moves, shipments (with addresses and
//! agents), service items, payment requests and uploads. Every table is sharded
//! ([`table::Table`]) so concurrent requests on different objects never contend, and every
//! update goes through one shard's write lock so concurrent updates are never lost.

pub mod evict;
pub mod lifecycle;
pub mod model;
mod moves;
mod payments;
pub mod seed;
mod service_items;
pub mod shipments;
pub mod table;
pub mod transitions;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use model::{
    Address, Agent, Customer, DutyLocation, Move, Orders, PaymentRequest, ServiceItem, Shipment,
    Upload, User,
};
use table::Table;

/// Why a state operation was refused; the API layer maps each to MilMove's status code.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StateError {
    /// 404: the object does not exist (or is not visible to the caller).
    #[error("{0} not found")]
    NotFound(String),
    /// 412: the `If-Match` eTag is stale.
    #[error("the If-Match eTag does not match the current version of {0}")]
    PreconditionFailed(String),
    /// 409: the status transition or operation conflicts with the object's state.
    #[error("{0}")]
    Conflict(String),
    /// 422: a field is semantically invalid.
    #[error("{field}: {message}")]
    Invalid {
        /// Field name.
        field: String,
        /// What is wrong.
        message: String,
    },
}

/// Shorthand result for state operations.
pub type StateResult<T> = Result<T, StateError>;

/// Checks an `If-Match` value against a record's `updated_at`.
pub fn check_etag(if_match: &str, updated_at: &DateTime<Utc>, what: &str) -> StateResult<()> {
    if if_match.trim_matches('"') == model::etag(updated_at) {
        Ok(())
    } else {
        Err(StateError::PreconditionFailed(what.to_string()))
    }
}

/// All state of one stand-in instance.
#[derive(Default)]
pub struct Store {
    /// Users by id.
    pub users: Table<Uuid, User>,
    /// Customers (service members) by id.
    pub customers: Table<Uuid, Customer>,
    /// Orders by id.
    pub orders: Table<Uuid, Orders>,
    /// Moves by id.
    pub moves: Table<Uuid, Move>,
    /// Move ids by locator.
    pub locators: Table<String, Uuid>,
    /// Shipments by id.
    pub shipments: Table<Uuid, Shipment>,
    /// Addresses by id.
    pub addresses: Table<Uuid, Address>,
    /// Agents by id.
    pub agents: Table<Uuid, Agent>,
    /// Service items by id.
    pub service_items: Table<Uuid, ServiceItem>,
    /// Payment requests by id.
    pub payment_requests: Table<Uuid, PaymentRequest>,
    /// Uploads by id.
    pub uploads: Table<Uuid, Upload>,
    /// Documents (e.g. uploaded orders): upload ids by document id.
    pub documents: Table<Uuid, Vec<Uuid>>,
    /// Duty locations (seeded), in seed order.
    pub duty_locations: Vec<DutyLocation>,
    /// The seeded contractor's id.
    pub contractor_id: Uuid,
    /// The seeded office's (transportation office) id.
    pub office_id: Uuid,
    /// The memory bound ([`evict`]).
    pub limits: evict::Limits,
    /// When each move was last used, for eviction.
    pub usage: evict::Usage,
}

impl Store {
    /// Stores an address and returns its id.
    pub fn add_address(&self, fields: serde_json::Map<String, serde_json::Value>) -> Uuid {
        let id = Uuid::new_v4();
        self.addresses.insert(
            id,
            Address {
                id,
                fields,
                updated_at: model::unique_now(),
            },
        );
        id
    }

    /// Stores an upload, attaching it to its document (created on first use). An upload
    /// outside any MilMove document is kept under its owner's id (user or payment request),
    /// so it goes when its owner goes.
    pub fn add_upload(&self, upload: Upload) {
        if let Some(doc) = upload.document_id {
            if self.documents.update(&doc, |d| d.push(upload.id)).is_none() {
                self.documents.insert(doc, vec![upload.id]);
            }
        }
        self.uploads.insert(upload.id, upload);
    }

    /// Ids of moves available to the Prime, updated at or after `since` when given.
    pub fn prime_move_ids(&self, since: Option<DateTime<Utc>>) -> Vec<Uuid> {
        self.moves.collect(|m| {
            let available = m.available_to_prime_at.is_some();
            let recent = since.is_none_or(|s| m.updated_at >= s);
            (available && recent).then_some(m.id)
        })
    }

    /// A move visible to the Prime (available), else 404 as MilMove answers.
    pub fn prime_move(&self, id: &Uuid) -> StateResult<Move> {
        match self.moves.get(id) {
            Some(m) if m.available_to_prime_at.is_some() => Ok(m),
            _ => Err(StateError::NotFound(format!("move {id}"))),
        }
    }

    /// A move by id.
    pub fn get_move(&self, id: &Uuid) -> StateResult<Move> {
        self.moves
            .get(id)
            .ok_or_else(|| StateError::NotFound(format!("move {id}")))
    }

    /// A move by locator.
    pub fn move_by_locator(&self, locator: &str) -> StateResult<Move> {
        let id = self
            .locators
            .get(&locator.to_string())
            .ok_or_else(|| StateError::NotFound(format!("move {locator}")))?;
        self.get_move(&id)
    }
}

fn not_found(what: &str, id: &Uuid) -> StateError {
    StateError::NotFound(format!("{what} {id}"))
}
