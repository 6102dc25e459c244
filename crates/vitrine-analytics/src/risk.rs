//! The risk model 动态风险评估模型 (REQUIREMENTS §6): 15 indicators scored 0–100, a weighted
//! composite index, a probability × impact matrix, per-industry grade thresholds and a
//! 30-day forecast of the index.
//!
//! Every indicator turns one raw reading into a score by a linear ramp between a *calm*
//! level (score 0) and an *alarm* level (score 100). The readings are listed in
//! [`INDICATORS`]; ramps, weights, impacts and grade cut-offs are settings (`[risk]` in
//! `defaults.toml`, overridable per shop and category), so the score of any day can be
//! recomputed by hand.

use serde::Serialize;
use vitrine_core::config::{Config, Group, Scope};
use vitrine_core::Lang;

/// One indicator of the model.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Indicator {
    pub id: &'static str,
    pub name_zh: &'static str,
    pub name_en: &'static str,
    /// How the raw reading is computed.
    pub formula: &'static str,
}

macro_rules! ind {
    ($id:literal, $zh:literal, $en:literal, $f:literal) => {
        Indicator {
            id: $id,
            name_zh: $zh,
            name_en: $en,
            formula: $f,
        }
    };
}

/// One indicator's ramp and place in the matrix (`[risk.<indicator>]`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Ramp {
    /// Raw reading that scores 0.
    pub calm: f64,
    /// Raw reading that scores 100 (may be below `calm` when lower is riskier).
    pub alarm: f64,
    /// Weight in the composite index (normalised over the indicators with data).
    pub weight: f64,
    /// Impact if the risk materialises, 1 (minor) to 5 (severe).
    pub impact: u8,
}

/// The risk model's settings for one shop and category.
#[derive(Debug, Clone, PartialEq)]
pub struct RiskSettings {
    /// One ramp per indicator, in [`INDICATORS`] order.
    pub ramps: [Ramp; 15],
    /// Width of a probability level's band of scores (20: 0–20 → 1, …, 80–100 → 5).
    pub probability_band: f64,
    /// probability × impact from which a cell is medium, high and critical.
    pub cells: [f64; 3],
    /// Holt's damped-trend smoothing of the index: α, β, φ.
    pub holt: (f64, f64, f64),
}

impl RiskSettings {
    /// The settings of `scope` (a category's override first, then the shop's, then global).
    pub fn from_config(cfg: &Config, scope: Scope) -> Self {
        let n = |k: &str| cfg.num(Group::Risk, k, scope);
        RiskSettings {
            ramps: INDICATORS.map(|i| Ramp {
                calm: n(&format!("{}.calm", i.id)),
                alarm: n(&format!("{}.alarm", i.id)),
                weight: n(&format!("{}.weight", i.id)),
                impact: n(&format!("{}.impact", i.id)).clamp(1.0, 5.0) as u8,
            }),
            probability_band: n("probability_band"),
            cells: [n("cell_medium"), n("cell_high"), n("cell_critical")],
            holt: (n("forecast_alpha"), n("forecast_beta"), n("forecast_phi")),
        }
    }
}

impl Default for RiskSettings {
    fn default() -> Self {
        RiskSettings::from_config(&Config::default(), Scope::default())
    }
}

/// The 15 indicators of REQUIREMENTS §6, in its order.
pub static INDICATORS: [Indicator; 15] = [
    ind!("industry_traffic_growth", "行业流量增速", "Industry traffic growth", "decline of competitors' estimated sales, last 7 days vs the 7 before: −(Σ7d / Σprev7d − 1)"),
    ind!("competitor_bid_level", "竞品出价水平", "Competitor bid level", "mean competitor bid today / its 28-day mean − 1"),
    ind!("platform_policy_change", "平台政策变化", "Platform policy change", "operator's assessment 0–100 (threshold `risk_policy_change`, set when Douyin announces rule changes)"),
    ind!("audience_profile_change", "人群画像变化", "Audience-profile change", "|returning-buyer share today / its 28-day mean − 1|"),
    ind!("conversion_cost_volatility", "转化成本波动", "Conversion-cost volatility", "coefficient of variation of daily CPA over 14 days"),
    ind!("account_health", "账户健康度", "Account health", "store experience score 店铺体验分 today, on Compass's 0–5 scale (lower is riskier)"),
    ind!("content_compliance", "内容合规指数", "Content compliance", "penalty-risk index today"),
    ind!("complaint_volume", "投诉量", "Complaint volume", "complaint rate today / its 28-day rate − 1"),
    ind!("device_mix_shift", "设备结构变化", "Device mix shift", "Jensen–Shannon divergence (bits) of device order shares today vs 28 days, minus its sampling bias (k−1)(1/n + 1/m)/(8 ln 2) for n orders today and m in the baseline"),
    ind!("region_mix_shift", "地域结构变化", "Region mix shift", "bias-corrected JS divergence of region order shares today vs 28 days"),
    ind!("hour_mix_shift", "时段结构变化", "Hour-of-day mix shift", "bias-corrected JS divergence of hourly order shares today vs 28 days"),
    ind!("targeting_precision", "定向精准度", "Targeting precision", "1 − ad CTR today / category CTR baseline"),
    ind!("creative_ctr_change", "创意点击率变化", "Creative CTR change", "−(creative CTR today / its 7-day mean − 1)"),
    ind!("conversion_path_length", "转化路径长度", "Conversion path length", "detail views per order today / its 28-day mean − 1"),
    ind!("aov_volatility", "客单价波动", "AOV volatility", "coefficient of variation of daily AOV over 14 days"),
];

/// Score 0–100 of a raw reading on the indicator's ramp.
pub fn score(ramp: &Ramp, raw: f64) -> f64 {
    let t = (raw - ramp.calm) / (ramp.alarm - ramp.calm);
    if t.is_finite() {
        100.0 * t.clamp(0.0, 1.0)
    } else {
        0.0
    }
}

/// Probability level 1–5 of a 0–100 score (bands of `band` points, 20 by default).
pub fn probability_level(score: f64, band: f64) -> u8 {
    ((score / band).ceil() as u8).clamp(1, 5)
}

/// Grade of a probability × impact cell (1–25) against the `[medium, high, critical]` cuts.
pub fn cell_grade(probability: u8, impact: u8, cells: [f64; 3]) -> &'static str {
    index_grade(f64::from(probability) * f64::from(impact), cells)
}

/// Grade of the composite index against the industry's thresholds `[medium, high, critical]`.
pub fn index_grade(value: f64, thresholds: [f64; 3]) -> &'static str {
    if value >= thresholds[2] {
        "critical"
    } else if value >= thresholds[1] {
        "high"
    } else if value >= thresholds[0] {
        "medium"
    } else {
        "low"
    }
}

/// One indicator's reading on the review day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndicatorScore {
    pub id: String,
    pub name: String,
    pub formula: String,
    /// `None` when the lake lacks the data the indicator needs.
    pub raw: Option<f64>,
    pub score: Option<f64>,
    pub weight: f64,
    pub probability: u8,
    pub impact: u8,
    pub grade: String,
}

/// A day of the index, observed or forecast (with an approximate 95 % band).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndexPoint {
    pub date: String,
    pub value: f64,
    pub low: f64,
    pub high: f64,
}

/// The composite risk index of one shop and day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RiskIndex {
    /// Weighted mean of the available indicator scores, 0–100.
    pub value: f64,
    pub grade: String,
    /// The industry's `[medium, high, critical]` thresholds the grade used.
    pub thresholds: [f64; 3],
    pub indicators: Vec<IndicatorScore>,
    /// The index over the previous days.
    pub history: Vec<IndexPoint>,
    /// The next 30 days (damped-trend Holt smoothing of `history`).
    pub forecast: Vec<IndexPoint>,
    /// True when the index is more than `risk_tolerance` above its history's mean.
    pub tolerance_exceeded: bool,
    /// Risk reserve to hold back: `risk_reserve_share` of the last 30 days' ad spend (yuan).
    pub reserve_yuan: f64,
}

/// Composite of raw readings (one per indicator, in [`INDICATORS`] order).
pub fn composite(raw: &[Option<f64>; 15], set: &RiskSettings) -> Option<f64> {
    let (mut sum, mut weight) = (0.0, 0.0);
    for (ramp, r) in set.ramps.iter().zip(raw) {
        if let Some(x) = r.filter(|x| x.is_finite()) {
            sum += ramp.weight * score(ramp, x);
            weight += ramp.weight;
        }
    }
    (weight > 0.0).then(|| sum / weight)
}

/// Scores of one day's readings with their matrix cells.
pub fn indicator_scores(
    raw: &[Option<f64>; 15],
    set: &RiskSettings,
    lang: Lang,
) -> Vec<IndicatorScore> {
    INDICATORS
        .iter()
        .zip(&set.ramps)
        .zip(raw)
        .map(|((ind, ramp), r)| {
            let s = r.filter(|x| x.is_finite()).map(|x| score(ramp, x));
            let p = probability_level(s.unwrap_or(0.0), set.probability_band);
            IndicatorScore {
                id: ind.id.into(),
                name: lang.pick(ind.name_zh, ind.name_en).into(),
                formula: ind.formula.into(),
                raw: *r,
                score: s,
                weight: ramp.weight,
                probability: p,
                impact: ramp.impact,
                grade: cell_grade(p, ramp.impact, set.cells).into(),
            }
        })
        .collect()
}

/// Forecasts `series` `horizon` steps ahead with Holt's damped-trend smoothing (`holt` =
/// α, β, φ), clamped to 0–100, with a band from the one-step residuals.
pub fn forecast(series: &[f64], horizon: usize, holt: (f64, f64, f64)) -> Vec<(f64, f64, f64)> {
    let (alpha, beta, phi) = holt;
    let Some(&first) = series.first() else {
        return Vec::new();
    };
    let (mut level, mut trend) = (first, 0.0);
    let mut sq = 0.0;
    for &y in &series[1..] {
        let predicted = level + phi * trend;
        sq += (y - predicted).powi(2);
        let new_level = alpha * y + (1.0 - alpha) * predicted;
        trend = beta * (new_level - level) + (1.0 - beta) * phi * trend;
        level = new_level;
    }
    let sd = (sq / (series.len().max(2) - 1) as f64).sqrt();
    let mut damp = 0.0;
    (1..=horizon)
        .map(|h| {
            damp += phi.powi(h as i32);
            let v = (level + damp * trend).clamp(0.0, 100.0);
            let band = 1.96 * sd * (h as f64).sqrt();
            (v, (v - band).max(0.0), (v + band).min(100.0))
        })
        .collect()
}

/// Jensen–Shannon divergence (bits) between two share vectors built from counts, minus the
/// divergence expected from sampling alone.
///
/// With both samples drawn from one distribution over k cells, today's n counts and the
/// baseline's m, JS ≈ Σ (p − q)² / (8π) nats to second order, and E(p − q)² = π(1 − π)(1/n +
/// 1/m), so the plug-in bias is (k − 1)(1/n + 1/m) / (8 ln 2) bits. (The KL bias
/// (k − 1)/(2n ln 2) is four times that when m ≫ n, and would hide most of the alarm ramp.)
pub fn mix_shift(today: &[f64], base: &[f64]) -> Option<f64> {
    let (nt, nb): (f64, f64) = (today.iter().sum(), base.iter().sum());
    if nt <= 0.0 || nb <= 0.0 || today.len() != base.len() {
        return None;
    }
    let kl = |p: f64, m: f64| if p > 0.0 { p * (p / m).log2() } else { 0.0 };
    let js: f64 = today
        .iter()
        .zip(base)
        .map(|(t, b)| {
            let (p, q) = (t / nt, b / nb);
            let m = (p + q) / 2.0;
            0.5 * (kl(p, m) + kl(q, m))
        })
        .sum();
    let k = today
        .iter()
        .zip(base)
        .filter(|(t, b)| **t > 0.0 || **b > 0.0)
        .count() as f64;
    Some((js - js_bias(k, nt, nb)).max(0.0))
}

/// The expected plug-in JS divergence (bits) of two samples of `n` and `m` counts from one
/// distribution over `k` cells (second-order approximation).
pub fn js_bias(k: f64, n: f64, m: f64) -> f64 {
    (k - 1.0).max(0.0) * (1.0 / n + 1.0 / m) / (8.0 * std::f64::consts::LN_2)
}

/// Risk of one alert: probability from its evidence, impact from its rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertRisk {
    /// 1–5.
    pub probability: u8,
    /// 1–5.
    pub impact: u8,
    /// probability × impact, 1–25.
    pub level: u8,
    pub grade: String,
}

/// Impact 1–5 of a rule's alert if left alone.
pub fn rule_impact(rule: &str, metric: &str) -> u8 {
    match (rule, metric) {
        ("on_time_min" | "penalty_risk_max", _) => 5,
        ("target_deviation", "gmv" | "roi") | ("complaint_rate_rise" | "days_of_cover_min", _) => 4,
        (
            "cpa_rise"
            | "segment_share_drop"
            | "cost_per_exposure_max"
            | "execution_deviation"
            | "target_deviation"
            | "relative_change"
            | "forecast"
            | "plan_ctr_floor"
            | "plan_ctr_drop",
            _,
        ) => 3,
        _ => 2,
    }
}

/// Grades an alert: the probability is 5 for a significant or beyond-limit finding that is
/// critical, and falls with severity; a p-value, when known, caps it (p ≥ 0.05 → 2).
pub fn alert_risk(
    rule: &str,
    metric: &str,
    severity_rank: u8,
    p_value: Option<f64>,
    cells: [f64; 3],
) -> AlertRisk {
    let mut probability = match severity_rank {
        0 => 5,
        1 => 4,
        _ => 2,
    };
    if p_value.is_some_and(|p| p >= 0.05) {
        probability = probability.min(2);
    }
    let impact = rule_impact(rule, metric);
    AlertRisk {
        probability,
        impact,
        level: probability * impact,
        grade: cell_grade(probability, impact, cells).into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CELLS: [f64; 3] = [4.0, 8.0, 15.0];
    const HOLT: (f64, f64, f64) = (0.5, 0.2, 0.9);

    #[test]
    fn the_settings_are_the_shipped_matrix() {
        let set = RiskSettings::default();
        assert_eq!(set.cells, CELLS);
        assert_eq!(set.holt, HOLT);
        assert_eq!(set.probability_band, 20.0);
        assert!(set.ramps.iter().all(|r| r.calm.is_finite()
            && r.alarm.is_finite()
            && r.calm != r.alarm
            && (1..=5).contains(&r.impact)));
    }

    #[test]
    fn a_category_override_changes_its_ramp_only() {
        let mut cfg = Config::default();
        cfg.overlay("[category.food.risk.account_health]\ncalm = 4.9\nalarm = 4.5\n")
            .unwrap();
        let food = RiskSettings::from_config(&cfg, Scope::shop("s1").in_category("food"));
        let beauty = RiskSettings::from_config(&cfg, Scope::shop("s1").in_category("beauty"));
        // 4.7 is healthy on the shipped ramp, half-way to alarm on the food shop's.
        assert!(score(&beauty.ramps[5], 4.7) < 20.0);
        assert!((score(&food.ramps[5], 4.7) - 50.0).abs() < 1e-9);
    }

    #[test]
    fn weights_sum_to_one_and_ids_are_unique() {
        let w: f64 = RiskSettings::default().ramps.iter().map(|r| r.weight).sum();
        assert!((w - 1.0).abs() < 1e-12, "{w}");
        let mut ids: Vec<_> = INDICATORS.iter().map(|i| i.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 15);
    }

    #[test]
    fn ramps_run_both_ways() {
        // 店铺体验分 is on a 0–5 scale: Compass's typical 4.78 is a healthy shop.
        let set = RiskSettings::default();
        let health = &set.ramps[5];
        assert!(score(health, 4.78) < 10.0, "{}", score(health, 4.78));
        assert_eq!(score(health, 4.9), 0.0);
        assert!((score(health, 4.4) - 50.0).abs() < 1e-9);
        assert_eq!(score(health, 3.9), 100.0);
        let cost = &set.ramps[4];
        assert!((score(cost, 0.3) - 50.0).abs() < 1e-9);
    }

    #[test]
    fn composite_reweights_over_available_indicators() {
        let set = RiskSettings::default();
        let mut raw = [None; 15];
        assert_eq!(composite(&raw, &set), None);
        raw[4] = Some(0.5); // 100
        raw[5] = Some(90.0); // 0
                             // Equal weights (0.10 each) → 50.
        assert!((composite(&raw, &set).unwrap() - 50.0).abs() < 1e-9);
    }

    #[test]
    fn matrix_and_grades() {
        assert_eq!(cell_grade(5, 5, CELLS), "critical");
        assert_eq!(cell_grade(2, 4, CELLS), "high");
        assert_eq!(cell_grade(2, 2, CELLS), "medium");
        assert_eq!(cell_grade(1, 3, CELLS), "low");
        assert_eq!(index_grade(72.0, [30.0, 50.0, 70.0]), "critical");
        assert_eq!(index_grade(10.0, [30.0, 50.0, 70.0]), "low");
        assert_eq!(probability_level(0.0, 20.0), 1);
        assert_eq!(probability_level(100.0, 20.0), 5);
    }

    #[test]
    fn forecast_follows_a_trend_but_damps_it() {
        let rising: Vec<f64> = (0..28).map(|i| 20.0 + i as f64).collect();
        let f = forecast(&rising, 30, HOLT);
        assert_eq!(f.len(), 30);
        assert!(f[0].0 > 47.0 && f[0].0 < 49.5, "{:?}", f[0]);
        // Damped: the 30-day step adds at most φ/(1−φ) = 9 trend units.
        assert!(f[29].0 < 48.0 + 10.0, "{:?}", f[29]);
        assert!(f[29].0 > f[0].0);
        let flat = forecast(&[40.0; 20], 30, HOLT);
        assert!(flat.iter().all(|x| (x.0 - 40.0).abs() < 1e-9 && x.1 == x.2));
    }

    #[test]
    fn mix_shift_is_zero_for_sampling_noise_and_large_for_a_real_shift() {
        // Same shares: the bias correction floors it at 0.
        assert_eq!(
            mix_shift(&[50.0, 30.0, 20.0], &[500.0, 300.0, 200.0]),
            Some(0.0)
        );
        // One region loses almost all its orders.
        let s = mix_shift(&[5.0, 600.0, 400.0], &[5000.0, 3000.0, 2000.0]).unwrap();
        assert!(s > 0.1, "{s}");
        assert_eq!(mix_shift(&[], &[]), None);
    }

    /// The bias is checked by simulation: samples of today's size and the baseline's from one
    /// distribution (24 hours, 500 orders today, 14,000 in the baseline), 4,000 draws.
    #[test]
    fn js_bias_matches_the_mean_divergence_of_same_distribution_samples() {
        use rand::SeedableRng;
        use rand_distr::{Distribution, WeightedIndex};
        let shares: Vec<f64> = (0..24)
            .map(|h| 1.0 + (h as f64 / 3.0).sin().abs() * 4.0)
            .collect();
        let pick = WeightedIndex::new(&shares).unwrap();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let mut draw = |n: usize| {
            let mut c = vec![0.0; 24];
            for _ in 0..n {
                c[pick.sample(&mut rng)] += 1.0;
            }
            c
        };
        let (n, m, reps) = (500, 14_000, 4_000);
        let mut raw = 0.0;
        for _ in 0..reps {
            let (a, b) = (draw(n), draw(m));
            // The uncorrected divergence: mix_shift plus the bias it removed (when above 0).
            let (nt, nb) = (n as f64, m as f64);
            let kl = |p: f64, q: f64| if p > 0.0 { p * (p / q).log2() } else { 0.0 };
            raw += a
                .iter()
                .zip(&b)
                .map(|(x, y)| {
                    let (p, q) = (x / nt, y / nb);
                    0.5 * (kl(p, (p + q) / 2.0) + kl(q, (p + q) / 2.0))
                })
                .sum::<f64>();
        }
        let mean = raw / reps as f64;
        let bias = js_bias(24.0, n as f64, m as f64);
        // Within 5 % (the Monte-Carlo error of 4,000 draws is about 1 %; the second-order
        // approximation adds a little for cells with few counts).
        assert!(
            (mean / bias - 1.0).abs() < 0.05,
            "mean {mean} vs bias {bias}"
        );
        // The KL bias used before is about four times too large here.
        let kl_bias = 23.0 / (2.0 * 500.0 * std::f64::consts::LN_2);
        assert!(kl_bias / mean > 3.0, "{kl_bias} vs {mean}");
    }
}
