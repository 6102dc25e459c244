//! A review reads one lake version: an import that commits after the snapshot was taken
//! changes nothing in it, and the next snapshot sees the import.

use vitrine_app::Workspace;
use vitrine_core::Lang;
use vitrine_lake::Lake;

mod support;
use support::{simulate, simulate_days};

#[tokio::test]
async fn a_commit_after_the_snapshot_does_not_reach_its_review() {
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::open(dir.path()).unwrap();
    simulate(&lake, 7);
    let ws = Workspace::open(dir.path()).unwrap();
    let day = Some("2026-11-20".parse().unwrap());
    let snap = ws.snapshot(None, day).unwrap();
    let before = serde_json::to_value(snap.review(Lang::Zh).await.unwrap()).unwrap();

    // Another process imports: every partition of the shop is replaced by other numbers.
    simulate(&lake, 8);
    assert!(lake.manifest().unwrap().version > snap.version());

    // Every section of a review built from the old snapshot still reads the old version
    // (KPIs, users, paid traffic, experiments), even though it starts after the commit.
    let again = serde_json::to_value(snap.review(Lang::Zh).await.unwrap()).unwrap();
    assert_eq!(before, again, "the snapshot review changed after a commit");
    for section in ["kpis", "users", "paid_traffic", "risk_index"] {
        assert!(
            !before[section].is_null(),
            "{section} missing: the test would prove nothing"
        );
    }

    // A new snapshot sees the import.
    let after = serde_json::to_value(ws.review(None, day, Lang::Zh).await.unwrap()).unwrap();
    assert_ne!(before["kpis"], after["kpis"]);
    assert_ne!(before["paid_traffic"], after["paid_traffic"]);
    assert_ne!(before["users"], after["users"]);
}

#[tokio::test]
async fn shops_and_their_days_follow_a_new_lake_version() {
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::open(dir.path()).unwrap();
    simulate(&lake, 7);
    let ws = Workspace::open(dir.path()).unwrap();
    let (shop, last) = ws.resolve(None, None).unwrap();
    assert_eq!(last.to_string(), "2026-11-21");
    assert_eq!(ws.shops().unwrap().len(), 1);

    // Another process imports four later days: the same workspace sees them at once.
    simulate_days(&lake, 9, 4, "2026-11-25");
    let (again, last) = ws.resolve(None, None).unwrap();
    assert_eq!(
        (again.as_str(), last.to_string().as_str()),
        (shop.as_str(), "2026-11-25")
    );
    assert_eq!(
        ws.snapshot(None, None).unwrap().date.to_string(),
        "2026-11-25"
    );
    let info = &ws.shops().unwrap()[0];
    assert_eq!(
        info.last_date.map(|d| d.to_string()).as_deref(),
        Some("2026-11-25")
    );
}

/// A server warms the cache: every shop's latest review is built before anyone asks, for
/// the live lake version only; the review a reader then gets is the one built.
#[tokio::test]
async fn warming_builds_every_shops_latest_review_for_the_live_version() {
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::open(dir.path()).unwrap();
    simulate(&lake, 7);
    let ws = Workspace::open(dir.path()).unwrap();
    assert!(ws.kept_reviews().is_empty());
    ws.warm_reviews().await;
    let day = "2026-11-21".parse().unwrap();
    assert_eq!(ws.kept_reviews(), vec![("shop1".to_string(), day)]);
    let kept = ws.review_json(None, None, Lang::default()).await.unwrap();
    let fresh = ws.review(None, Some(day), Lang::default()).await.unwrap();
    // Both read back from JSON text (its float parsing may land one ulp off, alike).
    let read = |b: &[u8]| serde_json::from_slice::<serde_json::Value>(b).unwrap();
    assert_eq!(read(&kept), read(&serde_json::to_vec(&fresh).unwrap()));

    // Four later days imported: nothing kept is current until the next warming.
    simulate_days(&lake, 9, 4, "2026-11-25");
    assert!(ws.kept_reviews().is_empty());
    ws.warm_reviews().await;
    assert_eq!(
        ws.kept_reviews(),
        vec![("shop1".to_string(), "2026-11-25".parse().unwrap())]
    );
}
