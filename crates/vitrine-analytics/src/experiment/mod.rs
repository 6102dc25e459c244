//! A/B experiments: frequentist, Bayesian and sequential analysis of variant summaries,
//! with CUPED, sample-ratio-mismatch check, multiple-comparison correction, power and a
//! verdict a non-statistician can read (REQUIREMENTS §8).
//!
//! Inputs are per-variant sufficient statistics (counts or sums), so the same code serves
//! summaries an analyst types in and aggregates the engine computes from the lake. The first
//! variant is the control; every other variant is compared with it.

mod bayesian;
mod correction;
mod frequentist;
mod power;
mod sequential;
mod verdict;

use serde::{Deserialize, Serialize};
use statrs::distribution::{ChiSquared, ContinuousCDF};

pub use correction::{benjamini_hochberg, holm};
pub use power::{sample_size, PowerRequest, PowerResult};
pub use verdict::Verdict;

/// Errors in an experiment's input.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ExperimentError {
    /// The input is inconsistent or cannot be analysed; the message says why.
    #[error("{0}")]
    Invalid(String),
}

fn invalid<T>(msg: impl Into<String>) -> Result<T, ExperimentError> {
    Err(ExperimentError::Invalid(msg.into()))
}

/// One variant's sufficient statistics: either `conversions` (a proportion metric) or
/// `sum` and `sum_squares` (a mean metric), optionally with pre-period sums for CUPED.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Variant {
    pub name: String,
    /// Units assigned (users, sessions, …).
    pub n: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversions: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sum: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sum_squares: Option<f64>,
    /// Pre-period covariate sums for CUPED: Σx, Σx² and Σxy over the same units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pre_sum: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pre_sum_squares: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sum_products: Option<f64>,
}

/// Which analysis to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    #[default]
    Frequentist,
    Bayesian,
    Sequential,
}

/// Whether the effect is reported as `treatment − control` or `treatment / control − 1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Difference {
    #[default]
    Absolute,
    Relative,
}

/// Multiple-comparison correction across treatments and metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Correction {
    #[default]
    Holm,
    #[serde(alias = "bh")]
    BenjaminiHochberg,
    None,
}

/// Analysis settings; every field has a documented default.
#[derive(Debug, Clone, Serialize)]
pub struct Settings {
    pub method: Method,
    pub difference: Difference,
    pub alpha: f64,
    pub correction: Correction,
    /// Planned split of units across variants (default: equal).
    pub expected_split: Option<Vec<f64>>,
    /// SRM is flagged below this p-value (0.001, the industry convention).
    pub srm_alpha: f64,
    /// Planned units per variant; fewer triggers a "keep running" warning.
    pub planned_n: Option<f64>,
    /// Days the test has run, and the minimum window (7 days, REQUIREMENTS §8).
    pub days_run: Option<f64>,
    pub min_days: f64,
    /// Mixing variance τ² of the sequential test (on the effect's scale); default: the
    /// square of 10 % of the pooled mean (absolute; the pooled unit sd when that is 0) or 0.1² (relative).
    pub mixing_variance: Option<f64>,
    /// Which way the metric improves: a significant move that way ships, the other way
    /// stops (a complaint rate or a CPA improves downwards).
    pub higher_is_better: bool,
    /// The arms are groups the data already had (creatives, products, regions), not units
    /// randomised between variants: the difference is an association, SRM does not apply
    /// and no ship or stop decision is made.
    pub observational: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            method: Method::Frequentist,
            difference: Difference::Absolute,
            alpha: 0.05,
            correction: Correction::Holm,
            expected_split: None,
            srm_alpha: 0.001,
            planned_n: None,
            days_run: None,
            min_days: 7.0,
            mixing_variance: None,
            higher_is_better: true,
            observational: false,
        }
    }
}

/// Whether the metric is a proportion or a mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MetricKind {
    Proportion,
    Mean,
}

/// A variant reduced to the moments every method needs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Moments {
    pub n: f64,
    pub mean: f64,
    /// Sample variance of one unit (n − 1 denominator; p(1 − p) for proportions).
    pub var: f64,
    pub conversions: Option<f64>,
}

impl Moments {
    /// Variance of the mean.
    pub fn var_mean(&self) -> f64 {
        self.var / self.n
    }
}

/// The comparison of one treatment with the control.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Comparison {
    pub name: String,
    pub n: f64,
    pub mean: f64,
    pub estimate: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p_value: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p_value_adjusted: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chance_to_win: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_loss: Option<f64>,
    /// Whether the treatment differs from control at the chosen α (after correction) or,
    /// for the Bayesian method, whether chance to win is above 1 − α or below α.
    pub significant: bool,
}

impl Comparison {
    /// A test result: `estimate ± half` with a p-value (frequentist or sequential).
    pub(crate) fn tested(t: &Moments, estimate: f64, half: f64, p_value: f64, alpha: f64) -> Self {
        Comparison {
            name: String::new(),
            n: t.n,
            mean: t.mean,
            estimate,
            ci_low: estimate - half,
            ci_high: estimate + half,
            p_value: Some(p_value),
            p_value_adjusted: None,
            chance_to_win: None,
            expected_loss: None,
            significant: p_value < alpha,
        }
    }
}

/// Summary of the control arm.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Arm {
    pub name: String,
    pub n: f64,
    pub mean: f64,
}

/// CUPED's effect on the analysis.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Cuped {
    pub theta: f64,
    /// Share of the outcome variance removed by the covariate.
    pub variance_reduction: f64,
}

/// The analysis of one metric.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Analysis {
    pub metric_kind: MetricKind,
    pub method: Method,
    pub difference: Difference,
    pub alpha: f64,
    pub control: Arm,
    pub treatments: Vec<Comparison>,
    pub srm_p_value: f64,
    pub srm_detected: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cuped: Option<Cuped>,
    pub warnings: Vec<String>,
    pub verdict: Verdict,
}

/// An analysis request as the CLI's `--input` file and the API's body spell it: one metric
/// (`variants`) or several (`metrics`), plus optional settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    #[serde(default)]
    pub variants: Option<Vec<Variant>>,
    #[serde(default)]
    pub metrics: Option<Vec<MetricVariants>>,
    pub alpha: Option<f64>,
    pub method: Option<Method>,
    pub difference: Option<Difference>,
    pub correction: Option<Correction>,
    pub expected_split: Option<Vec<f64>>,
    pub planned_n: Option<f64>,
    pub days_run: Option<f64>,
    pub min_days: Option<f64>,
    pub mixing_variance: Option<f64>,
    /// `false` for a metric that improves downwards (complaint rate, CPA).
    #[serde(default)]
    pub higher_is_better: Option<bool>,
}

/// One metric's variants in a multi-metric request.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricVariants {
    pub name: String,
    pub variants: Vec<Variant>,
}

/// The answer to a [`Request`].
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Outcome {
    One(Analysis),
    Many {
        correction: Correction,
        metrics: Vec<NamedAnalysis>,
    },
}

/// One metric's analysis in a multi-metric answer.
#[derive(Debug, Clone, Serialize)]
pub struct NamedAnalysis {
    pub name: String,
    #[serde(flatten)]
    pub analysis: Analysis,
}

impl Request {
    /// A single-metric request from a bare list of variants.
    pub fn from_variants(variants: Vec<Variant>) -> Request {
        Request {
            variants: Some(variants),
            metrics: None,
            alpha: None,
            method: None,
            difference: None,
            correction: None,
            expected_split: None,
            planned_n: None,
            days_run: None,
            min_days: None,
            mixing_variance: None,
            higher_is_better: None,
        }
    }

    /// The request's settings over the defaults.
    pub fn settings(&self) -> Settings {
        let d = Settings::default();
        Settings {
            alpha: self.alpha.unwrap_or(d.alpha),
            method: self.method.unwrap_or(d.method),
            difference: self.difference.unwrap_or(d.difference),
            correction: self.correction.unwrap_or(d.correction),
            expected_split: self.expected_split.clone(),
            planned_n: self.planned_n,
            days_run: self.days_run,
            min_days: self.min_days.unwrap_or(d.min_days),
            mixing_variance: self.mixing_variance,
            higher_is_better: self.higher_is_better.unwrap_or(d.higher_is_better),
            ..d
        }
    }

    /// Runs the request with `settings` (usually [`Request::settings`] plus overrides).
    pub fn run(&self, settings: &Settings) -> Result<Outcome, ExperimentError> {
        match (&self.variants, &self.metrics) {
            (Some(v), None) => Ok(Outcome::One(analyze(v, settings)?)),
            (None, Some(m)) if m.len() > MAX_METRICS => invalid(format!(
                "at most {MAX_METRICS} metrics are analysed together, got {}",
                m.len()
            )),
            (None, Some(m)) => {
                let metrics: Vec<(String, Vec<Variant>)> = m
                    .iter()
                    .map(|m| (m.name.clone(), m.variants.clone()))
                    .collect();
                let out = analyze_many(&metrics, settings)?;
                Ok(Outcome::Many {
                    correction: settings.correction,
                    metrics: out
                        .into_iter()
                        .map(|(name, analysis)| NamedAnalysis { name, analysis })
                        .collect(),
                })
            }
            _ => invalid("give exactly one of `variants` or `metrics`"),
        }
    }
}

/// One registered experiment's state on a review day.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ExperimentVerdict {
    pub id: i64,
    pub name: String,
    pub metric: String,
    pub days_run: f64,
    pub analysis: Analysis,
}

/// Analyses one metric over its variants (first = control).
pub fn analyze(variants: &[Variant], settings: &Settings) -> Result<Analysis, ExperimentError> {
    check_settings(settings)?;
    let kind = metric_kind(variants)?;
    let (moments, cuped) = match kind {
        MetricKind::Proportion => (variants.iter().map(proportion).collect(), None),
        MetricKind::Mean => means(variants)?,
    };
    let srm_p_value = srm(variants, settings.expected_split.as_deref())?;
    let control = moments[0];
    let mut treatments = Vec::with_capacity(variants.len() - 1);
    for (v, m) in variants.iter().zip(&moments).skip(1) {
        let cmp = compare(kind, &control, m, settings)?;
        treatments.push(Comparison {
            name: v.name.clone(),
            n: v.n,
            mean: m.mean,
            ..cmp
        });
    }
    adjust(&mut treatments, settings);
    // Without randomisation unequal arms are expected, not a broken assignment.
    let srm_detected = !settings.observational && srm_p_value < settings.srm_alpha;
    let mut warnings = warnings(variants, settings, srm_detected, srm_p_value);
    if settings.observational {
        warnings.push(
            "observational comparison: the arms are not randomised, so a difference is an association, not an effect of the variant"
                .into(),
        );
    }
    let control_arm = Arm {
        name: variants[0].name.clone(),
        n: variants[0].n,
        mean: control.mean,
    };
    let verdict = Verdict::new(&control_arm, &treatments, settings, srm_detected, &warnings);
    Ok(Analysis {
        metric_kind: kind,
        method: settings.method,
        difference: settings.difference,
        alpha: settings.alpha,
        control: control_arm,
        treatments,
        srm_p_value,
        srm_detected,
        cuped,
        warnings,
        verdict,
    })
}

/// Analyses several metrics of one experiment and corrects p-values across all of them.
pub fn analyze_many(
    metrics: &[(String, Vec<Variant>)],
    settings: &Settings,
) -> Result<Vec<(String, Analysis)>, ExperimentError> {
    let per_metric = Settings {
        correction: Correction::None,
        ..settings.clone()
    };
    let mut out = Vec::with_capacity(metrics.len());
    for (name, variants) in metrics {
        let a = analyze(variants, &per_metric)
            .map_err(|e| ExperimentError::Invalid(format!("metric {name}: {e}")))?;
        out.push((name.clone(), a));
    }
    let mut all: Vec<&mut Comparison> = out
        .iter_mut()
        .flat_map(|(_, a)| a.treatments.iter_mut())
        .collect();
    correct(&mut all, settings);
    for (_, a) in &mut out {
        a.verdict = Verdict::new(
            &a.control,
            &a.treatments,
            settings,
            a.srm_detected,
            &a.warnings,
        );
    }
    Ok(out)
}

fn check_settings(s: &Settings) -> Result<(), ExperimentError> {
    if !(s.alpha > 0.0 && s.alpha < 1.0) {
        return invalid(format!("alpha must be in (0, 1), got {}", s.alpha));
    }
    if let Some(t) = s.mixing_variance {
        if !(t > 0.0 && t.is_finite()) {
            return invalid(format!("mixing variance must be positive, got {t}"));
        }
    }
    Ok(())
}

/// Units in one arm: past 10^12, counts and their sums lose precision in 64-bit floats.
pub const MAX_N: f64 = 1e12;
/// Arms in one experiment (each costs a posterior's quadrature).
pub const MAX_VARIANTS: usize = 20;
/// Metrics analysed together in one request.
pub const MAX_METRICS: usize = 50;

fn metric_kind(variants: &[Variant]) -> Result<MetricKind, ExperimentError> {
    if variants.len() < 2 {
        return invalid("an experiment needs at least two variants (control first)");
    }
    if variants.len() > MAX_VARIANTS {
        return invalid(format!(
            "an experiment has at most {MAX_VARIANTS} variants, got {}",
            variants.len()
        ));
    }
    let mut kinds = Vec::with_capacity(variants.len());
    for v in variants {
        if !(v.n.is_finite() && v.n >= 1.0 && v.n.fract() == 0.0 && v.n <= MAX_N) {
            return invalid(format!(
                "variant {}: n must be a whole number from 1 to 10^12, got {}",
                v.name, v.n
            ));
        }
        kinds.push(match (v.conversions, v.sum, v.sum_squares) {
            (Some(c), None, None) => {
                if !(c >= 0.0 && c <= v.n && c.fract() == 0.0) {
                    return invalid(format!(
                        "variant {}: conversions must be a whole number between 0 and n ({}), got {c}",
                        v.name, v.n
                    ));
                }
                MetricKind::Proportion
            }
            (None, Some(s), Some(q)) => {
                if !(s.is_finite() && q.is_finite() && q >= 0.0) {
                    return invalid(format!(
                        "variant {}: sum and sum_squares must be finite",
                        v.name
                    ));
                }
                if v.n < 2.0 {
                    return invalid(format!(
                        "variant {}: a mean metric needs n ≥ 2 to estimate a variance",
                        v.name
                    ));
                }
                MetricKind::Mean
            }
            _ => {
                return invalid(format!(
                    "variant {}: give either `conversions` or both `sum` and `sum_squares`",
                    v.name
                ))
            }
        });
    }
    if kinds.iter().any(|k| *k != kinds[0]) {
        return invalid("all variants must describe the same kind of metric");
    }
    Ok(kinds[0])
}

fn proportion(v: &Variant) -> Moments {
    let c = v.conversions.unwrap_or(0.0);
    let p = c / v.n;
    Moments {
        n: v.n,
        mean: p,
        var: p * (1.0 - p),
        conversions: Some(c),
    }
}

fn mean_moments(n: f64, sum: f64, sum_squares: f64) -> (f64, f64) {
    let mean = sum / n;
    let var = ((sum_squares - sum * mean) / (n - 1.0)).max(0.0);
    (mean, var)
}

/// Moments of mean metrics, CUPED-adjusted when every variant carries pre-period sums.
fn means(variants: &[Variant]) -> Result<(Vec<Moments>, Option<Cuped>), ExperimentError> {
    let plain: Vec<Moments> = variants
        .iter()
        .map(|v| {
            let (mean, var) = mean_moments(v.n, v.sum.unwrap_or(0.0), v.sum_squares.unwrap_or(0.0));
            Moments {
                n: v.n,
                mean,
                var,
                conversions: None,
            }
        })
        .collect();
    let pre: Vec<_> = variants
        .iter()
        .map(|v| match (v.pre_sum, v.pre_sum_squares, v.sum_products) {
            (Some(x), Some(xx), Some(xy)) => Some((x, xx, xy)),
            _ => None,
        })
        .collect();
    if pre.iter().all(Option::is_none) {
        return Ok((plain, None));
    }
    if pre.iter().any(Option::is_none) {
        return invalid("CUPED needs pre_sum, pre_sum_squares and sum_products on every variant");
    }
    let pre: Vec<(f64, f64, f64)> = pre.into_iter().flatten().collect();
    cuped(variants, &plain, &pre)
}

/// CUPED (Deng et al. 2013) from sufficient statistics: θ is the pooled within-variant
/// covariance over the pooled within-variant covariate variance.
fn cuped(
    variants: &[Variant],
    plain: &[Moments],
    pre: &[(f64, f64, f64)],
) -> Result<(Vec<Moments>, Option<Cuped>), ExperimentError> {
    let total_n: f64 = variants.iter().map(|v| v.n).sum();
    let mut sxx = 0.0;
    let mut sxy = 0.0;
    for ((v, &(x, xx, xy)), m) in variants.iter().zip(pre).zip(plain) {
        sxx += xx - x * x / v.n;
        sxy += xy - x * m.mean;
    }
    if sxx <= 0.0 {
        return invalid("CUPED: the pre-period covariate has no variance");
    }
    let theta = sxy / sxx;
    let grand_x = pre.iter().map(|p| p.0).sum::<f64>() / total_n;
    let mut adjusted = Vec::with_capacity(plain.len());
    let (mut before, mut after) = (0.0, 0.0);
    for ((v, &(x, xx, xy)), m) in variants.iter().zip(pre).zip(plain) {
        let mean_x = x / v.n;
        let var_x = (xx - x * mean_x) / (v.n - 1.0);
        let cov = (xy - x * m.mean) / (v.n - 1.0);
        let var = (m.var - 2.0 * theta * cov + theta * theta * var_x).max(0.0);
        before += m.var;
        after += var;
        adjusted.push(Moments {
            mean: m.mean - theta * (mean_x - grand_x),
            var,
            ..*m
        });
    }
    let variance_reduction = if before > 0.0 {
        1.0 - after / before
    } else {
        0.0
    };
    Ok((
        adjusted,
        Some(Cuped {
            theta,
            variance_reduction,
        }),
    ))
}

fn compare(
    kind: MetricKind,
    control: &Moments,
    treatment: &Moments,
    s: &Settings,
) -> Result<Comparison, ExperimentError> {
    if s.difference == Difference::Relative && control.mean == 0.0 {
        return invalid(
            "the control mean is 0, so a relative lift is undefined; compare the absolute difference instead",
        );
    }
    match s.method {
        Method::Frequentist => Ok(frequentist::compare(kind, control, treatment, s)),
        Method::Bayesian => bayesian::compare(kind, control, treatment, s),
        Method::Sequential => Ok(sequential::compare(control, treatment, s)),
    }
}

fn adjust(treatments: &mut [Comparison], s: &Settings) {
    let mut all: Vec<&mut Comparison> = treatments.iter_mut().collect();
    correct(&mut all, s);
}

fn correct(all: &mut [&mut Comparison], s: &Settings) {
    let ps: Vec<f64> = all.iter().filter_map(|c| c.p_value).collect();
    if ps.len() != all.len() {
        return;
    }
    let adjusted = match s.correction {
        Correction::Holm => holm(&ps),
        Correction::BenjaminiHochberg => benjamini_hochberg(&ps),
        Correction::None => ps,
    };
    for (c, p) in all.iter_mut().zip(adjusted) {
        c.p_value_adjusted = Some(p);
        c.significant = p < s.alpha;
    }
}

/// Sample-ratio mismatch: χ² goodness of fit of the assigned counts to the planned split.
pub fn srm(variants: &[Variant], split: Option<&[f64]>) -> Result<f64, ExperimentError> {
    let k = variants.len();
    let weights: Vec<f64> = match split {
        Some(w) if w.len() == k && w.iter().all(|x| *x > 0.0) => w.to_vec(),
        Some(w) => {
            return invalid(format!(
                "expected_split needs {k} positive weights, got {}",
                w.len()
            ))
        }
        None => vec![1.0; k],
    };
    let total: f64 = variants.iter().map(|v| v.n).sum();
    let wsum: f64 = weights.iter().sum();
    let stat: f64 = variants
        .iter()
        .zip(&weights)
        .map(|(v, w)| {
            let e = total * w / wsum;
            (v.n - e).powi(2) / e
        })
        .sum();
    let chi = ChiSquared::new((k - 1) as f64)
        .map_err(|e| ExperimentError::Invalid(format!("SRM: {e}")))?;
    Ok(chi.sf(stat))
}

fn warnings(variants: &[Variant], s: &Settings, srm_detected: bool, srm_p: f64) -> Vec<String> {
    let mut w = Vec::new();
    if srm_detected {
        w.push(format!(
            "sample ratio mismatch (p = {srm_p:.2e}): assignment is broken, do not trust the result"
        ));
    }
    if let Some(days) = s.days_run {
        if days < s.min_days {
            w.push(format!(
                "the test has run {days} days, less than the {} -day minimum window",
                s.min_days
            ));
        }
    }
    if let Some(planned) = s.planned_n {
        let smallest = variants.iter().map(|v| v.n).fold(f64::INFINITY, f64::min);
        if smallest < planned {
            w.push(format!(
                "the smallest variant has {smallest} units, fewer than the planned {planned}"
            ));
        }
    }
    w
}

/// z quantile for a two-sided interval at level α.
pub(crate) fn z_two_sided(alpha: f64) -> f64 {
    standard_normal().inverse_cdf(1.0 - alpha / 2.0)
}

pub(crate) fn standard_normal() -> statrs::distribution::Normal {
    // Mean 0, sd 1 is always a valid normal distribution.
    statrs::distribution::Normal::standard()
}

#[cfg(test)]
mod tests;
