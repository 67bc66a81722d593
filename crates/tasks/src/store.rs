//! Data stores: objects created or fetched by tasks, kept for reuse by later tasks.
//!
//! As in the old suite's `PrimeDataStorageMixin` / `OfficeDataStorageMixin`, a store is shared by
//! every user of a class, holds at most `capacity` objects per kind (the oldest are dropped
//! first), hands out a random object on request, and replaces an object by the server's newer
//! copy after an update, so the next task uses a fresh `eTag`. Safe under concurrency: one short
//! lock per operation, objects shared as `Arc<Value>` (no deep copy on read).
//!
//! A task that *updates* an object first [claims](ObjectStore::claim_where) it: other users do
//! not pick a claimed object until the claim is released (with the server's new copy), so two
//! users of the load test never race each other on one eTag (each real MilMove user works on
//! their own moves). Reads ([`ObjectStore::random`], [`ObjectStore::get`]) ignore claims.

use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;

use indexmap::IndexMap;
use parking_lot::Mutex;
use rand::{Rng, RngExt};
use serde_json::Value;

/// Objects a store refuses to keep (e.g. those of moves that lifecycle flows own): `true`
/// means "keep out".
pub type Exclude = Arc<dyn Fn(&Value) -> bool + Send + Sync>;

/// The default bound per kind (the old Prime store kept 50, the office store 100).
pub const DEFAULT_CAPACITY: usize = 100;

/// The kinds of object kept, one bounded store each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Moves / move task orders.
    Move,
    /// Shipments (with their addresses and agents).
    Shipment,
    /// Service items.
    ServiceItem,
    /// Payment requests.
    PaymentRequest,
    /// Orders (office).
    Order,
    /// Customers (office).
    Customer,
}

impl Kind {
    /// Every kind.
    pub const ALL: [Kind; 6] = [
        Kind::Move,
        Kind::Shipment,
        Kind::ServiceItem,
        Kind::PaymentRequest,
        Kind::Order,
        Kind::Customer,
    ];

    fn index(self) -> usize {
        self as usize
    }
}

/// A bounded, concurrency-safe store of JSON objects keyed by their `id`.
pub struct ObjectStore {
    capacity: usize,
    inner: Mutex<Inner>,
    exclude: Option<Exclude>,
}

#[derive(Default)]
struct Inner {
    items: IndexMap<String, Arc<Value>>,
    claimed: HashSet<String>,
}

impl fmt::Debug for ObjectStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ObjectStore")
            .field("capacity", &self.capacity)
            .field("len", &self.len())
            .finish()
    }
}

impl ObjectStore {
    /// An empty store holding at most `capacity` objects (at least 1).
    pub fn new(capacity: usize) -> Self {
        ObjectStore {
            capacity: capacity.max(1),
            inner: Mutex::new(Inner::default()),
            exclude: None,
        }
    }

    /// A store that never keeps the objects `exclude` refuses.
    pub fn excluding(capacity: usize, exclude: Exclude) -> Self {
        ObjectStore {
            exclude: Some(exclude),
            ..ObjectStore::new(capacity)
        }
    }

    /// Adds or replaces an object (keyed by its `"id"` string); objects without an id are
    /// ignored, and so are objects the store's exclusion refuses. When full, the oldest object
    /// is dropped. Returns whether it was stored.
    pub fn put(&self, object: Value) -> bool {
        let Some(id) = object_id(&object) else {
            return false;
        };
        if self
            .exclude
            .as_ref()
            .is_some_and(|keep_out| keep_out(&object))
        {
            return false;
        }
        let mut inner = self.inner.lock();
        if let Some(current) = inner.items.get(&id) {
            if is_older(&object, current) {
                return false;
            }
        }
        if !inner.items.contains_key(&id) && inner.items.len() >= self.capacity {
            // The oldest object nobody is updating (the oldest of all if every one is). A
            // claim outlives its object's eviction: the id stays claimed until the claim ends,
            // so a copy stored again meanwhile is not handed to a second updater.
            let index = inner
                .items
                .keys()
                .position(|k| !inner.claimed.contains(k))
                .unwrap_or(0);
            inner.items.shift_remove_index(index);
        }
        inner.items.insert(id, Arc::new(object));
        true
    }

    /// Adds every object of an array (or the single object); returns how many were stored.
    pub fn put_all(&self, objects: Value) -> usize {
        match objects {
            Value::Array(list) => list.into_iter().filter(|o| self.put(o.clone())).count(),
            other => usize::from(self.put(other)),
        }
    }

    /// Replaces an object only if it is still stored (a concurrent eviction wins); keeps its
    /// place in the eviction order. A copy older than the stored one (by `updatedAt`) is
    /// ignored, so a slow read never brings back a stale eTag.
    pub fn update(&self, object: Value) -> bool {
        let Some(id) = object_id(&object) else {
            return false;
        };
        let mut inner = self.inner.lock();
        match inner.items.get_mut(&id) {
            Some(slot) if !is_older(&object, slot) => {
                *slot = Arc::new(object);
                true
            }
            _ => false,
        }
    }

    /// The object with this id.
    pub fn get(&self, id: &str) -> Option<Arc<Value>> {
        self.inner.lock().items.get(id).cloned()
    }

    /// A random object.
    pub fn random<R: Rng + ?Sized>(&self, rng: &mut R) -> Option<Arc<Value>> {
        let inner = self.inner.lock();
        if inner.items.is_empty() {
            return None;
        }
        let index = rng.random_range(0..inner.items.len());
        inner.items.get_index(index).map(|(_, v)| v.clone())
    }

    /// A random object satisfying `filter` (tries every object, starting at a random one).
    pub fn random_where<R: Rng + ?Sized>(
        &self,
        rng: &mut R,
        filter: impl Fn(&Value) -> bool,
    ) -> Option<Arc<Value>> {
        let inner = self.inner.lock();
        find_from_random(&inner, rng, |_, v| filter(v)).map(|(_, v)| v)
    }

    /// Claims a random unclaimed object satisfying `filter` for an update; see [`Claim`].
    pub fn claim_where<R: Rng + ?Sized>(
        &self,
        rng: &mut R,
        filter: impl Fn(&Value) -> bool,
    ) -> Option<Claim<'_>> {
        let mut inner = self.inner.lock();
        let (id, object) = find_from_random(&inner, rng, |id, v| {
            !inner.claimed.contains(id) && filter(v)
        })?;
        inner.claimed.insert(id.clone());
        Some(Claim {
            store: self,
            id,
            object,
        })
    }

    /// Claims the object with this id, if it is stored and unclaimed.
    pub fn claim(&self, id: &str) -> Option<Claim<'_>> {
        let mut inner = self.inner.lock();
        let object = inner.items.get(id).cloned()?;
        if !inner.claimed.insert(id.to_string()) {
            return None;
        }
        Some(Claim {
            store: self,
            id: id.to_string(),
            object,
        })
    }

    /// Number of objects currently claimed.
    pub fn claimed(&self) -> usize {
        self.inner.lock().claimed.len()
    }

    /// Removes an object (a claim on it stays until the claim ends).
    pub fn remove(&self, id: &str) -> Option<Arc<Value>> {
        self.inner.lock().items.shift_remove(id)
    }

    /// Number of objects stored.
    pub fn len(&self) -> usize {
        self.inner.lock().items.len()
    }

    /// Whether the store is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bound.
    pub fn capacity(&self) -> usize {
        self.capacity
    }
}

/// One bounded store per [`Kind`], shared (`Arc`) by the users of a class.
#[derive(Debug)]
pub struct DataStores {
    stores: Vec<ObjectStore>,
}

impl Default for DataStores {
    fn default() -> Self {
        DataStores::with_capacity(DEFAULT_CAPACITY)
    }
}

impl DataStores {
    /// Stores bounded to `capacity` objects per kind.
    pub fn with_capacity(capacity: usize) -> Self {
        DataStores {
            stores: Kind::ALL
                .iter()
                .map(|_| ObjectStore::new(capacity))
                .collect(),
        }
    }

    /// Stores bounded to `capacity` objects per kind that never keep what `exclude` refuses.
    pub fn excluding(capacity: usize, exclude: Exclude) -> Self {
        DataStores {
            stores: Kind::ALL
                .iter()
                .map(|_| ObjectStore::excluding(capacity, exclude.clone()))
                .collect(),
        }
    }

    /// The store of one kind.
    pub fn of(&self, kind: Kind) -> &ObjectStore {
        &self.stores[kind.index()]
    }
}

/// The `"id"` of a JSON object, if it has a string one.
pub fn object_id(object: &Value) -> Option<String> {
    object.get("id").and_then(Value::as_str).map(str::to_string)
}

/// Whether `candidate` is an older version than `current` (both with a parseable `updatedAt`).
fn is_older(candidate: &Value, current: &Value) -> bool {
    let updated = |v: &Value| {
        v.get("updatedAt")
            .or_else(|| v.get("updated_at"))
            .and_then(Value::as_str)
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
    };
    matches!((updated(candidate), updated(current)), (Some(a), Some(b)) if a < b)
}

/// The `"eTag"` of a JSON object (empty when missing).
pub fn etag(object: &Value) -> &str {
    object
        .get("eTag")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// An object claimed for an update. Release it with the server's new copy
/// ([`Claim::release`]); dropping the claim releases it unchanged.
pub struct Claim<'a> {
    store: &'a ObjectStore,
    id: String,
    object: Arc<Value>,
}

impl fmt::Debug for Claim<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Claim").field("id", &self.id).finish()
    }
}

impl Claim<'_> {
    /// The claimed object (as stored when claimed).
    pub fn object(&self) -> &Value {
        &self.object
    }

    /// The claimed object's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Stores the server's new copy (if the object is still stored) and releases the claim.
    pub fn release(self, updated: Value) {
        self.store.update(updated);
    }

    /// Removes the object from the store (e.g. it can no longer be used) and releases the claim.
    pub fn discard(self) {
        self.store.remove(&self.id);
    }
}

impl Drop for Claim<'_> {
    fn drop(&mut self) {
        self.store.inner.lock().claimed.remove(&self.id);
    }
}

/// The first entry (from a random start, wrapping) whose id and value satisfy `accept`.
fn find_from_random<R: Rng + ?Sized>(
    inner: &Inner,
    rng: &mut R,
    accept: impl Fn(&String, &Value) -> bool,
) -> Option<(String, Arc<Value>)> {
    let len = inner.items.len();
    if len == 0 {
        return None;
    }
    let start = rng.random_range(0..len);
    (0..len)
        .filter_map(|offset| inner.items.get_index((start + offset) % len))
        .find(|(id, v)| accept(id, v))
        .map(|(id, v)| (id.clone(), v.clone()))
}

#[cfg(test)]
#[path = "store_tests.rs"]
mod tests;
