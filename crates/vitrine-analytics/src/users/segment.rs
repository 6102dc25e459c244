//! Lifecycle stage, RFM, tags, value index, five tiers and the recall flag of every user.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use vitrine_core::config::{Config, Group, Scope};

use super::rank::{percentiles, rank_thresholds};
use super::{clv_summary, days_between, Purchases, UserFeatures};
use crate::clv::{
    alive_and_clv, check_horizon, check_valid_counts, validate_all, BgNbd, Compressed, Customer,
    GammaGamma, Summaries,
};

/// Lifecycle windows in days (configurable).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Windows {
    /// First purchase within this many days: new.
    pub new_days: i64,
    /// Last purchase within this many days: active (or recalled after a lapse).
    pub active_days: i64,
    /// Last purchase within this many days: silent; beyond: churned.
    pub silent_days: i64,
}

/// Lifecycle windows, value tiers and the recall list (`[thresholds] user_*`, `[users]`).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct UserSettings {
    pub windows: Windows,
    /// Value-index percentiles where tiers 1–4 end (95, 80, 50, 20: top 5 %, next 15 %, …).
    pub tier_cuts: [f64; 4],
    /// CLV horizon of the value index, in days.
    pub clv_horizon_days: f64,
    /// Recall users with at least this value index …
    pub recall_value_min: f64,
    /// … whose probability of being alive fell below this.
    pub recall_p_alive_max: f64,
}

impl UserSettings {
    /// The settings of `shop`.
    pub fn from_config(cfg: &Config, shop: Option<&str>) -> Self {
        let scope = Scope::of(shop);
        let t = |k: &str| cfg.num(Group::Thresholds, k, scope);
        let u = |k: &str| cfg.num(Group::Users, k, scope);
        UserSettings {
            windows: Windows {
                new_days: t("user_new_days") as i64,
                active_days: t("user_active_days") as i64,
                silent_days: t("user_silent_days") as i64,
            },
            tier_cuts: [
                u("tier_core"),
                u("tier_high"),
                u("tier_medium"),
                u("tier_low"),
            ],
            clv_horizon_days: u("clv_horizon_days"),
            recall_value_min: u("recall_value_min"),
            recall_p_alive_max: u("recall_p_alive_max"),
        }
    }
}

impl Default for UserSettings {
    fn default() -> Self {
        UserSettings::from_config(&Config::default(), None)
    }
}

/// RFM scoring: quintiles of the shop's own users (default), or fixed cut points
/// (four ascending thresholds per measure; recency in days, lower is better).
#[derive(Debug, Clone, Default, Serialize)]
pub struct RfmCuts {
    pub recency_days: Option<[f64; 4]>,
    pub frequency: Option<[f64; 4]>,
    pub monetary: Option<[f64; 4]>,
}

/// A user's lifecycle stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stage {
    New,
    Active,
    Recalled,
    Silent,
    Churned,
}

impl Stage {
    const ALL: [Stage; 5] = [
        Stage::New,
        Stage::Active,
        Stage::Recalled,
        Stage::Silent,
        Stage::Churned,
    ];

    /// The stage's key in answers and labels.
    pub(crate) fn key(self) -> &'static str {
        match self {
            Stage::New => "new",
            Stage::Active => "active",
            Stage::Recalled => "recalled",
            Stage::Silent => "silent",
            Stage::Churned => "churned",
        }
    }
}

/// Everything known about one user's segment.
#[derive(Debug, Clone, Serialize)]
pub struct UserSegment {
    pub user_id: String,
    /// `new`, `active`, `silent`, `churned` or `recalled`.
    pub stage: &'static str,
    pub r: u8,
    pub f: u8,
    pub m: u8,
    /// One of the eight classic RFM segments, e.g. `important_value`.
    pub rfm_segment: &'static str,
    /// `high`, `medium` or `low`.
    pub spending_power: &'static str,
    pub interest: Option<String>,
    /// `high`, `medium`, `low` or `none` by comments written.
    pub interaction: &'static str,
    pub member_tier: Option<String>,
    /// 0–100: percentile of predicted CLV (or of spend when no model can be fitted).
    pub value_index: f64,
    /// 1 (core) … 5 (low value).
    pub tier: u8,
    pub p_alive: Option<f64>,
    pub expected_clv: Option<f64>,
    pub days_since_last: i64,
    pub total: f64,
    /// High value whose P(alive) is falling: worth a recall campaign.
    pub recall: bool,
}

/// Counts per stage, RFM segment and tier, for the review and the dashboard.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct SegmentSizes {
    pub users: usize,
    pub stages: BTreeMap<String, usize>,
    pub rfm_segments: BTreeMap<String, usize>,
    pub tiers: BTreeMap<u8, usize>,
    pub recall: usize,
}

/// The segmentation of a shop's users as of one day.
#[derive(Debug, Clone, Serialize)]
pub struct Segmented {
    pub as_of: NaiveDate,
    /// `bgnbd+gamma-gamma` or `spend` (when the models could not be fitted).
    pub value_model: String,
    pub sizes: SegmentSizes,
    pub users: Vec<UserSegment>,
    /// The CLV models behind the value index (not part of the answer).
    #[serde(skip)]
    pub fit: Option<ValueFit>,
}

/// What the daily review shows of the users: the segment sizes and the recall list in
/// brief. Small, so it can be kept per lake version instead of segmenting every buyer again.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct UsersDigest {
    pub sizes: SegmentSizes,
    /// The CLV models fitted for it (none when the shop's buyers cannot be fitted): the
    /// next day's digest starts its fit from them.
    #[serde(default)]
    pub fit: Option<ValueFit>,
    /// Σ expected CLV of the users on the recall list, in yuan.
    pub recall_value: f64,
}

impl Segmented {
    /// The review's part of this segmentation.
    pub fn digest(&self) -> UsersDigest {
        UsersDigest {
            sizes: self.sizes.clone(),
            fit: self.fit,
            recall_value: sum_sorted(
                self.users
                    .iter()
                    .filter(|u| u.recall)
                    .filter_map(|u| u.expected_clv),
            ),
        }
    }
}

/// The CLV models of a value index.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct ValueFit {
    pub bgnbd: BgNbd,
    pub gamma_gamma: GammaGamma,
}

/// A sum that does not depend on the order of its terms (buyers come in any order).
fn sum_sorted(values: impl Iterator<Item = f64>) -> f64 {
    let mut v: Vec<f64> = values.collect();
    v.sort_by(f64::total_cmp);
    v.into_iter().sum()
}

/// The numbers of every user's segment, in input order: what [`segment`] dresses with each
/// user's id and tags, and all [`digest`] needs.
struct Scores {
    stage: Vec<Stage>,
    r: Vec<u8>,
    f: Vec<u8>,
    m: Vec<u8>,
    /// What the value index ranks: each user's CLV, or spend when the CLV models could not
    /// be fitted (`clv` false).
    ranked: Vec<f64>,
    clv: bool,
    /// Per user, when the CLV models could be fitted (all users or none).
    p_alive: Option<Vec<f64>>,
    tier: Vec<u8>,
    recall: Vec<bool>,
    value_model: String,
    fit: Option<ValueFit>,
}

impl Scores {
    fn of<P: AsRef<Purchases> + Sync>(
        users: &[P],
        as_of: NaiveDate,
        set: &UserSettings,
        cuts: &RfmCuts,
        start: Option<&ValueFit>,
    ) -> Self {
        // The RFM scores and stages do not need the value index: computed beside its fits.
        let ((r, f, m, stage), ((ranked, p_alive, clv, value_model), fit)) =
            std::thread::scope(|s| {
                let rfm = s.spawn(|| {
                    let since: Vec<f64> = users
                        .iter()
                        .map(|u| f64::from(days_between(u.as_ref().last, as_of)))
                        .collect();
                    let freq: Vec<f64> = users
                        .iter()
                        .map(|u| f64::from(u.as_ref().purchase_days))
                        .collect();
                    let r = score(&since, cuts.recency_days, true);
                    drop(since);
                    let f = score(&freq, cuts.frequency, false);
                    drop(freq);
                    let money: Vec<f64> = users.iter().map(|u| u.as_ref().total).collect();
                    let m = score(&money, cuts.monetary, false);
                    drop(money);
                    let stage: Vec<Stage> = users
                        .iter()
                        .map(|u| stage(u.as_ref(), as_of, &set.windows))
                        .collect();
                    (r, f, m, stage)
                });
                let value = value_index(users, as_of, set.clv_horizon_days, start);
                let rfm = rfm.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
                (rfm, value)
            });
        let (tier, floor) = tiers_and_floor(&ranked, set);
        let recall = (0..users.len())
            .map(|i| {
                floor[i]
                    && p_alive
                        .as_ref()
                        .is_some_and(|p| p[i] < set.recall_p_alive_max)
                    && matches!(stage[i], Stage::Silent | Stage::Churned | Stage::Active)
            })
            .collect();
        Scores {
            stage,
            r,
            f,
            m,
            ranked,
            clv,
            p_alive,
            tier,
            recall,
            value_model,
            fit,
        }
    }

    /// Every user's value index (a sort of all users: [`segment`] and lists only).
    fn values(&self) -> Vec<f64> {
        percentiles(&self.ranked)
    }

    /// User `i`'s segment, without tags (interest, member tier, comments); `value` is its
    /// value index.
    fn user(
        &self,
        i: usize,
        user_id: String,
        p: &Purchases,
        as_of: NaiveDate,
        value: f64,
    ) -> UserSegment {
        UserSegment {
            user_id,
            stage: self.stage[i].key(),
            r: self.r[i],
            f: self.f[i],
            m: self.m[i],
            rfm_segment: self.rfm_segment(i),
            spending_power: spending_power(self.m[i]),
            interest: None,
            interaction: interaction(0),
            member_tier: None,
            value_index: value,
            tier: self.tier[i],
            p_alive: self.p_alive.as_ref().map(|p| p[i]),
            expected_clv: self.clv.then(|| self.ranked[i]),
            days_since_last: i64::from(days_between(p.last, as_of)),
            total: p.total,
            recall: self.recall[i],
        }
    }

    fn rfm_segment(&self, i: usize) -> &'static str {
        rfm_segment(self.r[i], self.f[i], self.m[i])
    }

    fn sizes(&self) -> SegmentSizes {
        let mut sizes = SegmentSizes {
            users: self.stage.len(),
            ..SegmentSizes::default()
        };
        // Counted in arrays first (stages by their number, the eight RFM segments by their
        // three high/low bits, tiers by number): no map lookup or string per user.
        let mut stages = [0usize; Stage::ALL.len()];
        let mut rfm = [0usize; 8];
        let mut tiers = [0usize; 256];
        for i in 0..self.stage.len() {
            stages[self.stage[i] as usize] += 1;
            let bits = usize::from(self.r[i] >= 3) << 2
                | usize::from(self.f[i] >= 3) << 1
                | usize::from(self.m[i] >= 3);
            rfm[bits] += 1;
            tiers[usize::from(self.tier[i])] += 1;
            sizes.recall += usize::from(self.recall[i]);
        }
        let stages: BTreeMap<&str, usize> = Stage::ALL
            .iter()
            .zip(stages)
            .filter(|(_, n)| *n > 0)
            .map(|(s, n)| (s.key(), n))
            .collect();
        let mut by_segment: BTreeMap<&str, usize> = BTreeMap::new();
        for (bits, n) in rfm.into_iter().enumerate().filter(|(_, n)| *n > 0) {
            let high = |b: usize| if bits & b != 0 { 3 } else { 1 };
            *by_segment
                .entry(rfm_segment(high(4), high(2), high(1)))
                .or_default() += n;
        }
        let rfm = by_segment;
        sizes.tiers = (0u8..=255).zip(tiers).filter(|(_, n)| *n > 0).collect();
        let owned =
            |m: BTreeMap<&str, usize>| m.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        sizes.stages = owned(stages);
        sizes.rfm_segments = owned(rfm);
        sizes
    }
}

/// The review's part of [`segment`] (quintile RFM scores), without building a segment per
/// user: the same sizes and recall value, for a fraction of the memory.
pub fn digest<P: AsRef<Purchases> + Sync>(
    users: &[P],
    as_of: NaiveDate,
    set: &UserSettings,
) -> UsersDigest {
    digest_from(users, as_of, set, None)
}

/// [`digest`] with the spend model's fit started from `start`, an earlier digest's
/// (yesterday's): the same optimum within the optimiser's tolerance, in fewer steps.
pub fn digest_from<P: AsRef<Purchases> + Sync>(
    users: &[P],
    as_of: NaiveDate,
    set: &UserSettings,
    start: Option<&ValueFit>,
) -> UsersDigest {
    let s = Scores::of(users, as_of, set, &RfmCuts::default(), start);
    UsersDigest {
        sizes: s.sizes(),
        fit: s.fit,
        recall_value: sum_sorted(
            (0..users.len())
                .filter(|&i| s.recall[i] && s.clv)
                .map(|i| s.ranked[i]),
        ),
    }
}

/// Segments `users` as of `as_of`.
pub fn segment(
    users: &[UserFeatures],
    as_of: NaiveDate,
    set: &UserSettings,
    cuts: &RfmCuts,
) -> Segmented {
    let s = Scores::of(users, as_of, set, cuts, None);
    let values = s.values();
    let segs: Vec<UserSegment> = users
        .iter()
        .enumerate()
        .map(|(i, u)| UserSegment {
            interest: u.top_category.clone(),
            interaction: interaction(u.comments),
            member_tier: u.member_tier.clone(),
            ..s.user(i, u.user_id.clone(), &u.purchases, as_of, values[i])
        })
        .collect();
    Segmented {
        as_of,
        sizes: s.sizes(),
        value_model: s.value_model,
        users: segs,
        fit: s.fit,
    }
}

/// The first `limit` users of [`segment`]'s list order — recall candidates first, then by
/// value index, then by id — with the sizes of every user, without building a segment per
/// user: what a user list shows of millions of buyers. `id` names user `i`; the tags
/// (interest, member tier, interaction) are left for the caller to add for those listed.
pub fn segment_top<'a, P: AsRef<Purchases> + Sync>(
    users: &[P],
    id: impl Fn(usize) -> &'a str,
    as_of: NaiveDate,
    set: &UserSettings,
    cuts: &RfmCuts,
    limit: usize,
) -> Segmented {
    let s = Scores::of(users, as_of, set, cuts, None);
    let values = s.values();
    let before = |a: &usize, b: &usize| {
        s.recall[*b]
            .cmp(&s.recall[*a])
            .then(values[*b].total_cmp(&values[*a]))
            .then_with(|| id(*a).cmp(id(*b)))
    };
    let mut order: Vec<usize> = (0..users.len()).collect();
    if limit < order.len() {
        if limit > 0 {
            order.select_nth_unstable_by(limit - 1, before);
        }
        order.truncate(limit);
    }
    order.sort_unstable_by(before);
    let listed = order
        .into_iter()
        .map(|i| s.user(i, id(i).to_string(), users[i].as_ref(), as_of, values[i]))
        .collect();
    Segmented {
        as_of,
        sizes: s.sizes(),
        value_model: s.value_model,
        users: listed,
        fit: s.fit,
    }
}

/// Spending power by the monetary score: `high`, `medium` or `low`.
fn spending_power(m: u8) -> &'static str {
    match m {
        4..=5 => "high",
        3 => "medium",
        _ => "low",
    }
}

/// Interaction level by comments written: `none`, `low`, `medium` or `high`.
pub fn interaction(comments: u32) -> &'static str {
    match comments {
        0 => "none",
        1 => "low",
        2..=3 => "medium",
        _ => "high",
    }
}

/// Lifecycle stage: new, then recalled / active by the last purchase, silent, churned.
pub(crate) fn stage(u: &Purchases, as_of: NaiveDate, w: &Windows) -> Stage {
    let since_last = i64::from(days_between(u.last, as_of));
    let since_first = i64::from(days_between(u.first, as_of));
    if since_first <= w.new_days {
        Stage::New
    } else if since_last <= w.active_days {
        if u.last_gap_days
            .is_some_and(|g| i64::from(g) > w.silent_days)
        {
            Stage::Recalled
        } else {
            Stage::Active
        }
    } else if since_last <= w.silent_days {
        Stage::Silent
    } else {
        Stage::Churned
    }
}

/// 1–5 scores: fixed cut points, or quintiles by rank (ties share the lower rank's score).
/// `lower_is_better` flips the scale (recency).
pub(crate) fn score(values: &[f64], cuts: Option<[f64; 4]>, lower_is_better: bool) -> Vec<u8> {
    if let Some(c) = cuts {
        return values
            .iter()
            .map(|v| {
                let above = c.iter().filter(|t| *v > **t).count() as u8;
                if lower_is_better {
                    5 - above
                } else {
                    1 + above
                }
            })
            .collect();
    }
    // A value's quintile is 1 + ⌊5·b/n⌋ (at most 5), b the number of values strictly below
    // it; it reaches k + 1 exactly when b ≥ ⌈k·n/5⌉, i.e. when the ⌈k·n/5⌉-th smallest
    // value is below it. Four order statistics (linear time) instead of a sort.
    let n = values.len();
    if n == 0 {
        return Vec::new();
    }
    let ms: [usize; 4] = std::array::from_fn(|k| ((k + 1) * n).div_ceil(5));
    let cut = counted_order_stats(values, &ms).unwrap_or_else(|| selected_order_stats(values, &ms));
    values
        .iter()
        .map(|v| {
            let q = 1 + cut.iter().filter(|c| c.total_cmp(v).is_lt()).count() as u8;
            if lower_is_better {
                6 - q
            } else {
                q
            }
        })
        .collect()
}

/// The `ms[k]`-th smallest values (1-based, ascending) as a sort by `total_cmp` orders them,
/// by selection.
fn selected_order_stats(values: &[f64], ms: &[usize; 4]) -> [f64; 4] {
    let mut rest: Vec<f64> = values.to_vec();
    let mut cut = [0.0f64; 4];
    let mut done = 0;
    for (c, m) in cut.iter_mut().zip(ms) {
        // Order statistics ascend with k: each search continues right of the last one.
        let (_, nth, _) = rest[done..].select_nth_unstable_by(m - 1 - done, f64::total_cmp);
        *c = *nth;
        done = m - 1;
    }
    cut
}

/// [`selected_order_stats`] of values that are all whole numbers in 0..2¹⁶ (days since the
/// last purchase, purchase days), from a count of each value: one pass and no copy. `None`
/// when a value is anything else (−0.0 included, which `total_cmp` puts below 0.0).
fn counted_order_stats(values: &[f64], ms: &[usize; 4]) -> Option<[f64; 4]> {
    const SPAN: usize = 1 << 16;
    let mut counts = vec![0u32; SPAN];
    for v in values {
        if !(v.is_sign_positive() && v.fract() == 0.0 && *v < SPAN as f64) {
            return None;
        }
        counts[*v as usize] += 1;
    }
    let mut cut = [0.0f64; 4];
    let (mut k, mut seen) = (0, 0usize);
    for (value, count) in counts.iter().enumerate() {
        seen += *count as usize;
        while k < 4 && seen >= ms[k] {
            cut[k] = value as f64;
            k += 1;
        }
        if k == 4 {
            break;
        }
    }
    Some(cut)
}

/// The eight classic RFM segments (high = score ≥ 3).
pub(crate) fn rfm_segment(r: u8, f: u8, m: u8) -> &'static str {
    match (r >= 3, f >= 3, m >= 3) {
        (true, true, true) => "important_value",
        (false, true, true) => "important_recall",
        (true, false, true) => "important_develop",
        (false, false, true) => "important_retain",
        (true, true, false) => "general_value",
        (false, true, false) => "general_recall",
        (true, false, false) => "general_develop",
        (false, false, false) => "general_retain",
    }
}

fn tier(value_index: f64, cuts: &[f64; 4]) -> u8 {
    1 + cuts.iter().filter(|c| value_index < **c).count() as u8
}

/// What the value index ranks (CLV, or spend), P(alive) per user, whether the ranked values
/// are CLV, and the model's name.
type Values = (Vec<f64>, Option<Vec<f64>>, bool, String);

/// Each user's tier and whether their value index reaches the recall floor, from the
/// values where those ranks are reached (or from every rank when a value is NaN).
fn tiers_and_floor(ranked: &[f64], set: &UserSettings) -> (Vec<u8>, Vec<bool>) {
    let mut cs = set.tier_cuts.to_vec();
    cs.push(set.recall_value_min);
    // `value >= floor` is false for a NaN floor, where `!(value < floor)` is not.
    let floor_ok = !set.recall_value_min.is_nan();
    match rank_thresholds(ranked, &cs) {
        Some(t) => ranked
            .iter()
            .map(|x| {
                let tier = 1 + t[..4].iter().filter(|c| c.below(*x)).count() as u8;
                (tier, floor_ok && !t[4].below(*x))
            })
            .unzip(),
        None => percentiles(ranked)
            .iter()
            .map(|v| (tier(*v, &set.tier_cuts), *v >= set.recall_value_min))
            .unzip(),
    }
}

/// What the value index ranks: 365-day CLV from BG/NBD + Gamma-Gamma fitted on the shop's
/// own users; when they cannot be fitted (too few repeaters), spend. The index is the
/// percentile rank of these values ([`percentiles`]).
fn value_index<P: AsRef<Purchases> + Sync>(
    users: &[P],
    as_of: NaiveDate,
    horizon_days: f64,
    start: Option<&ValueFit>,
) -> (Values, Option<ValueFit>) {
    let summaries = &OnTheFly { users, as_of };
    // The two models are independent: fitted side by side. Only Gamma-Gamma starts from the
    // earlier fit: it then takes a third of the steps, while BG/NBD's L-BFGS measured as
    // many steps (and more evaluations) from yesterday's optimum as from its own start.
    let valid = validate_all(summaries);
    let (bg, gg) = std::thread::scope(|s| {
        let gg = s.spawn(|| {
            valid.clone()?;
            GammaGamma::fit_valid(summaries, start.map(|f| &f.gamma_gamma))
        });
        // Compressed once: the fit and the predictions both read it.
        let bg = valid
            .clone()
            .and_then(|()| check_valid_counts(summaries, "BG/NBD"))
            .and_then(|()| check_horizon(horizon_days, 0.0))
            .map(|()| Compressed::new(summaries))
            .and_then(|data| Ok((BgNbd::fit_compressed(&data, None)?, data)));
        (bg, gg.join())
    });
    let fitted = bg.and_then(|(bg, data)| {
        let gg = gg.unwrap_or_else(|e| std::panic::resume_unwind(e))?;
        let (p_alive, clv) = alive_and_clv(&bg, &gg, summaries, &data, horizon_days);
        Ok((
            (p_alive, clv),
            ValueFit {
                bgnbd: bg,
                gamma_gamma: gg,
            },
        ))
    });
    match fitted {
        Ok(((p_alive, clv), fit)) => (
            (clv, Some(p_alive), true, "bgnbd+gamma-gamma".into()),
            Some(fit),
        ),
        Err(_) => {
            let spend: Vec<f64> = users.iter().map(|u| u.as_ref().total).collect();
            ((spend, None, false, "spend".into()), None)
        }
    }
}

/// Each buyer's CLV summary as of a day, worked out whenever a pass asks for it: cheaper
/// than holding 40 bytes for each of millions of buyers through the fits.
struct OnTheFly<'a, P> {
    users: &'a [P],
    as_of: NaiveDate,
}

impl<P: AsRef<Purchases> + Sync> Summaries for OnTheFly<'_, P> {
    fn len(&self) -> usize {
        self.users.len()
    }

    fn get(&self, i: usize) -> Customer {
        clv_summary(self.users[i].as_ref(), self.as_of)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(
        id: &str,
        first: &str,
        last: &str,
        days: u32,
        total: f64,
        gap: Option<i32>,
    ) -> UserFeatures {
        UserFeatures {
            user_id: id.into(),
            purchases: Purchases {
                first: first.parse().unwrap(),
                last: last.parse().unwrap(),
                purchase_days: days,
                total,
                first_amount: total / f64::from(days),
                last_gap_days: gap,
            },
            top_category: Some("beauty".into()),
            member_tier: None,
            comments: 0,
        }
    }

    #[test]
    fn stages_follow_the_windows() {
        let d: NaiveDate = "2026-11-21".parse().unwrap();
        let w = UserSettings::default().windows;
        assert_eq!(
            stage(
                &user("a", "2026-11-01", "2026-11-01", 1, 10.0, None).purchases,
                d,
                &w
            )
            .key(),
            "new"
        );
        assert_eq!(
            stage(
                &user("b", "2026-01-01", "2026-11-01", 3, 10.0, Some(40)).purchases,
                d,
                &w
            )
            .key(),
            "active"
        );
        assert_eq!(
            stage(
                &user("c", "2025-01-01", "2026-11-01", 2, 10.0, Some(300)).purchases,
                d,
                &w
            )
            .key(),
            "recalled"
        );
        assert_eq!(
            stage(
                &user("d", "2026-01-01", "2026-07-01", 2, 10.0, Some(20)).purchases,
                d,
                &w
            )
            .key(),
            "silent"
        );
        assert_eq!(
            stage(
                &user("e", "2025-01-01", "2026-01-01", 2, 10.0, Some(20)).purchases,
                d,
                &w
            )
            .key(),
            "churned"
        );
    }

    #[test]
    fn quintiles_and_cut_points() {
        let v: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(score(&v, None, false), vec![1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
        assert_eq!(score(&v, None, true), vec![5, 5, 4, 4, 3, 3, 2, 2, 1, 1]);
        // Ties share a score.
        assert_eq!(
            score(&[1.0, 1.0, 1.0, 2.0, 3.0], None, false),
            vec![1, 1, 1, 4, 5]
        );
        let cuts = Some([30.0, 60.0, 90.0, 180.0]);
        assert_eq!(score(&[10.0, 45.0, 200.0], cuts, true), vec![5, 4, 1]);
        assert_eq!(rfm_segment(5, 5, 5), "important_value");
        assert_eq!(rfm_segment(1, 4, 5), "important_recall");
        // The shipped cuts: top 5 %, next 15 %, 30 %, 30 %, last 20 %.
        const C: [f64; 4] = [95.0, 80.0, 50.0, 20.0];
        assert_eq!(UserSettings::default().tier_cuts, C);
        assert_eq!(
            (
                tier(99.0, &C),
                tier(90.0, &C),
                tier(60.0, &C),
                tier(30.0, &C),
                tier(5.0, &C)
            ),
            (1, 2, 3, 4, 5)
        );
    }

    /// Quintiles by rank, from a direct count of the values strictly below each value.
    #[test]
    fn quintiles_match_a_direct_count() {
        let mut seed = 7u64;
        for n in [1usize, 2, 3, 4, 5, 6, 7, 11, 50, 333] {
            let v: Vec<f64> = (0..n)
                .map(|_| {
                    seed = seed
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    ((seed >> 33) % 9) as f64
                })
                .collect();
            // Whole numbers take the counted path, halves the selection.
            let halves: Vec<f64> = v.iter().map(|x| x + 0.5).collect();
            for v in [v, halves] {
                let direct: Vec<u8> = v
                    .iter()
                    .map(|x| {
                        let below = v.iter().filter(|y| *y < x).count();
                        (1 + 5 * below / n).min(5) as u8
                    })
                    .collect();
                assert_eq!(score(&v, None, false), direct, "n = {n}");
                let flipped: Vec<u8> = direct.iter().map(|q| 6 - q).collect();
                assert_eq!(score(&v, None, true), flipped, "n = {n}");
            }
        }
    }

    /// Counting and selection find the same order statistics; values the count cannot
    /// hold (−0.0, fractions, 2¹⁶ and above, negatives) are left to the selection.
    #[test]
    fn counted_order_statistics_equal_selected_ones() {
        let v: Vec<f64> = (0..1000u32).map(|i| f64::from((i * 7919) % 365)).collect();
        let ms = [200, 400, 600, 800];
        assert_eq!(
            counted_order_stats(&v, &ms),
            Some(selected_order_stats(&v, &ms))
        );
        for odd in [-0.0, 0.5, 65536.0, -1.0, f64::NAN] {
            let mut w = v.clone();
            w[3] = odd;
            assert_eq!(counted_order_stats(&w, &ms), None, "{odd}");
        }
    }
}
