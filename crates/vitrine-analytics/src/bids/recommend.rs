//! From diagnoses to recommended changes, each with the figures that justify it and its
//! expected daily effect.
//!
//! Expected effects use two rules of thumb for oCPM auctions (checked against the auction
//! simulator): spend moves in proportion to the bid (volume elasticity 1), and ROI moves with
//! the bid to the power −0.5. Budget added to a budget-capped plan earns 80 % of its current
//! ROI at the margin.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::{
    Action, BidPolicy, Effect, Flag, PastChange, PlanDiagnosis, PlanInfo, Recommendation, Status,
};

/// Recommends changes for every diagnosed plan (guardrails are applied afterwards).
pub fn recommend(
    date: NaiveDate,
    plans: &[PlanInfo],
    diags: &[PlanDiagnosis],
    audit: &[PastChange],
    policy: &BidPolicy,
) -> Vec<Recommendation> {
    let mut out: Vec<Recommendation> = diags
        .iter()
        .flat_map(|d| plan_recommendations(date, d, policy))
        .collect();
    out.extend(budget_moves(date, diags, &out, policy));
    out.extend(resumes(date, plans, audit));
    out.sort_by(|a, b| b.priority.total_cmp(&a.priority));
    out
}

fn rec(date: NaiveDate, d: &PlanDiagnosis, action: Action) -> Recommendation {
    Recommendation {
        id: format!("{date}:{}:{}", d.plan_id, action.id()),
        plan_id: d.plan_id.clone(),
        action,
        from: None,
        to: None,
        target: None,
        reason_zh: String::new(),
        reason_en: String::new(),
        evidence: BTreeMap::new(),
        expected: Effect::default(),
        priority: 0.0,
        status: Status::Proposed,
        status_note: None,
        decision: None,
    }
}

fn evidence(d: &PlanDiagnosis) -> BTreeMap<String, f64> {
    let mut e = BTreeMap::new();
    let mut put = |k: &str, v: Option<f64>| {
        if let Some(v) = v.filter(|x| x.is_finite()) {
            e.insert(k.to_string(), (v * 1e4).round() / 1e4);
        }
    };
    put("spend_today", Some(d.spend));
    put("budget", Some(d.budget));
    put("bid", Some(d.bid));
    put("roi_today", d.roi);
    put("roi_3d", d.roi_3d);
    put("roi_7d", d.roi_7d);
    put("target_roi", Some(d.target_roi));
    put("breakeven_roi", d.breakeven_roi);
    put("conversions_3d", Some(d.conversions_3d));
    put("spend_prior_avg", d.spend_prior_avg);
    put("cpa_3d", d.cpa_3d);
    put("ctr", d.ctr);
    put("ctr_baseline", d.ctr_baseline);
    e
}

fn fmt(x: Option<f64>) -> String {
    x.map_or("-".into(), |v| format!("{v:.2}"))
}

fn plan_recommendations(
    date: NaiveDate,
    d: &PlanDiagnosis,
    policy: &BidPolicy,
) -> Vec<Recommendation> {
    let has = |f: &dyn Fn(&Flag) -> bool| d.flags.iter().any(f);
    let mut out = Vec::new();
    let below_be = |r: Option<f64>| matches!((r, d.breakeven_roi), (Some(r), Some(be)) if r < be);
    if has(&|f| matches!(f, Flag::Runaway)) {
        if below_be(d.roi) || below_be(d.roi_3d) {
            out.push(pause(
                date,
                d,
                "跑飞且低于保本ROI",
                "runaway below break-even ROI",
            ));
        } else {
            out.push(lower_bid(date, d, d.roi, policy, "跑飞", "runaway spend"));
        }
    } else if has(&|f| matches!(f, Flag::BelowBreakeven)) {
        let deep = matches!((d.roi_3d, d.breakeven_roi), (Some(r), Some(be)) if r < 0.8 * be);
        if deep {
            out.push(pause(
                date,
                d,
                "近3天ROI远低于保本",
                "3-day ROI far below break-even",
            ));
        } else {
            out.push(lower_bid(
                date,
                d,
                d.roi_3d,
                policy,
                "近3天ROI低于保本",
                "3-day ROI below break-even",
            ));
        }
    } else if has(&|f| matches!(f, Flag::BelowTarget)) {
        out.push(lower_bid(
            date,
            d,
            d.roi_3d,
            policy,
            "近3天ROI低于目标",
            "3-day ROI below target",
        ));
    }
    let learning = has(&|f| matches!(f, Flag::Learning));
    if has(&|f| matches!(f, Flag::NoDelivery)) && !learning {
        if has(&|f| matches!(f, Flag::LowCtr)) {
            out.push(refresh(
                date,
                d,
                None,
                "不消耗且点击率低于类目基准",
                "not spending, CTR below the category baseline",
            ));
        } else if d.roi_7d.is_none_or(|r| r >= d.target_roi) {
            out.push(raise_bid(date, d, policy));
        }
    }
    for f in &d.flags {
        if let Flag::Fatigue {
            creative_id,
            peak_ctr,
            recent_ctr,
            ..
        } = f
        {
            let mut r = refresh(
                date,
                d,
                Some(creative_id),
                &format!(
                    "素材疲劳：点击率从峰值{:.2}%降至{:.2}%",
                    peak_ctr * 100.0,
                    recent_ctr * 100.0
                ),
                &format!(
                    "creative fatigue: CTR down from {:.2}% to {:.2}%",
                    peak_ctr * 100.0,
                    recent_ctr * 100.0
                ),
            );
            r.evidence.insert("peak_ctr".into(), *peak_ctr);
            r.evidence.insert("recent_ctr".into(), *recent_ctr);
            r.expected.gmv = d.gmv * (peak_ctr / recent_ctr - 1.0).min(1.0) * 0.5;
            out.push(r);
        }
    }
    if has(&|f| matches!(f, Flag::Winner)) {
        out.push(raise_budget(date, d, policy));
        if d.conversions_7d >= 6.0 * policy.min_conversions {
            let mut r = rec(date, d, Action::DuplicateWinner);
            r.reason_zh = format!(
                "优质计划连续受预算限制（7天ROI {} ≥ 目标{:.2}×{:.1}），复制计划扩量",
                fmt(d.roi_7d),
                d.target_roi,
                policy.winner_margin
            );
            r.reason_en = format!("winner capped by budget (7-day ROI {} ≥ {:.1}× target {:.2}): duplicate to widen reach", fmt(d.roi_7d), policy.winner_margin, d.target_roi);
            r.evidence = evidence(d);
            r.priority = d.budget * 0.5;
            out.push(r);
        }
    }
    out
}

fn pause(date: NaiveDate, d: &PlanDiagnosis, zh: &str, en: &str) -> Recommendation {
    let mut r = rec(date, d, Action::Pause);
    r.reason_zh = format!(
        "{zh}：今日ROI {}，近3天ROI {}，保本ROI {}，今日消耗{:.0}元",
        fmt(d.roi),
        fmt(d.roi_3d),
        fmt(d.breakeven_roi),
        d.spend
    );
    r.reason_en = format!(
        "{en}: ROI today {}, 3-day {}, break-even {}, spend today {:.0} yuan",
        fmt(d.roi),
        fmt(d.roi_3d),
        fmt(d.breakeven_roi),
        d.spend
    );
    r.evidence = evidence(d);
    let spend = d.spend.max(d.spend_3d_avg);
    r.expected = Effect {
        spend: -spend,
        gmv: -spend * d.roi_3d.unwrap_or(0.0),
        roi_after: None,
    };
    // Money lost a day at the current rate (spend not covered by margin).
    let loss = d.breakeven_roi.map_or(spend, |be| {
        spend * (1.0 - d.roi_3d.unwrap_or(0.0) / be).max(0.0)
    });
    r.priority = loss + spend;
    r
}

fn lower_bid(
    date: NaiveDate,
    d: &PlanDiagnosis,
    roi: Option<f64>,
    policy: &BidPolicy,
    zh: &str,
    en: &str,
) -> Recommendation {
    // The level being missed: break-even when that is what the plan is below, else target.
    let (goal, goal_zh, goal_en) = match (roi, d.breakeven_roi) {
        (Some(r), Some(be)) if r < be && be > d.target_roi => (be, "保本", "break-even"),
        _ => (d.target_roi, "目标", "target"),
    };
    let ratio = roi.map_or(1.0 - policy.rails.max_step, |r| r / goal);
    let factor = ratio.clamp(1.0 - policy.rails.max_step, 0.95);
    let mut r = rec(date, d, Action::LowerBid);
    r.from = Some(d.bid);
    r.to = Some((d.bid * factor * 100.0).round() / 100.0);
    r.reason_zh = format!(
        "{zh}：ROI {} 低于{goal_zh}{:.2}，出价{:.2}→{:.2}（单次调整不超过{:.0}%）",
        fmt(roi),
        goal,
        d.bid,
        d.bid * factor,
        policy.rails.max_step * 100.0
    );
    r.reason_en = format!(
        "{en}: ROI {} below {goal_en} {:.2}; bid {:.2} → {:.2} (steps of at most {:.0}%)",
        fmt(roi),
        goal,
        d.bid,
        d.bid * factor,
        policy.rails.max_step * 100.0
    );
    r.evidence = evidence(d);
    let spend = d.spend_3d_avg;
    r.expected = Effect {
        spend: spend * (factor - 1.0),
        gmv: spend * factor * roi.unwrap_or(0.0) * factor.powf(policy.roi_bid_elasticity)
            - spend * roi.unwrap_or(0.0),
        roi_after: roi.map(|x| x * factor.powf(policy.roi_bid_elasticity)),
    };
    r.priority = spend * (1.0 - ratio).max(0.0) + 1.0;
    r
}

fn raise_bid(date: NaiveDate, d: &PlanDiagnosis, policy: &BidPolicy) -> Recommendation {
    let factor = 1.0 + policy.rails.max_step;
    let mut r = rec(date, d, Action::RaiseBid);
    r.from = Some(d.bid);
    r.to = Some((d.bid * factor * 100.0).round() / 100.0);
    r.reason_zh = format!("不消耗：今日消耗{:.0}元，仅为预算{:.0}元的{:.0}%，近7天ROI {} 不低于目标{:.2}，提价{:.0}%抢量", d.spend, d.budget, d.pace * 100.0, fmt(d.roi_7d), d.target_roi, policy.rails.max_step * 100.0);
    r.reason_en = format!("not spending: {:.0} of {:.0} yuan budget ({:.0}%), 7-day ROI {} at or above target {:.2}; raise the bid {:.0}%", d.spend, d.budget, d.pace * 100.0, fmt(d.roi_7d), d.target_roi, policy.rails.max_step * 100.0);
    r.evidence = evidence(d);
    let roi = d.roi_7d.unwrap_or(d.target_roi);
    let added = (d.spend_3d_avg * policy.rails.max_step)
        .min(d.budget - d.spend_3d_avg)
        .max(0.0);
    r.expected = Effect {
        spend: added,
        gmv: (d.spend_3d_avg + added) * roi * factor.powf(policy.roi_bid_elasticity)
            - d.spend_3d_avg * roi,
        roi_after: Some(roi * factor.powf(policy.roi_bid_elasticity)),
    };
    r.priority = (d.budget - d.spend).max(0.0) * 0.2;
    r
}

fn raise_budget(date: NaiveDate, d: &PlanDiagnosis, policy: &BidPolicy) -> Recommendation {
    let to = (d.budget * (1.0 + policy.rails.max_step)).round();
    let roi = d.roi_7d.unwrap_or(d.target_roi);
    let mut r = rec(date, d, Action::RaiseBudget);
    r.from = Some(d.budget);
    r.to = Some(to);
    r.reason_zh = format!("优质计划：近7天ROI {} ≥ 目标{:.2}×{:.1}，近3天日均消耗{:.0}元已触顶预算{:.0}元，预算+{:.0}%", fmt(d.roi_7d), d.target_roi, policy.winner_margin, d.spend_3d_avg, d.budget, policy.rails.max_step * 100.0);
    r.reason_en = format!("winner: 7-day ROI {} ≥ {:.1}× target {:.2}, spending {:.0} a day against a {:.0} budget; budget +{:.0}%", fmt(d.roi_7d), policy.winner_margin, d.target_roi, d.spend_3d_avg, d.budget, policy.rails.max_step * 100.0);
    r.evidence = evidence(d);
    let added = to - d.budget;
    r.expected = Effect {
        spend: added,
        gmv: added * roi * policy.marginal_roi_share,
        roi_after: Some(
            (d.spend_3d_avg * roi + added * roi * policy.marginal_roi_share)
                / (d.spend_3d_avg + added).max(1e-9),
        ),
    };
    r.priority = added * (roi * policy.marginal_roi_share - 1.0).max(0.0);
    r
}

fn refresh(
    date: NaiveDate,
    d: &PlanDiagnosis,
    creative: Option<&String>,
    zh: &str,
    en: &str,
) -> Recommendation {
    let mut r = rec(date, d, Action::RefreshCreative);
    if let Some(c) = creative {
        r.id.push(':');
        r.id.push_str(c);
        r.target = Some(c.clone());
    }
    r.reason_zh = format!(
        "{zh}（今日点击率{}，类目基准{}）",
        pct(d.ctr),
        pct(d.ctr_baseline)
    );
    r.reason_en = format!(
        "{en} (CTR today {}, category baseline {})",
        pct(d.ctr),
        pct(d.ctr_baseline)
    );
    r.evidence = evidence(d);
    r.priority = d.spend.max(d.budget * 0.1) * 0.3;
    r
}

fn pct(x: Option<f64>) -> String {
    x.map_or("-".into(), |v| format!("{:.2}%", v * 100.0))
}

/// Budget freed by pauses goes to the best winners, at most `max_step` of each winner's
/// budget.
fn budget_moves(
    date: NaiveDate,
    diags: &[PlanDiagnosis],
    recs: &[Recommendation],
    policy: &BidPolicy,
) -> Vec<Recommendation> {
    let mut winners: Vec<&PlanDiagnosis> = diags
        .iter()
        .filter(|d| d.flags.contains(&Flag::Winner))
        .collect();
    winners.sort_by(|a, b| b.roi_7d.unwrap_or(0.0).total_cmp(&a.roi_7d.unwrap_or(0.0)));
    let mut out = Vec::new();
    let mut room: Vec<f64> = winners
        .iter()
        .map(|w| w.budget * policy.rails.max_step)
        .collect();
    for p in recs.iter().filter(|r| r.action == Action::Pause) {
        let Some(src) = diags.iter().find(|d| d.plan_id == p.plan_id) else {
            continue;
        };
        let mut left = src.budget;
        for (w, room) in winners.iter().zip(room.iter_mut()) {
            let amount = left.min(*room).round();
            if amount < 1.0 {
                continue;
            }
            *room -= amount;
            left -= amount;
            let roi_to = w.roi_7d.unwrap_or(0.0) * policy.marginal_roi_share;
            let mut r = rec(date, src, Action::MoveBudget);
            r.id = format!("{date}:{}:move_budget:{}", src.plan_id, w.plan_id);
            r.target = Some(w.plan_id.clone());
            r.from = Some(src.budget);
            r.to = Some(src.budget - amount);
            r.reason_zh = format!("将暂停计划的{amount:.0}元预算调给优质计划{}（边际ROI约{roi_to:.2}，本计划近3天ROI {}）", w.plan_id, fmt(src.roi_3d));
            r.reason_en = format!("move {amount:.0} yuan of the paused plan's budget to winner {} (marginal ROI ≈ {roi_to:.2}; this plan's 3-day ROI {})", w.plan_id, fmt(src.roi_3d));
            r.evidence = evidence(src);
            r.evidence.insert("amount".into(), amount);
            r.evidence
                .insert("receiver_roi_7d".into(), w.roi_7d.unwrap_or(0.0));
            r.expected = Effect {
                spend: 0.0,
                gmv: amount * (roi_to - src.roi_3d.unwrap_or(0.0)),
                roi_after: None,
            };
            r.priority = amount * (roi_to - src.roi_3d.unwrap_or(0.0)).max(0.0);
            out.push(r);
        }
    }
    out
}

/// A plan whose last applied change was a pause is proposed for resumption — never applied
/// without a human (the guard marks it `needs_confirmation`).
fn resumes(date: NaiveDate, plans: &[PlanInfo], audit: &[PastChange]) -> Vec<Recommendation> {
    plans
        .iter()
        .filter(|p| {
            audit
                .iter()
                .filter(|c| c.plan_id == p.plan_id && c.applied())
                .max_by_key(|c| c.date)
                .is_some_and(|c| c.action == Action::Pause && c.date < date)
        })
        .map(|p| Recommendation {
            id: format!("{date}:{}:resume", p.plan_id),
            plan_id: p.plan_id.clone(),
            action: Action::Resume,
            from: None,
            to: None,
            target: None,
            reason_zh: "计划已暂停，恢复前需人工确认素材、出价与库存".into(),
            reason_en:
                "the plan is paused; resuming needs a human to confirm creative, bid and stock"
                    .into(),
            evidence: BTreeMap::new(),
            expected: Effect::default(),
            priority: 0.0,
            status: Status::NeedsConfirmation,
            status_note: None,
            decision: None,
        })
        .collect()
}
