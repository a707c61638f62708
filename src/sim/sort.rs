//! One stable sort for the whole crate.
//!
//! `slice::sort_by` is instantiated once per element and comparator type,
//! and each copy is a few KB of wasm. [`sort_by`] sorts indices with a
//! type-erased comparator instead, so std's sort exists once, then moves
//! the elements into place. It is stable, like `slice::sort_by`, so the
//! result is the same; it is meant for the small vectors tables and
//! handlers sort, not for hot loops.

use std::cmp::Ordering;

/// Sorts `v` stably by `cmp` (same result as `v.sort_by(cmp)`).
pub fn sort_by<T>(v: &mut Vec<T>, cmp: impl Fn(&T, &T) -> Ordering) {
    let order = sorted_order(v.len(), &|a, b| cmp(&v[a], &v[b]));
    let mut slots: Vec<Option<T>> = v.drain(..).map(Some).collect();
    v.extend(
        order
            .into_iter()
            .map(|i| slots[i].take().expect("each index once")),
    );
}

/// Sorts `v` stably by `key` (same result as `v.sort_by_key(key)`).
pub fn sort_by_key<T, K: Ord>(v: &mut Vec<T>, key: impl Fn(&T) -> K) {
    sort_by(v, |a, b| key(a).cmp(&key(b)));
}

/// The indices `0..n` stably sorted by `cmp`.
#[inline(never)]
fn sorted_order(n: usize, cmp: &dyn Fn(usize, usize) -> Ordering) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..n).collect();
    idx.sort_by(|&a, &b| cmp(a, b));
    idx
}

#[cfg(test)]
mod tests {
    #[test]
    fn matches_std_stable_sort() {
        let mut x: u64 = 3;
        let v: Vec<(u8, u32)> = (0..300)
            .map(|i| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((x >> 60) as u8, i)
            })
            .collect();
        let mut a = v.clone();
        let mut b = v;
        super::sort_by_key(&mut a, |p| p.0);
        b.sort_by_key(|p| p.0);
        assert_eq!(a, b);
    }
}
