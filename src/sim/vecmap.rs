//! Small ordered maps and sets backed by a sorted `Vec`.
//!
//! [`VecMap`] and [`VecSet`] keep their entries sorted by key, so they
//! iterate in key order exactly like `BTreeMap` / `BTreeSet` (determinism
//! is kept), but each instantiation compiles to a binary search plus a
//! `Vec` insert or remove instead of a whole B-tree. The patterns use many
//! different key/value types, so this saves a lot of wasm. Lookups are
//! O(log n); inserts and removes are O(n) moves, which is cheap for the
//! tens to thousands of entries the scenarios hold (and inserts of growing
//! keys, the common case, append at the end).

use std::fmt;
use std::iter::Map;
use std::ops::{Bound, Index, RangeBounds};
use std::slice;

/// The entries of a [`VecMap`] in key order.
pub type Iter<'a, K, V> = Map<slice::Iter<'a, (K, V)>, fn(&'a (K, V)) -> (&'a K, &'a V)>;
/// The entries of a [`VecMap`] in key order, values mutable.
pub type IterMut<'a, K, V> =
    Map<slice::IterMut<'a, (K, V)>, fn(&'a mut (K, V)) -> (&'a K, &'a mut V)>;
/// The keys of a [`VecMap`] in order.
pub type Keys<'a, K, V> = Map<slice::Iter<'a, (K, V)>, fn(&'a (K, V)) -> &'a K>;
/// The values of a [`VecMap`] in key order.
pub type Values<'a, K, V> = Map<slice::Iter<'a, (K, V)>, fn(&'a (K, V)) -> &'a V>;
/// The values of a [`VecMap`] in key order, mutable.
pub type ValuesMut<'a, K, V> = Map<slice::IterMut<'a, (K, V)>, fn(&'a mut (K, V)) -> &'a mut V>;
/// The values of a [`VecMap`] in key order, by value.
pub type IntoValues<K, V> = Map<std::vec::IntoIter<(K, V)>, fn((K, V)) -> V>;
/// The keys of a [`VecMap`] in order, by value.
pub type IntoKeys<K, V> = Map<std::vec::IntoIter<(K, V)>, fn((K, V)) -> K>;

/// A map kept sorted by key in a `Vec`: a small, drop-in stand-in for the
/// parts of `BTreeMap` the engine and patterns use.
#[derive(Clone, PartialEq, Eq)]
pub struct VecMap<K, V> {
    entries: Vec<(K, V)>,
}

impl<K, V> Default for VecMap<K, V> {
    fn default() -> Self {
        VecMap {
            entries: Vec::new(),
        }
    }
}

impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for VecMap<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.entries.iter().map(|(k, v)| (k, v)))
            .finish()
    }
}

/// The first index whose key is not below `start` (or above, if excluded),
/// and the end index for `end`, for a slice sorted by `key`.
fn bounds<T, K: Ord, R: RangeBounds<K>>(
    items: &[T],
    key: impl Fn(&T) -> &K,
    range: &R,
) -> (usize, usize) {
    let lo = match range.start_bound() {
        Bound::Included(s) => items.partition_point(|t| key(t) < s),
        Bound::Excluded(s) => items.partition_point(|t| key(t) <= s),
        Bound::Unbounded => 0,
    };
    let hi = match range.end_bound() {
        Bound::Included(e) => items.partition_point(|t| key(t) <= e),
        Bound::Excluded(e) => items.partition_point(|t| key(t) < e),
        Bound::Unbounded => items.len(),
    };
    (lo, hi.max(lo))
}

impl<K, V> VecMap<K, V> {
    /// An empty map.
    pub const fn new() -> Self {
        VecMap {
            entries: Vec::new(),
        }
    }

    /// How many entries the map holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// The bytes its entries take (not what they point to).
    pub fn heap_bytes(&self) -> u64 {
        (self.entries.len() * std::mem::size_of::<(K, V)>()) as u64
    }

    /// Whether the map holds no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Removes every entry.
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// The entries in key order.
    pub fn iter(&self) -> Iter<'_, K, V> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    /// The entries in key order, values mutable.
    pub fn iter_mut(&mut self) -> IterMut<'_, K, V> {
        self.entries.iter_mut().map(|(k, v)| (&*k, v))
    }

    /// The keys in order.
    pub fn keys(&self) -> Keys<'_, K, V> {
        self.entries.iter().map(|(k, _)| k)
    }

    /// The values in key order.
    pub fn values(&self) -> Values<'_, K, V> {
        self.entries.iter().map(|(_, v)| v)
    }

    /// The values in key order, mutable.
    pub fn values_mut(&mut self) -> ValuesMut<'_, K, V> {
        self.entries.iter_mut().map(|(_, v)| v)
    }

    /// The values in key order, by value.
    pub fn into_values(self) -> IntoValues<K, V> {
        self.entries.into_iter().map(|(_, v)| v)
    }

    /// The keys in order, by value.
    pub fn into_keys(self) -> IntoKeys<K, V> {
        self.entries.into_iter().map(|(k, _)| k)
    }

    /// The entry with the smallest key.
    pub fn first_key_value(&self) -> Option<(&K, &V)> {
        self.entries.first().map(|(k, v)| (k, v))
    }

    /// The entry with the largest key.
    pub fn last_key_value(&self) -> Option<(&K, &V)> {
        self.entries.last().map(|(k, v)| (k, v))
    }

    /// Keeps only the entries for which `keep` returns true, in key order.
    pub fn retain(&mut self, mut keep: impl FnMut(&K, &mut V) -> bool) {
        self.entries.retain_mut(|(k, v)| keep(k, v));
    }
}

impl<K: Ord, V> VecMap<K, V> {
    fn find(&self, key: &K) -> Result<usize, usize> {
        self.entries.binary_search_by(|(k, _)| k.cmp(key))
    }

    /// The value for `key`.
    pub fn get(&self, key: &K) -> Option<&V> {
        self.find(key).ok().map(|i| &self.entries[i].1)
    }

    /// The value for `key`, mutable.
    pub fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        match self.find(key) {
            Ok(i) => Some(&mut self.entries[i].1),
            Err(_) => None,
        }
    }

    /// Whether the map holds `key`.
    pub fn contains_key(&self, key: &K) -> bool {
        self.find(key).is_ok()
    }

    /// Sets `key` to `value`, returning the value it replaced.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.find(&key) {
            Ok(i) => Some(std::mem::replace(&mut self.entries[i].1, value)),
            Err(i) => {
                self.entries.insert(i, (key, value));
                None
            }
        }
    }

    /// Removes `key`, returning its value.
    pub fn remove(&mut self, key: &K) -> Option<V> {
        match self.find(key) {
            Ok(i) => Some(self.entries.remove(i).1),
            Err(_) => None,
        }
    }

    /// The slot for `key`, to read or fill in place.
    pub fn entry(&mut self, key: K) -> Entry<'_, K, V> {
        let slot = self.find(&key);
        Entry {
            map: self,
            slot,
            key,
        }
    }

    /// The entries whose keys fall in `range`, in key order.
    pub fn range<R: RangeBounds<K>>(&self, range: R) -> Iter<'_, K, V> {
        let (lo, hi) = bounds(&self.entries, |(k, _)| k, &range);
        self.entries[lo..hi].iter().map(|(k, v)| (k, v))
    }
}

/// A slot in a [`VecMap`], from [`VecMap::entry`].
pub struct Entry<'a, K, V> {
    map: &'a mut VecMap<K, V>,
    slot: Result<usize, usize>,
    key: K,
}

impl<'a, K, V> Entry<'a, K, V> {
    /// The value, inserting `value` first if the key is absent.
    pub fn or_insert(self, value: V) -> &'a mut V {
        self.or_insert_with(|| value)
    }

    /// The value, inserting `make()` first if the key is absent.
    pub fn or_insert_with(self, make: impl FnOnce() -> V) -> &'a mut V {
        let i = match self.slot {
            Ok(i) => i,
            Err(i) => {
                self.map.entries.insert(i, (self.key, make()));
                i
            }
        };
        &mut self.map.entries[i].1
    }

    /// The value, inserting `V::default()` first if the key is absent.
    pub fn or_default(self) -> &'a mut V
    where
        V: Default,
    {
        self.or_insert_with(V::default)
    }
}

impl<K: Ord, V> Index<&K> for VecMap<K, V> {
    type Output = V;

    fn index(&self, key: &K) -> &V {
        self.get(key).expect("no entry found for key")
    }
}

impl<K: Ord, V> FromIterator<(K, V)> for VecMap<K, V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut map = VecMap::new();
        map.extend(iter);
        map
    }
}

impl<K: Ord, V> Extend<(K, V)> for VecMap<K, V> {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

impl<K, V> IntoIterator for VecMap<K, V> {
    type Item = (K, V);
    type IntoIter = std::vec::IntoIter<(K, V)>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl<'a, K, V> IntoIterator for &'a VecMap<K, V> {
    type Item = (&'a K, &'a V);
    type IntoIter = Iter<'a, K, V>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter().map(|(k, v)| (k, v))
    }
}

/// A set kept sorted in a `Vec`: a small, drop-in stand-in for the parts
/// of `BTreeSet` the engine and patterns use.
#[derive(Clone, PartialEq, Eq)]
pub struct VecSet<T> {
    items: Vec<T>,
}

impl<T> Default for VecSet<T> {
    fn default() -> Self {
        VecSet { items: Vec::new() }
    }
}

impl<T: fmt::Debug> fmt::Debug for VecSet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.items.iter()).finish()
    }
}

impl<T> VecSet<T> {
    /// An empty set.
    pub const fn new() -> Self {
        VecSet { items: Vec::new() }
    }

    /// How many items the set holds.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// The bytes its items take (not what they point to).
    pub fn heap_bytes(&self) -> u64 {
        (self.items.len() * std::mem::size_of::<T>()) as u64
    }

    /// Whether the set holds no items.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Removes every item.
    pub fn clear(&mut self) {
        self.items.clear();
    }

    /// The items in order.
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.items.iter()
    }

    /// The smallest item.
    pub fn first(&self) -> Option<&T> {
        self.items.first()
    }

    /// The largest item.
    pub fn last(&self) -> Option<&T> {
        self.items.last()
    }

    /// Keeps only the items for which `keep` returns true.
    pub fn retain(&mut self, keep: impl FnMut(&T) -> bool) {
        self.items.retain(keep);
    }
}

impl<T: Ord> VecSet<T> {
    /// Whether the set holds `item`.
    pub fn contains(&self, item: &T) -> bool {
        self.items.binary_search(item).is_ok()
    }

    /// Adds `item`; false if it was already there.
    pub fn insert(&mut self, item: T) -> bool {
        match self.items.binary_search(&item) {
            Ok(_) => false,
            Err(i) => {
                self.items.insert(i, item);
                true
            }
        }
    }

    /// Removes `item`; false if it was not there.
    pub fn remove(&mut self, item: &T) -> bool {
        match self.items.binary_search(item) {
            Ok(i) => {
                self.items.remove(i);
                true
            }
            Err(_) => false,
        }
    }

    /// The items that fall in `range`, in order.
    pub fn range<R: RangeBounds<T>>(&self, range: R) -> std::slice::Iter<'_, T> {
        let (lo, hi) = bounds(&self.items, |t| t, &range);
        self.items[lo..hi].iter()
    }
}

impl<T: Ord> FromIterator<T> for VecSet<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut set = VecSet::new();
        set.extend(iter);
        set
    }
}

impl<T: Ord> Extend<T> for VecSet<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        for item in iter {
            self.insert(item);
        }
    }
}

impl<T> IntoIterator for VecSet<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

impl<'a, T> IntoIterator for &'a VecSet<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

/// A set of `u64` kept as sorted, disjoint runs of consecutive values
/// (a [`RunMap`] with no values). For ids handed out in order and mostly
/// all seen (every reading a consumer has billed), it costs memory by its
/// gaps rather than by its size, and so does each snapshot's copy of it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunSet {
    runs: RunMap<()>,
}

impl RunSet {
    /// An empty set.
    pub const fn new() -> Self {
        RunSet {
            runs: RunMap::new(),
        }
    }

    /// Whether the set holds `v`.
    pub fn contains(&self, v: u64) -> bool {
        self.runs.contains_key(v)
    }

    /// Adds `v`; false if it was already there.
    pub fn insert(&mut self, v: u64) -> bool {
        self.runs.insert(v, ()).is_none()
    }

    /// How many values the set holds.
    pub fn len(&self) -> u64 {
        self.runs.len()
    }

    /// Whether the set holds no values.
    pub fn is_empty(&self) -> bool {
        self.runs.is_empty()
    }

    /// The bytes its runs take.
    pub fn heap_bytes(&self) -> u64 {
        self.runs.heap_bytes()
    }
}

/// A map from `u64` keys to small values, kept as sorted runs of
/// consecutive keys that share one value: `(first, last, value)`. For
/// ids handed out in order in batches that share a value (the grid's
/// readings, stored a tick's batch at a time, each with the time it was
/// stored), it costs memory by its batches rather than by its keys, and
/// so does each snapshot's copy of it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunMap<V> {
    runs: Vec<(u64, u64, V)>,
}

impl<V: Copy + PartialEq> RunMap<V> {
    /// An empty map.
    pub const fn new() -> Self {
        RunMap { runs: Vec::new() }
    }

    /// The index of the first run that starts after `k`.
    fn after(&self, k: u64) -> usize {
        self.runs.partition_point(|r| r.0 <= k)
    }

    /// The value of `k`, if the map holds it.
    pub fn get(&self, k: u64) -> Option<V> {
        let i = self.after(k);
        (i > 0 && self.runs[i - 1].1 >= k).then(|| self.runs[i - 1].2)
    }

    /// Whether the map holds `k`.
    pub fn contains_key(&self, k: u64) -> bool {
        self.get(k).is_some()
    }

    /// Sets `k` to `v`; the value it had, if any.
    pub fn insert(&mut self, k: u64, v: V) -> Option<V> {
        if let Some(same) = self.get(k).filter(|&old| old == v) {
            return Some(same);
        }
        let old = self.remove(k);
        let i = self.after(k);
        let joins_prev = i > 0 && self.runs[i - 1].1 + 1 == k && self.runs[i - 1].2 == v;
        let joins_next =
            i < self.runs.len() && k.checked_add(1) == Some(self.runs[i].0) && self.runs[i].2 == v;
        match (joins_prev, joins_next) {
            (true, true) => {
                self.runs[i - 1].1 = self.runs[i].1;
                self.runs.remove(i);
            }
            (true, false) => self.runs[i - 1].1 = k,
            (false, true) => self.runs[i].0 = k,
            (false, false) => self.runs.insert(i, (k, k, v)),
        }
        old
    }

    /// Takes `k` out; the value it had, if any.
    pub fn remove(&mut self, k: u64) -> Option<V> {
        let i = self.after(k);
        if i == 0 || self.runs[i - 1].1 < k {
            return None;
        }
        let (first, last, v) = self.runs[i - 1];
        if first == last {
            self.runs.remove(i - 1);
        } else if k == first {
            self.runs[i - 1].0 = k + 1;
        } else if k == last {
            self.runs[i - 1].1 = k - 1;
        } else {
            self.runs[i - 1].1 = k - 1;
            self.runs.insert(i, (k + 1, last, v));
        }
        Some(v)
    }

    /// Every key and its value, in key order, a run at a time.
    pub fn runs(&self) -> impl Iterator<Item = (std::ops::RangeInclusive<u64>, V)> + '_ {
        self.runs.iter().map(|r| (r.0..=r.1, r.2))
    }

    /// Every key, in order.
    pub fn keys(&self) -> impl Iterator<Item = u64> + '_ {
        self.runs.iter().flat_map(|r| r.0..=r.1)
    }

    /// The smallest key and its value.
    pub fn first(&self) -> Option<(u64, V)> {
        self.runs.first().map(|r| (r.0, r.2))
    }

    /// The largest key and its value.
    pub fn last(&self) -> Option<(u64, V)> {
        self.runs.last().map(|r| (r.1, r.2))
    }

    /// How many keys the map holds.
    pub fn len(&self) -> u64 {
        self.runs.iter().map(|r| r.1 - r.0 + 1).sum()
    }

    /// Whether the map holds no keys.
    pub fn is_empty(&self) -> bool {
        self.runs.is_empty()
    }

    /// The bytes its runs take.
    pub fn heap_bytes(&self) -> u64 {
        (self.runs.len() * std::mem::size_of::<(u64, u64, V)>()) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, BTreeSet};

    /// A run map answers as a `BTreeMap` does, whatever order keys come
    /// and go in, and keeps one run per stretch of consecutive keys with
    /// one value.
    #[test]
    fn a_run_map_holds_what_a_btree_map_holds() {
        let mut x = 99u64;
        let mut next = |n: u64| {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (x >> 33) % n
        };
        for (spread, values) in [(8, 2), (200, 3), (5_000, 1), (5_000, 40)] {
            let (mut runs, mut want) = (RunMap::new(), BTreeMap::new());
            for step in 0..6_000 {
                let k = next(spread);
                if next(3) == 0 {
                    assert_eq!(runs.remove(k), want.remove(&k), "remove {k}");
                } else {
                    let v = next(values);
                    assert_eq!(runs.insert(k, v), want.insert(k, v), "insert {k}");
                }
                if step % 500 == 0 {
                    assert!(runs.keys().eq(want.keys().copied()), "keys");
                }
            }
            for k in 0..spread + 2 {
                assert_eq!(runs.get(k), want.get(&k).copied(), "get {k}");
                assert_eq!(runs.contains_key(k), want.contains_key(&k));
            }
            assert_eq!(runs.len(), want.len() as u64);
            assert_eq!(runs.is_empty(), want.is_empty());
            assert_eq!(runs.first(), want.first_key_value().map(|(&k, &v)| (k, v)));
            assert_eq!(runs.last(), want.last_key_value().map(|(&k, &v)| (k, v)));
            let flat: Vec<(u64, u64)> = runs
                .runs()
                .flat_map(|(ks, v)| ks.map(move |k| (k, v)))
                .collect();
            assert_eq!(flat, want.iter().map(|(&k, &v)| (k, v)).collect::<Vec<_>>());
            let stretches = want
                .iter()
                .filter(|&(&k, v)| k == 0 || want.get(&(k - 1)) != Some(v))
                .count();
            assert_eq!(runs.runs.len(), stretches, "spread {spread}");
        }
        // Ids stored a batch at a time and taken out oldest first, as the
        // grid's readings are: one run per batch.
        let mut grid = RunMap::new();
        for id in 1..=2_400u64 {
            grid.insert(id, (id - 1) / 24 * 1_000);
        }
        assert_eq!(grid.runs.len(), 100);
        for id in 1..=30 {
            assert_eq!(grid.remove(id), Some((id - 1) / 24 * 1_000));
        }
        assert_eq!((grid.first(), grid.runs.len()), (Some((31, 1_000)), 99));
        let mut edge = RunMap::new();
        edge.insert(u64::MAX, 1);
        edge.insert(u64::MAX - 1, 1);
        edge.insert(0, 1);
        assert_eq!((edge.len(), edge.runs.len()), (3, 2));
        assert_eq!(edge.remove(u64::MAX), Some(1));
        assert_eq!(edge.remove(0), Some(1));
        assert_eq!(edge.keys().collect::<Vec<_>>(), vec![u64::MAX - 1]);
    }

    /// A run set answers as a `BTreeSet` does, whatever order values come
    /// in, and keeps one run per stretch of consecutive values.
    #[test]
    fn a_run_set_holds_what_a_btree_set_holds() {
        let mut x = 12_345u64;
        let mut next = |n: u64| {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (x >> 33) % n
        };
        for spread in [8, 100, 5_000] {
            let (mut runs, mut want) = (RunSet::new(), BTreeSet::new());
            for _ in 0..3_000 {
                let v = next(spread);
                assert_eq!(runs.insert(v), want.insert(v), "insert {v}");
            }
            for v in 0..spread + 2 {
                assert_eq!(runs.contains(v), want.contains(&v), "contains {v}");
            }
            assert_eq!(runs.len(), want.len() as u64);
            let stretches = want
                .iter()
                .filter(|&&v| v == 0 || !want.contains(&(v - 1)))
                .count();
            assert_eq!(runs.runs.runs.len(), stretches, "spread {spread}");
        }
        let mut edge = RunSet::new();
        assert!(edge.insert(u64::MAX) && edge.insert(0) && edge.insert(u64::MAX - 1));
        assert!(!edge.insert(u64::MAX) && edge.contains(u64::MAX - 1) && !edge.contains(1));
        assert_eq!((edge.len(), edge.runs.runs.len()), (3, 2));
    }

    #[test]
    fn map_matches_btreemap() {
        let mut a = VecMap::new();
        let mut b = BTreeMap::new();
        let mut x: u64 = 7;
        for _ in 0..2000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let k = (x >> 33) % 97;
            match x % 5 {
                0 => assert_eq!(a.remove(&k), b.remove(&k)),
                1 => *a.entry(k).or_insert(0) += 1,
                _ => assert_eq!(a.insert(k, x), b.insert(k, x)),
            }
            if x % 5 == 1 {
                *b.entry(k).or_insert(0) += 1;
            }
            assert_eq!(a.len(), b.len());
        }
        assert!(a.iter().eq(b.iter()));
        assert!(a.range(10..50).eq(b.range(10..50)));
        assert!(a.range(..=20).eq(b.range(..=20)));
        assert_eq!(a.first_key_value(), b.first_key_value());
        assert_eq!(a.last_key_value(), b.last_key_value());
    }

    #[test]
    fn set_matches_btreeset() {
        let mut a = VecSet::new();
        let mut b = BTreeSet::new();
        for k in [5u8, 3, 9, 3, 1, 9, 7] {
            assert_eq!(a.insert(k), b.insert(k));
        }
        assert_eq!(a.remove(&3), b.remove(&3));
        assert_eq!(a.remove(&3), b.remove(&3));
        assert!(a.iter().eq(b.iter()));
        assert!(a.range(2..8).eq(b.range(2..8)));
        assert_eq!(a.first(), b.first());
        assert_eq!(a.last(), b.last());
    }
}
