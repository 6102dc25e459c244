//! Crafted plan histories: each condition produces its action with its justification, and
//! each guardrail holds.

use chrono::{Duration, NaiveDate};

use super::*;

fn day(n: i64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 21).unwrap() - Duration::days(n)
}

fn plan(id: &str, budget: f64, created_days_ago: i64) -> PlanInfo {
    PlanInfo {
        plan_id: id.into(),
        category: "beauty".into(),
        bid_mode: "SMART_BID_CUSTOM".into(),
        bid: 40.0,
        budget,
        roi_goal: 3.0,
        learning_status: "LEARNED".into(),
        created_on: day(created_days_ago),
        breakeven_roi: Some(2.0),
    }
}

/// Daily stats for `days` days ending today: spend, ROI and CTR per day from closures.
fn history(
    id: &str,
    days: i64,
    spend: impl Fn(i64) -> f64,
    roi: impl Fn(i64) -> f64,
) -> Vec<PlanStat> {
    (0..days)
        .map(|ago| {
            let s = spend(ago);
            let imp = s / 30.0 * 1000.0;
            PlanStat {
                plan_id: id.into(),
                date: day(ago),
                hour: None,
                spend: s,
                impressions: imp,
                clicks: imp * 0.015,
                conversions: s * roi(ago) / 150.0,
                gmv: s * roi(ago),
            }
        })
        .collect()
}

fn run(
    plans: &[PlanInfo],
    stats: &[PlanStat],
    creatives: &[CreativeStat],
    audit: &[PastChange],
    holds: &[String],
    policy: &BidPolicy,
) -> BidsReport {
    report("s1", day(0), plans, stats, creatives, audit, holds, policy)
}

fn find<'a>(r: &'a BidsReport, plan: &str, action: Action) -> &'a Recommendation {
    r.recommendations
        .iter()
        .find(|x| x.plan_id == plan && x.action == action)
        .unwrap_or_else(|| panic!("no {action:?} for {plan}: {:#?}", r.recommendations))
}

#[test]
fn runaway_below_breakeven_is_paused_with_its_numbers() {
    // Spent ~1000 a day at ROI 3.2; today 2600 at ROI 1.4 (break-even 2.0).
    let p = plan("runaway", 3000.0, 60);
    let stats = history(
        "runaway",
        14,
        |a| if a == 0 { 2600.0 } else { 1000.0 },
        |a| if a == 0 { 1.4 } else { 3.2 },
    );
    let r = run(&[p], &stats, &[], &[], &[], &BidPolicy::default());
    let d = &r.plans[0];
    assert!(d.flags.contains(&Flag::Runaway), "{:?}", d.flags);
    let rec = find(&r, "runaway", Action::Pause);
    assert_eq!(rec.status, Status::Proposed);
    assert!(rec.reason_zh.contains("跑飞") && rec.reason_en.contains("runaway"));
    assert_eq!(rec.evidence["spend_today"], 2600.0);
    assert_eq!(rec.evidence["spend_prior_avg"], 1000.0);
    assert_eq!(rec.evidence["roi_today"], 1.4);
    assert_eq!(rec.evidence["breakeven_roi"], 2.0);
    assert!(rec.expected.spend <= -2600.0, "{:?}", rec.expected);
    assert_eq!(r.overview.runaway, 1);
}

#[test]
fn runaway_above_breakeven_lowers_the_bid_by_at_most_the_step() {
    let p = plan("hot", 3000.0, 60);
    let stats = history(
        "hot",
        14,
        |a| if a == 0 { 2600.0 } else { 1000.0 },
        |a| if a == 0 { 2.2 } else { 3.0 },
    );
    let r = run(&[p], &stats, &[], &[], &[], &BidPolicy::default());
    let rec = find(&r, "hot", Action::LowerBid);
    assert_eq!(rec.from, Some(40.0));
    // ROI today 2.2 vs target 3 → × 0.733, clamped to the 20 % step → 32.
    assert_eq!(rec.to, Some(32.0));
    assert!(rec.expected.roi_after.unwrap() > 2.2);
}

#[test]
fn a_plan_that_does_not_spend_gets_a_higher_bid_unless_its_ctr_is_the_problem() {
    let p = plan("starved", 2000.0, 30);
    let stats = history("starved", 14, |_| 150.0, |_| 3.5);
    let r = run(&[p.clone()], &stats, &[], &[], &[], &BidPolicy::default());
    assert!(r.plans[0].flags.contains(&Flag::NoDelivery));
    let rec = find(&r, "starved", Action::RaiseBid);
    assert_eq!(rec.to, Some(48.0));
    assert!(rec.reason_zh.contains("不消耗"));
    assert!(rec.expected.spend > 0.0);
    // The same plan with a CTR far below the beauty baseline (1.5 %) needs new creatives.
    let mut low = stats.clone();
    for s in &mut low {
        s.clicks = s.impressions * 0.004;
    }
    let r = run(&[p.clone()], &low, &[], &[], &[], &BidPolicy::default());
    assert!(r
        .recommendations
        .iter()
        .all(|x| x.action != Action::RaiseBid));
    find(&r, "starved", Action::RefreshCreative);
    // A learning plan is left alone.
    let mut learning = p;
    learning.learning_status = "LEARNING".into();
    let r = run(&[learning], &stats, &[], &[], &[], &BidPolicy::default());
    assert!(r.recommendations.is_empty(), "{:?}", r.recommendations);
}

#[test]
fn a_fatigued_creative_is_replaced_and_a_steady_one_is_not() {
    let p = plan("f", 1000.0, 40);
    let stats = history("f", 21, |_| 1000.0, |_| 3.0);
    let mut creatives = Vec::new();
    for ago in 0..21 {
        let imp = 20_000.0;
        // c1 decays from 2.4 % to ~1.1 % over three weeks; c2 holds at 1.6 %.
        let decayed = 0.024 * (-(20 - ago) as f64 * 0.04).exp();
        for (id, ctr) in [("c1", decayed), ("c2", 0.016)] {
            creatives.push(CreativeStat {
                creative_id: id.into(),
                plan_id: "f".into(),
                date: day(ago),
                created_on: Some(day(25)),
                impressions: imp,
                clicks: (imp * ctr).round(),
            });
        }
    }
    let r = run(&[p], &stats, &creatives, &[], &[], &BidPolicy::default());
    let fatigued: Vec<_> = r.plans[0]
        .flags
        .iter()
        .filter_map(|f| match f {
            Flag::Fatigue { creative_id, .. } => Some(creative_id.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(fatigued, ["c1"]);
    let rec = find(&r, "f", Action::RefreshCreative);
    assert_eq!(rec.target.as_deref(), Some("c1"));
    assert!(rec.evidence["peak_ctr"] > 2.0 * rec.evidence["recent_ctr"] * 0.9);
}

#[test]
fn a_budget_capped_winner_gets_more_budget_and_a_duplicate() {
    let p = plan("win", 1000.0, 60);
    let stats = history("win", 14, |_| 995.0, |_| 4.5);
    let r = run(&[p], &stats, &[], &[], &[], &BidPolicy::default());
    assert!(r.plans[0].flags.contains(&Flag::Winner));
    let rec = find(&r, "win", Action::RaiseBudget);
    assert_eq!((rec.from, rec.to), (Some(1000.0), Some(1200.0)));
    assert!((rec.expected.gmv - 200.0 * 4.5 * 0.8).abs() < 1e-6);
    find(&r, "win", Action::DuplicateWinner);
}

#[test]
fn a_paused_loser_hands_its_budget_to_the_winner() {
    let plans = [plan("win", 1000.0, 60), plan("loser", 800.0, 60)];
    let mut stats = history("win", 14, |_| 995.0, |_| 4.5);
    stats.extend(history("loser", 14, |_| 700.0, |_| 1.2));
    let r = run(&plans, &stats, &[], &[], &[], &BidPolicy::default());
    find(&r, "loser", Action::Pause);
    let mv = find(&r, "loser", Action::MoveBudget);
    assert_eq!(mv.target.as_deref(), Some("win"));
    // At most 20 % of the winner's budget moves.
    assert_eq!(mv.evidence["amount"], 200.0);
    assert!(mv.expected.gmv > 0.0);
}

fn change(plan: &str, action: Action, hours_before_review: i64, status: &str) -> PastChange {
    let at = guard::review_time(day(0)) - Duration::hours(hours_before_review);
    PastChange {
        plan_id: plan.into(),
        action,
        date: at.date(),
        at,
        status: status.into(),
    }
}

#[test]
fn cooldown_blocks_a_second_change_but_not_a_pause() {
    let p = plan("hot", 3000.0, 60);
    let stats = history(
        "hot",
        14,
        |a| if a == 0 { 2600.0 } else { 1000.0 },
        |a| if a == 0 { 2.2 } else { 3.0 },
    );
    let audit = [change("hot", Action::RaiseBid, 5, "applied")];
    let r = run(
        &[p.clone()],
        &stats,
        &[],
        &audit,
        &[],
        &BidPolicy::default(),
    );
    assert_eq!(find(&r, "hot", Action::LowerBid).status, Status::Cooldown);
    // A rejected change does not start a cooldown; one 30 h ago has run out.
    for audit in [
        [change("hot", Action::RaiseBid, 5, "rejected")],
        [change("hot", Action::RaiseBid, 30, "applied")],
    ] {
        let r = run(
            &[p.clone()],
            &stats,
            &[],
            &audit,
            &[],
            &BidPolicy::default(),
        );
        assert_eq!(find(&r, "hot", Action::LowerBid).status, Status::Proposed);
    }
    // A runaway below break-even is paused even inside the cooldown.
    let stats = history(
        "hot",
        14,
        |a| if a == 0 { 2600.0 } else { 1000.0 },
        |a| if a == 0 { 1.2 } else { 3.0 },
    );
    let r = run(
        &[p],
        &stats,
        &[],
        &audit_recent(),
        &[],
        &BidPolicy::default(),
    );
    assert_eq!(find(&r, "hot", Action::Pause).status, Status::Proposed);
}

fn audit_recent() -> Vec<PastChange> {
    vec![change("hot", Action::LowerBid, 2, "applied")]
}

#[test]
fn the_observation_window_only_lets_protective_moves_through() {
    // Raised 2 days ago and starving again: no new raise until 3 days have passed.
    let p = plan("starved", 2000.0, 30);
    let stats = history("starved", 14, |_| 150.0, |_| 3.5);
    let audit = [change("starved", Action::RaiseBid, 48, "applied")];
    let r = run(&[p], &stats, &[], &audit, &[], &BidPolicy::default());
    let rec = find(&r, "starved", Action::RaiseBid);
    assert_eq!(rec.status, Status::Observing, "{:?}", rec.status_note);
}

#[test]
fn the_daily_cap_keeps_the_most_urgent_changes() {
    let mut plans = Vec::new();
    let mut stats = Vec::new();
    for i in 0..5 {
        let id = format!("p{i}");
        plans.push(plan(&id, 3000.0, 60));
        // Bigger runaway spend = more urgent.
        let today = 2000.0 + 200.0 * i as f64;
        stats.extend(history(
            &id,
            14,
            |a| if a == 0 { today } else { 1000.0 },
            |a| if a == 0 { 1.2 } else { 3.0 },
        ));
    }
    let mut policy = BidPolicy::default();
    policy.rails.max_changes_per_day = 3;
    // One change already applied today counts against the cap.
    let audit = [change("other", Action::RaiseBudget, 3, "applied")];
    let r = run(&plans, &stats, &[], &audit, &[], &policy);
    let proposed: Vec<&str> = r
        .recommendations
        .iter()
        .filter(|x| x.action == Action::Pause && x.status == Status::Proposed)
        .map(|x| x.plan_id.as_str())
        .collect();
    assert_eq!(proposed, ["p4", "p3"]);
    let capped = r
        .recommendations
        .iter()
        .filter(|x| x.status == Status::OverCap)
        .count();
    assert_eq!(capped, 3);
}

#[test]
fn a_held_plan_gets_nothing_and_a_paused_one_waits_for_a_human() {
    let plans = [plan("win", 1000.0, 60), plan("paused", 500.0, 60)];
    let stats = history("win", 14, |_| 995.0, |_| 4.5);
    let audit = [change("paused", Action::Pause, 50, "applied")];
    let r = run(
        &plans,
        &stats,
        &[],
        &audit,
        &["win".to_string()],
        &BidPolicy::default(),
    );
    assert!(r
        .recommendations
        .iter()
        .filter(|x| x.plan_id == "win")
        .all(|x| x.status == Status::Held));
    let resume = find(&r, "paused", Action::Resume);
    assert_eq!(resume.status, Status::NeedsConfirmation);
}
