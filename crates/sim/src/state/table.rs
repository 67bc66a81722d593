//! A sharded concurrent map: reads lock one shard for reading, writes lock one shard for
//! writing, so no single lock serialises the stand-in's hot paths.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, RandomState};

use parking_lot::RwLock;

const SHARDS: usize = 32;

/// A concurrent hash map split into independently locked shards.
pub struct Table<K, V> {
    shards: Vec<RwLock<HashMap<K, V>>>,
    hasher: RandomState,
}

impl<K: Hash + Eq, V> Default for Table<K, V> {
    fn default() -> Self {
        Self {
            shards: (0..SHARDS).map(|_| RwLock::new(HashMap::new())).collect(),
            hasher: RandomState::new(),
        }
    }
}

impl<K: Hash + Eq, V> Table<K, V> {
    fn shard(&self, key: &K) -> &RwLock<HashMap<K, V>> {
        let index = (self.hasher.hash_one(key) as usize) % SHARDS;
        &self.shards[index]
    }

    /// Inserts or replaces a value.
    pub fn insert(&self, key: K, value: V) {
        self.shard(&key).write().insert(key, value);
    }

    /// Reads a value through a closure (shard read lock held only during the closure).
    pub fn with<R>(&self, key: &K, f: impl FnOnce(&V) -> R) -> Option<R> {
        self.shard(key).read().get(key).map(f)
    }

    /// Mutates a value in place under the shard's write lock.
    pub fn update<R>(&self, key: &K, f: impl FnOnce(&mut V) -> R) -> Option<R> {
        self.shard(key).write().get_mut(key).map(f)
    }

    /// Removes a value.
    pub fn remove(&self, key: &K) -> Option<V> {
        self.shard(key).write().remove(key)
    }

    /// Whether the key exists.
    pub fn contains(&self, key: &K) -> bool {
        self.shard(key).read().contains_key(key)
    }

    /// Number of entries (sums shards; not atomic across shards).
    pub fn len(&self) -> usize {
        self.shards.iter().map(|s| s.read().len()).sum()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Calls `f` for every entry (shard by shard, each under its read lock).
    pub fn for_each(&self, mut f: impl FnMut(&K, &V)) {
        for shard in &self.shards {
            for (k, v) in shard.read().iter() {
                f(k, v);
            }
        }
    }

    /// Collects `f(value)` for every value where it returns `Some` (shard by shard).
    pub fn collect<R>(&self, mut f: impl FnMut(&V) -> Option<R>) -> Vec<R> {
        let mut out = Vec::new();
        for shard in &self.shards {
            out.extend(shard.read().values().filter_map(&mut f));
        }
        out
    }
}

impl<K: Hash + Eq, V: Clone> Table<K, V> {
    /// Clones a value out.
    pub fn get(&self, key: &K) -> Option<V> {
        self.with(key, V::clone)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_update_collect() {
        let t: Table<u32, u32> = Table::default();
        for i in 0..100 {
            t.insert(i, i);
        }
        assert_eq!(t.len(), 100);
        assert_eq!(
            t.update(&5, |v| {
                *v += 1;
                *v
            }),
            Some(6)
        );
        assert_eq!(t.get(&5), Some(6));
        assert_eq!(t.collect(|v| (*v > 97).then_some(*v)).len(), 2);
        assert!(t.remove(&5).is_some());
        assert!(!t.contains(&5));
    }
}
