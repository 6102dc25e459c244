use vitrine_core::guardrails::Guardrails;

use super::*;

#[test]
fn every_policy_sees_the_same_market() {
    let sc = &scenarios(1, 3)[0];
    let a = run(sc, &mut FixedBid).unwrap();
    let b = run(sc, &mut FixedBid).unwrap();
    assert_eq!(a, b, "deterministic per seed");
    assert!(a.spend <= a.budget + 1e-6, "the auction never overspends");
}

/// A policy that always bids `self.0`.
struct Bid(f64);
impl Policy for Bid {
    fn name(&self) -> &'static str {
        "bid"
    }
    fn decide(&mut self, _: &HourState, _: Goal, _: Decision) -> Decision {
        Decision {
            bid: self.0,
            throttle: 1.0,
        }
    }
}

#[test]
fn the_oracle_spend_is_what_a_fixed_bid_at_the_target_buys() {
    // Independent check of the sorted-threshold oracle: bisect a fixed bid with no budget
    // by running the auction itself, and compare spends at the target.
    let mut sc = scenarios(1, 9)[0].clone();
    sc.days = 1;
    sc.daily_budget = 1e12;
    let tape = Tape::record(&sc).unwrap();
    let best = oracle(&tape, sc.goal);
    let (mut lo, mut hi) = (0.01f64, 1e4f64);
    for _ in 0..60 {
        let mid = (lo * hi).sqrt();
        // The first hour uses the start bid, so scale the scenario's value to make the
        // start bid `mid` as well.
        let mut s2 = sc.clone();
        s2.goal = Goal::Cpa(mid);
        let o = run(&s2, &mut Bid(mid)).unwrap();
        // Nothing bought yet counts as room to bid higher.
        let ok = o.spend == 0.0
            || sc
                .goal
                .slack(o.spend, o.value, o.conversions as f64)
                .is_some_and(|x| x >= 0.0);
        if ok {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let mut s2 = sc.clone();
    s2.goal = Goal::Cpa(lo);
    let o = run(&s2, &mut FixedBid).unwrap();
    let rel = (o.spend / best.spend - 1.0).abs();
    assert!(
        rel < 0.05,
        "oracle {} vs bisection {} ({rel})",
        best.spend,
        o.spend
    );
    let rel = (o.value / best.value - 1.0).abs();
    assert!(
        rel < 0.05,
        "oracle value {} vs {} ({rel})",
        best.value,
        o.value
    );
}

#[test]
fn the_controller_meets_the_goal_and_beats_fixed_and_pacing() {
    let c = compare(20, 42).unwrap();
    let by = |p: &str| c.summary.iter().find(|s| s.policy == p).unwrap().clone();
    let (ctl, fixed, pacing) = (by("controller"), by("fixed_bid"), by("pacing_rule"));
    assert!(ctl.within_target_share >= 0.9, "{ctl:?}");
    // Within target and, where the target allows, ≥ 90 % of the budget spent.
    assert!(ctl.meets_goal_share >= 0.9, "{ctl:?}");
    assert!(ctl.mean_pacing_gap < 0.1, "spend follows traffic: {ctl:?}");
    assert!(ctl.meets_goal_share > fixed.meets_goal_share, "{fixed:?}");
    assert!(ctl.meets_goal_share > pacing.meets_goal_share, "{pacing:?}");
    // Both goal kinds and budget-bound and target-bound scenarios are in the mix.
    let ctl_rows: Vec<&Outcome> = c
        .outcomes
        .iter()
        .filter(|o| o.policy == "controller")
        .collect();
    assert!(ctl_rows.iter().any(|o| o.goal == "cpa") && ctl_rows.iter().any(|o| o.goal == "roi"));
    assert!(
        ctl.budget_reachable >= 5 && ctl.budget_reachable <= 15,
        "{ctl:?}"
    );
    for o in &c.outcomes {
        assert!(
            o.spend <= o.budget * (1.0 + 1e-9) && o.roi.is_finite() && o.score >= 0.0,
            "{o:?}"
        );
    }
}

/// Drives `p` through `hours` hours of a quiet market and returns the live bid after each.
fn live_bids(p: &mut dyn Policy, hours: usize) -> Vec<f64> {
    let mut live = Decision {
        bid: 10.0,
        throttle: 1.0,
    };
    (1..=hours)
        .map(|h| {
            let s = HourState {
                hours_done: h,
                budget_today: 100.0,
                day_share_elapsed: HOURLY_SHAPE[..=(h - 1) % 24].iter().sum(),
                ..Default::default()
            };
            live = p.decide(&s, Goal::Roi(2.0), live);
            live.bid
        })
        .collect()
}

#[test]
fn guarded_bids_wait_for_the_observation_window_cooldown_and_step() {
    let rails = Guardrails::default();
    // A policy that wants twice the bid every hour: raises wait for 3 days of observation
    // (from the start, then from each change) and move one 20 % step.
    let bids = live_bids(&mut Guarded::new(Bid(1e6), rails), 24 * 8);
    let changes: Vec<(usize, f64)> = bids
        .windows(2)
        .enumerate()
        .filter(|(_, w)| w[1] != w[0])
        .map(|(h, w)| (h + 2, w[1] / w[0]))
        .collect();
    assert_eq!(
        changes.iter().map(|c| c.0).collect::<Vec<_>>(),
        vec![72, 144],
        "{changes:?}"
    );
    assert!(
        changes.iter().all(|c| (c.1 - 1.2).abs() < 1e-9),
        "{changes:?}"
    );
    assert!((bids[70] - 10.0).abs() < 1e-9);
    // Lowering is protective: at once, then once per 24 h cooldown, 20 % at a time.
    let bids = live_bids(&mut Guarded::new(Bid(1e-6), rails), 60);
    let at: Vec<usize> = bids
        .windows(2)
        .enumerate()
        .filter(|(_, w)| w[1] != w[0])
        .map(|(h, _)| h + 2)
        .collect();
    assert_eq!(bids[0], 8.0, "the first hour may lower");
    assert_eq!(at, vec![25, 49], "{bids:?}");
}

#[test]
fn the_study_runs_every_policy_behind_the_guardrails_on_unseen_mixes() {
    let report = study(
        Study {
            seeds: vec![1, 2],
            scenarios: 4,
            days: 14,
        },
        Guardrails::default(),
    )
    .unwrap();
    // 2 modes × 2 mixes × 4 policies.
    assert_eq!(report.summary.len(), 16);
    assert_eq!(report.runs.len(), 2 * 2 * 4 * 2 * 4);
    let unseen: Vec<ScenarioKind> = report
        .runs
        .iter()
        .filter(|r| r.mix == Mix::Unseen)
        .map(|r| r.outcome.kind)
        .collect();
    assert!(Mix::Unseen.kinds().iter().all(|k| unseen.contains(k)));
    assert!(!unseen.contains(&ScenarioKind::Stable));
    for r in &report.runs {
        let o = &r.outcome;
        assert!(o.spend <= o.budget * (1.0 + 1e-9), "{o:?}");
        if r.mode == Mode::Guarded {
            // At most one change per cooldown, the first not before hour 1.
            assert!(o.bid_changes <= 14, "{o:?}");
        }
    }
    let by = |mode, p: &str| {
        report
            .summary
            .iter()
            .find(|s| s.mode == mode && s.mix == Mix::Unseen && s.policy == p)
            .unwrap()
            .clone()
    };
    let hourly = by(Mode::Hourly, "controller");
    assert!(hourly.bid_changes_per_day > 5.0, "{hourly:?}");
    assert!(by(Mode::Guarded, "controller").bid_changes_per_day <= 1.0);
    assert!(
        by(Mode::Guarded, "controller").mean_score > by(Mode::Guarded, "fixed_bid").mean_score,
        "{:?}",
        report.summary
    );
}

/// Re-derives the PID pacer's default gains: a grid on the tuning mix (seed 42, 20 seven-day
/// scenarios), ranked by the share meeting the goal, then the mean score. Run with
/// `--ignored --nocapture`.
#[test]
#[ignore]
fn pid_gains_grid() {
    let tapes: Vec<(Tape, Oracle)> = scenarios(20, 42)
        .iter()
        .map(|sc| {
            let t = Tape::record(sc).unwrap();
            let o = oracle(&t, sc.goal);
            (t, o)
        })
        .collect();
    let mut best: Vec<(f64, f64, PidGains)> = Vec::new();
    for kp in [0.0, 0.2, 0.5, 1.0] {
        for ki in [0.01, 0.02, 0.05, 0.1, 0.2] {
            for kd in [0.0, 0.5] {
                for window in [6, 24, 0] {
                    for (pace_kp, pace_ki) in [(0.5, 1.0), (1.0, 2.0), (2.0, 4.0), (1.0, 0.5)] {
                        let g = PidGains {
                            kp,
                            ki,
                            kd,
                            window,
                            pace_kp,
                            pace_ki,
                        };
                        let rows: Vec<Outcome> = tapes
                            .iter()
                            .map(|(t, o)| run_on(t, o, &mut PidPacer::new(g)))
                            .collect();
                        let meets = rows.iter().filter(|r| r.meets_goal).count() as f64 / 20.0;
                        let score = rows.iter().map(|r| r.score).sum::<f64>() / 20.0;
                        best.push((meets, score, g));
                    }
                }
            }
        }
    }
    best.sort_by(|a, b| (b.0, b.1).partial_cmp(&(a.0, a.1)).unwrap());
    for b in &best[..10] {
        println!("{b:?}");
    }
}
