//! Monitors: the rules of REQUIREMENTS §5 turned into findings.
//!
//! Each rule takes plain rows (already aggregated by the engine) and returns [`Finding`]s.
//! Rules that judge many plans, products or regions a day also require statistical
//! significance (exact Poisson/binomial tails at `significance`), so noise in small groups
//! does not page anyone; shop-level rules compare against robust baselines.

use serde::Serialize;
use vitrine_core::config::{Config, Group};
use vitrine_core::Lang;

use crate::stats::{binomial_lower, median, poisson_lower, poisson_upper};

/// Theil–Sen line through `y` at x = 0, 1, …: (median pairwise slope, median intercept).
pub fn theil_sen(y: &[f64]) -> Option<(f64, f64)> {
    let mut slopes = Vec::new();
    for i in 0..y.len() {
        for j in i + 1..y.len() {
            slopes.push((y[j] - y[i]) / (j - i) as f64);
        }
    }
    let slope = median(&slopes)?;
    let intercepts: Vec<f64> = y
        .iter()
        .enumerate()
        .map(|(i, v)| v - slope * i as f64)
        .collect();
    Some((slope, median(&intercepts)?))
}

/// Every rule id the monitors can raise.
pub const RULES: [&str; 16] = [
    "target_deviation",
    "traffic_quality_drop",
    "cpa_rise",
    "plan_ctr_floor",
    "plan_ctr_drop",
    "penalty_risk_max",
    "complaint_rate_rise",
    "cost_per_exposure_max",
    "category_cvr_below_industry",
    "days_of_cover_min",
    "stock_forecast",
    "on_time_min",
    "segment_share_drop",
    "execution_deviation",
    "relative_change",
    "forecast",
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

/// A category code (`beauty`) in the reader's words (`美妆`).
fn category_name(category: &str, lang: Lang) -> String {
    vitrine_core::words::label(vitrine_core::words::Kind::Category, category, lang)
}

/// A scope id (`plan:…`, `product:…`) in the reader's words (`计划 …`).
fn named(scope: &str, lang: Lang) -> String {
    vitrine_core::words::scope(scope, lang)
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

    /// The p-value a single test (one shop-level change) must reach.
    pub fn significance(&self) -> f64 {
        self.t("significance")
    }

    /// The p-value one of a rule's many tests must reach: `share` of the rule's daily
    /// false-alarm budget (`false_alarm_rate`; Bonferroni, the shares of a rule's tests sum
    /// to at most 1).
    pub fn alpha(&self, share: f64) -> f64 {
        self.t("false_alarm_rate") * share.clamp(0.0, 1.0)
    }

    /// A threshold for an item of `category` (its category's override first).
    fn tc(&self, key: &str, category: Option<&str>) -> f64 {
        self.cfg
            .value(Group::Thresholds, key, Some(self.shop), category)
            .unwrap_or(f64::NAN)
    }

    fn baseline(&self, category: &str, metric: &str) -> Option<f64> {
        self.cfg.baseline(category, metric, Some(self.shop))
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
            severity: if worse > self.t("target_critical_multiple") * limit {
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
        let t = |k: &str| self.tc(k, Some(category));
        let base = self.baseline(category, "ad_ctr")?;
        let share = t("plan_ctr_floor");
        let floor = share * base;
        if impressions < t("plan_min_impressions") {
            return None;
        }
        let ctr = clicks / impressions;
        let p = binomial_lower(clicks, impressions, floor);
        (ctr < floor && p < t("significance")).then(|| Finding {
            rule: "plan_ctr_floor",
            metric: "ad_ctr",
            scope: format!("plan:{plan}"),
            severity: Severity::Warning,
            observed: ctr,
            expected: Some(base),
            threshold: floor,
            p_value: Some(p),
            message_zh: format!(
                "计划 {plan} 点击率 {} 低于行业基准 {} 的 {}（{}）",
                pct(ctr),
                pct(base),
                pct(share),
                pct(floor)
            ),
            message_en: format!(
                "Plan {plan} CTR {} is below {} of the {} baseline {} ({})",
                pct(ctr),
                pct(share),
                category_name(category, Lang::En),
                pct(base),
                pct(floor)
            ),
        })
    }

    /// A plan's CTR over its last `days` days more than `plan_ctr_drop` below its own
    /// baseline CTR, and significantly below the baseline (binomial, H0: no change; the
    /// significance `alpha` is the test's share of the rule's false-alarm budget). Catches a creative that stopped
    /// working long before the CTR reaches half the industry baseline.
    #[allow(clippy::too_many_arguments)]
    pub fn plan_ctr_drop(
        &self,
        plan: &str,
        category: &str,
        days: usize,
        alpha: f64,
        (impressions, clicks): (f64, f64),
        base_ctr: f64,
        dispersion: f64,
    ) -> Option<Finding> {
        let t = |k: &str| self.tc(k, Some(category));
        let drop = t("plan_ctr_drop");
        if impressions < t("plan_min_impressions") || base_ctr <= 0.0 {
            return None;
        }
        let ctr = clicks / impressions;
        // Counts scaled down by the plan's day-to-day dispersion (quasi-binomial).
        let d = dispersion.max(1.0);
        // (A scaled count rounds up: the lower tail stays conservative.)
        let p = binomial_lower((clicks / d).ceil(), impressions / d, base_ctr);
        (ctr < base_ctr * (1.0 - drop) && p < alpha).then(|| Finding {
            rule: "plan_ctr_drop",
            metric: "ad_ctr",
            scope: format!("plan:{plan}"),
            severity: Severity::Warning,
            observed: ctr,
            expected: Some(base_ctr),
            threshold: drop,
            p_value: Some(p),
            message_zh: format!(
                "计划 {plan} 近 {days} 天点击率 {}，较自身基线 {} 下降 {}",
                pct(ctr),
                pct(base_ctr),
                pct(1.0 - ctr / base_ctr)
            ),
            message_en: format!(
                "Plan {plan} CTR over the last {days} day(s) is {}, down {} on its own {} baseline",
                pct(ctr),
                pct(1.0 - ctr / base_ctr),
                pct(base_ctr)
            ),
        })
    }

    /// Cost per conversion up more than `cpa_rise` against the trailing baseline, significantly
    /// (`dispersion`: the baseline days' variance over the Poisson variance, at least 1).
    pub fn cpa_rise(
        &self,
        scope: String,
        category: Option<&str>,
        spend_yuan: f64,
        conversions: f64,
        baseline_cpa: f64,
        alpha: f64,
        dispersion: f64,
    ) -> Option<Finding> {
        let t = |k: &str| self.tc(k, category);
        let rise = t("cpa_rise");
        if !(baseline_cpa > 0.0) || spend_yuan <= 0.0 {
            return None;
        }
        let cpa = if conversions > 0.0 {
            spend_yuan / conversions
        } else {
            f64::INFINITY
        };
        // The estimate must pass the limit, and the fall in conversions must be significant
        // against the baseline CPA (H0: no change), so noise in small plans stays quiet.
        let at_baseline = spend_yuan / baseline_cpa;
        // Counts scaled down by the day-to-day dispersion of conversions (quasi-Poisson).
        let d = dispersion.max(1.0);
        // (A scaled count rounds up: the lower tail stays conservative.)
        let p = poisson_lower((conversions / d).ceil(), at_baseline / d);
        (cpa > baseline_cpa * (1.0 + rise) && p < alpha).then(|| Finding {
            rule: "cpa_rise",
            metric: "cpa",
            scope: scope.clone(),
            severity: if cpa > baseline_cpa * t("cpa_critical_multiple") {
                Severity::Critical
            } else {
                Severity::Warning
            },
            observed: cpa,
            expected: Some(baseline_cpa),
            threshold: rise,
            p_value: Some(p),
            message_zh: format!(
                "{} 转化成本 {cpa:.2} 元，较基线 {baseline_cpa:.2} 元上升 {}",
                named(&scope, Lang::Zh),
                pct(cpa / baseline_cpa - 1.0)
            ),
            message_en: format!(
                "{} cost per conversion {cpa:.2} yuan, up {} on the {baseline_cpa:.2} baseline",
                named(&scope, Lang::En),
                pct(cpa / baseline_cpa - 1.0)
            ),
        })
    }

    /// A region's or device's share of the day's orders down more than `segment_share_drop`
    /// against its baseline share, significantly. The share falls when that segment's traffic,
    /// conversion or shipping changes; order counts alone cannot tell which, so the alert
    /// says share, not conversion.
    pub fn segment_share_drop(
        &self,
        dim: &str,
        value: &str,
        today: f64,
        today_total: f64,
        base_share: f64,
        alpha: f64,
    ) -> Option<Finding> {
        let drop = self.t("segment_share_drop");
        if today_total <= 0.0 || base_share <= 0.0 {
            return None;
        }
        let share = today / today_total;
        // Past the limit in estimate, and significantly below the baseline share (H0: no
        // change; `alpha` is the test's share of the rule's false-alarm budget).
        let p = binomial_lower(today, today_total, base_share);
        (share < base_share * (1.0 - drop) && p < alpha).then(|| Finding {
            rule: "segment_share_drop",
            metric: "order_count",
            scope: format!("{dim}:{value}"),
            severity: Severity::Critical,
            observed: share,
            expected: Some(base_share),
            threshold: drop,
            p_value: Some(p),
            message_zh: format!(
                "{value} 的订单占比 {}，基线 {}，下降 {}（该细分的流量、转化或发货发生了变化）",
                pct(share),
                pct(base_share),
                pct(1.0 - share / base_share)
            ),
            message_en: format!(
                "{value}'s share of orders is {} against a {} baseline, down {} (its traffic, conversion or shipping changed)",
                pct(share),
                pct(base_share),
                pct(1.0 - share / base_share)
            ),
        })
    }

    /// Days of cover below `days_of_cover_min`, or projected to fall below it within
    /// `forecast_hours` at the current sales rate with nothing in transit to refill it.
    pub fn days_of_cover(
        &self,
        product: &str,
        category: Option<&str>,
        on_hand: f64,
        in_transit: f64,
        daily_sales: f64,
    ) -> Option<Finding> {
        let t = |k: &str| self.tc(k, category);
        let min = t("days_of_cover_min");
        if daily_sales < t("cover_min_daily_sales") {
            return None;
        }
        let cover = on_hand / daily_sales;
        let (rule, severity, zh, en) = if cover < min {
            (
                "days_of_cover_min",
                if cover < min * t("cover_critical_share") {
                    Severity::Critical
                } else {
                    Severity::Warning
                },
                format!("商品 {product} 可售天数仅 {cover:.1} 天（阈值 {min}）"),
                format!("Product {product} has {cover:.1} days of cover (threshold {min})"),
            )
        } else if (on_hand + in_transit) / daily_sales < min + t("forecast_hours") / 24.0 {
            let hours = t("forecast_hours");
            (
                "stock_forecast",
                Severity::Info,
                format!("商品 {product} 预计 {hours:.0} 小时内可售天数跌破 {min} 天"),
                format!(
                    "Product {product} will fall below {min} days of cover within {hours:.0} h"
                ),
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
        category: Option<&str>,
        complaints: f64,
        orders: f64,
        base_rate: f64,
        alpha: f64,
    ) -> Option<Finding> {
        let t = |k: &str| self.tc(k, category);
        let rise = t("complaint_rate_rise");
        if complaints < t("complaint_min_count") || orders <= 0.0 || base_rate <= 0.0 {
            return None;
        }
        let p = poisson_upper(complaints, orders * base_rate * (1.0 + rise));
        let rate = complaints / orders;
        (rate > base_rate * (1.0 + rise) && p < alpha).then(|| Finding {
            rule: "complaint_rate_rise",
            metric: "complaint_rate",
            scope: scope.clone(),
            severity: Severity::Critical,
            observed: rate,
            expected: Some(base_rate),
            threshold: rise,
            p_value: Some(p),
            message_zh: format!(
                "{} 投诉 {complaints:.0} 起，投诉率 {}，基线 {}",
                named(&scope, Lang::Zh),
                pct(rate),
                pct(base_rate)
            ),
            message_en: format!(
                "{} received {complaints:.0} complaints: rate {} against a {} baseline",
                named(&scope, Lang::En),
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

    /// Month-to-date GMV behind the plan's expected-to-date by more than `execution_deviation`.
    pub fn execution_deviation(
        &self,
        actual_to_date: f64,
        expected_to_date: f64,
    ) -> Option<Finding> {
        let limit = self.t("execution_deviation");
        if expected_to_date <= 0.0 {
            return None;
        }
        let dev = actual_to_date / expected_to_date - 1.0;
        (dev < -limit).then(|| Finding {
            rule: "execution_deviation",
            metric: "gmv",
            scope: format!("shop:{}", self.shop),
            severity: Severity::Warning,
            observed: actual_to_date,
            expected: Some(expected_to_date),
            threshold: limit,
            p_value: None,
            message_zh: format!("本月执行进度落后计划 {}（累计 {actual_to_date:.0} 元，应达 {expected_to_date:.0} 元）", pct(-dev)),
            message_en: format!("Month-to-date execution is {} behind plan ({actual_to_date:.0} of {expected_to_date:.0} yuan)", pct(-dev)),
        })
    }

    /// A KPI worse than the median of the same weekday over the trailing weeks by more than
    /// `relative_change` and by more than `relative_change_mad` robust deviations (1.4826 ×
    /// MAD, floored at 5 % of the median), so weekly rhythm does not fire it.
    pub fn relative_change(
        &self,
        metric: &'static str,
        name: (&str, &str),
        value: f64,
        same_weekday: &[f64],
        higher_is_better: bool,
    ) -> Option<Finding> {
        if same_weekday.len() < 3 {
            return None;
        }
        let m = median(same_weekday)?;
        let dev: Vec<f64> = same_weekday.iter().map(|x| (x - m).abs()).collect();
        let sigma = (1.4826 * median(&dev)?).max(self.t("relative_change_sigma_floor") * m.abs());
        if m == 0.0 || sigma == 0.0 {
            return None;
        }
        let change = value / m - 1.0;
        let worse = if higher_is_better { -change } else { change };
        let z = (value - m).abs() / sigma;
        (worse > self.t("relative_change") && z > self.t("relative_change_mad")).then(|| Finding {
            rule: "relative_change",
            metric,
            scope: format!("shop:{}", self.shop),
            severity: Severity::Warning,
            observed: value,
            expected: Some(m),
            threshold: self.t("relative_change"),
            p_value: None,
            message_zh: format!("{}较近 {} 周同日中位数变化 {}（{value:.4} vs {m:.4}）", name.0, same_weekday.len(), pct(change)),
            message_en: format!("{} moved {} against the median of the same weekday over {} weeks ({value:.4} vs {m:.4})", name.1, pct(change), same_weekday.len()),
        })
    }

    /// A level projected to cross its limit within `forecast_hours`, by a Theil–Sen line
    /// through the last days (`recent`, oldest first, ending today) while today is still
    /// inside the limit.
    pub fn forecast(
        &self,
        metric: &'static str,
        name: (&str, &str),
        recent: &[f64],
        limit: f64,
        below: bool,
    ) -> Option<Finding> {
        if recent.len() < 7 {
            return None;
        }
        let (slope, intercept) = theil_sen(recent)?;
        let now = intercept + slope * (recent.len() - 1) as f64;
        let hours = self.t("forecast_hours");
        let ahead = now + slope * hours / 24.0;
        let today = *recent.last()?;
        let crosses = |x: f64| if below { x < limit } else { x > limit };
        (!crosses(today) && !crosses(now) && crosses(ahead)).then(|| Finding {
            rule: "forecast",
            metric,
            scope: format!("shop:{}", self.shop),
            severity: Severity::Info,
            observed: today,
            expected: Some(ahead),
            threshold: limit,
            p_value: None,
            message_zh: format!("{}按近 {} 天趋势预计 {hours:.0} 小时内{}阈值 {limit}（预测 {ahead:.3}）", name.0, recent.len(), if below { "跌破" } else { "突破" }),
            message_en: format!("{} is on course to {} its {limit} limit within {hours:.0} h (projected {ahead:.3}, {}-day trend)", name.1, if below { "fall below" } else { "exceed" }, recent.len()),
        })
    }

    /// A category converting below its industry average (advice: +20 % temporary budget).
    pub fn category_cvr(&self, category: &str, cvr: f64, clicks: f64) -> Option<Finding> {
        let base = self.baseline(category, "cvr")?;
        // Below the industry by more than noise: H0 the category converts at the baseline.
        let p = binomial_lower((cvr * clicks).round(), clicks, base);
        (clicks >= self.tc("category_cvr_min_clicks", Some(category))
            && cvr < base
            && p < self.significance())
        .then(|| Finding {
            rule: "category_cvr_below_industry",
            metric: "cvr",
            scope: format!("category:{category}"),
            severity: Severity::Info,
            observed: cvr,
            expected: Some(base),
            threshold: 0.0,
            p_value: Some(p),
            message_zh: format!(
                "品类 {} 转化率 {} 低于行业均值 {}",
                category_name(category, Lang::Zh),
                pct(cvr),
                pct(base)
            ),
            message_en: format!(
                "Category {} converts at {}, below the industry {}",
                category_name(category, Lang::En),
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
    fn product_and_plan_rules_take_their_categorys_override() {
        let mut cfg = Config::default();
        cfg.overlay(
            "[category.food.thresholds]\ndays_of_cover_min = 3.0\nplan_ctr_floor = 0.9\n\
             [shop.s1.thresholds]\ndays_of_cover_min = 1.0\n",
        )
        .unwrap();
        let r = rules(&cfg);
        // 2.5 days of cover with a delivery coming: short for food (3 days), fine for the
        // shop's other products (1 day).
        let cover = |c| {
            r.days_of_cover("x", c, 25.0, 100.0, 10.0)
                .map(|f| f.threshold)
        };
        assert_eq!(cover(Some("food")), Some(3.0));
        assert_eq!(cover(Some("beauty")), None);
        assert_eq!(cover(None), None);
        // A food plan at 75 % of its 2.0 % baseline CTR is under food's 90 % floor; a beauty
        // plan at 75 % of its 1.5 % is above the shipped 50 %.
        let ctr = |c: &str, base: f64| r.plan_ctr_floor("p", c, 1e6, 0.75 * base * 1e6);
        assert!(ctr("food", 0.020).is_some_and(|f| (f.threshold - 0.018).abs() < 1e-12));
        assert!(ctr("beauty", 0.015).is_none());
        // The message states the configured share, not "half".
        let f = ctr("food", 0.020).unwrap();
        assert!(f.message_zh.contains("90.0%"), "{}", f.message_zh);
    }

    #[test]
    fn a_plan_ctr_drop_against_its_own_baseline_needs_size_and_evidence() {
        let cfg = Config::default();
        let r = rules(&cfg);
        // 1.5 % baseline; three days of 60,000 impressions at ×0.7 (1.05 %): 630 clicks
        // where 900 were expected.
        let f = r.plan_ctr_drop(
            "p",
            "beauty",
            3,
            r.significance() / 3.0,
            (180_000.0, 1_890.0),
            0.015,
            1.0,
        );
        assert!(f.is_some_and(|f| f.rule == "plan_ctr_drop" && f.metric == "ad_ctr"));
        // The same drop on a plan whose daily CTR scatters 100× more than counting noise
        // (an effective 1,800 impressions) is not evidence.
        assert!(r
            .plan_ctr_drop(
                "p",
                "beauty",
                3,
                r.significance() / 3.0,
                (180_000.0, 1_890.0),
                0.015,
                100.0
            )
            .is_none());
        // A 10 % dip is below the 20 % size that matters, however sure.
        assert!(r
            .plan_ctr_drop(
                "p",
                "beauty",
                3,
                r.significance() / 3.0,
                (1e7, 1e7 * 0.015 * 0.9),
                0.015,
                1.0
            )
            .is_none());
        // A 30 % dip on 3,000 impressions (45 clicks expected) is not evidence.
        assert!(r
            .plan_ctr_drop(
                "p",
                "beauty",
                1,
                r.significance() / 3.0,
                (3_000.0, 31.0),
                0.015,
                1.0
            )
            .is_none());
    }

    #[test]
    fn a_category_baseline_is_a_setting() {
        let mut cfg = Config::default();
        cfg.overlay("[baselines.pets]\ncvr = 0.05\n").unwrap();
        let r = rules(&cfg);
        assert!(r.category_cvr("pets", 0.04, 20_000.0).is_some());
        assert!(r.category_cvr("pets", 0.06, 20_000.0).is_none());
        // 200 orders where 250 were expected is within noise (p ≈ 7e-4): no alert.
        assert!(r.category_cvr("pets", 0.04, 5_000.0).is_none());
        // Below the configured click floor nothing is judged.
        assert!(r.category_cvr("pets", 0.04, 500.0).is_none());
        assert!(rules(&Config::default())
            .category_cvr("pets", 0.04, 5_000.0)
            .is_none());
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
        assert!(r
            .cpa_rise(
                "plan:p".into(),
                None,
                400.0,
                6.0,
                40.0,
                r.significance(),
                1.0
            )
            .is_none());
        // 4,000 yuan: 100 expected, 40 observed is a real spike.
        let f = r
            .cpa_rise(
                "plan:p".into(),
                None,
                4000.0,
                40.0,
                40.0,
                r.significance(),
                1.0,
            )
            .unwrap();
        assert_eq!(f.metric, "cpa");
        assert!(f.p_value.unwrap() < 1e-4);
    }

    /// Order counts by region cannot tell traffic from conversion: the alert speaks of the
    /// share of orders, and names the possible causes.
    #[test]
    fn a_segment_drop_is_a_share_of_orders_not_a_conversion_claim() {
        let cfg = Config::default();
        let r = rules(&cfg);
        let f = r
            .segment_share_drop("region", "广东", 30.0, 700.0, 0.14, r.significance())
            .expect("fires");
        assert_eq!((f.rule, f.metric), ("segment_share_drop", "order_count"));
        assert!(f.message_en.contains("share of orders"), "{}", f.message_en);
        assert!(
            !f.message_en.contains("conversion down"),
            "{}",
            f.message_en
        );
        assert!(f.message_zh.contains("订单占比") && !f.message_zh.contains("转化骤降"));
    }

    #[test]
    fn segment_drop_and_cover_and_complaints() {
        let cfg = Config::default();
        let r = rules(&cfg);
        assert!(r
            .segment_share_drop("region", "广东", 30.0, 700.0, 0.14, r.significance())
            .is_some());
        assert!(r
            .segment_share_drop("region", "广东", 90.0, 700.0, 0.14, r.significance())
            .is_none());
        assert_eq!(
            r.days_of_cover("x", None, 10.0, 0.0, 20.0).map(|f| f.rule),
            Some("days_of_cover_min")
        );
        assert_eq!(
            r.days_of_cover("x", None, 80.0, 0.0, 20.0).map(|f| f.rule),
            Some("stock_forecast")
        );
        assert!(r.days_of_cover("x", None, 0.0, 0.0, 0.2).is_none());
        // A reorder on its way: no 72-hour warning.
        assert!(r.days_of_cover("x", None, 80.0, 400.0, 20.0).is_none());
        assert!(r
            .complaint_rise(
                "product:x".into(),
                None,
                12.0,
                40.0,
                0.005,
                r.significance()
            )
            .is_some());
        assert!(r
            .complaint_rise("product:x".into(), None, 1.0, 40.0, 0.005, r.significance())
            .is_none());
    }

    /// Every §5 threshold is in the shipped defaults, and its rule fires just beyond it and
    /// stays quiet just inside it (inputs are derived from the configured value, so the test
    /// follows the defaults file).
    #[test]
    fn every_section5_threshold_is_shipped_and_fires() {
        let cfg = Config::default();
        let r = rules(&cfg);
        let t = |k: &str| {
            let v = cfg.threshold(k, Some("s1"));
            assert!(v.is_finite(), "{k} missing from defaults.toml");
            v
        };
        let fires = |name: &str, beyond: Option<Finding>, inside: Option<Finding>| {
            let f = beyond.unwrap_or_else(|| panic!("{name} did not fire beyond its threshold"));
            assert!(RULES.contains(&f.rule), "{name}: unknown rule {}", f.rule);
            assert!(inside.is_none(), "{name} fired inside its threshold");
        };
        let dev = t("target_deviation");
        fires(
            "target_deviation",
            r.target_deviation(
                "gmv",
                "成交额",
                "GMV",
                100.0 * (1.0 - dev - 0.01),
                100.0,
                true,
            ),
            r.target_deviation(
                "gmv",
                "成交额",
                "GMV",
                100.0 * (1.0 - dev + 0.01),
                100.0,
                true,
            ),
        );
        let q = t("traffic_quality_drop");
        fires(
            "traffic_quality_drop",
            r.traffic_quality(100.0 * (1.0 - q - 0.01)),
            r.traffic_quality(100.0 * (1.0 - q + 0.01)),
        );
        // CPA: 10 million yuan at a 40-yuan baseline; conversions set for a CPA just past the rise.
        let rise = t("cpa_rise");
        let conv = |x: f64| 1e7 / (40.0 * (1.0 + rise + x));
        fires(
            "cpa_rise",
            r.cpa_rise(
                "shop:s1".into(),
                None,
                1e7,
                conv(0.05).floor(),
                40.0,
                r.significance(),
                1.0,
            ),
            r.cpa_rise(
                "shop:s1".into(),
                None,
                1e7,
                conv(-0.05).ceil(),
                40.0,
                r.significance(),
                1.0,
            ),
        );
        let floor = t("plan_ctr_floor") * cfg.baseline("beauty", "ad_ctr", None).unwrap_or(0.0);
        let imp = 1_000_000.0;
        fires(
            "plan_ctr_floor",
            r.plan_ctr_floor("p1", "beauty", imp, (imp * floor * 0.95).floor()),
            r.plan_ctr_floor("p1", "beauty", imp, (imp * floor * 1.05).ceil()),
        );
        let pr = t("penalty_risk_max");
        fires(
            "penalty_risk_max",
            r.level("penalty_risk_max", "penalty_risk", pr + 1.0, false),
            r.level("penalty_risk_max", "penalty_risk", pr - 1.0, false),
        );
        let cr = t("complaint_rate_rise");
        let base = 0.01;
        let orders = 1_000_000.0;
        fires(
            "complaint_rate_rise",
            r.complaint_rise(
                "shop:s1".into(),
                None,
                orders * base * (1.0 + cr) * 1.1,
                orders,
                base,
                r.significance(),
            ),
            r.complaint_rise(
                "shop:s1".into(),
                None,
                orders * base * (1.0 + cr) * 0.95,
                orders,
                base,
                r.significance(),
            ),
        );
        let ce = t("cost_per_exposure_max");
        fires(
            "cost_per_exposure_max",
            r.level(
                "cost_per_exposure_max",
                "cost_per_exposure",
                ce + 0.01,
                false,
            ),
            r.level(
                "cost_per_exposure_max",
                "cost_per_exposure",
                ce - 0.01,
                false,
            ),
        );
        let cover = t("days_of_cover_min");
        fires(
            "days_of_cover_min",
            r.days_of_cover("x", None, (cover - 0.1) * 10.0, 0.0, 10.0)
                .filter(|f| f.rule == "days_of_cover_min"),
            r.days_of_cover("x", None, (cover + 0.1) * 10.0, 0.0, 10.0)
                .filter(|f| f.rule == "days_of_cover_min"),
        );
        let ot = t("on_time_min");
        fires(
            "on_time_min",
            r.level("on_time_min", "on_time_rate", ot - 0.01, true),
            r.level("on_time_min", "on_time_rate", ot + 0.01, true),
        );
        let ex = t("execution_deviation");
        fires(
            "execution_deviation",
            r.execution_deviation(100.0 * (1.0 - ex - 0.01), 100.0),
            r.execution_deviation(100.0 * (1.0 - ex + 0.01), 100.0),
        );
        let seg = t("segment_share_drop");
        let total = 100_000.0;
        fires(
            "segment_share_drop",
            r.segment_share_drop(
                "region",
                "广东",
                total * 0.2 * (1.0 - seg - 0.03),
                total,
                0.2,
                r.significance(),
            ),
            r.segment_share_drop(
                "region",
                "广东",
                total * 0.2 * (1.0 - seg + 0.03),
                total,
                0.2,
                r.significance(),
            ),
        );
        let ind = cfg.baseline("beauty", "cvr", None).unwrap_or(0.0);
        let low = r.category_cvr("beauty", ind * 0.9, 1_000_000.0);
        // The category is named in the reader's words, not by its code.
        let msg = low.map(|f| f.message_zh).unwrap_or_default();
        assert!(msg.contains("美妆") && !msg.contains("beauty"), "{msg}");
        fires(
            "category_cvr_below_industry",
            r.category_cvr("beauty", ind * 0.9, 1_000_000.0),
            r.category_cvr("beauty", ind * 1.1, 1_000_000.0),
        );
        let rc = t("relative_change");
        let same = [100.0, 98.0, 102.0, 100.0];
        fires(
            "relative_change",
            r.relative_change(
                "gmv",
                ("成交额", "GMV"),
                100.0 * (1.0 - rc - 0.02),
                &same,
                true,
            ),
            r.relative_change(
                "gmv",
                ("成交额", "GMV"),
                100.0 * (1.0 - rc + 0.02),
                &same,
                true,
            ),
        );
        // On-time rate falling 1 point a day from 0.90 + 1.5 points: crosses within 72 h,
        // but not within 72 h when falling 0.2 points a day.
        let hours = t("forecast_hours");
        let steep: Vec<f64> = (0..14)
            .map(|i| ot + 0.015 + 0.01 * (13 - i) as f64)
            .collect();
        let slow: Vec<f64> = (0..14)
            .map(|i| ot + 0.015 + 0.002 * (13 - i) as f64)
            .collect();
        assert!(hours / 24.0 * 0.01 > 0.015 && hours / 24.0 * 0.002 < 0.015);
        fires(
            "forecast",
            r.forecast("on_time_rate", ("发货及时率", "On-time"), &steep, ot, true),
            r.forecast("on_time_rate", ("发货及时率", "On-time"), &slow, ot, true),
        );
    }

    #[test]
    fn theil_sen_ignores_an_outlier() {
        let mut y: Vec<f64> = (0..10).map(|i| 2.0 * i as f64 + 1.0).collect();
        y[4] = 100.0;
        let (slope, intercept) = theil_sen(&y).unwrap();
        assert!((slope - 2.0).abs() < 1e-9 && (intercept - 1.0).abs() < 1e-9);
    }
}
