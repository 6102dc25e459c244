//! The daily review 复盘: targets and pacing, every monitor, playbooks and ranked actions
//! for one shop and day, as one structured value every surface renders.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate};
use serde::Serialize;
use serde_json::json;
use vitrine_core::config::{Config, Group};
use vitrine_core::metric::{self, baseline, Direction};
use vitrine_core::{Dim, Lang, MetricQuery, MetricTable, TimeGrain};

use crate::diagnosis::{Cubes, RootCause};
use crate::monitor::{Finding, Rules, Severity};
use crate::playbook;
use crate::risk::{AlertRisk, RiskIndex};
use crate::stats::median;
use crate::targets::{annualise, month_of, pace, Pacing, TargetTree};
use crate::AnalyticsError;

/// Metrics the review reads per day (60 days back, for trends and baselines).
const DAILY: [&str; 39] = [
    "gmv",
    "order_value",
    "refund_amount_rate",
    "orders",
    "paying_users",
    "exposure",
    "clicks",
    "detail_views",
    "add_to_cart",
    "reviews",
    "ctr",
    "cvr",
    "aov",
    "gpm",
    "spend",
    "roi",
    "cpa",
    "cpm",
    "cost_per_exposure",
    "natural_share",
    "refund_rate",
    "completion_rate",
    "like_rate",
    "interaction_rate",
    "avg_dwell",
    "repurchase_rate",
    "on_time_rate",
    "complaint_rate",
    "complaints",
    "order_count",
    "nps",
    "penalty_risk",
    "spend_ratio",
    "conversions",
    "creative_ctr",
    "experience_score",
    "competitor_bid",
    "competitor_sales",
    "ad_ctr",
];

/// KPI cards, in display order; the second field names the target key, if any.
const KPIS: [(&str, Option<&str>); 19] = [
    ("gmv", Some("tree")),
    ("orders", None),
    ("paying_users", None),
    ("order_value", None),
    ("ctr", Some("ctr")),
    ("cvr", Some("cvr")),
    ("aov", Some("aov")),
    ("gpm", None),
    ("spend", None),
    ("roi", Some("roi")),
    ("cpa", None),
    ("natural_share", None),
    ("refund_rate", None),
    ("refund_amount_rate", None),
    ("completion_rate", Some("completion_rate")),
    ("like_rate", Some("like_rate")),
    ("repurchase_rate", Some("repurchase_rate")),
    ("on_time_rate", None),
    ("nps", Some("nps")),
];

/// Metrics drawn as 30-day trends on the dashboard.
pub const TREND_METRICS: [&str; 6] = ["gmv", "orders", "ctr", "cvr", "roi", "spend"];

/// What to review.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewRequest {
    pub shop: String,
    pub date: NaiveDate,
    pub lang: Lang,
}

/// A KPI card: value against target.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Kpi {
    pub metric: String,
    pub name: String,
    pub unit: vitrine_core::Unit,
    pub value: Option<f64>,
    pub target: Option<f64>,
    /// (value − target) / target.
    pub deviation: Option<f64>,
    /// `on_track`, `behind` (worse, within tolerance), `alert` (worse beyond it) or `no_target`.
    pub status: String,
    /// Relative change against the same weekday a week earlier.
    pub vs_last_week: Option<f64>,
    /// How the value is computed (the catalog's formula).
    pub formula: String,
    /// The tables the day's value came from (the preferred source that had rows).
    pub sources: Vec<String>,
    /// The files behind the value: family, file, content hash, sheet and rows (filled by
    /// the application layer from the lake's lineage).
    pub lineage: Vec<vitrine_core::lineage::SourceRef>,
}

/// An alert raised by the review.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    /// What happened, in the simulator's incident vocabulary where one applies
    /// (`plan_ctr_collapse`, `stock_out`, …), else the rule id.
    pub kind: String,
    pub rule: String,
    pub metric: String,
    /// Dimension → value, e.g. `{"plan": "p0007"}`.
    pub scope: BTreeMap<String, String>,
    /// The scope as `dimension:value` (the state database's key).
    pub scope_id: String,
    pub severity: Severity,
    pub message: String,
    pub evidence: serde_json::Value,
    pub playbook: Option<String>,
    /// Adjustment must start within this many hours.
    pub due_hours: f64,
    /// What explains the move, best first (empty where the metric has no cube).
    pub root_causes: Vec<RootCause>,
    /// Probability × impact grading of this alert.
    pub risk: AlertRisk,
}

/// Something to do today.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Action {
    pub priority: usize,
    pub playbook: String,
    pub title: String,
    pub detail: String,
    pub scope: String,
}

/// One step of the 5-node funnel.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FunnelStep {
    pub step: String,
    pub name: String,
    pub value: f64,
    /// Share of the previous step that reached this one.
    pub rate_from_previous: Option<f64>,
}

/// A daily series.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trend {
    pub metric: String,
    pub name: String,
    pub points: Vec<(String, Option<f64>)>,
}

/// Exposure and GMV by traffic source.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceShare {
    pub source: String,
    pub exposure_share: f64,
    pub gmv_share: f64,
}

/// Where the day's orders came from and when (paid order lines, most first / by hour).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct OrderMix {
    pub regions: Vec<(String, f64)>,
    pub hours: Vec<(u32, f64)>,
}

/// The GMV target tree behind the day's target (REQUIREMENTS §4).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetSummary {
    pub year: i32,
    /// Annual GMV target in yuan.
    pub annual: f64,
    /// `stored` when set with `vitrine targets set`, else `derived` (last year's run rate × growth).
    pub source: String,
    pub quarters: Vec<f64>,
    pub month: f64,
    pub day: f64,
}

/// The review of one shop and day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Review {
    pub shop: String,
    pub date: String,
    pub lang: Lang,
    pub kpis: Vec<Kpi>,
    pub targets: TargetSummary,
    pub pacing: Vec<Pacing>,
    /// New alerts: conditions that were not alerted the day before.
    pub alerts: Vec<Alert>,
    /// Standing alerts: conditions alerted on earlier days that still hold (their state-DB
    /// alert stays open; they are not raised again).
    pub standing: Vec<Alert>,
    pub actions: Vec<Action>,
    pub funnel: Vec<FunnelStep>,
    pub leakiest_step: Option<String>,
    pub traffic: Vec<SourceShare>,
    /// The day's paid order lines by region and by hour.
    pub order_mix: OrderMix,
    pub trends: Vec<Trend>,
    /// Verdicts of the shop's running experiments (filled by the service from the registry).
    pub experiments: Vec<crate::experiment::ExperimentVerdict>,
    /// Users by lifecycle stage, RFM segment and tier (filled by the service).
    pub users: Option<crate::users::SegmentSizes>,
    /// The composite risk index with its 15 indicators and 30-day forecast.
    pub risk_index: RiskIndex,
    /// Sections without their source, and what to download for each (filled by the service).
    pub missing_sources: Vec<crate::sources::MissingSource>,
    /// Paid traffic: plan diagnostics and guarded recommendations (filled by the service).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paid_traffic: Option<crate::bids::BidsReport>,
}

fn days(d: NaiveDate, n: i64) -> NaiveDate {
    d - Duration::days(n)
}

impl ReviewRequest {
    /// The metric queries the review needs, in the order [`ReviewRequest::build`] expects.
    pub fn queries(&self) -> Vec<MetricQuery> {
        let d = self.date;
        let q = |metrics: &[&'static str], from: NaiveDate| {
            MetricQuery::new(metrics, from, d).filter(Dim::Shop, self.shop.clone())
        };
        vec![
            q(&DAILY, days(d, 59)).per(TimeGrain::Day),
            q(
                &[
                    "spend",
                    "ad_impressions",
                    "ad_ctr",
                    "conversions",
                    "pay_gmv",
                    "ad_clicks",
                ],
                days(d, 14),
            )
            .by(&[Dim::Plan, Dim::Category])
            .per(TimeGrain::Day),
            q(&["order_count"], days(d, 28))
                .by(&[Dim::Region])
                .per(TimeGrain::Day),
            q(&["order_count"], days(d, 28))
                .by(&[Dim::Device])
                .per(TimeGrain::Day),
            q(&["on_hand", "daily_sales", "in_transit"], d).by(&[Dim::Product]),
            q(&["complaints", "order_count"], d).by(&[Dim::Product]),
            q(&["cvr", "clicks", "gmv"], d).by(&[Dim::Category]),
            q(&["exposure", "gmv"], d).by(&[Dim::Source]),
            q(
                &["gmv"],
                NaiveDate::from_ymd_opt(d.year() - 1, 1, 1).unwrap_or(d),
            )
            .per(TimeGrain::Day),
            // Cubes for root causes and risk indicators.
            q(&["order_count"], days(d, 28))
                .by(&[Dim::Region, Dim::Device])
                .per(TimeGrain::Day),
            q(&["complaints", "order_count"], days(d, 28))
                .by(&[Dim::Product])
                .per(TimeGrain::Day),
            q(&["on_hand", "daily_sales", "in_transit"], days(d, 7))
                .by(&[Dim::Product])
                .per(TimeGrain::Day),
            q(&["on_time_deliveries", "deliveries"], days(d, 28))
                .by(&[Dim::Region, Dim::Category])
                .per(TimeGrain::Day),
            q(&["order_count"], days(d, 28))
                .by(&[Dim::Hour])
                .per(TimeGrain::Day),
            q(&["gmv", "exposure", "clicks", "orders"], days(d, 28))
                .by(&[Dim::Source, Dim::Category])
                .per(TimeGrain::Day),
        ]
    }

    /// Builds the review from the answers to [`ReviewRequest::queries`] and stored targets
    /// (`(metric, period, value)`, e.g. `("gmv", "year:2026", 5e7)`).
    pub fn build(
        &self,
        cfg: &Config,
        results: &[MetricTable],
        stored: &[(String, String, f64)],
    ) -> Result<Review, AnalyticsError> {
        let expected = self.queries().len();
        if results.len() != expected {
            return Err(AnalyticsError::MissingResults {
                expected,
                got: results.len(),
            });
        }
        let ctx = Ctx {
            req: self,
            cfg,
            daily: &results[0],
            year: &results[8],
            stored,
            results,
        };
        if ctx.day_value("gmv", self.date).is_none()
            && ctx.day_value("exposure", self.date).is_none()
        {
            let pts = results[0].series("gmv");
            let range = match (pts.first(), pts.last()) {
                (Some(a), Some(b)) => format!("{} – {}", a.0, b.0),
                _ => "no days near this date".into(),
            };
            return Err(AnalyticsError::NoData {
                shop: self.shop.clone(),
                date: self.date.to_string(),
                range,
            });
        }
        let main_category = main_category(&results[6]);
        let tree = ctx.gmv_tree();
        let kpis = ctx.kpis_on(self.date, &tree, main_category.as_deref());
        let rules = Rules {
            cfg,
            shop: &self.shop,
        };
        let mut findings = Vec::new();
        findings.extend(kpi_findings(&rules, &kpis));
        findings.extend(ctx.shop_findings(&rules));
        findings.extend(plan_findings(&rules, &results[1], self.date));
        findings.extend(segment_findings(&rules, &results[2], "region", self.date));
        findings.extend(segment_findings(&rules, &results[3], "device", self.date));
        findings.extend(stock_findings_on(&rules, &results[4], None));
        findings.extend(complaint_findings(
            &rules,
            &results[5],
            ctx.baseline_sum_ratio("complaints", "order_count", 28),
        ));
        findings.extend(category_findings(&rules, &results[6]));
        findings.extend(ctx.trend_findings(&rules, &kpis));
        let (funnel, leakiest) = ctx.funnel();
        let (ms, me) = month_of(self.date);
        let ys = NaiveDate::from_ymd_opt(self.date.year(), 1, 1).unwrap_or(ms);
        let ye = NaiveDate::from_ymd_opt(self.date.year(), 12, 31).unwrap_or(me);
        let gmv_days = ctx.year_series();
        // Pace only over days the lake covers, so a shop whose data starts mid-year is not
        // judged on months it never loaded.
        let first = gmv_days.first().map(|x| x.0).unwrap_or(ys);
        let pacing = vec![
            pace(
                "gmv",
                format!("month:{}", &self.date.to_string()[..7]),
                &tree,
                ms.max(first),
                me,
                self.date,
                &gmv_days,
            ),
            pace(
                "gmv",
                format!("year:{}", self.date.year()),
                &tree,
                ys.max(first),
                ye,
                self.date,
                &gmv_days,
            ),
        ];
        findings.extend(
            rules.execution_deviation(pacing[0].actual_to_date, pacing[0].expected_to_date),
        );
        findings.sort_by(|a, b| a.severity.cmp(&b.severity).then(a.rule.cmp(b.rule)));
        let due = cfg.threshold("alert_due_hours", Some(&self.shop));
        let cubes = Cubes {
            shop: &self.shop,
            today: self.date.to_string(),
            plans: &results[1],
            orders: &results[9],
            complaints: &results[10],
            stock: &results[11],
            deliveries: &results[12],
            traffic: &results[14],
        };
        // A condition already alerted on one of the previous `repeat_days` days is a standing
        // alert (a repeat of an open one), not a new one.
        let repeat = cfg
            .threshold("alert_repeat_days", Some(&self.shop))
            .max(0.0) as i64;
        let mut before: Vec<(&'static str, &'static str, String)> = Vec::new();
        for back in 1..=repeat {
            let day = days(self.date, back);
            for k in ctx.kpis_on(day, &tree, main_category.as_deref()) {
                if k.status == "alert" {
                    if let Some(m) = metric::metric(&k.metric) {
                        before.push(("target_deviation", m.id, format!("shop:{}", self.shop)));
                    }
                }
            }
            let (dms, dme) = month_of(day);
            if day >= dms.max(first) {
                let mtd = pace(
                    "gmv",
                    String::new(),
                    &tree,
                    dms.max(first),
                    dme,
                    day,
                    &gmv_days,
                );
                if let Some(f) = rules.execution_deviation(mtd.actual_to_date, mtd.expected_to_date)
                {
                    before.push((f.rule, f.metric, f.scope));
                }
            }
            for f in stock_findings_on(&rules, &results[11], Some(day)) {
                before.push((f.rule, f.metric, f.scope));
            }
        }
        let (standing, fresh): (Vec<&Finding>, Vec<&Finding>) = findings.iter().partition(|f| {
            before
                .iter()
                .any(|b| b.0 == f.rule && b.1 == f.metric && b.2 == f.scope)
        });
        let alerts: Vec<Alert> = fresh
            .into_iter()
            .map(|f| to_alert(f, self.lang, due, &cubes))
            .collect();
        let standing: Vec<Alert> = standing
            .into_iter()
            .map(|f| to_alert(f, self.lang, due, &cubes))
            .collect();
        let all: Vec<Alert> = alerts.iter().chain(&standing).cloned().collect();
        let actions = actions(&all, &results[1], self.date, self.lang);
        let targets = TargetSummary {
            year: tree.year,
            annual: tree.annual,
            source: if ctx
                .stored_target("gmv", &format!("year:{}", tree.year))
                .is_some()
            {
                "stored"
            } else {
                "derived"
            }
            .into(),
            quarters: (0..4).map(|q| tree.quarter(q)).collect(),
            month: tree.month(self.date),
            day: tree.day(self.date),
        };
        Ok(Review {
            shop: self.shop.clone(),
            date: self.date.to_string(),
            lang: self.lang,
            kpis,
            targets,
            pacing,
            alerts,
            standing,
            actions,
            funnel,
            leakiest_step: leakiest,
            traffic: traffic(&results[7]),
            order_mix: order_mix(&results[2], &results[13], self.date),
            trends: ctx.trends(),
            experiments: Vec::new(),
            users: None,
            missing_sources: Vec::new(),
            paid_traffic: None,
            risk_index: ctx.risk_index(main_category.as_deref()),
        })
    }
}

struct Ctx<'a> {
    req: &'a ReviewRequest,
    cfg: &'a Config,
    daily: &'a MetricTable,
    year: &'a MetricTable,
    stored: &'a [(String, String, f64)],
    results: &'a [MetricTable],
}

impl Ctx<'_> {
    fn day_value(&self, metric: &str, d: NaiveDate) -> Option<f64> {
        self.daily.get(&[], Some(&d.to_string()), metric)
    }

    fn stored_target(&self, metric: &str, period: &str) -> Option<f64> {
        self.stored
            .iter()
            .find(|(m, p, _)| m == metric && p == period)
            .map(|x| x.2)
    }

    fn year_series(&self) -> Vec<(NaiveDate, f64)> {
        self.year
            .series("gmv")
            .into_iter()
            .filter_map(|(d, v)| Some((d.parse().ok()?, v?)))
            .collect()
    }

    /// The annual GMV target: stored, else last year's calendar-weighted run rate × growth.
    fn gmv_tree(&self) -> TargetTree {
        let year = self.req.date.year();
        let share = self.cfg.target("quarter_share", Some(&self.req.shop));
        let elasticity = self.cfg.target("quarter_elasticity", Some(&self.req.shop));
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
                annualise(&basis, year).unwrap_or(0.0)
                    * (1.0 + self.cfg.target("gmv_growth", Some(&self.req.shop)))
            });
        TargetTree::new(year, annual, share, elasticity)
    }

    /// KPI cards of day `date` (the review day, or the day before to tell new alerts from
    /// standing ones).
    fn kpis_on(&self, date: NaiveDate, tree: &TargetTree, main_category: Option<&str>) -> Vec<Kpi> {
        let lang = self.req.lang;
        KPIS.iter()
            .filter_map(|(id, target_key)| {
                let m = metric::metric(id)?;
                let value = self.day_value(id, date);
                let target = match *target_key {
                    Some("tree") => Some(tree.day(date)).filter(|t| *t > 0.0),
                    Some("aov") => main_category
                        .and_then(|c| baseline(c, "aov"))
                        .map(|b| b * self.cfg.target("aov_vs_industry", Some(&self.req.shop))),
                    Some(k) => self.stored_target(id, "default").or_else(|| {
                        self.cfg
                            .value(Group::Targets, k, Some(&self.req.shop), main_category)
                    }),
                    None => None,
                };
                let deviation = match (value, target) {
                    (Some(v), Some(t)) if t != 0.0 => Some((v - t) / t),
                    _ => None,
                };
                let tol = self.cfg.threshold("target_deviation", Some(&self.req.shop));
                let status = match deviation {
                    None => "no_target",
                    Some(dv) => {
                        let worse = if m.direction == Direction::HigherIsBetter {
                            -dv
                        } else {
                            dv
                        };
                        if worse <= 0.0 {
                            "on_track"
                        } else if worse <= tol {
                            "behind"
                        } else {
                            "alert"
                        }
                    }
                };
                let last = self.day_value(id, days(date, 7));
                let vs_last_week = match (value, last) {
                    (Some(v), Some(l)) if l != 0.0 => Some(v / l - 1.0),
                    _ => None,
                };
                let sources = self
                    .daily
                    .sources(&[], Some(&date.to_string()), id)
                    .iter()
                    .map(|t| t.name().to_string())
                    .collect();
                Some(Kpi {
                    metric: id.to_string(),
                    name: m.name(lang).to_string(),
                    unit: m.unit,
                    value,
                    target,
                    deviation,
                    status: status.into(),
                    vs_last_week,
                    formula: m.formula_text.to_string(),
                    sources,
                    lineage: Vec::new(),
                })
            })
            .collect()
    }

    /// Median of the same weekday over the previous `baseline_weeks` weeks.
    fn weekday_baseline(&self, metric: &str) -> Option<f64> {
        let weeks = self
            .cfg
            .threshold("baseline_weeks", Some(&self.req.shop))
            .max(1.0) as i64;
        let vals: Vec<f64> = (1..=weeks)
            .filter_map(|w| self.day_value(metric, days(self.req.date, 7 * w)))
            .collect();
        median(&vals)
    }

    /// Σ num / Σ den of two additive daily metrics over the `n` days before the review date
    /// (the ratio-of-sums baseline of the rate they form); `None` without volume.
    fn baseline_sum_ratio_opt(&self, num_metric: &str, den_metric: &str, n: i64) -> Option<f64> {
        let (mut num, mut den) = (0.0, 0.0);
        for i in 1..=n {
            let d = days(self.req.date, i);
            if let (Some(a), Some(b)) =
                (self.day_value(num_metric, d), self.day_value(den_metric, d))
            {
                num += a;
                den += b;
            }
        }
        (den > 0.0).then(|| num / den)
    }

    fn baseline_sum_ratio(&self, num_metric: &str, den_metric: &str, n: i64) -> f64 {
        self.baseline_sum_ratio_opt(num_metric, den_metric, n)
            .unwrap_or(0.0)
    }

    fn shop_findings(&self, rules: &Rules<'_>) -> Vec<Finding> {
        let d = self.req.date;
        let mut out = Vec::new();
        let v = |m: &str| self.day_value(m, d);
        if let (Some(spend), Some(cpa_base)) = (
            v("spend"),
            self.baseline_sum_ratio_opt("spend", "conversions", 14),
        ) {
            out.extend(rules.cpa_rise(
                format!("shop:{}", self.req.shop),
                spend,
                v("conversions").unwrap_or(0.0),
                cpa_base,
            ));
        }
        if let (Some(c), Some(o)) = (v("complaints"), v("order_count")) {
            out.extend(rules.complaint_rise(
                format!("shop:{}", self.req.shop),
                c,
                o,
                self.baseline_sum_ratio("complaints", "order_count", 28),
            ));
        }
        if let Some(x) = v("on_time_rate") {
            out.extend(rules.level("on_time_min", "on_time_rate", x, true));
        }
        if let Some(x) = v("penalty_risk") {
            out.extend(rules.level("penalty_risk_max", "penalty_risk", x, false));
        }
        if let Some(x) = v("cost_per_exposure") {
            out.extend(rules.level("cost_per_exposure_max", "cost_per_exposure", x, false));
        }
        let parts: Vec<f64> = ["cvr", "avg_dwell", "interaction_rate"]
            .iter()
            .filter_map(|m| Some(v(m)? / self.weekday_baseline(m).filter(|b| *b > 0.0)?))
            .collect();
        if parts.len() == 3 {
            out.extend(rules.traffic_quality(100.0 * parts.iter().sum::<f64>() / 3.0));
        }
        out
    }

    /// Relative-change rules on the headline KPIs and 72-hour forecasts on the level limits.
    fn trend_findings(&self, rules: &Rules<'_>, kpis: &[Kpi]) -> Vec<Finding> {
        let d = self.req.date;
        let weeks = self
            .cfg
            .threshold("baseline_weeks", Some(&self.req.shop))
            .max(1.0) as i64;
        let mut out = Vec::new();
        for id in ["gmv", "orders", "ctr", "cvr", "roi"] {
            // A KPI already off target has its alert; a relative drop adds nothing.
            if kpis.iter().any(|k| k.metric == id && k.status == "alert") {
                continue;
            }
            let (Some(m), Some(v)) = (metric::metric(id), self.day_value(id, d)) else {
                continue;
            };
            let same: Vec<f64> = (1..=weeks)
                .filter_map(|w| self.day_value(id, days(d, 7 * w)))
                .collect();
            out.extend(rules.relative_change(
                m.id,
                (m.name_zh, m.name_en),
                v,
                &same,
                m.direction == Direction::HigherIsBetter,
            ));
        }
        let shop = Some(self.req.shop.as_str());
        for (id, key, below) in [
            ("on_time_rate", "on_time_min", true),
            ("penalty_risk", "penalty_risk_max", false),
            ("cost_per_exposure", "cost_per_exposure_max", false),
        ] {
            let recent: Vec<f64> = (0..14)
                .rev()
                .filter_map(|i| self.day_value(id, days(d, i)))
                .collect();
            let Some(m) = metric::metric(id) else {
                continue;
            };
            if recent.len() == 14 {
                out.extend(rules.forecast(
                    m.id,
                    (m.name_zh, m.name_en),
                    &recent,
                    self.cfg.threshold(key, shop),
                    below,
                ));
            }
        }
        out
    }

    fn funnel(&self) -> (Vec<FunnelStep>, Option<String>) {
        let lang = self.req.lang;
        let steps = [
            ("exposure", "曝光", "Exposure"),
            ("detail_views", "详情页", "Detail page"),
            ("add_to_cart", "加购", "Add to cart"),
            ("orders", "支付", "Payment"),
            ("reviews", "评价", "Review"),
        ];
        let mut out: Vec<FunnelStep> = Vec::new();
        for (id, zh, en) in steps {
            let value = self.day_value(id, self.req.date).unwrap_or(0.0);
            let rate = out
                .last()
                .and_then(|p| (p.value > 0.0).then(|| value / p.value));
            out.push(FunnelStep {
                step: id.into(),
                name: lang.pick(zh, en).into(),
                value,
                rate_from_previous: rate,
            });
        }
        // The leakiest step is the one losing the largest share of the previous step,
        // judged against the category-typical pass rates so exposure→detail is not always it.
        let typical = [1.0, 0.04, 0.10, 0.35, 0.30];
        let leak = out
            .iter()
            .enumerate()
            .skip(1)
            .filter_map(|(i, s)| Some((s.name.clone(), s.rate_from_previous? / typical[i])))
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|x| x.0);
        (out, leak)
    }

    fn trends(&self) -> Vec<Trend> {
        let from = days(self.req.date, 29).to_string();
        TREND_METRICS
            .iter()
            .filter_map(|id| {
                let m = metric::metric(id)?;
                let points = self
                    .daily
                    .series(id)
                    .into_iter()
                    .filter(|(d, _)| *d >= from)
                    .collect();
                Some(Trend {
                    metric: id.to_string(),
                    name: m.name(self.req.lang).into(),
                    points,
                })
            })
            .collect()
    }
}

/// Risk indicators and trend rules: everything judged on the daily series.
impl Ctx<'_> {
    fn series_at(&self, metric: &str, d: NaiveDate, back: i64) -> Vec<f64> {
        (1..=back)
            .filter_map(|i| self.day_value(metric, days(d, i)))
            .collect()
    }

    fn cv(&self, metric: &str, d: NaiveDate, n: i64) -> Option<f64> {
        let v: Vec<f64> = (0..n)
            .filter_map(|i| self.day_value(metric, days(d, i)))
            .collect();
        if v.len() < 7 {
            return None;
        }
        let mean = v.iter().sum::<f64>() / v.len() as f64;
        let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (v.len() - 1) as f64;
        (mean > 0.0).then(|| var.sqrt() / mean)
    }

    /// `metric` on day `d` relative to its mean over the `n` days before, minus 1.
    fn rel(&self, metric: &str, d: NaiveDate, n: i64) -> Option<f64> {
        let past = self.series_at(metric, d, n);
        let mean = past.iter().sum::<f64>() / past.len().max(1) as f64;
        let v = self.day_value(metric, d)?;
        (past.len() >= 3 && mean > 0.0).then(|| v / mean - 1.0)
    }

    /// Bias-corrected JS divergence of the shares of `t` (one key dimension, per day) on day
    /// `d` against the days of the table before it.
    fn mix(&self, t: &MetricTable, d: NaiveDate) -> Option<f64> {
        let day = d.to_string();
        let c = col(t, "order_count");
        let mut keys: BTreeMap<&str, (f64, f64)> = BTreeMap::new();
        let mut base_days = std::collections::BTreeSet::new();
        for r in &t.rows {
            let Some(p) = r.period.as_deref() else {
                continue;
            };
            let e = keys.entry(r.key[0].as_str()).or_default();
            if p == day {
                e.0 += val(r, c);
            } else if p < day.as_str() {
                e.1 += val(r, c);
                base_days.insert(p);
            }
        }
        if base_days.len() < 7 {
            return None;
        }
        let (today, base): (Vec<f64>, Vec<f64>) = keys.values().copied().unzip();
        crate::risk::mix_shift(&today, &base)
    }

    /// The 15 raw readings of REQUIREMENTS §6 on day `d` (see [`crate::risk::INDICATORS`]).
    fn risk_readings(&self, d: NaiveDate, category: Option<&str>) -> [Option<f64>; 15] {
        let v = |m: &str| self.day_value(m, d);
        let sum = |m: &str, from: i64, to: i64| -> Option<f64> {
            let x: Vec<f64> = (from..=to)
                .filter_map(|i| self.day_value(m, days(d, i)))
                .collect();
            (!x.is_empty()).then(|| x.iter().sum())
        };
        let industry = match (
            sum("competitor_sales", 0, 6),
            sum("competitor_sales", 7, 13),
        ) {
            (Some(a), Some(b)) if b > 0.0 => Some(-(a / b - 1.0)),
            _ => None,
        };
        let complaint = match (v("complaints"), v("order_count")) {
            (Some(c), Some(o)) if o > 0.0 => {
                let mut base = 0.0;
                let mut den = 0.0;
                for i in 1..=28 {
                    base += self.day_value("complaints", days(d, i)).unwrap_or(0.0);
                    den += self.day_value("order_count", days(d, i)).unwrap_or(0.0);
                }
                (base > 0.0 && den > 0.0).then(|| (c / o) / (base / den) - 1.0)
            }
            _ => None,
        };
        let path = {
            let ratio = |day: NaiveDate| {
                let (dv, o) = (
                    self.day_value("detail_views", day)?,
                    self.day_value("orders", day)?,
                );
                (o > 0.0).then(|| dv / o)
            };
            let past: Vec<f64> = (1..=28).filter_map(|i| ratio(days(d, i))).collect();
            let mean = past.iter().sum::<f64>() / past.len().max(1) as f64;
            ratio(d)
                .filter(|_| past.len() >= 7 && mean > 0.0)
                .map(|r| r / mean - 1.0)
        };
        let targeting = category
            .and_then(|c| baseline(c, "ad_ctr"))
            .zip(v("ad_ctr"))
            .map(|(b, x)| 1.0 - x / b);
        [
            industry,
            self.rel("competitor_bid", d, 28),
            Some(
                self.cfg
                    .threshold("risk_policy_change", Some(&self.req.shop)),
            ),
            self.rel("repurchase_rate", d, 28).map(f64::abs),
            self.cv("cpa", d, 14),
            v("experience_score"),
            v("penalty_risk"),
            complaint,
            self.mix(&self.results[3], d),
            self.mix(&self.results[2], d),
            self.mix(&self.results[13], d),
            targeting,
            self.rel("creative_ctr", d, 7).map(|x| -x),
            path,
            self.cv("aov", d, 14),
        ]
    }

    fn risk_index(&self, category: Option<&str>) -> crate::risk::RiskIndex {
        use crate::risk::{composite, forecast, index_grade, indicator_scores, IndexPoint};
        let d = self.req.date;
        let shop = Some(self.req.shop.as_str());
        let th = |k: &str| {
            self.cfg
                .value(Group::Thresholds, k, shop, category)
                .unwrap_or(f64::NAN)
        };
        let thresholds = [th("risk_medium"), th("risk_high"), th("risk_critical")];
        let readings = self.risk_readings(d, category);
        let value = composite(&readings).unwrap_or(0.0);
        let history: Vec<IndexPoint> = (1..=27)
            .rev()
            .filter_map(|i| {
                let day = days(d, i);
                let x = composite(&self.risk_readings(day, category))?;
                Some(IndexPoint {
                    date: day.to_string(),
                    value: x,
                    low: x,
                    high: x,
                })
            })
            .collect();
        let mut series: Vec<f64> = history.iter().map(|p| p.value).collect();
        series.push(value);
        let fc = forecast(&series, 30)
            .into_iter()
            .enumerate()
            .map(|(i, (v, lo, hi))| IndexPoint {
                date: (d + Duration::days(i as i64 + 1)).to_string(),
                value: v,
                low: lo,
                high: hi,
            })
            .collect();
        let mean = series.iter().sum::<f64>() / series.len() as f64;
        let spend30 = self.series_at("spend", d, 29).iter().sum::<f64>()
            + self.day_value("spend", d).unwrap_or(0.0);
        crate::risk::RiskIndex {
            value,
            grade: index_grade(value, thresholds).into(),
            thresholds,
            indicators: indicator_scores(&readings, self.req.lang),
            history,
            forecast: fc,
            tolerance_exceeded: series.len() >= 8 && value > mean * (1.0 + th("risk_tolerance")),
            reserve_yuan: spend30 * th("risk_reserve_share"),
        }
    }
}

fn main_category(by_category: &MetricTable) -> Option<String> {
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

fn kpi_findings(rules: &Rules<'_>, kpis: &[Kpi]) -> Vec<Finding> {
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

fn col(t: &MetricTable, metric: &str) -> usize {
    t.metrics
        .iter()
        .position(|m| *m == metric)
        .unwrap_or(usize::MAX)
}

fn val(row: &vitrine_core::query::MetricRow, c: usize) -> f64 {
    row.values.get(c).copied().flatten().unwrap_or(0.0)
}

fn plan_findings(rules: &Rules<'_>, plans: &MetricTable, date: NaiveDate) -> Vec<Finding> {
    let today = date.to_string();
    let (spend, imp, ctr, conv) = (
        col(plans, "spend"),
        col(plans, "ad_impressions"),
        col(plans, "ad_ctr"),
        col(plans, "conversions"),
    );
    let mut base: BTreeMap<&str, (f64, f64)> = BTreeMap::new();
    for r in plans
        .rows
        .iter()
        .filter(|r| r.period.as_deref() != Some(today.as_str()))
    {
        let e = base.entry(r.key[0].as_str()).or_default();
        e.0 += val(r, spend);
        e.1 += val(r, conv);
    }
    let mut out = Vec::new();
    for r in plans
        .rows
        .iter()
        .filter(|r| r.period.as_deref() == Some(today.as_str()))
    {
        let (plan, category) = (r.key[0].as_str(), r.key[1].as_str());
        let impressions = val(r, imp);
        out.extend(rules.plan_ctr_floor(
            plan,
            category,
            impressions,
            (val(r, ctr) * impressions).round(),
        ));
        if let Some((s, c)) = base.get(plan).filter(|(_, c)| *c >= 20.0) {
            out.extend(rules.cpa_rise(format!("plan:{plan}"), val(r, spend), val(r, conv), s / c));
        }
    }
    out
}

fn segment_findings(
    rules: &Rules<'_>,
    t: &MetricTable,
    dim: &str,
    date: NaiveDate,
) -> Vec<Finding> {
    let today = date.to_string();
    let c = col(t, "order_count");
    let mut base: BTreeMap<&str, f64> = BTreeMap::new();
    let mut now: BTreeMap<&str, f64> = BTreeMap::new();
    for r in &t.rows {
        let target = if r.period.as_deref() == Some(today.as_str()) {
            &mut now
        } else {
            &mut base
        };
        *target.entry(r.key[0].as_str()).or_default() += val(r, c);
    }
    let (base_total, now_total): (f64, f64) = (base.values().sum(), now.values().sum());
    base.iter()
        .filter_map(|(k, b)| {
            rules.segment_cvr_drop(
                dim,
                k,
                now.get(k).copied().unwrap_or(0.0),
                now_total,
                b / base_total,
            )
        })
        .collect()
}

/// Stock findings of the review day (a table without periods) or of an earlier `date`
/// (the per-day inventory cube).
fn stock_findings_on(rules: &Rules<'_>, t: &MetricTable, date: Option<NaiveDate>) -> Vec<Finding> {
    let day = date.map(|d| d.to_string());
    let (oh, ds, it) = (
        col(t, "on_hand"),
        col(t, "daily_sales"),
        col(t, "in_transit"),
    );
    t.rows
        .iter()
        .filter(|r| day.is_none() || r.period == day)
        .filter_map(|r| rules.days_of_cover(&r.key[0], val(r, oh), val(r, it), val(r, ds)))
        .collect()
}

fn complaint_findings(rules: &Rules<'_>, t: &MetricTable, base_rate: f64) -> Vec<Finding> {
    let (c, o) = (col(t, "complaints"), col(t, "order_count"));
    t.rows
        .iter()
        .filter_map(|r| {
            rules.complaint_rise(
                format!("product:{}", r.key[0]),
                val(r, c),
                val(r, o),
                base_rate,
            )
        })
        .collect()
}

fn category_findings(rules: &Rules<'_>, t: &MetricTable) -> Vec<Finding> {
    let (cvr, clicks) = (col(t, "cvr"), col(t, "clicks"));
    t.rows
        .iter()
        .filter_map(|r| rules.category_cvr(&r.key[0], val(r, cvr), val(r, clicks)))
        .collect()
}

fn to_alert(f: &Finding, lang: Lang, due: f64, cubes: &Cubes<'_>) -> Alert {
    let (dim, value) = f
        .scope
        .split_once(':')
        .unwrap_or(("shop", f.scope.as_str()));
    let cube = match (f.rule, f.metric) {
        ("segment_cvr_drop", _) => "segment_cvr",
        (_, "cvr") => "shop_cvr",
        (_, m) => m,
    };
    Alert {
        kind: kind_of(f.rule).into(),
        rule: f.rule.into(),
        metric: f.metric.into(),
        scope: BTreeMap::from([(dim.to_string(), value.to_string())]),
        scope_id: f.scope.clone(),
        severity: f.severity,
        message: lang.pick(&f.message_zh, &f.message_en).to_string(),
        evidence: json!({ "observed": f.observed, "expected": f.expected, "threshold": f.threshold, "p_value": f.p_value }),
        playbook: playbook::for_alert(f.rule, f.metric).map(|p| p.id.to_string()),
        due_hours: due,
        root_causes: cubes.explain(cube),
        risk: crate::risk::alert_risk(f.rule, f.metric, f.severity as u8, f.p_value),
    }
}

/// The incident vocabulary of `ground_truth.json` for the rules that detect one.
fn kind_of(rule: &'static str) -> &'static str {
    match rule {
        "plan_ctr_floor" => "plan_ctr_collapse",
        "segment_cvr_drop" => "segment_cvr_drop",
        "days_of_cover_min" | "stock_forecast" => "stock_out",
        "cpa_rise" => "cpa_spike",
        "complaint_rate_rise" => "complaint_surge",
        "on_time_min" => "delivery_delay",
        other => other,
    }
}

/// One action per alert (its playbook), budget moves named with the best plans, ranked by severity.
fn actions(alerts: &[Alert], plans: &MetricTable, date: NaiveDate, lang: Lang) -> Vec<Action> {
    let best = best_roi_plans(plans, date);
    let mut out: Vec<Action> = Vec::new();
    for a in alerts {
        let Some(pb) = a
            .playbook
            .as_deref()
            .and_then(|id| playbook::PLAYBOOKS.iter().find(|p| p.id == id))
        else {
            continue;
        };
        if out
            .iter()
            .any(|x| x.playbook == pb.id && x.scope == a.scope_id)
        {
            continue;
        }
        let mut detail = pb.steps(lang).to_string();
        if matches!(
            a.rule.as_str(),
            "cpa_rise" | "target_deviation" | "cost_per_exposure_max"
        ) && (a.metric == "cpa" || a.metric == "roi" || a.rule == "cost_per_exposure_max")
            && !best.is_empty()
        {
            detail.push_str(&format!(
                "{}{}",
                lang.pick(" 预算优先转至：", " Move budget to: "),
                best.join(", ")
            ));
        }
        if let Some(rc) = a.root_causes.iter().find(|r| r.surprise > 0.0) {
            detail.push_str(&format!(
                "{}{} ({:.0}%)",
                lang.pick(" 主因：", " Main cause: "),
                vitrine_core::words::scope(&format!("{}:{}", rc.dimension, rc.value), lang),
                100.0 * rc.explanatory_power
            ));
        }
        out.push(Action {
            priority: 0,
            playbook: pb.id.into(),
            title: format!(
                "{} · {}",
                pb.title(lang),
                vitrine_core::words::scope(&a.scope_id, lang)
            ),
            detail,
            scope: a.scope_id.clone(),
        });
    }
    for (i, a) in out.iter_mut().enumerate() {
        a.priority = i + 1;
    }
    out
}

/// The three plans with the best ROI over the last 7 days (with at least 20 conversions).
fn best_roi_plans(plans: &MetricTable, date: NaiveDate) -> Vec<String> {
    let from = days(date, 6).to_string();
    let (spend, gmv, conv) = (
        col(plans, "spend"),
        col(plans, "pay_gmv"),
        col(plans, "conversions"),
    );
    let mut agg: BTreeMap<&str, (f64, f64, f64)> = BTreeMap::new();
    for r in plans
        .rows
        .iter()
        .filter(|r| r.period.as_deref().is_some_and(|p| p >= from.as_str()))
    {
        let e = agg.entry(r.key[0].as_str()).or_default();
        e.0 += val(r, spend);
        e.1 += val(r, gmv);
        e.2 += val(r, conv);
    }
    let mut v: Vec<(&str, f64)> = agg
        .into_iter()
        .filter(|(_, x)| x.2 >= 20.0 && x.0 > 0.0)
        .map(|(k, x)| (k, x.1 / x.0))
        .collect();
    v.sort_by(|a, b| b.1.total_cmp(&a.1));
    v.into_iter()
        .take(3)
        .map(|(k, r)| format!("{k} (ROI {r:.2})"))
        .collect()
}

/// The day's rows of a per-day `order_count` breakdown, as (key, count).
fn day_counts(t: &MetricTable, date: NaiveDate) -> Vec<(String, f64)> {
    let (c, day) = (col(t, "order_count"), date.to_string());
    t.rows
        .iter()
        .filter(|r| r.period.as_deref() == Some(day.as_str()))
        .filter_map(|r| Some((r.key.first()?.clone(), r.values.get(c).copied().flatten()?)))
        .filter(|(_, n)| *n > 0.0)
        .collect()
}

fn order_mix(regions: &MetricTable, hours: &MetricTable, date: NaiveDate) -> OrderMix {
    let mut regions = day_counts(regions, date);
    regions.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut hours: Vec<(u32, f64)> = day_counts(hours, date)
        .into_iter()
        .filter_map(|(h, n)| Some((h.parse().ok()?, n)))
        .collect();
    hours.sort_by_key(|x| x.0);
    OrderMix { regions, hours }
}

fn traffic(t: &MetricTable) -> Vec<SourceShare> {
    let (e, g) = (col(t, "exposure"), col(t, "gmv"));
    let te: f64 = t.rows.iter().map(|r| val(r, e)).sum();
    let tg: f64 = t.rows.iter().map(|r| val(r, g)).sum();
    let mut v: Vec<SourceShare> = t
        .rows
        .iter()
        .map(|r| SourceShare {
            source: r.key[0].clone(),
            exposure_share: if te > 0.0 { val(r, e) / te } else { 0.0 },
            gmv_share: if tg > 0.0 { val(r, g) / tg } else { 0.0 },
        })
        .collect();
    v.sort_by(|a, b| b.gmv_share.total_cmp(&a.gmv_share));
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_has_a_kind_and_incident_rules_use_the_simulator_vocabulary() {
        assert_eq!(kind_of("plan_ctr_floor"), "plan_ctr_collapse");
        assert_eq!(kind_of("on_time_min"), "delivery_delay");
        for r in crate::monitor::RULES {
            assert!(!kind_of(r).is_empty());
        }
    }

    #[test]
    fn queries_are_all_scoped_to_the_shop_and_end_on_the_day() {
        let r = ReviewRequest {
            shop: "s1".into(),
            date: "2026-11-21".parse().unwrap(),
            lang: Lang::Zh,
        };
        for q in r.queries() {
            assert!(q.filters.contains(&(Dim::Shop, "s1".into())));
            assert_eq!(q.to, r.date);
            assert!(vitrine_core::query::compile(&q).is_ok(), "{q:?}");
        }
    }

    #[test]
    fn build_rejects_missing_results() {
        let r = ReviewRequest {
            shop: "s1".into(),
            date: "2026-11-21".parse().unwrap(),
            lang: Lang::Zh,
        };
        assert!(matches!(
            r.build(&Config::default(), &[], &[]),
            Err(AnalyticsError::MissingResults { .. })
        ));
    }
}
