//! The daily review 复盘: targets and pacing, every monitor, playbooks and ranked actions
//! for one shop and day, as one structured value every surface renders.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate};
use serde::Serialize;
use serde_json::json;
use vitrine_core::config::{Config, Group};
use vitrine_core::metric::{self, baseline, Direction};
use vitrine_core::{Dim, Lang, MetricQuery, MetricTable, TimeGrain};

use crate::monitor::{Finding, Rules, Severity};
use crate::playbook;
use crate::stats::median;
use crate::targets::{annualise, month_of, pace, Pacing, TargetTree};
use crate::AnalyticsError;

/// Metrics the review reads per day (60 days back, for trends and baselines).
const DAILY: [&str; 32] = [
    "gmv",
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
];

/// KPI cards, in display order; the second field names the target key, if any.
const KPIS: [(&str, Option<&str>); 16] = [
    ("gmv", Some("tree")),
    ("orders", None),
    ("ctr", Some("ctr")),
    ("cvr", Some("cvr")),
    ("aov", Some("aov")),
    ("gpm", None),
    ("spend", None),
    ("roi", Some("roi")),
    ("cpa", None),
    ("natural_share", None),
    ("refund_rate", None),
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
}

/// An alert raised by the review.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    pub rule: String,
    pub metric: String,
    pub scope: String,
    pub severity: Severity,
    pub message: String,
    pub evidence: serde_json::Value,
    pub playbook: Option<String>,
    /// Adjustment must start within this many hours.
    pub due_hours: f64,
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
    pub alerts: Vec<Alert>,
    pub actions: Vec<Action>,
    pub funnel: Vec<FunnelStep>,
    pub leakiest_step: Option<String>,
    pub traffic: Vec<SourceShare>,
    pub trends: Vec<Trend>,
    /// Verdicts of the shop's running experiments (filled by the service from the registry).
    pub experiments: Vec<crate::experiment::ExperimentVerdict>,
    /// Users by lifecycle stage, RFM segment and tier (filled by the service).
    pub users: Option<crate::users::SegmentSizes>,
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
            q(&["on_hand", "daily_sales"], d).by(&[Dim::Product]),
            q(&["complaints", "order_count"], d).by(&[Dim::Product]),
            q(&["cvr", "clicks", "gmv"], d).by(&[Dim::Category]),
            q(&["exposure", "gmv"], d).by(&[Dim::Source]),
            q(
                &["gmv"],
                NaiveDate::from_ymd_opt(d.year() - 1, 1, 1).unwrap_or(d),
            )
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
        let kpis = ctx.kpis(&tree, main_category.as_deref());
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
        findings.extend(stock_findings(&rules, &results[4]));
        findings.extend(complaint_findings(
            &rules,
            &results[5],
            ctx.baseline_sum_ratio("complaints", "order_count", 28),
        ));
        findings.extend(category_findings(&rules, &results[6]));
        findings.sort_by(|a, b| a.severity.cmp(&b.severity).then(a.rule.cmp(b.rule)));
        let due = cfg.threshold("alert_due_hours", Some(&self.shop));
        let alerts: Vec<Alert> = findings
            .iter()
            .map(|f| to_alert(f, self.lang, due))
            .collect();
        let actions = actions(&alerts, &results[1], self.date, self.lang);
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
            actions,
            funnel,
            leakiest_step: leakiest,
            traffic: traffic(&results[7]),
            trends: ctx.trends(),
            experiments: Vec::new(),
            users: None,
        })
    }
}

struct Ctx<'a> {
    req: &'a ReviewRequest,
    cfg: &'a Config,
    daily: &'a MetricTable,
    year: &'a MetricTable,
    stored: &'a [(String, String, f64)],
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

    fn kpis(&self, tree: &TargetTree, main_category: Option<&str>) -> Vec<Kpi> {
        let lang = self.req.lang;
        KPIS.iter()
            .filter_map(|(id, target_key)| {
                let m = metric::metric(id)?;
                let value = self.day_value(id, self.req.date);
                let target = match *target_key {
                    Some("tree") => Some(tree.day(self.req.date)).filter(|t| *t > 0.0),
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
                let last = self.day_value(id, days(self.req.date, 7));
                let vs_last_week = match (value, last) {
                    (Some(v), Some(l)) if l != 0.0 => Some(v / l - 1.0),
                    _ => None,
                };
                Some(Kpi {
                    metric: id.to_string(),
                    name: m.name(lang).to_string(),
                    unit: m.unit,
                    value,
                    target,
                    deviation,
                    status: status.into(),
                    vs_last_week,
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

fn stock_findings(rules: &Rules<'_>, t: &MetricTable) -> Vec<Finding> {
    let (oh, ds) = (col(t, "on_hand"), col(t, "daily_sales"));
    t.rows
        .iter()
        .filter_map(|r| rules.days_of_cover(&r.key[0], val(r, oh), val(r, ds)))
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

fn to_alert(f: &Finding, lang: Lang, due: f64) -> Alert {
    Alert {
        rule: f.rule.into(),
        metric: f.metric.into(),
        scope: f.scope.clone(),
        severity: f.severity,
        message: lang.pick(&f.message_zh, &f.message_en).to_string(),
        evidence: json!({ "observed": f.observed, "expected": f.expected, "threshold": f.threshold, "p_value": f.p_value }),
        playbook: playbook::for_alert(f.rule, f.metric).map(|p| p.id.to_string()),
        due_hours: due,
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
            .any(|x| x.playbook == pb.id && x.scope == a.scope)
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
        out.push(Action {
            priority: 0,
            playbook: pb.id.into(),
            title: format!("{} · {}", pb.title(lang), a.scope),
            detail,
            scope: a.scope.clone(),
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
