//! The daily review 复盘: targets and pacing, every monitor, playbooks and ranked actions
//! for one shop and day, as one structured value every surface renders.
//!
//! [`ReviewRequest::queries`] names what to ask the lake ([`Inputs`]); the application layer
//! answers them from one snapshot and [`ReviewRequest::build`] turns the answers into a
//! [`Review`]: KPI cards ([`kpis`]), findings ([`findings`]) that become new or standing
//! alerts ([`alerts`]), today's actions ([`actions`]), the descriptive sections
//! ([`sections`]) and the risk index ([`risk_index`]).

pub mod actions;
mod alerts;
mod columns;
mod context;
mod findings;
mod inputs;
mod items;
mod kpis;
mod risk_index;
mod sections;
mod value;

use chrono::{Datelike, Duration, NaiveDate};
use vitrine_core::config::{Config, Scope};
use vitrine_core::{Lang, MetricTable};

pub use inputs::Inputs;
pub use sections::TREND_METRICS;
pub use value::*;

use crate::diagnosis::Cubes;
use crate::monitor::Rules;
use crate::risk::RiskSettings;
use crate::targets::{month_of, pace, Pacing, TargetTree};
use crate::AnalyticsError;
use context::Ctx;

/// What to review.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewRequest {
    pub shop: String,
    pub date: NaiveDate,
    pub lang: Lang,
}

fn days(d: NaiveDate, n: i64) -> NaiveDate {
    d - Duration::days(n)
}

impl ReviewRequest {
    /// Builds the review from the answers to [`ReviewRequest::queries`] and stored targets
    /// (`(metric, period, value)`, e.g. `("gmv", "year:2026", 5e7)`).
    pub fn build(
        &self,
        cfg: &Config,
        inputs: &Inputs<MetricTable>,
        stored: &[(String, String, f64)],
    ) -> Result<Review, AnalyticsError> {
        let ctx = Ctx {
            req: self,
            cfg,
            inputs,
            stored,
            items: items::Items::of(inputs),
        };
        ctx.check_has_data()?;
        let main_category = kpis::main_category(&inputs.categories);
        let main_category = main_category.as_deref();
        let tree = ctx.gmv_tree();
        let kpis = ctx.kpis_on(self.date, &tree, main_category);
        let rules = Rules {
            cfg,
            shop: &self.shop,
        };
        let gmv_days = ctx.year_series();
        // Pace only over days the lake covers, so a shop whose data starts mid-year is not
        // judged on months it never loaded.
        let first = gmv_days.first().map(|x| x.0).unwrap_or(self.date);
        let pacing = ctx.pacing(&tree, &gmv_days, first);
        let mut findings = ctx.findings(&rules, &kpis);
        findings.extend(
            rules.execution_deviation(pacing[0].actual_to_date, pacing[0].expected_to_date),
        );
        findings.sort_by(|a, b| a.severity.cmp(&b.severity).then(a.rule.cmp(b.rule)));
        let before = ctx.earlier_conditions(&rules, &tree, main_category, &gmv_days, first);
        let cubes = Cubes {
            shop: &self.shop,
            today: self.date.to_string(),
            plans: &inputs.plans,
            orders: &inputs.order_cube,
            complaints: &inputs.complaint_cube,
            stock: &inputs.stock_cube,
            deliveries: &inputs.delivery_cube,
            traffic: &inputs.traffic_cube,
            creatives: &inputs.creatives,
            hours: &inputs.hours,
            audiences: &inputs.audiences,
        };
        let due = cfg.threshold("alert_due_hours", ctx.shop());
        let cells = RiskSettings::from_config(cfg, Scope::shop(&self.shop)).cells;
        let (alerts, standing) =
            alerts::split_alerts(&findings, &before, self.lang, due, &cubes, cells);
        let all: Vec<Alert> = alerts.iter().chain(&standing).cloned().collect();
        let (funnel, leakiest_step) = ctx.funnel();
        Ok(Review {
            shop: self.shop.clone(),
            date: self.date.to_string(),
            lang: self.lang,
            kpis,
            targets: ctx.target_summary(&tree),
            pacing,
            actions: ctx.actions(&all),
            alerts,
            standing,
            funnel,
            leakiest_step,
            traffic: sections::traffic(&inputs.sources),
            order_mix: sections::order_mix(&inputs.regions, &inputs.hours, self.date),
            trends: ctx.trends(),
            experiments: Vec::new(),
            users: None,
            missing_sources: Vec::new(),
            paid_traffic: None,
            risk_index: ctx.risk_index(main_category),
        })
    }
}

impl Ctx<'_> {
    /// Refuses a day with neither GMV nor exposure, naming the days the lake has.
    fn check_has_data(&self) -> Result<(), AnalyticsError> {
        let d = self.req.date;
        if self.day_value("gmv", d).is_some() || self.day_value("exposure", d).is_some() {
            return Ok(());
        }
        let pts = self.inputs.daily.series("gmv");
        let range = match (pts.first(), pts.last()) {
            (Some(a), Some(b)) => format!("{} – {}", a.0, b.0),
            _ => "no days near this date".into(),
        };
        Err(AnalyticsError::NoData {
            shop: self.req.shop.clone(),
            date: d.to_string(),
            range,
        })
    }

    /// Every monitor's findings of the review day, before execution deviation.
    fn findings(&self, rules: &Rules<'_>, kpis: &[Kpi]) -> Vec<crate::monitor::Finding> {
        let mut out = self.day_findings(rules, self.req.date, kpis);
        out.extend(findings::category_findings(rules, &self.inputs.categories));
        out
    }

    /// GMV pacing of the month and the year to date (month first).
    fn pacing(
        &self,
        tree: &TargetTree,
        gmv_days: &[(NaiveDate, f64)],
        first: NaiveDate,
    ) -> Vec<Pacing> {
        let d = self.req.date;
        let (ms, me) = month_of(d);
        let ys = NaiveDate::from_ymd_opt(d.year(), 1, 1).unwrap_or(ms);
        let ye = NaiveDate::from_ymd_opt(d.year(), 12, 31).unwrap_or(me);
        vec![
            pace(
                "gmv",
                format!("month:{}", &d.to_string()[..7]),
                tree,
                ms.max(first),
                me,
                d,
                gmv_days,
            ),
            pace(
                "gmv",
                format!("year:{}", d.year()),
                tree,
                ys.max(first),
                ye,
                d,
                gmv_days,
            ),
        ]
    }

    fn target_summary(&self, tree: &TargetTree) -> TargetSummary {
        let stored = self
            .stored_target("gmv", &format!("year:{}", tree.year))
            .is_some();
        TargetSummary {
            year: tree.year,
            annual: tree.annual,
            source: if stored {
                TargetSource::Stored
            } else {
                TargetSource::Derived
            },
            quarters: (0..4).map(|q| tree.quarter(q)).collect(),
            month: tree.month(self.req.date),
            day: tree.day(self.req.date),
        }
    }
}

#[cfg(test)]
mod tests;
