//! The KPI cards: each metric's day value against its target, and the GMV target tree.

use chrono::{Datelike, NaiveDate};
use vitrine_core::calendar::Calendar;
use vitrine_core::config::Group;
use vitrine_core::metric::{self, Direction};
use vitrine_core::MetricTable;

use super::context::Ctx;
use super::{days, Kpi, KpiStatus};
use crate::monitor::{Finding, Rules};
use crate::targets::{annualise, TargetTree};

/// Where a KPI card's target comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KpiTarget {
    /// No target.
    None,
    /// The day's share of the annual GMV target tree.
    GmvTree,
    /// The main category's industry AOV × the `aov_vs_industry` setting.
    IndustryAov,
    /// A stored target for the metric, else the `targets` setting of the same name.
    Setting,
}

/// KPI cards, in display order, with where each one's target comes from.
const KPIS: [(&str, KpiTarget); 19] = [
    ("gmv", KpiTarget::GmvTree),
    ("orders", KpiTarget::None),
    ("paying_users", KpiTarget::None),
    ("order_value", KpiTarget::None),
    ("ctr", KpiTarget::Setting),
    ("cvr", KpiTarget::Setting),
    ("aov", KpiTarget::IndustryAov),
    ("gpm", KpiTarget::None),
    ("spend", KpiTarget::None),
    ("roi", KpiTarget::Setting),
    ("cpa", KpiTarget::None),
    ("natural_share", KpiTarget::None),
    ("refund_rate", KpiTarget::None),
    ("refund_amount_rate", KpiTarget::None),
    ("completion_rate", KpiTarget::Setting),
    ("like_rate", KpiTarget::Setting),
    ("repurchase_rate", KpiTarget::Setting),
    ("on_time_rate", KpiTarget::None),
    ("nps", KpiTarget::Setting),
];

/// The category with the most GMV on the day (the industry baselines' key).
pub(super) fn main_category(by_category: &MetricTable) -> Option<String> {
    let col = by_category.metrics.iter().position(|m| *m == "gmv")?;
    by_category
        .rows
        .iter()
        .max_by(|a, b| {
            a.values[col]
                .unwrap_or(0.0)
                .total_cmp(&b.values[col].unwrap_or(0.0))
        })
        .and_then(|r| r.key.first().cloned())
}

impl Ctx<'_> {
    /// The annual GMV target: stored, else last year's calendar-weighted run rate × growth.
    pub fn gmv_tree(&self) -> TargetTree {
        let year = self.req.date.year();
        let share = self.cfg.target("quarter_share", self.shop());
        let elasticity = self.cfg.target("quarter_elasticity", self.shop());
        let calendar = Calendar::from_config(self.cfg, self.shop());
        let annual = self
            .stored_target("gmv", &format!("year:{year}"))
            .unwrap_or_else(|| {
                let series = self.year_series();
                let jan1 = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(self.req.date);
                let last_year: Vec<_> = series.iter().copied().filter(|(d, _)| *d < jan1).collect();
                let basis = if last_year.len() >= 28 {
                    last_year
                } else {
                    series
                        .into_iter()
                        .filter(|(d, _)| *d < self.req.date && *d >= days(self.req.date, 90))
                        .collect()
                };
                annualise(&basis, year, &calendar).unwrap_or(0.0)
                    * (1.0 + self.cfg.target("gmv_growth", self.shop()))
            });
        TargetTree::new(year, annual, share, elasticity).with_calendar(calendar)
    }

    /// KPI cards of day `date` (the review day, or an earlier one to tell new alerts from
    /// standing ones).
    pub fn kpis_on(
        &self,
        date: NaiveDate,
        tree: &TargetTree,
        main_category: Option<&str>,
    ) -> Vec<Kpi> {
        let tolerance = self.cfg.threshold("target_deviation", self.shop());
        KPIS.iter()
            .filter_map(|&(id, source)| {
                let m = metric::metric(id)?;
                let value = self.day_value(id, date);
                let target = self.kpi_target(id, source, date, tree, main_category);
                let deviation = match (value, target) {
                    (Some(v), Some(t)) if t != 0.0 => Some((v - t) / t),
                    _ => None,
                };
                let higher = m.direction == Direction::HigherIsBetter;
                let vs_last_week = match (value, self.day_value(id, days(date, 7))) {
                    (Some(v), Some(l)) if l != 0.0 => Some(v / l - 1.0),
                    _ => None,
                };
                let sources = self
                    .inputs
                    .daily
                    .sources(&[], Some(&date.to_string()), id)
                    .iter()
                    .map(|t| t.name().to_string())
                    .collect();
                Some(Kpi {
                    metric: id.to_string(),
                    name: m.name(self.req.lang).to_string(),
                    unit: m.unit,
                    value,
                    target,
                    deviation,
                    status: KpiStatus::judge(deviation, higher, tolerance),
                    vs_last_week,
                    formula: m.formula_text.to_string(),
                    sources,
                    lineage: Vec::new(),
                })
            })
            .collect()
    }

    fn kpi_target(
        &self,
        id: &str,
        source: KpiTarget,
        date: NaiveDate,
        tree: &TargetTree,
        main_category: Option<&str>,
    ) -> Option<f64> {
        match source {
            KpiTarget::None => None,
            KpiTarget::GmvTree => Some(tree.day(date)).filter(|t| *t > 0.0),
            KpiTarget::IndustryAov => main_category
                .and_then(|c| self.cfg.baseline(c, "aov", self.shop()))
                .map(|b| b * self.cfg.target("aov_vs_industry", self.shop())),
            KpiTarget::Setting => self.stored_target(id, "default").or_else(|| {
                self.cfg
                    .value(Group::Targets, id, self.shop(), main_category)
            }),
        }
    }
}

/// A `target_deviation` finding for each card off its target beyond the tolerance.
pub(super) fn kpi_findings(rules: &Rules<'_>, kpis: &[Kpi]) -> Vec<Finding> {
    kpis.iter()
        .filter_map(|k| {
            let m = metric::metric(&k.metric)?;
            rules.target_deviation(
                m.id,
                m.name_zh,
                m.name_en,
                k.value?,
                k.target?,
                m.direction == Direction::HigherIsBetter,
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_card_is_a_catalog_metric_and_setting_targets_are_settings() {
        let cfg = vitrine_core::config::Config::default();
        for (id, source) in KPIS {
            assert!(metric::metric(id).is_some(), "{id} is not in the catalog");
            if source == KpiTarget::Setting {
                assert!(
                    cfg.value(Group::Targets, id, None, None).is_some(),
                    "{id} has no default target"
                );
            }
        }
    }
}
