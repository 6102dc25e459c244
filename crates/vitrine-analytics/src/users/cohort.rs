//! Cohort retention and repurchase matrices, by first-purchase month or acquisition source.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

/// One cohort's row: size, retention by month offset (offset 0 = 1.0) and cumulative
/// repurchase (share who bought again within k months).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CohortRow {
    pub cohort: String,
    pub size: usize,
    pub retention: Vec<f64>,
    pub repurchase: Vec<f64>,
}

/// A cohort matrix keyed by first-purchase month or by acquisition source.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CohortMatrix {
    /// `month` or `source`.
    pub by: &'static str,
    pub rows: Vec<CohortRow>,
}

/// Builds both matrices from (user, purchase month index, first-order source) rows, one per
/// user and month with a purchase; month index = year × 12 + month − 1. Shares at offset k
/// are over the cohort's users old enough (first month ≤ `last_month` − k) to be observed.
pub fn cohorts(purchases: &[(String, i32, String)], last_month: i32) -> [CohortMatrix; 2] {
    let mut users: BTreeMap<&str, (BTreeSet<i32>, &str)> = BTreeMap::new();
    for (user, month, source) in purchases {
        let e = users
            .entry(user)
            .or_insert_with(|| (BTreeSet::new(), source.as_str()));
        e.0.insert(*month);
    }
    let by_month = build("month", &users, last_month, |months, _| {
        months
            .first()
            .map(|m| format!("{:04}-{:02}", m.div_euclid(12), m.rem_euclid(12) + 1))
    });
    let by_source = build("source", &users, last_month, |_, source| {
        Some(source.to_string())
    });
    [by_month, by_source]
}

#[derive(Default)]
struct Acc {
    size: usize,
    /// Users old enough to be observed at offset k.
    eligible: Vec<usize>,
    active: Vec<usize>,
    repurchased: Vec<usize>,
}

fn bump(v: &mut Vec<usize>, k: usize) {
    if v.len() <= k {
        v.resize(k + 1, 0);
    }
    v[k] += 1;
}

fn build(
    by: &'static str,
    users: &BTreeMap<&str, (BTreeSet<i32>, &str)>,
    last_month: i32,
    key: impl Fn(&BTreeSet<i32>, &str) -> Option<String>,
) -> CohortMatrix {
    let mut acc: BTreeMap<String, Acc> = BTreeMap::new();
    for (months, source) in users.values() {
        let (Some(k), Some(&first)) = (key(months, source), months.first()) else {
            continue;
        };
        let span = (last_month - first).max(0) as usize;
        let e = acc.entry(k).or_default();
        e.size += 1;
        for k in 0..=span {
            bump(&mut e.eligible, k);
        }
        let again = months
            .iter()
            .map(|m| (m - first) as usize)
            .find(|off| *off > 0);
        for &m in months {
            let off = (m - first) as usize;
            if off <= span {
                bump(&mut e.active, off);
            }
        }
        if let Some(first_again) = again {
            for k in first_again..=span {
                bump(&mut e.repurchased, k);
            }
        }
    }
    let rows = acc
        .into_iter()
        .map(|(cohort, a)| {
            let share = |v: &Vec<usize>, k: usize| {
                v.get(k).copied().unwrap_or(0) as f64 / a.eligible[k] as f64
            };
            let n = a.eligible.len();
            CohortRow {
                cohort,
                size: a.size,
                retention: (0..n).map(|k| share(&a.active, k)).collect(),
                repurchase: (0..n).map(|k| share(&a.repurchased, k)).collect(),
            }
        })
        .collect();
    CohortMatrix { by, rows }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_built_cohorts() {
        // 2026-01 cohort: a buys in Jan, Feb; b in Jan, Mar; c only Jan. 2026-02: d in Feb, Mar.
        let m = |y: i32, mo: i32| y * 12 + mo - 1;
        let rows: Vec<(String, i32, String)> = [
            ("a", m(2026, 1), "live"),
            ("a", m(2026, 2), "live"),
            ("b", m(2026, 1), "video"),
            ("b", m(2026, 3), "video"),
            ("c", m(2026, 1), "live"),
            ("d", m(2026, 2), "live"),
            ("d", m(2026, 3), "live"),
        ]
        .iter()
        .map(|(u, mo, s)| (u.to_string(), *mo, s.to_string()))
        .collect();
        let [by_month, by_source] = cohorts(&rows, m(2026, 3));
        let jan = &by_month.rows[0];
        assert_eq!((jan.cohort.as_str(), jan.size), ("2026-01", 3));
        let third = 1.0 / 3.0;
        assert_eq!(jan.retention, vec![1.0, third, third]);
        assert_eq!(jan.repurchase, vec![0.0, third, 2.0 * third]);
        let feb = &by_month.rows[1];
        assert_eq!((feb.size, feb.retention.clone()), (1, vec![1.0, 1.0]));
        // Source cohorts mix first months: offset 2 is observable only for a and c.
        let live = by_source.rows.iter().find(|r| r.cohort == "live").unwrap();
        assert_eq!(live.size, 3);
        assert_eq!(live.retention, vec![1.0, 2.0 / 3.0, 0.0]);
        assert_eq!(live.repurchase, vec![0.0, 2.0 / 3.0, 0.5]);
    }
}
