//! RiskLoc (Kalander, 2022, "RiskLoc: Localization of Multi-dimensional Root Causes by
//! Weighted Risk"): finds combinations across dimensions (region=广东 ∧ device=android), not
//! only single elements.
//!
//! Each leaf gets a deviation score 2(f − v)/(f + v). A cutoff taken from the tail opposite
//! the anomaly splits leaves into abnormal and normal, each weighted by how far it sits from
//! the cutoff. Cuboids are searched layer by layer; within a cuboid, elements in order of
//! explanatory power are tested for *risk* = the weighted share of abnormal leaves inside
//! them, less how unevenly the element's own leaves moved (a real cause moves its leaves
//! alike). The first element past the risk threshold is a root cause; its leaves are removed
//! and the search repeats until what is left of the abnormal change is too small to matter.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::{check, Candidate, Cell, Frame, Rca, RcaError};

/// RiskLoc's thresholds (the paper's defaults).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct RiskParams {
    /// An element is a cause when its risk score reaches this (0.5).
    pub risk_threshold: f64,
    /// Search stops when the abnormal leaves left explain less than this share of the
    /// abnormal change (0.02).
    pub pep_threshold: f64,
    /// The cutoff is the deviation of the (n + 1)-th leaf from the far tail (5).
    pub n_remove: usize,
    /// The deepest cuboid layer searched (combinations of this many dimensions).
    pub max_layer: usize,
}

impl Default for RiskParams {
    fn default() -> Self {
        RiskParams {
            risk_threshold: 0.5,
            pep_threshold: 0.02,
            n_remove: 5,
            max_layer: 3,
        }
    }
}

/// A leaf with its scores.
struct Leaf<'a> {
    dims: &'a [String],
    real: f64,
    predict: f64,
    ep: f64,
    deviation: f64,
    abnormal: bool,
    weight: f64,
}

/// Runs RiskLoc over `cells` whose dimension names are `dims`.
pub fn riskloc(dims: &[String], cells: &[Cell], p: &RiskParams) -> Result<Rca, RcaError> {
    let (a, f) = check(dims, cells)?;
    let frame = Frame { a, f };
    let mut leaves = score(cells, &frame, p.n_remove);
    let abnormal_ep = |ls: &[Leaf]| ls.iter().filter(|l| l.abnormal).map(|l| l.ep).sum::<f64>();
    if abnormal_ep(&leaves) < 0.0 {
        leaves.iter_mut().for_each(|l| l.ep = -l.ep);
    }
    let floor = abnormal_ep(&leaves) * p.pep_threshold;
    let layers = p.max_layer.clamp(1, dims.len());
    let mut pruned: BTreeSet<(usize, String)> = BTreeSet::new();
    let mut causes = Vec::new();
    let mut candidates = Vec::new();
    while abnormal_ep(&leaves) >= floor && !leaves.is_empty() {
        let Some((cuboid, element, risk, ep)) = search(&leaves, layers, floor, p, &mut pruned)
        else {
            break;
        };
        let inside = |l: &Leaf| cuboid.iter().zip(&element).all(|(d, v)| &l.dims[*d] == v);
        let (ae, fe) = super::totals(
            cells
                .iter()
                .filter(|c| cuboid.iter().zip(&element).all(|(d, v)| &c.dims[*d] == v)),
        );
        let combination: BTreeMap<String, String> = cuboid
            .iter()
            .zip(&element)
            .map(|(d, v)| (dims[*d].clone(), v.clone()))
            .collect();
        candidates.push(Candidate {
            combination: combination.clone(),
            explanatory_power: ep,
            surprise: frame.surprise(ae, fe),
            risk: Some(risk),
            share: frame.share(fe),
            actual: ae.metric(),
            expected: fe.metric(),
        });
        causes.push(combination);
        leaves.retain(|l| !inside(l));
    }
    Ok(Rca {
        actual: a.metric(),
        expected: f.metric(),
        root_cause_set: causes,
        candidates,
    })
}

/// Leaves with explanatory power, deviation, partition and weight.
fn score<'a>(cells: &'a [Cell], frame: &Frame, n_remove: usize) -> Vec<Leaf<'a>> {
    let mut leaves: Vec<Leaf> = cells
        .iter()
        .map(|c| {
            let (real, predict) = (c.actual.metric(), c.expected.metric());
            let deviation = if predict + real != 0.0 {
                2.0 * (predict - real) / (predict + real)
            } else {
                0.0
            };
            Leaf {
                dims: &c.dims,
                real,
                predict,
                ep: frame.power(c.actual, c.expected),
                deviation: if deviation.is_finite() {
                    deviation
                } else {
                    0.0
                },
                abnormal: false,
                weight: 0.0,
            }
        })
        .collect();
    let cutoff = cutoff(&leaves, n_remove);
    let right = cutoff.is_sign_positive();
    for l in &mut leaves {
        l.abnormal = if right {
            l.deviation > cutoff
        } else {
            l.deviation < cutoff
        };
        l.weight = if l.abnormal {
            l.deviation.abs()
        } else if l.real == 0.0 && l.predict == 0.0 {
            0.0
        } else {
            (cutoff - l.deviation).abs()
        }
        .min(1.0);
    }
    leaves
}

/// The deviation (negated) of the (n + 1)-th distinct value from whichever tail is nearer
/// zero: normal leaves scatter on both sides of zero, so the tail opposite the anomaly says
/// how far noise alone reaches.
fn cutoff(leaves: &[Leaf], n_remove: usize) -> f64 {
    let mut devs: Vec<f64> = leaves.iter().map(|l| l.deviation).collect();
    devs.sort_by(f64::total_cmp);
    devs.dedup();
    if devs.is_empty() {
        return 0.0;
    }
    let k = n_remove.min(devs.len() - 1);
    let low = devs[k];
    let high = devs[devs.len() - 1 - k];
    -if low.abs() <= high.abs() { low } else { high }
}

/// The first root cause found layer by layer: (cuboid, element, risk, explanatory power).
fn search(
    leaves: &[Leaf],
    layers: usize,
    floor: f64,
    p: &RiskParams,
    pruned: &mut BTreeSet<(usize, String)>,
) -> Option<(Vec<usize>, Vec<String>, f64, f64)> {
    let n_dims = leaves.first()?.dims.len();
    for layer in 1..=layers {
        let mut best: Option<(Vec<usize>, Vec<String>, f64, f64)> = None;
        for cuboid in combinations(n_dims, layer) {
            let kept: Vec<&Leaf> = leaves
                .iter()
                .filter(|l| {
                    !cuboid
                        .iter()
                        .any(|d| pruned.contains(&(*d, l.dims[*d].clone())))
                })
                .collect();
            let groups = group(&kept, &cuboid);
            if layer == 1 {
                // A single element with no abnormal leaf, or too little positive power, is
                // not looked inside again.
                for (e, g) in &groups {
                    if g.ep_z < floor || g.abnormal == 0 {
                        pruned.insert((cuboid[0], e[0].clone()));
                    }
                }
            }
            let bar = best.as_ref().map_or(floor, |b| b.3);
            let mut ranked: Vec<(&Vec<String>, &Group)> = groups
                .iter()
                .filter(|(_, g)| g.abnormal > 0 && g.ep > bar)
                .collect();
            ranked.sort_by(|x, y| y.1.ep.total_cmp(&x.1.ep));
            for (e, g) in ranked {
                let selection: Vec<&Leaf> = kept
                    .iter()
                    .copied()
                    .filter(|l| cuboid.iter().zip(e).all(|(d, v)| &l.dims[*d] == v))
                    .collect();
                let risk = high_risk(&selection) - low_risk(&selection);
                if risk >= p.risk_threshold {
                    best = Some((cuboid.clone(), e.clone(), risk, g.ep));
                    break;
                }
            }
        }
        if best.is_some() {
            return best;
        }
    }
    None
}

/// An element's sums over its leaves.
#[derive(Default)]
struct Group {
    ep: f64,
    ep_z: f64,
    abnormal: usize,
}

fn group(leaves: &[&Leaf], cuboid: &[usize]) -> BTreeMap<Vec<String>, Group> {
    let mut groups: BTreeMap<Vec<String>, Group> = BTreeMap::new();
    for l in leaves {
        let key: Vec<String> = cuboid.iter().map(|d| l.dims[*d].clone()).collect();
        let g = groups.entry(key).or_default();
        g.ep += l.ep;
        g.ep_z += l.ep.max(0.0);
        g.abnormal += usize::from(l.abnormal);
    }
    groups
}

/// Weighted share of abnormal leaves (one pseudo-count of normal weight).
fn high_risk(selection: &[&Leaf]) -> f64 {
    let (mut abnormal, mut normal) = (0.0, 1.0);
    for l in selection {
        if l.abnormal {
            abnormal += l.weight;
        } else {
            normal += l.weight;
        }
    }
    abnormal / (abnormal + normal)
}

/// How unevenly the element's leaves moved: their deviations from the element's own scaled
/// forecast, relative to their deviations from the forecast (0 when they moved alike).
fn low_risk(selection: &[&Leaf]) -> f64 {
    let live: Vec<&&Leaf> = selection
        .iter()
        .filter(|l| l.real != 0.0 && l.predict != 0.0)
        .collect();
    if live.is_empty() {
        return 0.0;
    }
    let real: f64 = live.iter().map(|l| l.real).sum();
    let predict: f64 = live.iter().map(|l| l.predict).sum();
    let n = live.len() as f64;
    let w1 = live
        .iter()
        .map(|l| {
            let a = l.predict * real / predict;
            let d = 2.0 * (a - l.real) / (a + l.real);
            if d.is_finite() {
                d.abs()
            } else {
                0.0
            }
        })
        .sum::<f64>()
        / n;
    let w2 = live.iter().map(|l| l.deviation.abs()).sum::<f64>() / n;
    if w2 != 0.0 {
        w1 / w2
    } else {
        0.0
    }
}

/// Every `k`-subset of `0..n`, in lexicographic order.
fn combinations(n: usize, k: usize) -> Vec<Vec<usize>> {
    let mut out = Vec::new();
    let mut idx: Vec<usize> = (0..k).collect();
    if k == 0 || k > n {
        return out;
    }
    loop {
        out.push(idx.clone());
        let Some(i) = (0..k).rev().find(|&i| idx[i] != i + n - k) else {
            return out;
        };
        idx[i] += 1;
        for j in i + 1..k {
            idx[j] = idx[j - 1] + 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rca::Value;

    fn cell(dims: &[&str], actual: f64, expected: f64) -> Cell {
        Cell {
            dims: dims.iter().map(|s| s.to_string()).collect(),
            actual: Value::sum(actual),
            expected: Value::sum(expected),
        }
    }

    #[test]
    fn combinations_are_every_subset_once() {
        assert_eq!(
            combinations(4, 2),
            vec![
                vec![0, 1],
                vec![0, 2],
                vec![0, 3],
                vec![1, 2],
                vec![1, 3],
                vec![2, 3]
            ]
        );
        assert_eq!(combinations(3, 3), vec![vec![0, 1, 2]]);
        assert!(combinations(2, 3).is_empty());
    }

    /// A drop confined to region=广东 ∧ device=android (both dimensions needed, across every
    /// traffic source): RiskLoc names the pair, not the region or the device alone.
    #[test]
    fn a_two_dimension_cause_is_found_as_a_pair() {
        let regions = ["广东", "江苏", "浙江", "山东", "河南", "四川"];
        let devices = ["android", "iphone", "pc"];
        let sources = ["feed", "search", "live", "mall"];
        let mut cells = Vec::new();
        for (i, r) in regions.iter().enumerate() {
            for (j, d) in devices.iter().enumerate() {
                for (k, s) in sources.iter().enumerate() {
                    // Expected 100–550 per leaf with ±3 % noise in the actuals.
                    let f = 100.0 + 50.0 * (i + j + k) as f64;
                    let noise = 1.0 + 0.03 * (((i * 7 + j * 3 + k * 5) % 5) as f64 - 2.0) / 2.0;
                    let hit = *r == "广东" && *d == "android";
                    cells.push(cell(&[r, d, s], f * noise * if hit { 0.4 } else { 1.0 }, f));
                }
            }
        }
        let dims = vec!["region".into(), "device".into(), "source".into()];
        let r = riskloc(&dims, &cells, &RiskParams::default()).unwrap();
        let want: BTreeMap<String, String> = [("device", "android"), ("region", "广东")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(r.root_cause_set, vec![want], "{:?}", r.candidates);
        assert!(r.candidates[0].explanatory_power > 0.9);
    }

    /// A drop across a whole region is that region, not its leaves.
    #[test]
    fn a_one_dimension_cause_is_the_element_not_its_leaves() {
        let mut cells = Vec::new();
        for r in ["a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8"] {
            for d in ["b1", "b2", "b3", "b4", "b5", "b6", "b7", "b8"] {
                let f = 200.0;
                let wobble = if (r.len() + d.as_bytes()[1] as usize).is_multiple_of(2) {
                    1.02
                } else {
                    0.98
                };
                cells.push(cell(
                    &[r, d],
                    f * wobble * if r == "a3" { 0.5 } else { 1.0 },
                    f,
                ));
            }
        }
        let dims = vec!["a".to_string(), "b".to_string()];
        let r = riskloc(&dims, &cells, &RiskParams::default()).unwrap();
        assert_eq!(r.root_cause_set.len(), 1, "{:?}", r.root_cause_set);
        assert_eq!(r.root_cause_set[0].get("a").map(String::as_str), Some("a3"));
        assert_eq!(r.root_cause_set[0].len(), 1);
    }
}
