//! Percentile ranks of millions of values (the value index): every rank by one sort, or,
//! when only a few thresholds are asked (tiers, the recall floor), the value where a rank
//! is reached by order statistics in linear time.

/// Percentile rank of the group of tied values at sorted positions `i..=j` of `n`: the share
/// of values strictly below, ties averaged, 0–100.
fn rank_of(i: usize, j: usize, n: usize) -> f64 {
    if n > 1 {
        100.0 * ((i + j) as f64 / 2.0) / (n - 1) as f64
    } else {
        100.0
    }
}

/// Indexes of `values` in ascending order (ties in any order: every caller gives tied
/// values the same result). Sorting (value, index) pairs in place is several times faster
/// than sorting indexes that look their values up.
/// Millions of values are sorted in two halves side by side, then merged.
fn ascending(values: &[f64]) -> Vec<usize> {
    let mut pairs: Vec<(f64, usize)> = values.iter().copied().zip(0..).collect();
    let by_value = |a: &(f64, usize), b: &(f64, usize)| a.0.total_cmp(&b.0);
    if pairs.len() < 1 << 16 {
        pairs.sort_unstable_by(by_value);
        return pairs.into_iter().map(|p| p.1).collect();
    }
    let mid = pairs.len() / 2;
    let (a, b) = pairs.split_at_mut(mid);
    std::thread::scope(|s| {
        s.spawn(|| b.sort_unstable_by(by_value));
        a.sort_unstable_by(by_value);
    });
    let (a, b) = pairs.split_at(mid);
    let mut out = Vec::with_capacity(pairs.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if by_value(&b[j], &a[i]).is_lt() {
            out.push(b[j].1);
            j += 1;
        } else {
            out.push(a[i].1);
            i += 1;
        }
    }
    out.extend(a[i..].iter().map(|p| p.1));
    out.extend(b[j..].iter().map(|p| p.1));
    out
}

/// Percentile rank 0–100 (share of users strictly below, ties averaged).
pub(super) fn percentiles(values: &[f64]) -> Vec<f64> {
    let n = values.len();
    let order = ascending(values);
    let mut out = vec![0.0; n];
    let mut i = 0;
    while i < n {
        let mut j = i;
        while j + 1 < n && values[order[j + 1]] == values[order[i]] {
            j += 1;
        }
        let pct = rank_of(i, j, n);
        for &k in &order[i..=j] {
            out[k] = pct;
        }
        i = j + 1;
    }
    out
}

/// Where each percentile rank of `cs` is reached: for each `c`, a threshold `t` with
/// `t.below(values[k])` exactly when `percentiles(values)[k] < c`. `None` when a value is
/// NaN, which ranks apart: ask [`percentiles`] then.
///
/// Let `p` be the first sorted position whose own rank reaches `c`. Every group of ties
/// ending before `p` ranks below `c` and every group starting after it reaches `c`, so the
/// answer is the group holding the `p`-th smallest value, or the one after it. That takes
/// order statistics, one count of the values below each candidate, and rarely a search for
/// the next value: linear time, where every rank takes a sort.
pub(super) fn rank_thresholds(values: &[f64], cs: &[f64]) -> Option<Vec<Threshold>> {
    if values.iter().any(|v| v.is_nan()) {
        return None;
    }
    let n = values.len();
    let firsts: Vec<Option<usize>> = cs.iter().map(|c| first_reaching(*c, n)).collect();
    let candidates = order_statistics(values, &firsts);
    // Each candidate's group of ties: how many values are below it, and up to it.
    let mut below = vec![0usize; cs.len()];
    let mut upto = vec![0usize; cs.len()];
    for x in values {
        for (k, v) in candidates.iter().enumerate() {
            below[k] += usize::from(x < v);
            upto[k] += usize::from(x <= v);
        }
    }
    let threshold = |k: usize| {
        if cs[k].is_nan() {
            // `rank < NaN` is false for every rank.
            return Threshold::At(f64::NEG_INFINITY);
        }
        let (Some(_), v) = (firsts[k], candidates[k]) else {
            return Threshold::Above;
        };
        if rank_of(below[k], upto[k] - 1, n) >= cs[k] {
            Threshold::At(v)
        } else if upto[k] < n {
            // The next group up: its first position is past `p`, so it reaches `c`.
            Threshold::At(
                values
                    .iter()
                    .copied()
                    .filter(|x| *x > v)
                    .fold(f64::MAX, f64::min),
            )
        } else {
            Threshold::Above
        }
    };
    Some((0..cs.len()).map(threshold).collect())
}

/// The first sorted position of `n` whose own rank ([`rank_of`] of `p..=p`) reaches `c`, by
/// bisection on the formula; `None` when none does.
fn first_reaching(c: f64, n: usize) -> Option<usize> {
    if n == 0 || !(rank_of(n - 1, n - 1, n) >= c) {
        return None;
    }
    let (mut lo, mut hi) = (0, n - 1);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if rank_of(mid, mid, n) >= c {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    Some(lo)
}

/// The value at each sorted position asked (by `total_cmp`; any value for `None`), selected
/// on one copy of the values in ascending position, each search right of the last.
fn order_statistics(values: &[f64], positions: &[Option<usize>]) -> Vec<f64> {
    let mut asked: Vec<(usize, usize)> = positions
        .iter()
        .enumerate()
        .filter_map(|(k, p)| p.map(|p| (p, k)))
        .collect();
    asked.sort_unstable();
    let mut out = vec![0.0; positions.len()];
    let mut scratch = values.to_vec();
    let mut done = 0;
    for (p, k) in asked {
        let (_, nth, _) = scratch[done..].select_nth_unstable_by(p - done, f64::total_cmp);
        out[k] = *nth;
        done = p;
    }
    out
}

/// A percentile rank's threshold on the ranked values (see [`rank_thresholds`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Threshold {
    /// Values below this one rank below the percentile.
    At(f64),
    /// Every value ranks below the percentile.
    Above,
}

impl Threshold {
    /// Whether `v`, one of the ranked values, ranks below the percentile.
    pub(super) fn below(self, v: f64) -> bool {
        match self {
            Threshold::At(t) => v < t,
            Threshold::Above => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_average_ties() {
        assert_eq!(
            percentiles(&[3.0, 1.0, 2.0, 2.0]),
            vec![100.0, 0.0, 50.0, 50.0]
        );
    }

    /// For every value and a sweep of ranks (the shipped cuts, the edges, ranks between
    /// groups of ties), the threshold answers `rank < c` exactly as the full ranks do.
    #[test]
    fn thresholds_agree_with_every_rank() {
        let mut seed = 11u64;
        let mut next = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            seed >> 33
        };
        for n in [1usize, 2, 3, 4, 5, 7, 10, 20, 99, 1000, 5000] {
            for spread in [1u64, 2, 3, 10, 1 << 20] {
                let v: Vec<f64> = (0..n).map(|_| (next() % spread) as f64 * 0.25).collect();
                let ranks = percentiles(&v);
                let mut cs: Vec<f64> = vec![-1.0, 0.0, 5.0, 20.0, 50.0, 80.0, 95.0, 100.0, 101.0];
                cs.extend(ranks.iter().take(20).flat_map(|r| [*r, r - 1e-9, r + 1e-9]));
                let ts = rank_thresholds(&v, &cs).expect("no NaN");
                for (c, t) in cs.iter().zip(ts) {
                    for (x, r) in v.iter().zip(&ranks) {
                        assert_eq!(t.below(*x), *r < *c, "n {n} spread {spread} c {c} x {x}");
                    }
                }
            }
        }
    }

    #[test]
    fn nan_values_are_left_to_the_full_ranks() {
        assert_eq!(rank_thresholds(&[1.0, f64::NAN], &[50.0]), None);
        let t = rank_thresholds(&[1.0, 2.0], &[f64::NAN]).unwrap()[0];
        assert!(!t.below(1.0) && !t.below(2.0));
        assert_eq!(rank_thresholds(&[], &[50.0]), Some(vec![Threshold::Above]));
    }
}
