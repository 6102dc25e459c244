//! Per-plan diagnostics for one day: ROI against target and break-even, CPA against bid,
//! CTR against the category baseline, spend against budget and the plan's own recent spend,
//! learning status, creative fatigue, 跑飞 and 不消耗.

use std::collections::{BTreeMap, HashMap};

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};

use super::{BidPolicy, CreativeStat, PlanInfo, PlanStat};

/// A condition found on a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "flag", rename_all = "snake_case")]
pub enum Flag {
    /// 跑飞: spend far above the plan's recent level while ROI is well below target.
    Runaway,
    /// 不消耗: the plan barely spends its budget.
    NoDelivery,
    /// A creative's CTR has decayed from its peak.
    Fatigue {
        creative_id: String,
        peak_ctr: f64,
        recent_ctr: f64,
        age_days: i64,
        z: f64,
    },
    /// ROI well above target with the budget as the limit.
    Winner,
    /// ROI over the last 3 days below break-even: every order loses money.
    BelowBreakeven,
    /// ROI over the last 3 days below 90 % of target.
    BelowTarget,
    /// CTR below the floor share of the category baseline.
    LowCtr,
    /// Still in the learning phase 学习期.
    Learning,
    /// Qianchuan gave up learning 学习失败.
    LearnFailed,
}

/// The numbers of one plan on the day under review.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanDiagnosis {
    pub plan_id: String,
    pub category: String,
    pub bid_mode: String,
    pub learning_status: String,
    pub age_days: i64,
    pub bid: f64,
    pub budget: f64,
    pub target_roi: f64,
    pub breakeven_roi: Option<f64>,
    pub spend: f64,
    pub gmv: f64,
    pub conversions: f64,
    pub roi: Option<f64>,
    /// Spend / budget today.
    pub pace: f64,
    /// Mean daily spend over the 7 days before today (days with data).
    pub spend_prior_avg: Option<f64>,
    pub roi_3d: Option<f64>,
    pub conversions_3d: f64,
    pub spend_3d_avg: f64,
    pub cpa_3d: Option<f64>,
    pub roi_7d: Option<f64>,
    pub conversions_7d: f64,
    pub ctr: Option<f64>,
    pub ctr_baseline: Option<f64>,
    pub flags: Vec<Flag>,
}

/// Sums of a plan over a set of days.
#[derive(Debug, Default, Clone, Copy)]
struct Sums {
    spend: f64,
    gmv: f64,
    conversions: f64,
    impressions: f64,
    clicks: f64,
    days: usize,
}

impl Sums {
    fn add(&mut self, o: &Sums) {
        self.spend += o.spend;
        self.gmv += o.gmv;
        self.conversions += o.conversions;
        self.impressions += o.impressions;
        self.clicks += o.clicks;
        self.days += o.days;
    }

    fn roi(&self) -> Option<f64> {
        (self.spend > 0.0).then(|| self.gmv / self.spend)
    }
}

/// Diagnoses every plan that existed on `date`.
pub fn diagnose(
    date: NaiveDate,
    plans: &[PlanInfo],
    stats: &[PlanStat],
    creatives: &[CreativeStat],
    policy: &BidPolicy,
) -> Vec<PlanDiagnosis> {
    // plan → date → day sums (hourly rows fold into their day).
    let mut by_plan: BTreeMap<&str, BTreeMap<NaiveDate, Sums>> = BTreeMap::new();
    for s in stats {
        let d = by_plan
            .entry(s.plan_id.as_str())
            .or_default()
            .entry(s.date)
            .or_default();
        d.add(&Sums {
            spend: s.spend,
            gmv: s.gmv,
            conversions: s.conversions,
            impressions: s.impressions,
            clicks: s.clicks,
            days: 0,
        });
        d.days = 1;
    }
    let mut creatives_of: HashMap<&str, Vec<&CreativeStat>> = HashMap::new();
    for c in creatives {
        creatives_of.entry(c.plan_id.as_str()).or_default().push(c);
    }
    plans
        .iter()
        .filter(|p| p.created_on <= date)
        .map(|p| {
            let days = by_plan.get(p.plan_id.as_str());
            let window = |from: i64, to: i64| -> Sums {
                let mut out = Sums::default();
                for (_, s) in days
                    .into_iter()
                    .flat_map(|m| m.range(date - Duration::days(from)..=date - Duration::days(to)))
                {
                    out.add(s);
                }
                out
            };
            let own = creatives_of
                .get(p.plan_id.as_str())
                .map_or(&[][..], Vec::as_slice);
            let fatigue = fatigue(date, own, policy);
            plan_diagnosis(
                p,
                date,
                [window(0, 0), window(7, 1), window(2, 0), window(6, 0)],
                fatigue,
                policy,
            )
        })
        .collect()
}

fn plan_diagnosis(
    p: &PlanInfo,
    date: NaiveDate,
    [today, prior, d3, d7]: [Sums; 4],
    fatigue: Vec<Flag>,
    policy: &BidPolicy,
) -> PlanDiagnosis {
    let target_roi = if p.roi_goal > 0.0 {
        p.roi_goal
    } else {
        policy.target_roi
    };
    let ctr = (today.impressions > 0.0).then(|| today.clicks / today.impressions);
    let ctr_baseline = policy.ctr_baselines.get(&p.category).copied();
    let spend_prior_avg = (prior.days > 0).then(|| prior.spend / prior.days as f64);
    let mut d = PlanDiagnosis {
        plan_id: p.plan_id.clone(),
        category: p.category.clone(),
        bid_mode: p.bid_mode.clone(),
        learning_status: p.learning_status.clone(),
        age_days: (date - p.created_on).num_days(),
        bid: p.bid,
        budget: p.budget,
        target_roi,
        breakeven_roi: p.breakeven_roi,
        spend: today.spend,
        gmv: today.gmv,
        conversions: today.conversions,
        roi: today.roi(),
        pace: if p.budget > 0.0 {
            today.spend / p.budget
        } else {
            0.0
        },
        spend_prior_avg,
        roi_3d: d3.roi(),
        conversions_3d: d3.conversions,
        spend_3d_avg: d3.spend / d3.days.max(1) as f64,
        cpa_3d: (d3.conversions > 0.0).then(|| d3.spend / d3.conversions),
        roi_7d: d7.roi(),
        conversions_7d: d7.conversions,
        ctr,
        ctr_baseline,
        flags: fatigue,
    };
    d.flags.splice(0..0, flags(&d, policy));
    d
}

fn flags(d: &PlanDiagnosis, policy: &BidPolicy) -> Vec<Flag> {
    let mut out = Vec::new();
    match d.learning_status.as_str() {
        "LEARNING" => out.push(Flag::Learning),
        "LEARN_FAILED" => out.push(Flag::LearnFailed),
        _ => {}
    }
    let trusted = d.conversions_3d >= policy.min_conversions;
    let roi_today_low = d.roi.is_none_or(|r| r < policy.runaway_roi * d.target_roi);
    if d.spend_prior_avg
        .is_some_and(|avg| avg > 0.0 && d.spend >= policy.runaway_spend * avg)
        && d.spend >= 0.5 * d.budget
        && roi_today_low
    {
        out.push(Flag::Runaway);
    }
    if d.age_days >= policy.rails.observe_days
        && d.pace < policy.starve_share
        && d.spend_3d_avg < policy.starve_share * d.budget
    {
        out.push(Flag::NoDelivery);
    }
    if let (Some(r), Some(be), true) = (d.roi_3d, d.breakeven_roi, trusted) {
        if r < be {
            out.push(Flag::BelowBreakeven);
        }
    }
    if d.roi_3d.is_some_and(|r| r < 0.9 * d.target_roi) && trusted {
        out.push(Flag::BelowTarget);
    }
    if let (Some(c), Some(b)) = (d.ctr, d.ctr_baseline) {
        if c < policy.ctr_floor * b {
            out.push(Flag::LowCtr);
        }
    }
    if d.roi_7d
        .is_some_and(|r| r >= policy.winner_margin * d.target_roi)
        && d.conversions_7d >= 3.0 * policy.min_conversions
        && d.spend_3d_avg >= 0.9 * d.budget
    {
        out.push(Flag::Winner);
    }
    out
}

/// Creatives of one plan (`creatives` are its creative-days) whose CTR over the last 3 days
/// is down at least `fatigue_drop` from their best 3-day window, significant by a
/// two-proportion z-test (z ≥ 3).
fn fatigue(date: NaiveDate, creatives: &[&CreativeStat], policy: &BidPolicy) -> Vec<Flag> {
    let mut series: BTreeMap<&str, (Option<NaiveDate>, BTreeMap<NaiveDate, (f64, f64)>)> =
        BTreeMap::new();
    for c in creatives
        .iter()
        .filter(|c| c.date <= date && c.date > date - Duration::days(28))
    {
        let e = series.entry(c.creative_id.as_str()).or_default();
        e.0 = e.0.or(c.created_on);
        let day = e.1.entry(c.date).or_default();
        day.0 += c.impressions;
        day.1 += c.clicks;
    }
    let mut out = Vec::new();
    for (id, (created, days)) in series {
        let first = created.or_else(|| days.keys().next().copied());
        let age = first.map_or(0, |f| (date - f).num_days());
        let v: Vec<(f64, f64)> = days.values().copied().collect();
        if age < 7 || v.len() < 7 {
            continue;
        }
        let pooled = |w: &[(f64, f64)]| {
            let (i, c) = w.iter().fold((0.0, 0.0), |(i, c), (a, b)| (i + a, c + b));
            (i, c)
        };
        let (ri, rc) = pooled(&v[v.len() - 3..]);
        let peak = v[..v.len() - 3]
            .windows(3)
            .map(pooled)
            .filter(|(i, _)| *i > 0.0)
            .max_by(|a, b| (a.1 / a.0).total_cmp(&(b.1 / b.0)));
        let Some((pi, pc)) = peak else { continue };
        if ri <= 0.0 {
            continue;
        }
        let (p1, p2) = (pc / pi, rc / ri);
        let pool = (pc + rc) / (pi + ri);
        let se = (pool * (1.0 - pool) * (1.0 / pi + 1.0 / ri)).sqrt();
        let z = if se > 0.0 { (p1 - p2) / se } else { 0.0 };
        if p2 <= (1.0 - policy.fatigue_drop) * p1 && z >= 3.0 {
            out.push(Flag::Fatigue {
                creative_id: id.to_string(),
                peak_ctr: p1,
                recent_ctr: p2,
                age_days: age,
                z,
            });
        }
    }
    out
}
