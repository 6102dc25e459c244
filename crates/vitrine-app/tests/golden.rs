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

/// A workspace over `dir` with its state in `dir/state.db`.
fn open(dir: &std::path::Path) -> Workspace {
    Workspace::open_with(
        dir,
        Some(format!("sqlite://{}/state.db?mode=rwc", dir.display())),
    )
    .unwrap()
}

#[tokio::test]
async fn review_of_seed_7_is_pinned() {
    let dir = tempfile::tempdir().unwrap();
    simulate(&Lake::open(dir.path()).unwrap(), 7);
    let ws = open(dir.path());
    let review = ws
        .review(None, Some("2026-11-20".parse().unwrap()), Lang::Zh)
        .await
        .unwrap();
    // Simulated partitions carry no lineage (no file was imported), so nothing here names
    // a temporary path or a time.
    let json = rounded(serde_json::to_value(&review).unwrap());
    insta::assert_json_snapshot!("review_seed7_2026-11-20", json);
}

/// The review's users part is kept per lake files and settings: a second review reads it,
/// and new settings make a new one.
#[tokio::test]
async fn the_users_part_is_kept_and_rebuilt_when_settings_change() {
    let dir = tempfile::tempdir().unwrap();
    simulate(&Lake::open(dir.path()).unwrap(), 7);
    let day = Some("2026-11-20".parse().unwrap());
    let ws = open(dir.path());
    let fresh = ws
        .snapshot(None, day)
        .unwrap()
        .users(&Default::default())
        .await
        .unwrap()
        .digest();
    let first = ws.review(None, day, Lang::Zh).await.unwrap();
    assert_eq!(first.users.as_ref(), Some(&fresh.sizes));
    let kept: Vec<_> = std::fs::read_dir(dir.path().join("cache/users"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    // The review's own digest (no per-user segments built) equals the full segmentation's.
    let digest: vitrine_analytics::users::UsersDigest =
        serde_json::from_slice(&std::fs::read(&kept[0]).unwrap()).unwrap();
    // Compared as JSON read back: serde_json's float parsing may land one ulp off the value
    // written, on both sides alike.
    let fresh_read: vitrine_analytics::users::UsersDigest =
        serde_json::from_slice(&serde_json::to_vec(&fresh).unwrap()).unwrap();
    assert_eq!(digest, fresh_read);
    // Mark the kept part: the next review must show the mark, so it read the file.
    let mut marked = fresh.clone();
    marked.sizes.users = 1;
    std::fs::write(&kept[0], serde_json::to_vec(&marked).unwrap()).unwrap();
    let again = open(dir.path()).review(None, day, Lang::Zh).await.unwrap();
    assert_eq!(again.users.map(|u| u.users), Some(1));
    // New lifecycle windows: a new key, segmented again.
    std::fs::write(
        dir.path().join("vitrine.toml"),
        "[thresholds]\nuser_new_days = 10\n",
    )
    .unwrap();
    let changed = open(dir.path()).review(None, day, Lang::Zh).await.unwrap();
    let users = changed.users.expect("users");
    assert_eq!(users.users, fresh.sizes.users);
    assert_ne!(users.stages, fresh.sizes.stages);
}

/// A read answer is built once per lake version and write generation: a second reader gets
/// the kept JSON, a write makes the next reader build it again.
#[tokio::test]
async fn read_answers_are_built_once_until_a_write() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let dir = tempfile::tempdir().unwrap();
    simulate(&Lake::open(dir.path()).unwrap(), 7);
    let ws = open(dir.path());
    let builds = Arc::new(AtomicUsize::new(0));
    let ask = || {
        let builds = Arc::clone(&builds);
        let snap = ws.snapshot(None, None).unwrap();
        ws.answer_json("bids\nshop1".into(), snap, move |s| async move {
            builds.fetch_add(1, Ordering::SeqCst);
            s.bids_report(false).await
        })
    };
    let first = ask().await.unwrap();
    let second = ask().await.unwrap();
    assert_eq!(first, second);
    assert_eq!(builds.load(Ordering::SeqCst), 1);
    let report: serde_json::Value = serde_json::from_slice(&first).unwrap();
    assert!(report["plans"].as_array().is_some_and(|p| !p.is_empty()));
    ws.invalidate_reviews();
    assert_eq!(ask().await.unwrap(), first);
    assert_eq!(builds.load(Ordering::SeqCst), 2);
}

/// The web's user list, ranked from the kept buyer summary with tags looked up for the
/// listed users only, is the full segmentation's list: the same sizes, and the same first
/// users in the same order (recall candidates, then value index, then id) with the same
/// numbers and tags.
#[tokio::test]
async fn the_user_list_is_the_full_segmentations_first_users() {
    let dir = tempfile::tempdir().unwrap();
    simulate(&Lake::open(dir.path()).unwrap(), 7);
    let ws = open(dir.path());
    let snap = ws
        .snapshot(None, Some("2026-11-20".parse().unwrap()))
        .unwrap();
    let cuts = vitrine_app::users::parse_rfm_cuts(Some("7,30,90,180"), None, None).unwrap();
    for cuts in [Default::default(), cuts] {
        let mut full = snap.users(&cuts).await.unwrap();
        // The list order the user page has always had: a stable sort of the buyers by id.
        full.users.sort_by(|a, b| {
            b.recall
                .cmp(&a.recall)
                .then(b.value_index.total_cmp(&a.value_index))
        });
        for limit in [0, 1, 50, full.users.len() + 5] {
            let top = snap.top_users(&cuts, limit).await.unwrap();
            assert_eq!(top.sizes, full.sizes);
            let want: Vec<_> = full.users.iter().take(limit).collect();
            assert_eq!(
                serde_json::to_value(&top.users).unwrap(),
                serde_json::to_value(&want).unwrap(),
                "limit {limit}"
            );
        }
        assert!(full.users.iter().take(50).any(|u| u.interest.is_some()));
    }
}
