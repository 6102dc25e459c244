//! Paid traffic: each plan's auction day, its hourly rows and its creatives.

use super::*;

impl ShopSim {
    pub(super) fn simulate_ads(
        &mut self,
        date: NaiveDate,
        weight: f64,
        cells: &mut [[Cell; 7]],
        orders: &mut Vec<Order>,
        sink: &mut dyn TableSink,
    ) -> Result<(), CoreError> {
        let mut hours = BatchBuilder::new(Table::PlanHour);
        let mut creatives = BatchBuilder::new(Table::CreativeDay);
        let hour_total: f64 = HOURS.iter().sum();
        let collapse = self
            .active(IncidentKind::PlanCtrCollapse, date)
            .then(|| self.scope_index(IncidentKind::PlanCtrCollapse))
            .flatten();
        let spike = self
            .active(IncidentKind::CpaSpike, date)
            .then(|| self.scope_index(IncidentKind::CpaSpike))
            .flatten();
        for pi in 0..self.plans.len() {
            let plan = &self.plans[pi];
            if plan.created > date {
                continue;
            }
            let rng = &mut self.rng;
            let bid_fill = 1.0 - (-(plan.bid_fen as f64) / 4000.0).exp();
            let util =
                ((0.45 + 0.45 * bid_fill) * weight.powf(0.6) * rng.gen_range(0.9..1.1)).min(1.0);
            let spend_yuan = plan.budget_fen as f64 / 100.0 * util;
            // Diminishing returns: conversion per click falls as spend rises.
            let mut cvr = plan.cvr * (spend_yuan / 600.0).max(0.05).powf(-0.12);
            let mut ctr = plan.ctr;
            if collapse == Some(pi) {
                ctr *= self.effects.plan_ctr;
            }
            if spike == Some(pi) {
                // Cost per conversion × k at the same spend: conversions ÷ k.
                cvr /= self.effects.cpa;
            }
            let learning = if (date - plan.created).num_days() < 3 {
                "LEARNING"
            } else {
                "LEARNED"
            };
            let product = plan.product;
            let price = self.products[product].price_fen;
            let (mut imp_d, mut clk_d, mut conv_d, mut spend_d, mut gmv_d) =
                (0i64, 0i64, 0i64, 0i64, 0i64);
            for (h, hw) in HOURS.iter().enumerate() {
                let imp = poisson(rng, spend_yuan / plan.cpm_yuan * 1000.0 * hw / hour_total);
                let clk = binomial(rng, imp, ctr);
                let conv = binomial(rng, clk, cvr);
                let spend = (imp as f64 * plan.cpm_yuan / 10.0).round() as i64;
                let gmv = (conv as f64 * price as f64 * rng.gen_range(0.9..1.1)).round() as i64;
                hours.push(&[
                    Val::Str(&self.id),
                    Val::Date(date),
                    Val::Int(h as i64),
                    Val::Str(&plan.id),
                    Val::Str(CATEGORIES[self.products[product].category].0),
                    Val::Str(plan.bid_mode),
                    Val::Int(plan.bid_fen),
                    Val::Int(plan.budget_fen),
                    Val::Float(plan.roi_goal),
                    Val::Str(learning),
                    Val::Int(spend),
                    Val::Int(imp),
                    Val::Int(clk),
                    Val::Int(conv),
                    Val::Int(conv),
                    Val::Int(gmv),
                ])?;
                imp_d += imp;
                clk_d += clk;
                conv_d += conv;
                spend_d += spend;
                gmv_d += gmv;
            }
            let cat = CATEGORIES[self.products[product].category].0;
            split_creatives(
                rng,
                plan,
                [spend_d, imp_d, clk_d, conv_d, gmv_d],
                |cid, v| {
                    creatives.push(&[
                        Val::Str(&self.id),
                        Val::Date(date),
                        Val::Str(cid),
                        Val::Str(&plan.id),
                        Val::Str(cat),
                        Val::Int(v[0]),
                        Val::Int(v[1]),
                        Val::Int(v[2]),
                        Val::Int(v[3]),
                        Val::Int(v[4]),
                    ])
                },
            )?;
            let cell = &mut cells[product][source_index("paid_feed")];
            cell.traffic.exposure += imp_d;
            cell.traffic.clicks += clk_d;
            orders.extend((0..conv_d).map(|_| Order {
                product,
                user: u32::MAX,
                source: "paid_feed",
                is_new: true,
            }));
        }
        sink.put(Table::PlanHour, &self.id, Some(date), hours.finish()?)?;
        sink.put(
            Table::CreativeDay,
            &self.id,
            Some(date),
            creatives.finish()?,
        )
    }
}

/// Splits a plan's daily totals over its creatives by their fixed weights.
pub(super) fn split_creatives(
    rng: &mut impl Rng,
    plan: &Plan,
    totals: [i64; 5],
    mut emit: impl FnMut(&str, [i64; 5]) -> Result<(), CoreError>,
) -> Result<(), CoreError> {
    let mut left = totals;
    let mut wleft: f64 = plan.creatives.iter().map(|c| c.1).sum();
    for (i, (cid, w)) in plan.creatives.iter().enumerate() {
        let last = i + 1 == plan.creatives.len();
        let share = if last {
            1.0
        } else {
            (w / wleft).clamp(0.0, 1.0)
        };
        let mut v = [0i64; 5];
        // Impressions split binomially; the others follow impressions in proportion.
        v[1] = if last {
            left[1]
        } else {
            binomial(rng, left[1], share)
        };
        let f = if left[1] > 0 {
            v[1] as f64 / left[1] as f64
        } else {
            share
        };
        for k in [0, 2, 3, 4] {
            v[k] = if last {
                left[k]
            } else {
                (left[k] as f64 * f).round() as i64
            };
        }
        for k in 0..5 {
            left[k] -= v[k];
        }
        wleft -= w;
        emit(cid, v)?;
    }
    Ok(())
}
