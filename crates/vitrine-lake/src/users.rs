//! Per-user purchase features and cohort rows of one shop, computed in SQL over the lake.

use chrono::NaiveDate;
use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Float64Type, Int64Type};
use datafusion::arrow::record_batch::RecordBatch;
use vitrine_core::customer::UserFeatures;
use vitrine_core::Table;

use crate::engine::Engine;
use crate::LakeError;

fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Orders that count as purchases: the shop's, up to the day, not cancelled, with a buyer
/// (the order export names none; the order API does).
fn orders_cte(shop: &str, as_of: NaiveDate) -> String {
    format!(
        "o AS (SELECT user_id, date, ordered_at, amount_fen, category, channel FROM orders
               WHERE shop_id = {} AND date <= DATE {} AND status <> 'cancelled' AND user_id <> '')",
        lit(shop),
        lit(&as_of.to_string())
    )
}

impl Engine {
    /// Purchase features of every buyer of `shop` up to `as_of`.
    pub async fn user_features(
        &self,
        shop: &str,
        as_of: NaiveDate,
    ) -> Result<Vec<UserFeatures>, LakeError> {
        let ctx = Self::session();
        for t in [Table::Orders, Table::Users, Table::Comments] {
            self.register(&ctx, t, Some(shop), None)?;
        }
        // Hash aggregates only (no window over millions of buyers): per buyer and day, then
        // per buyer. The day before the last purchase is the first for a buyer of two days,
        // and is looked up only for the few buyers of three or more.
        let sql = format!(
            "WITH {o},
             d AS (SELECT user_id, date, SUM(amount_fen) AS amt FROM o GROUP BY user_id, date),
             f AS (SELECT user_id, MIN(date) AS first_day, MAX(date) AS last_day, COUNT(*) AS days,
                          SUM(amt) AS total, first_value(amt ORDER BY date) AS first_amt
                   FROM d GROUP BY user_id),
             r AS (SELECT user_id, first_day, last_day FROM f WHERE days > 2),
             p AS (SELECT d.user_id, MAX(d.date) AS prev_day FROM d JOIN r ON d.user_id = r.user_id
                   WHERE d.date < r.last_day GROUP BY d.user_id),
             c AS (SELECT user_id, first_value(category ORDER BY s DESC, category) AS category
                   FROM (SELECT user_id, category, SUM(amount_fen) AS s FROM o GROUP BY user_id, category)
                   GROUP BY user_id),
             m AS (SELECT user_id, MAX(member_tier) AS tier FROM users GROUP BY user_id),
             k AS (SELECT user_id, COUNT(*) AS n FROM comments WHERE date <= DATE {day} GROUP BY user_id)
             SELECT f.user_id, CAST(CAST(f.first_day AS INT) AS BIGINT), CAST(CAST(f.last_day AS INT) AS BIGINT),
                    CAST(f.days AS BIGINT), CAST(f.total AS DOUBLE) / 100.0, CAST(f.first_amt AS DOUBLE) / 100.0,
                    CAST(CAST(f.last_day AS INT)
                         - CAST(CASE WHEN f.days = 2 THEN f.first_day ELSE p.prev_day END AS INT) AS BIGINT),
                    c.category, m.tier,
                    CAST(COALESCE(k.n, 0) AS BIGINT)
             FROM f LEFT JOIN p ON p.user_id = f.user_id
                    LEFT JOIN c ON c.user_id = f.user_id
                    LEFT JOIN m ON m.user_id = f.user_id
                    LEFT JOIN k ON k.user_id = f.user_id
             ORDER BY f.user_id",
            o = orders_cte(shop, as_of),
            day = lit(&as_of.to_string()),
        );
        let batches = ctx.sql(&sql).await?.collect().await?;
        let mut out = Vec::new();
        for b in &batches {
            read_users(b, &mut out)?;
        }
        Ok(out)
    }

    /// One row per buyer and month with a purchase: (user, year × 12 + month − 1, source of
    /// the buyer's first order).
    pub async fn cohort_rows(
        &self,
        shop: &str,
        as_of: NaiveDate,
    ) -> Result<Vec<(String, i32, String)>, LakeError> {
        let ctx = Self::session();
        self.register(&ctx, Table::Orders, Some(shop), None)?;
        let sql = format!(
            "WITH {o},
             s AS (SELECT user_id, first_value(channel ORDER BY ordered_at) AS source FROM o GROUP BY user_id),
             mo AS (SELECT DISTINCT user_id, CAST(date_part('year', date) * 12 + date_part('month', date) - 1 AS BIGINT) AS m FROM o)
             SELECT mo.user_id, mo.m, s.source FROM mo JOIN s ON s.user_id = mo.user_id",
            o = orders_cte(shop, as_of)
        );
        let batches = ctx.sql(&sql).await?.collect().await?;
        let mut out = Vec::new();
        for b in &batches {
            let user = cast(b.column(0), &DataType::Utf8)?;
            let user = user.as_string::<i32>();
            let m = b.column(1).as_primitive::<Int64Type>();
            let src = cast(b.column(2), &DataType::Utf8)?;
            let src = src.as_string::<i32>();
            for i in 0..b.num_rows() {
                out.push((
                    user.value(i).to_string(),
                    m.value(i) as i32,
                    src.value(i).to_string(),
                ));
            }
        }
        Ok(out)
    }
}

fn day(n: i64) -> Result<NaiveDate, LakeError> {
    NaiveDate::from_num_days_from_ce_opt((n + 719_163) as i32)
        .ok_or_else(|| LakeError::Query(format!("day number {n} is out of range")))
}

fn read_users(b: &RecordBatch, out: &mut Vec<UserFeatures>) -> Result<(), LakeError> {
    let text = |i: usize| cast(b.column(i), &DataType::Utf8);
    let (id, cat, tier) = (text(0)?, text(7)?, text(8)?);
    let (id, cat, tier) = (
        id.as_string::<i32>(),
        cat.as_string::<i32>(),
        tier.as_string::<i32>(),
    );
    let int = |i: usize| b.column(i).as_primitive::<Int64Type>();
    let float = |i: usize| b.column(i).as_primitive::<Float64Type>();
    let (first, last, days, gap, comments) = (int(1), int(2), int(3), int(6), int(9));
    let (total, first_amt) = (float(4), float(5));
    for i in 0..b.num_rows() {
        let opt = |a: &datafusion::arrow::array::StringArray| {
            (!a.is_null(i)).then(|| a.value(i).to_string())
        };
        out.push(UserFeatures {
            user_id: id.value(i).to_string(),
            first: day(first.value(i))?,
            last: day(last.value(i))?,
            purchase_days: days.value(i) as u32,
            total: total.value(i),
            first_amount: first_amt.value(i),
            last_gap_days: (!gap.is_null(i)).then(|| gap.value(i)),
            top_category: opt(cat),
            member_tier: opt(tier),
            comments: comments.value(i) as u32,
        });
    }
    Ok(())
}
