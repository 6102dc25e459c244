//! Maximum likelihood over log-parameters: argmin's L-BFGS where the model supplies an
//! analytic gradient, Nelder–Mead (restarted from its own optimum) where it does not.

use std::sync::Mutex;

use argmin::core::{CostFunction, Error, Executor, Gradient, State};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::neldermead::NelderMead;
use argmin::solver::quasinewton::LBFGS;

use super::ClvError;

struct Negated<'a> {
    ll: &'a dyn Fn(&[f64]) -> f64,
}

impl CostFunction for Negated<'_> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, log_params: &Self::Param) -> Result<f64, Error> {
        let params: Vec<f64> = log_params.iter().map(|p| p.exp()).collect();
        let ll = (self.ll)(&params);
        // Outside the likelihood's domain (overflow, NaN): a wall the simplex backs away from.
        Ok(if ll.is_finite() { -ll } else { f64::MAX })
    }
}

/// Maximises `ll` over positive parameters from `start`; returns (parameters, log-likelihood).
pub(crate) fn maximise(
    model: &'static str,
    start: &[f64],
    ll: &dyn Fn(&[f64]) -> f64,
) -> Result<(Vec<f64>, f64), ClvError> {
    let fail = |reason: String| ClvError::NoConvergence { model, reason };
    let mut best: Vec<f64> = start.iter().map(|p| p.ln()).collect();
    let mut best_cost = f64::MAX;
    for round in 0..8 {
        let step = if round == 0 { 0.5 } else { 0.05 };
        let mut simplex = vec![best.clone()];
        for i in 0..best.len() {
            let mut v = best.clone();
            v[i] += step;
            simplex.push(v);
        }
        let solver = NelderMead::new(simplex)
            .with_sd_tolerance(1e-12)
            .map_err(|e| fail(e.to_string()))?;
        let res = Executor::new(Negated { ll }, solver)
            .configure(|s| s.max_iters(4000))
            .run()
            .map_err(|e| fail(e.to_string()))?;
        let state = res.state();
        let cost = state.get_best_cost();
        let param = state
            .get_best_param()
            .cloned()
            .ok_or_else(|| fail("no parameters".into()))?;
        let improved = best_cost - cost;
        best = param;
        best_cost = cost;
        if improved.abs() < 1e-9 {
            break;
        }
    }
    let params: Vec<f64> = best.iter().map(|p| p.exp()).collect();
    if best_cost == f64::MAX
        || params
            .iter()
            .any(|p| !p.is_finite() || *p > 1e8 || *p < 1e-8)
    {
        return Err(fail(format!(
            "parameters ran to the edge of their domain ({params:?}); the data cannot identify the model"
        )));
    }
    Ok((params, -best_cost))
}

/// Whether an earlier fit's parameters can start a new one: finite, positive and inside the
/// range a fit accepts.
pub(crate) fn usable_start(params: &[f64]) -> bool {
    params
        .iter()
        .all(|p| p.is_finite() && *p > 1e-8 && *p < 1e8)
}

/// A log-likelihood with its gradient in the natural (positive) parameters.
pub(crate) type LlGrad<'a> = &'a (dyn Fn(&[f64]) -> (f64, Vec<f64>) + Sync);

/// −LL and its gradient over θ = ln(params), caching the last evaluation (argmin asks for
/// cost and gradient at the same point separately).
struct Smooth<'a> {
    f: LlGrad<'a>,
    /// 1 / number of observations: the optimiser sees the mean log-likelihood, whose
    /// gradient is O(1) whatever the sample size, so its first steps stay in range.
    scale: f64,
    last: Mutex<Option<(Vec<f64>, f64, Vec<f64>)>>,
}

impl Smooth<'_> {
    fn eval(&self, theta: &[f64]) -> (f64, Vec<f64>) {
        if let Ok(guard) = self.last.lock() {
            if let Some((t, c, g)) = guard.as_ref() {
                if t.as_slice() == theta {
                    return (*c, g.clone());
                }
            }
        }
        let params: Vec<f64> = theta.iter().map(|t| t.exp()).collect();
        let (ll, grad) = (self.f)(&params);
        let (cost, g) = if ll.is_finite() && grad.iter().all(|g| g.is_finite()) {
            // d(−LL)/dθ = −p · dLL/dp
            (
                -ll * self.scale,
                grad.iter()
                    .zip(&params)
                    .map(|(g, p)| -g * p * self.scale)
                    .collect(),
            )
        } else {
            (f64::MAX, vec![0.0; theta.len()])
        };
        if let Ok(mut guard) = self.last.lock() {
            *guard = Some((theta.to_vec(), cost, g.clone()));
        }
        (cost, g)
    }
}

impl CostFunction for Smooth<'_> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, theta: &Self::Param) -> Result<f64, Error> {
        Ok(self.eval(theta).0)
    }
}

impl Gradient for Smooth<'_> {
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;

    fn gradient(&self, theta: &Self::Param) -> Result<Vec<f64>, Error> {
        Ok(self.eval(theta).1)
    }
}

/// Maximises a smooth log-likelihood with L-BFGS from `start`; returns (parameters, LL).
/// Falls back to Nelder–Mead if the quasi-Newton run fails.
pub(crate) fn maximise_smooth(
    model: &'static str,
    start: &[f64],
    observations: usize,
    f: LlGrad<'_>,
) -> Result<(Vec<f64>, f64), ClvError> {
    let scale = 1.0 / observations.max(1) as f64;
    let problem = Smooth {
        f,
        scale,
        last: Mutex::new(None),
    };
    let solver = LBFGS::new(MoreThuenteLineSearch::new(), 7)
        .with_tolerance_grad(1e-9)
        .and_then(|s| s.with_tolerance_cost(1e-14));
    let theta0: Vec<f64> = start.iter().map(|p| p.ln()).collect();
    let run = solver.and_then(|s| {
        Executor::new(problem, s)
            .configure(|st| st.param(theta0).max_iters(1000))
            .run()
    });
    let value_only = |p: &[f64]| f(p).0;
    match run {
        Ok(res) => {
            let state = res.state();
            let theta = state.get_best_param().cloned().unwrap_or_default();
            let params: Vec<f64> = theta.iter().map(|t| t.exp()).collect();
            let cost = state.get_best_cost();
            if cost == f64::MAX || params.len() != start.len() {
                return maximise(model, start, &value_only);
            }
            if params
                .iter()
                .any(|p| !p.is_finite() || *p > 1e8 || *p < 1e-8)
            {
                return Err(ClvError::NoConvergence {
                    model,
                    reason: format!(
                        "parameters ran to the edge of their domain ({params:?}); the data cannot identify the model"
                    ),
                });
            }
            Ok((params, -cost / scale))
        }
        Err(_) => maximise(model, start, &value_only),
    }
}
