//! Canonical tables: the Arrow schemas every source is converted into.
//!
//! Money is integer fen (分, 1/100 yuan) in columns suffixed `_fen`; ratios are never stored,
//! only the counts and sums they are computed from (see [`crate::metric`]).

use std::sync::{Arc, OnceLock};

use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};

/// Time zone every timestamp is expressed in.
pub const TZ: &str = "Asia/Shanghai";

/// The traffic sources a product-day funnel row can come from.
pub const TRAFFIC_SOURCES: [&str; 7] = [
    "natural",
    "paid_feed",
    "search",
    "live",
    "short_video",
    "showcase",
    "mall",
];

/// How a table is partitioned in the lake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Partitioning {
    /// One partition per shop and day; a commit replaces that day.
    Daily,
    /// A whole-shop snapshot; a commit replaces every earlier snapshot of the shop.
    Snapshot,
}

/// Every canonical table of REQUIREMENTS §2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Table {
    Shops,
    Products,
    ProductDay,
    Videos,
    VideoDay,
    Plans,
    PlanHour,
    Creatives,
    CreativeDay,
    Orders,
    Users,
    Comments,
    Inventory,
    Deliveries,
    Competitors,
    ExternalIndices,
}

impl Table {
    /// All tables, in dependency order (dimensions first).
    pub const ALL: [Table; 16] = [
        Table::Shops,
        Table::Products,
        Table::Videos,
        Table::Plans,
        Table::Creatives,
        Table::Users,
        Table::ProductDay,
        Table::VideoDay,
        Table::PlanHour,
        Table::CreativeDay,
        Table::Orders,
        Table::Comments,
        Table::Inventory,
        Table::Deliveries,
        Table::Competitors,
        Table::ExternalIndices,
    ];

    /// The SQL name of the table.
    pub fn name(self) -> &'static str {
        match self {
            Table::Shops => "shops",
            Table::Products => "products",
            Table::ProductDay => "product_day",
            Table::Videos => "videos",
            Table::VideoDay => "video_day",
            Table::Plans => "plans",
            Table::PlanHour => "plan_hour",
            Table::Creatives => "creatives",
            Table::CreativeDay => "creative_day",
            Table::Orders => "orders",
            Table::Users => "users",
            Table::Comments => "comments",
            Table::Inventory => "inventory",
            Table::Deliveries => "deliveries",
            Table::Competitors => "competitors",
            Table::ExternalIndices => "external_indices",
        }
    }

    /// Looks a table up by its SQL name.
    pub fn from_name(name: &str) -> Option<Table> {
        Table::ALL.into_iter().find(|t| t.name() == name)
    }

    /// One line on what a row of the table is.
    pub fn description(self) -> &'static str {
        match self {
            Table::Shops => "one row per shop",
            Table::Products => "one row per product/SKU: category, price and cost",
            Table::ProductDay => "product-day funnel by traffic source (曝光→点击→详情→加购→成交)",
            Table::Videos => "one row per short video: duration, publish time, linked product",
            Table::VideoDay => {
                "video-day plays, completion, 3-second hold, interactions, product clicks"
            }
            Table::Plans => {
                "Qianchuan ad plans 计划 with bid mode, bid, budget, ROI goal, learning status"
            }
            Table::PlanHour => {
                "plan-hour stats: spend 消耗, impressions, clicks, conversions, pay GMV"
            }
            Table::Creatives => "Qianchuan creatives 创意 and the plan and video they belong to",
            Table::CreativeDay => "creative-day stats: spend, impressions, clicks, conversions",
            Table::Orders => {
                "user-level orders: time, SKU, amount, region, device, channel, status"
            }
            Table::Users => "buyers: first order, region, device, member tier",
            Table::Comments => "product comments: rating, text, complaint flag",
            Table::Inventory => {
                "stock per product and day: on hand, in transit, recent daily sales"
            }
            Table::Deliveries => "order deliveries: promised vs actual ship time",
            Table::Competitors => "competitor snapshots: price, estimated sales, videos, bid level",
            Table::ExternalIndices => {
                "brand search index, NPS, store experience score, penalty risk"
            }
        }
    }

    /// How the lake partitions this table.
    pub fn partitioning(self) -> Partitioning {
        match self {
            Table::Shops
            | Table::Products
            | Table::Videos
            | Table::Plans
            | Table::Creatives
            | Table::Users => Partitioning::Snapshot,
            _ => Partitioning::Daily,
        }
    }

    /// The Arrow schema of the table.
    pub fn schema(self) -> SchemaRef {
        static SCHEMAS: OnceLock<Vec<SchemaRef>> = OnceLock::new();
        let all = SCHEMAS.get_or_init(|| {
            Table::ALL
                .iter()
                .map(|t| Arc::new(build_schema(*t)))
                .collect()
        });
        let idx = Table::ALL.iter().position(|t| *t == self).unwrap_or(0);
        Arc::clone(&all[idx])
    }
}

fn utf8(name: &str) -> Field {
    Field::new(name, DataType::Utf8, false)
}
fn utf8_null(name: &str) -> Field {
    Field::new(name, DataType::Utf8, true)
}
/// Measures are nullable: an export may lack a column (Compass has no dwell time), and a
/// missing value must stay missing rather than become a zero that skews ratios.
fn int(name: &str) -> Field {
    Field::new(name, DataType::Int64, true)
}
fn float(name: &str) -> Field {
    Field::new(name, DataType::Float64, true)
}
fn date(name: &str) -> Field {
    Field::new(name, DataType::Date32, false)
}
fn ts(name: &str) -> Field {
    Field::new(
        name,
        DataType::Timestamp(TimeUnit::Second, Some(TZ.into())),
        false,
    )
}
fn boolean(name: &str) -> Field {
    Field::new(name, DataType::Boolean, false)
}

fn build_schema(table: Table) -> Schema {
    let mut f = vec![utf8("shop_id")];
    if table.partitioning() == Partitioning::Daily {
        f.push(date("date"));
    }
    f.extend(match table {
        Table::Shops => vec![utf8("shop_name"), utf8("main_category"), date("opened_on")],
        Table::Products => vec![
            utf8("product_id"),
            utf8("product_name"),
            utf8("category"),
            int("price_fen"),
            int("cost_fen"),
            date("launched_on"),
            boolean("is_key"),
        ],
        Table::ProductDay => vec![
            utf8("product_id"),
            utf8("category"),
            utf8("source"),
            int("exposure"),
            int("exposure_users"),
            int("clicks"),
            int("click_users"),
            int("detail_views"),
            int("bounces"),
            int("store_jumps"),
            int("dwell_seconds"),
            int("add_to_cart"),
            int("add_to_cart_users"),
            int("orders"),
            int("items"),
            int("paying_users"),
            int("new_paying_users"),
            int("gmv_fen"),
            int("user_paid_fen"),
            int("refund_orders"),
            int("refund_fen"),
            int("reviews"),
        ],
        Table::Videos => vec![
            utf8("video_id"),
            utf8("title"),
            int("duration_s"),
            ts("published_at"),
            utf8("product_id"),
            utf8("opening_style"),
        ],
        Table::VideoDay => vec![
            utf8("video_id"),
            utf8("product_id"),
            int("plays"),
            int("completions"),
            int("hold_3s"),
            int("likes"),
            int("comments"),
            int("shares"),
            int("follows"),
            int("product_clicks"),
            int("orders"),
            int("gmv_fen"),
        ],
        Table::Plans => vec![
            utf8("plan_id"),
            utf8("plan_name"),
            utf8("campaign_id"),
            utf8("advertiser_id"),
            utf8("product_id"),
            utf8("category"),
            utf8("strategy"),
            utf8("bid_mode"),
            int("bid_fen"),
            int("budget_fen"),
            float("roi_goal"),
            utf8("learning_status"),
            date("created_on"),
        ],
        Table::PlanHour => vec![
            // Null in daily plan reports, 0–23 in hourly ones.
            Field::new("hour", DataType::Int32, true),
            utf8("plan_id"),
            utf8("category"),
            utf8("bid_mode"),
            int("bid_fen"),
            int("budget_fen"),
            float("roi_goal"),
            utf8("learning_status"),
            int("spend_fen"),
            int("impressions"),
            int("clicks"),
            int("conversions"),
            int("pay_orders"),
            int("pay_gmv_fen"),
        ],
        Table::Creatives => vec![
            utf8("creative_id"),
            utf8("plan_id"),
            utf8_null("video_id"),
            utf8("creative_type"),
            date("created_on"),
        ],
        Table::CreativeDay => vec![
            utf8("creative_id"),
            utf8("plan_id"),
            utf8("category"),
            int("spend_fen"),
            int("impressions"),
            int("clicks"),
            int("conversions"),
            int("pay_gmv_fen"),
        ],
        Table::Orders => vec![
            utf8("order_id"),
            utf8("user_id"),
            ts("ordered_at"),
            utf8("product_id"),
            utf8("category"),
            int("quantity"),
            int("amount_fen"),
            utf8("region"),
            utf8("device"),
            utf8("channel"),
            utf8("status"),
            int("refund_fen"),
            // Unknown in a raw order export until the buyer's history is known.
            Field::new("is_new_customer", DataType::Boolean, true),
        ],
        Table::Users => vec![
            utf8("user_id"),
            date("first_order_date"),
            utf8("region"),
            utf8("device"),
            utf8("member_tier"),
            boolean("repeat_within_30d"),
        ],
        Table::Comments => vec![
            utf8("comment_id"),
            utf8("product_id"),
            utf8("category"),
            utf8("user_id"),
            Field::new("rating", DataType::Int32, false),
            utf8("text"),
            boolean("is_complaint"),
        ],
        Table::Inventory => vec![
            utf8("product_id"),
            utf8("category"),
            int("on_hand"),
            int("in_transit"),
            float("avg_daily_sales_7d"),
        ],
        Table::Deliveries => vec![
            utf8("order_id"),
            utf8("product_id"),
            utf8("category"),
            utf8("region"),
            ts("promised_at"),
            ts("shipped_at"),
        ],
        Table::Competitors => vec![
            utf8("competitor_shop"),
            utf8("competitor_product"),
            utf8("category"),
            int("price_fen"),
            int("est_sales"),
            int("videos"),
            int("bid_level_fen"),
        ],
        Table::ExternalIndices => vec![
            float("brand_search_index"),
            float("nps"),
            float("experience_score"),
            float("penalty_risk"),
        ],
    });
    Schema::new(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_has_a_unique_name_and_shop_column() {
        let mut names: Vec<_> = Table::ALL.iter().map(|t| t.name()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), Table::ALL.len());
        for t in Table::ALL {
            assert_eq!(t.schema().field(0).name(), "shop_id");
            assert_eq!(Table::from_name(t.name()), Some(t));
            let has_date = t.schema().field_with_name("date").is_ok();
            assert_eq!(
                has_date,
                t.partitioning() == Partitioning::Daily,
                "{}",
                t.name()
            );
        }
    }

    #[test]
    fn money_columns_are_integer_fen() {
        for t in Table::ALL {
            for f in t.schema().fields() {
                if f.name().ends_with("_fen") {
                    assert_eq!(f.data_type(), &DataType::Int64, "{}.{}", t.name(), f.name());
                }
            }
        }
    }
}
