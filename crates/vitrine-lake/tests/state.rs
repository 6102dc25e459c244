//! The state database against SQLite, and against PostgreSQL when `VITRINE_TEST_POSTGRES`
//! names a server (the test script starts one): the same calls give the same answers.

use vitrine_lake::{AlertStatus, BidChangeRecord, Role, State};

/// A fresh state: a scratch PostgreSQL database when the suite runs against a server,
/// else SQLite in `dir`.
async fn fresh(dir: &std::path::Path) -> State {
    match std::env::var("VITRINE_TEST_POSTGRES") {
        Ok(admin) if !admin.is_empty() => {
            let url = vitrine_lake::scratch_database(&admin).await.unwrap();
            State::connect(&url).await.unwrap()
        }
        _ => State::open(dir).await.unwrap(),
    }
}

#[tokio::test]
async fn alerts_targets_and_bids_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let s = fresh(dir.path()).await;
    let a = s
        .raise_alert("S1", "r", "gmv", "", "P1", "2026-11-20", "d", "m", "{}")
        .await
        .unwrap();
    // A repeat on a later day bumps the same alert.
    let b = s
        .raise_alert("S1", "r", "gmv", "", "P1", "2026-11-21", "d", "m", "{}")
        .await
        .unwrap();
    assert_eq!(a, b);
    s.raise_alert("S2", "r", "gmv", "", "P2", "2026-11-21", "d", "m", "{}")
        .await
        .unwrap();
    let s1 = s.alerts(Some("S1"), None).await.unwrap();
    assert_eq!(s1.len(), 1);
    assert_eq!(s1[0].occurrences, 2);
    assert_eq!(s.alerts(None, None).await.unwrap().len(), 2);
    s.set_alert_status(a, AlertStatus::Acknowledged, "ops", Some("on it"))
        .await
        .unwrap();
    assert!(s
        .alerts(Some("S1"), Some(AlertStatus::Open))
        .await
        .unwrap()
        .is_empty());
    assert_eq!(s.alert_history(a).await.unwrap().len(), 2);

    s.set_target("S1", "gmv", "", "month:2026-11", 1.5e6)
        .await
        .unwrap();
    s.set_target("S1", "gmv", "", "month:2026-11", 2.5e6)
        .await
        .unwrap();
    let t = s.targets("S1").await.unwrap();
    assert_eq!(t.len(), 1);
    assert_eq!(t[0].3, 2.5e6);

    let change = BidChangeRecord {
        id: 0,
        shop: "S1".into(),
        rec_id: "2026-11-21:P1:pause".into(),
        date: "2026-11-21".into(),
        plan_id: "P1".into(),
        action: "pause".into(),
        from_value: Some(1.0),
        to_value: None,
        target: None,
        reason: "below break-even".into(),
        status: "proposed".into(),
        actor: "vitrine".into(),
        at: "2026-11-21 17:00:00".into(),
    };
    // A missing number first, then present ones, through the same statement.
    let unpriced = BidChangeRecord {
        rec_id: "2026-11-21:P2:refresh".into(),
        plan_id: "P2".into(),
        from_value: None,
        ..change.clone()
    };
    assert_eq!(
        s.propose_bid_changes("S1", &[unpriced, change.clone()])
            .await
            .unwrap(),
        2
    );
    // Proposing again is a no-op.
    assert_eq!(s.propose_bid_changes("S1", &[change]).await.unwrap(), 0);
    let stored = s.bid_changes("S1").await.unwrap();
    let values: Vec<Option<f64>> = stored.iter().map(|c| c.from_value).collect();
    assert!(
        values.contains(&None) && values.contains(&Some(1.0)),
        "{values:?}"
    );
    s.decide_bid_change("S1", "2026-11-21:P1:pause", "approved", "ops", None)
        .await
        .unwrap();
    assert!(s
        .decide_bid_change("S1", "2026-11-21:P1:pause", "proposed", "ops", None)
        .await
        .is_err());
    assert_eq!(s.bid_change_log("S1").await.unwrap().len(), 3);
}

#[tokio::test]
async fn accounts_sessions_tokens_and_failures() {
    let dir = tempfile::tempdir().unwrap();
    let s = fresh(dir.path()).await;
    let id = s.upsert_user("li", "$argon2id$x").await.unwrap();
    assert_eq!(s.upsert_user("li", "$argon2id$y").await.unwrap(), id);
    assert_eq!(
        s.user_by_name("li").await.unwrap().unwrap().password_hash,
        "$argon2id$y"
    );
    assert!(s.user_by_name("wang").await.unwrap().is_none());
    s.grant(id, "S1", Role::Viewer).await.unwrap();
    s.grant(id, "S1", Role::Operator).await.unwrap();
    s.grant(id, "S2", Role::Viewer).await.unwrap();
    let (name, grants) = s.user_grants(id).await.unwrap();
    assert_eq!(name, "li");
    assert_eq!(grants.len(), 2);
    assert_eq!(grants[0].role, Role::Operator);
    s.revoke_grant(id, "S2").await.unwrap();
    assert_eq!(s.user_grants(id).await.unwrap().1.len(), 1);

    s.create_session("h1", id, "c1", "2026-11-23T12:00:00Z")
        .await
        .unwrap();
    let (uid, name, csrf, grants) = s
        .session_identity("h1", "2026-11-23T11:00:00Z")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (uid, name.as_str(), csrf.as_str(), grants.len()),
        (id, "li", "c1", 1)
    );
    assert!(s
        .session_identity("h1", "2026-11-23T13:00:00Z")
        .await
        .unwrap()
        .is_none());
    assert!(s
        .session_identity("h1", "2026-11-23T11:59:59Z")
        .await
        .unwrap()
        .is_some());
    assert!(s
        .session_identity("h1", "2026-11-23T12:00:00Z")
        .await
        .unwrap()
        .is_none());
    s.end_session("h1", "2026-11-23T00:00:00Z").await.unwrap();
    assert!(s
        .session_identity("h1", "2026-11-23T00:00:00Z")
        .await
        .unwrap()
        .is_none());

    let t = s.create_api_token(id, "etl", "th").await.unwrap();
    let (_, _, grants) = s.token_identity("th").await.unwrap().unwrap();
    assert_eq!(grants[0].role, Role::Operator);
    // A user without grants still has an identity (and sees nothing).
    let bare = s.upsert_user("zhao", "$argon2id$z").await.unwrap();
    s.create_api_token(bare, "x", "tz").await.unwrap();
    assert_eq!(
        s.token_identity("tz").await.unwrap(),
        Some((bare, "zhao".to_string(), vec![]))
    );
    assert!(s.revoke_api_token(id, t).await.unwrap());
    assert_eq!(s.token_identity("th").await.unwrap(), None);

    for _ in 0..3 {
        s.record_login_failure("li", "10.0.0.1").await.unwrap();
    }
    let (n, first) = s
        .login_failures("li", "10.0.0.1", "2000-01-01T00:00:00Z")
        .await
        .unwrap();
    assert_eq!(n, 3);
    assert!(first.is_some());
    assert_eq!(
        s.login_failures("li", "10.0.0.2", "2000-01-01T00:00:00Z")
            .await
            .unwrap()
            .0,
        0
    );
    // Nothing is older than the far past; everything is older than the far future.
    assert_eq!(
        s.forget_login_failures("2000-01-01T00:00:00Z")
            .await
            .unwrap(),
        0
    );
    s.record_login_failure("wang", "10.0.0.3").await.unwrap();
    assert_eq!(
        s.forget_login_failures("2999-01-01T00:00:00Z")
            .await
            .unwrap(),
        4
    );
    s.record_login_failure("li", "10.0.0.1").await.unwrap();
    s.clear_login_failures("li", "10.0.0.1").await.unwrap();
    assert_eq!(
        s.login_failures("li", "10.0.0.1", "2000-01-01T00:00:00Z")
            .await
            .unwrap()
            .0,
        0
    );
}
