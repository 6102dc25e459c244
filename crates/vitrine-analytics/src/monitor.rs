//! Monitors: the rules of REQUIREMENTS §5 turned into findings.
//!
//! Each rule takes plain rows (already aggregated by the engine) and returns [`Finding`]s.
//! Rules that judge many plans, products or regions a day also require statistical
//! significance (exact Poisson/binomial tails at `significance`), so noise in small groups
//! does not page anyone; shop-level rules compare against robust baselines.

use serde::Serialize;
use vitrine_core::config::Config;
use vitrine_core::metric::baseline;

use crate::stats::{binomial_lower, poisson_lower, poisson_upper};

/// Every rule id the monitors can raise.
pub const RULES: [&str; 12] = [
    "target_deviation",
    "traffic_quality_drop",
    "cpa_rise",
    "plan_ctr_floor",
    "penalty_risk_max",
    "complaint_rate_rise",
    "cost_per_exposure_max",
    "category_cvr_below_industry",
    "days_of_cover_min",
    "stock_forecast",
    "on_time_min",
    "segment_cvr_drop",
];

/// How urgent a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Critical,
    Warning,
    Info,
}

impl Severity {
    /// Display name.
    pub fn label(self, lang: vitrine_core::Lang) -> &'static str {
        match self {
            Severity::Critical => lang.pick("严重", "critical"),
            Severity::Warning => lang.pick("警告", "warning"),
            Severity::Info => lang.pick("提示", "info"),
        }
    }
}

/// One triggered rule with its evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub rule: &'static str,
    pub metric: &'static str,
    /// `shop:<id>`, `plan:<id>`, `product:<id>`, `region:<name>`, `category:<id>`, …
    pub scope: String,
    pub severity: Severity,
    pub observed: f64,
    pub expected: Option<f64>,
    pub threshold: f64,
    pub p_value: Option<f64>,
    pub message_zh: String,
    pub message_en: String,
}

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

/// Settings the rules read, resolved for one shop.
pub struct Rules<'a> {
    pub cfg: &'a Config,
    pub shop: &'a str,
}

impl Rules<'_> {
    fn t(&self, key: &str) -> f64 {
        self.cfg.threshold(key, Some(self.shop))
    }

    /// A KPI more than `target_deviation` worse than its target.
    pub fn target_deviation(
        &self,
        metric: &'static str,
        name_zh: &str,
        name_en: &str,
        value: f64,
        target: f64,
        higher_is_better: bool,
    ) -> Option<Finding> {
        let limit = self.t("target_deviation");
        if target == 0.0 {
            return None;
        }
        let dev = (value - target) / target;
        let worse = if higher_is_better { -dev } else { dev };
        (worse > limit).then(|| Finding {
            rule: "target_deviation",
            metric,
            scope: format!("shop:{}", self.shop),
            severity: if worse > 2.5 * limit {
                Severity::Critical
            } else {
                Severity::Warning
            },
            observed: value,
            expected: Some(target),
            threshold: limit,
            p_value: None,
            message_zh: format!(
                "{name_zh}偏离目标 {}（实际 {value:.4}，目标 {target:.4}）",
                pct(dev)
            ),
            message_en: format!(
                "{name_en} is {} off target (actual {value:.4}, target {target:.4})",
                pct(dev)
            ),
        })
    }

    /// Plan CTR below `plan_ctr_floor` × the category baseline, with enough impressions to be sure.
    pub fn plan_ctr_floor(
        &self,
        plan: &str,
        category: &str,
        impressions: f64,
        clicks: f64,
    ) -> Option<Finding> {
        let base = baseline(category, "ad_ctr")?;
        let floor = self.t("plan_ctr_floor") * base;
        if impressions < self.t("plan_min_impressions") {
            return None;
        }
        let ctr = clicks / impressions;
        let p = binomial_lower(clicks, impressions, floor);
        (ctr < floor && p < self.t("significance")).then(|| Finding {
            rule: "plan_ctr_floor",
            metric: "ad_ctr",
            scope: format!("plan:{plan}"),
            severity: Severity::Warning,
            observed: ctr,
            expected: Some(base),
            threshold: floor,
            p_value: Some(p),
            message_zh: format!(
                "计划 {plan} 点击率 {} 低于行业基准 {} 的一半",
                pct(ctr),
                pct(base)
            ),
            message_en: format!(
                "Plan {plan} CTR {} is below half the {category} baseline {}",
                pct(ctr),
                pct(base)
            ),
        })
    }

    /// Cost per conversion up more than `cpa_rise` against the trailing baseline, significantly.
    pub fn cpa_rise(
        &self,
        scope: String,
        spend_yuan: f64,
        conversions: f64,
        baseline_cpa: f64,
    ) -> Option<Finding> {
        let rise = self.t("cpa_rise");
        if !(baseline_cpa > 0.0) || spend_yuan <= 0.0 {
            return None;
        }
        let cpa = if conversions > 0.0 {
            spend_yuan / conversions
        } else {
            f64::INFINITY
        };
        // Under a CPA exactly at the limit we would expect this many conversions.
        let at_limit = spend_yuan / (baseline_cpa * (1.0 + rise));
        let p = poisson_lower(conversions, at_limit);
        (cpa > baseline_cpa * (1.0 + rise) && p < self.t("significance")).then(|| Finding {
            rule: "cpa_rise",
            metric: "cpa",
            scope: scope.clone(),
            severity: if cpa > baseline_cpa * 2.0 { Severity::Critical } else { Severity::Warning },
            observed: cpa,
            expected: Some(baseline_cpa),
            threshold: rise,
            p_value: Some(p),
            message_zh: format!("{scope} 转化成本 {cpa:.2} 元，较基线 {baseline_cpa:.2} 元上升 {}", pct(cpa / baseline_cpa - 1.0)),
            message_en: format!("{scope} cost per conversion {cpa:.2} yuan, up {} on the {baseline_cpa:.2} baseline", pct(cpa / baseline_cpa - 1.0)),
        })
    }

    /// A region's or device's share of orders down more than `segment_cvr_drop`, significantly.
    pub fn segment_cvr_drop(
        &self,
        dim: &str,
        value: &str,
        today: f64,
        today_total: f64,
        base_share: f64,
    ) -> Option<Finding> {
        let drop = self.t("segment_cvr_drop");
        if today_total <= 0.0 || base_share <= 0.0 {
            return None;
        }
        let share = today / today_total;
        let p = binomial_lower(today, today_total, base_share * (1.0 - drop));
        (share < base_share * (1.0 - drop) && p < self.t("significance")).then(|| Finding {
            rule: "segment_cvr_drop",
            metric: "cvr",
            scope: format!("{dim}:{value}"),
            severity: Severity::Critical,
            observed: share,
            expected: Some(base_share),
            threshold: drop,
            p_value: Some(p),
            message_zh: format!(
                "{value} 的成交占比 {}，基线 {}，转化骤降 {}",
                pct(share),
                pct(base_share),
                pct(1.0 - share / base_share)
            ),
            message_en: format!(
                "{value} accounts for {} of orders against a {} baseline: conversion down {}",
                pct(share),
                pct(base_share),
                pct(1.0 - share / base_share)
            ),
        })
    }

    /// Days of cover below `days_of_cover_min`, or projected to fall below it within 72 h.
    pub fn days_of_cover(&self, product: &str, on_hand: f64, daily_sales: f64) -> Option<Finding> {
        let min = self.t("days_of_cover_min");
        if daily_sales < self.t("cover_min_daily_sales") {
            return None;
        }
        let cover = on_hand / daily_sales;
        let (rule, severity, zh, en) = if cover < min {
            (
                "days_of_cover_min",
                if cover < min / 3.0 {
                    Severity::Critical
                } else {
                    Severity::Warning
                },
                format!("商品 {product} 可售天数仅 {cover:.1} 天（阈值 {min}）"),
                format!("Product {product} has {cover:.1} days of cover (threshold {min})"),
            )
        } else if cover < min + 3.0 {
            (
                "stock_forecast",
                Severity::Info,
                format!("商品 {product} 预计 72 小时内可售天数跌破 {min} 天"),
                format!("Product {product} will fall below {min} days of cover within 72 h"),
            )
        } else {
            return None;
        };
        Some(Finding {
            rule,
            metric: "days_of_cover",
            scope: format!("product:{product}"),
            severity,
            observed: cover,
            expected: None,
            threshold: min,
            p_value: None,
            message_zh: zh,
            message_en: en,
        })
    }

    /// Complaint rate up more than `complaint_rate_rise` on the baseline, significantly.
    pub fn complaint_rise(
        &self,
        scope: String,
        complaints: f64,
        orders: f64,
        base_rate: f64,
    ) -> Option<Finding> {
        let rise = self.t("complaint_rate_rise");
        if complaints < 5.0 || orders <= 0.0 || base_rate <= 0.0 {
            return None;
        }
        let p = poisson_upper(complaints, orders * base_rate * (1.0 + rise));
        let rate = complaints / orders;
        (rate > base_rate * (1.0 + rise) && p < self.t("significance")).then(|| Finding {
            rule: "complaint_rate_rise",
            metric: "complaint_rate",
            scope: scope.clone(),
            severity: Severity::Critical,
            observed: rate,
            expected: Some(base_rate),
            threshold: rise,
            p_value: Some(p),
            message_zh: format!(
                "{scope} 投诉 {complaints:.0} 起，投诉率 {}，基线 {}",
                pct(rate),
                pct(base_rate)
            ),
            message_en: format!(
                "{scope} received {complaints:.0} complaints: rate {} against a {} baseline",
                pct(rate),
                pct(base_rate)
            ),
        })
    }

    /// A level crossing a fixed limit (on-time delivery, penalty risk, cost per exposure).
    pub fn level(
        &self,
        rule: &'static str,
        metric: &'static str,
        value: f64,
        below: bool,
    ) -> Option<Finding> {
        let key = match rule {
            "on_time_min" => "on_time_min",
            "penalty_risk_max" => "penalty_risk_max",
            _ => "cost_per_exposure_max",
        };
        let limit = self.t(key);
        let hit = if below { value < limit } else { value > limit };
        hit.then(|| Finding {
            rule,
            metric,
            scope: format!("shop:{}", self.shop),
            severity: if rule == "on_time_min" {
                Severity::Critical
            } else {
                Severity::Warning
            },
            observed: value,
            expected: None,
            threshold: limit,
            p_value: None,
            message_zh: format!(
                "{metric} 为 {value:.3}，{}阈值 {limit}",
                if below { "低于" } else { "高于" }
            ),
            message_en: format!(
                "{metric} is {value:.3}, {} the {limit} limit",
                if below { "below" } else { "above" }
            ),
        })
    }

    /// Traffic-quality score (mean of CVR, dwell and interaction relative to their baselines,
    /// × 100) down more than `traffic_quality_drop`.
    pub fn traffic_quality(&self, score: f64) -> Option<Finding> {
        let drop = self.t("traffic_quality_drop");
        (score < 100.0 * (1.0 - drop)).then(|| Finding {
            rule: "traffic_quality_drop",
            metric: "traffic_quality",
            scope: format!("shop:{}", self.shop),
            severity: Severity::Warning,
            observed: score,
            expected: Some(100.0),
            threshold: drop,
            p_value: None,
            message_zh: format!("流量质量分 {score:.0}（基线 100），下降超过 {}", pct(drop)),
            message_en: format!(
                "Traffic-quality score {score:.0} (baseline 100), down more than {}",
                pct(drop)
            ),
        })
    }

    /// A category converting below its industry average (advice: +20 % temporary budget).
    pub fn category_cvr(&self, category: &str, cvr: f64, clicks: f64) -> Option<Finding> {
        let base = baseline(category, "cvr")?;
        (clicks >= 1000.0 && cvr < base).then(|| Finding {
            rule: "category_cvr_below_industry",
            metric: "cvr",
            scope: format!("category:{category}"),
            severity: Severity::Info,
            observed: cvr,
            expected: Some(base),
            threshold: 0.0,
            p_value: None,
            message_zh: format!(
                "品类 {category} 转化率 {} 低于行业均值 {}",
                pct(cvr),
                pct(base)
            ),
            message_en: format!(
                "Category {category} converts at {}, below the industry {}",
                pct(cvr),
                pct(base)
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(cfg: &Config) -> Rules<'_> {
        Rules { cfg, shop: "s1" }
    }

    #[test]
    fn target_deviation_respects_direction_and_threshold() {
        let cfg = Config::default();
        let r = rules(&cfg);
        assert!(r
            .target_deviation("ctr", "点击率", "CTR", 0.035, 0.04, true)
            .is_some()); // 12.5 % below
        assert!(r
            .target_deviation("ctr", "点击率", "CTR", 0.037, 0.04, true)
            .is_none()); // 7.5 % below
        assert!(r
            .target_deviation("cpa", "转化成本", "CPA", 46.0, 40.0, false)
            .is_some());
        assert!(r
            .target_deviation("cpa", "转化成本", "CPA", 30.0, 40.0, false)
            .is_none());
    }

    #[test]
    fn plan_ctr_needs_volume_and_significance() {
        let cfg = Config::default();
        let r = rules(&cfg);
        // beauty baseline 1.5 % → floor 0.75 %.
        assert!(r.plan_ctr_floor("p1", "beauty", 50_000.0, 150.0).is_some()); // 0.3 %
        assert!(r.plan_ctr_floor("p1", "beauty", 1_000.0, 3.0).is_none()); // too few impressions
        assert!(r.plan_ctr_floor("p1", "beauty", 50_000.0, 900.0).is_none()); // 1.8 %
    }

    #[test]
    fn cpa_rise_ignores_noise_in_small_plans() {
        let cfg = Config::default();
        let r = rules(&cfg);
        // 400 yuan at a 40-yuan baseline: 10 expected; 6 observed is noise.
        assert!(r.cpa_rise("plan:p".into(), 400.0, 6.0, 40.0).is_none());
        // 4,000 yuan: 100 expected, 40 observed is a real spike.
        let f = r.cpa_rise("plan:p".into(), 4000.0, 40.0, 40.0).unwrap();
        assert_eq!(f.metric, "cpa");
        assert!(f.p_value.unwrap() < 1e-4);
    }

    #[test]
    fn segment_drop_and_cover_and_complaints() {
        let cfg = Config::default();
        let r = rules(&cfg);
        assert!(r
            .segment_cvr_drop("region", "广东", 30.0, 700.0, 0.14)
            .is_some());
        assert!(r
            .segment_cvr_drop("region", "广东", 90.0, 700.0, 0.14)
            .is_none());
        assert_eq!(
            r.days_of_cover("x", 10.0, 20.0).map(|f| f.rule),
            Some("days_of_cover_min")
        );
        assert_eq!(
            r.days_of_cover("x", 80.0, 20.0).map(|f| f.rule),
            Some("stock_forecast")
        );
        assert!(r.days_of_cover("x", 0.0, 0.2).is_none());
        assert!(r
            .complaint_rise("product:x".into(), 12.0, 40.0, 0.005)
            .is_some());
        assert!(r
            .complaint_rise("product:x".into(), 1.0, 40.0, 0.005)
            .is_none());
    }
}
