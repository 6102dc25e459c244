//! Maximum likelihood over log-parameters with argmin's Nelder–Mead, restarted from its own
//! optimum until the log-likelihood stops improving.

use argmin::core::{CostFunction, Error, Executor, State};
use argmin::solver::neldermead::NelderMead;

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
