//! Registered experiments analysed from the lake: each arm's numerator and denominator of a
//! catalog rate (e.g. clicks / impressions for `ctr`) over the experiment's window.

use chrono::NaiveDate;
use vitrine_analytics::experiment::{
    analyze, Analysis, ExperimentVerdict, Method, Settings, Variant,
};
use vitrine_core::metric::{metric, Formula, METRICS};
use vitrine_core::{Dim, MetricQuery};
use vitrine_lake::{Engine, ExperimentRecord};

use crate::{AppError, Snapshot, Workspace};

fn bad(msg: String) -> AppError {
    AppError::BadRequest(msg)
}

/// The catalog metrics holding the numerator and denominator of a rate metric.
pub fn rate_parts(metric_id: &str) -> Result<(&'static str, &'static str), AppError> {
    let m = metric(metric_id).ok_or_else(|| bad(format!("unknown metric `{metric_id}`")))?;
    let Formula::Ratio { num, den, .. } = m.formula else {
        return Err(bad(format!(
            "metric `{metric_id}` is not a rate; lake experiments need a ratio metric such as ctr or cvr"
        )));
    };
    let find = |measure: &str| {
        METRICS
            .iter()
            .find(|x| {
                matches!(x.formula, Formula::Sum { measure: m, scale } if m == measure && scale == 1.0)
            })
            .map(|x| x.id)
            .ok_or_else(|| bad(format!("metric `{metric_id}`: no catalog metric sums `{measure}`")))
    };
    Ok((find(num)?, find(den)?))
}

fn day(s: &str) -> Result<NaiveDate, AppError> {
    s.parse()
        .map_err(|_| bad(format!("`{s}` is not a date in YYYY-MM-DD form")))
}

impl Workspace {
    /// Analyses a registered experiment over its window up to `as_of` (default: its end).
    pub async fn experiment_analysis(
        &self,
        e: &ExperimentRecord,
        as_of: Option<NaiveDate>,
        overrides: &(dyn Fn(&mut Settings) + Sync),
    ) -> Result<(Analysis, f64), AppError> {
        self.experiment_analysis_at(&self.engine()?, e, as_of, overrides)
            .await
    }

    /// [`Workspace::experiment_analysis`] over one lake version.
    async fn experiment_analysis_at(
        &self,
        engine: &Engine,
        e: &ExperimentRecord,
        as_of: Option<NaiveDate>,
        overrides: &(dyn Fn(&mut Settings) + Sync),
    ) -> Result<(Analysis, f64), AppError> {
        let (num, den) = rate_parts(&e.metric)?;
        let start = day(&e.start_date)?;
        let end = as_of.map_or(day(&e.end_date)?, |d| d.min(day(&e.end_date).unwrap_or(d)));
        if end < start {
            return Err(bad(format!(
                "experiment {} starts on {start}, after {end}",
                e.id
            )));
        }
        let mut variants = Vec::with_capacity(e.variants.len());
        for arm in &e.variants {
            let (dim, value) = arm
                .scope
                .split_once(':')
                .unwrap_or((arm.scope.as_str(), ""));
            let q = MetricQuery::new(&[num, den], start, end)
                .filter(Dim::parse(dim)?, value)
                .filter(Dim::Shop, e.shop.clone());
            let t = engine.metric(&q).await?;
            let (c, n) = (t.scalar(num).unwrap_or(0.0), t.scalar(den).unwrap_or(0.0));
            if n < 1.0 {
                return Err(AppError::NotFound(format!(
                    "experiment {}: variant {} ({}) has no {den} between {start} and {end}",
                    e.id, arm.name, arm.scope
                )));
            }
            if c > n {
                return Err(bad(format!(
                    "experiment {}: {} is not a proportion ({num} > {den}); analyse it from sums",
                    e.id, e.metric
                )));
            }
            variants.push(Variant {
                name: arm.name.clone(),
                n: n.round(),
                conversions: Some(c.round()),
                sum: None,
                sum_squares: None,
                pre_sum: None,
                pre_sum_squares: None,
                sum_products: None,
            });
        }
        let days_run = ((end - start).num_days() + 1) as f64;
        let higher_is_better = metric(&e.metric)
            .is_none_or(|m| m.direction == vitrine_core::metric::Direction::HigherIsBetter);
        let mut s = Settings {
            days_run: Some(days_run),
            higher_is_better,
            min_days: e.min_days as f64,
            planned_n: e.planned_n,
            // Arms read from the lake are filters on dimensions (a creative, a product, a
            // region): groups the traffic formed, not randomised units.
            observational: true,
            ..Settings::default()
        };
        overrides(&mut s);
        let analysis =
            analyze(&variants, &s).map_err(|err| bad(format!("experiment {}: {err}", e.id)))?;
        Ok((analysis, days_run))
    }
}

impl Snapshot {
    /// Verdicts of a shop's running experiments that have started by `date`, with the
    /// always-valid sequential test: the review looks every day, and a fixed-horizon test
    /// looked at daily would call a winner in far more than 5 % of A/A tests.
    pub async fn experiment_verdicts(&self) -> Result<Vec<ExperimentVerdict>, AppError> {
        let (shop, date) = (self.shop.as_str(), self.date);
        let list = self.state().await?.experiments(Some(shop)).await?;
        let mut out = Vec::new();
        for e in list.into_iter().filter(|e| e.status == "running") {
            if day(&e.start_date)? > date {
                continue;
            }
            // An arm without data yet is not an error of the review: skip that experiment.
            if let Ok((analysis, days_run)) = self
                .workspace()
                .experiment_analysis_at(self.engine(), &e, Some(date), &|s| {
                    s.method = Method::Sequential
                })
                .await
            {
                out.push(ExperimentVerdict {
                    id: e.id,
                    name: e.name.clone(),
                    metric: e.metric.clone(),
                    days_run,
                    analysis,
                });
            }
        }
        Ok(out)
    }
}
