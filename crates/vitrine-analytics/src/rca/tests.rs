//! Hand-built cubes whose cause is known.

use super::*;

const REGIONS: [&str; 4] = ["广东", "浙江", "北京", "上海"];
const DEVICES: [&str; 3] = ["android", "ios", "pc"];

fn dims() -> Vec<String> {
    vec!["region".into(), "device".into()]
}

fn sum(v: f64) -> Value {
    Value::sum(v)
}

fn cube(actual: impl Fn(&str, &str) -> f64) -> Vec<Cell> {
    let mut cells = Vec::new();
    for r in REGIONS {
        for d in DEVICES {
            cells.push(Cell {
                dims: vec![r.into(), d.into()],
                actual: sum(actual(r, d)),
                expected: sum(100.0),
            });
        }
    }
    cells
}

fn combo(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn a_whole_region_dropping_is_the_cause() {
    let cells = cube(|r, _| if r == "广东" { 40.0 } else { 100.0 });
    let rca = adtributor(&dims(), &cells, &Params::default()).unwrap();
    assert_eq!(rca.root_cause_set, vec![combo(&[("region", "广东")])]);
    let top = &rca.candidates[0];
    assert_eq!(top.combination, combo(&[("region", "广东")]));
    // All of the change (−180) sits in 广东: EP = 1; JS surprise of shares 1/4 → 120/1020.
    assert!((top.explanatory_power - 1.0).abs() < 1e-12);
    let (p, q): (f64, f64) = (0.25, 120.0 / 1020.0);
    let m = (p + q) / 2.0;
    let js = 0.5 * (p * (p / m).ln() + q * (q / m).ln());
    assert!((top.surprise - js).abs() < 1e-12);
    assert_eq!((rca.expected, rca.actual), (1200.0, 1020.0));
}

#[test]
fn a_nested_cause_is_found_inside_its_parent() {
    let cells = cube(|r, d| {
        if r == "广东" && d == "android" {
            10.0
        } else {
            100.0
        }
    });
    let rca = adtributor(&dims(), &cells, &Params::default()).unwrap();
    assert_eq!(
        rca.root_cause_set,
        vec![combo(&[("region", "广东"), ("device", "android")])]
    );
    assert_eq!(rca.candidates[0].combination, rca.root_cause_set[0]);
}

#[test]
fn two_regions_share_the_blame() {
    let cells = cube(|r, _| match r {
        "广东" => 50.0,
        "浙江" => 60.0,
        _ => 100.0,
    });
    let rca = adtributor(&dims(), &cells, &Params::default()).unwrap();
    let mut got = rca.root_cause_set.clone();
    got.sort();
    let mut want = vec![combo(&[("region", "广东")]), combo(&[("region", "浙江")])];
    want.sort();
    assert_eq!(got, want);
    // EPs are 150/270 and 120/270.
    let ep = |r: &str| {
        rca.candidates
            .iter()
            .find(|c| c.combination == combo(&[("region", r)]))
            .unwrap()
            .explanatory_power
    };
    assert!((ep("广东") - 150.0 / 270.0).abs() < 1e-12);
    assert!((ep("浙江") - 120.0 / 270.0).abs() < 1e-12);
}

fn rate(conv: f64, visits: f64) -> Value {
    Value {
        num: conv,
        den: Some(visits),
    }
}

#[test]
fn a_ratio_drop_caused_by_mix_shift_is_attributed_to_the_growing_segment() {
    // CVR per source never changes (live 5 %, video 2 %, search 8 %); video traffic triples.
    let cells: Vec<Cell> = [
        ("live", 0.05, 1000.0, 1000.0),
        ("video", 0.02, 1000.0, 3000.0),
        ("search", 0.08, 1000.0, 1000.0),
    ]
    .iter()
    .map(|(s, cvr, before, after)| Cell {
        dims: vec![s.to_string()],
        actual: rate(cvr * after, *after),
        expected: rate(cvr * before, *before),
    })
    .collect();
    let rca = adtributor(&["source".into()], &cells, &Params::default()).unwrap();
    assert!((rca.expected - 0.05).abs() < 1e-12);
    assert!((rca.actual - 190.0 / 5000.0).abs() < 1e-12);
    assert_eq!(rca.root_cause_set, vec![combo(&[("source", "video")])]);
    let top = &rca.candidates[0];
    // Moving only video to its actual values gives the whole change: EP = 1.
    assert!((top.explanatory_power - 1.0).abs() < 1e-12, "{top:?}");
    // A naive per-segment rate comparison would blame nobody: every segment's CVR is unchanged.
    assert!((top.actual - top.expected).abs() < 1e-12);
}

#[test]
fn a_ratio_drop_inside_one_region() {
    let mut cells = Vec::new();
    for r in REGIONS {
        for d in DEVICES {
            let cvr_now = if r == "北京" { 0.01 } else { 0.04 };
            cells.push(Cell {
                dims: vec![r.into(), d.into()],
                actual: rate(cvr_now * 500.0, 500.0),
                expected: rate(0.04 * 500.0, 500.0),
            });
        }
    }
    let rca = adtributor(&dims(), &cells, &Params::default()).unwrap();
    assert_eq!(rca.root_cause_set, vec![combo(&[("region", "北京")])]);
}

#[test]
fn no_change_and_ragged_cells_are_errors() {
    let cells = cube(|_, _| 100.0);
    assert!(adtributor(&dims(), &cells, &Params::default()).is_err());
    let mut cells = cube(|_, _| 90.0);
    cells[0].dims.pop();
    assert!(adtributor(&dims(), &cells, &Params::default()).is_err());
}
