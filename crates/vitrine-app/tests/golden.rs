//! The JSON review of a fixed simulated shop and day, pinned. A change to what the review
//! says shows up here as a snapshot diff that has to be explained.

use vitrine_app::Workspace;
use vitrine_core::Lang;
use vitrine_lake::Lake;

mod support;
use support::simulate;

/// Rounds every float to 9 significant digits: the engine may add floats in a different
/// order between runs, and the last bits are not what the review says.
fn rounded(v: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::Number(n) if n.is_f64() => {
            let x = n.as_f64().unwrap_or(f64::NAN);
            let r = format!("{x:.8e}").parse::<f64>().unwrap_or(x);
            serde_json::Number::from_f64(r).map_or(Value::Null, Value::Number)
        }
        Value::Array(a) => Value::Array(a.into_iter().map(rounded).collect()),
        Value::Object(o) => Value::Object(o.into_iter().map(|(k, v)| (k, rounded(v))).collect()),
        other => other,
    }
}

#[tokio::test]
async fn review_of_seed_7_is_pinned() {
    let dir = tempfile::tempdir().unwrap();
    simulate(&Lake::open(dir.path()).unwrap(), 7);
    let ws = Workspace::open_with(
        dir.path(),
        Some(format!(
            "sqlite://{}/state.db?mode=rwc",
            dir.path().display()
        )),
    )
    .unwrap();
    let review = ws
        .review(None, Some("2026-11-20".parse().unwrap()), Lang::Zh)
        .await
        .unwrap();
    // Simulated partitions carry no lineage (no file was imported), so nothing here names
    // a temporary path or a time.
    let json = rounded(serde_json::to_value(&review).unwrap());
    insta::assert_json_snapshot!("review_seed7_2026-11-20", json);
}
