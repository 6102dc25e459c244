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

impl serde::Serialize for Table {
    /// A table serialises as its SQL name.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// How a table is partitioned in the lake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Partitioning {
    /// One partition per shop and day; a commit replaces that day.
    Daily,
    /// A whole-shop snapshot; a commit replaces every earlier snapshot of the shop.
    Snapshot,
    /// Period snapshots (区间累计): one row per item for a date range, partitioned by the
    /// period's first day (`date`) with its last day in `period_end`. A period answers only
    /// for itself; one-day periods of consecutive days form a daily series.
    Period,
}

impl Partitioning {
    /// Whether partitions (and rows) carry a `date`.
    pub fn is_dated(self) -> bool {
        self != Partitioning::Snapshot
    }
}

/// The cells of a breakdown sheet that mark a total rather than a part (`全部` below a level
/// is that level's total).
pub const TOTAL_MARKERS: &[&str] = &["全部", "合计", "总计", "整体", "不限", "汇总", "总体"];

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
    TradeDay,
    ProductCardPeriod,
    ChannelPeriod,
    VideoPeriod,
    MaterialPeriod,
    LiveAccountDay,
    LiveSession,
    Settlement,
}

impl Table {
    /// All tables, in dependency order (dimensions first).
    pub const ALL: [Table; 24] = [
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
        Table::TradeDay,
        Table::ProductCardPeriod,
        Table::ChannelPeriod,
        Table::VideoPeriod,
        Table::MaterialPeriod,
        Table::LiveAccountDay,
        Table::LiveSession,
        Table::Settlement,
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
            Table::TradeDay => "trade_day",
            Table::ProductCardPeriod => "product_card_period",
            Table::ChannelPeriod => "channel_period",
            Table::VideoPeriod => "video_period",
            Table::MaterialPeriod => "material_period",
            Table::LiveAccountDay => "live_account_day",
            Table::LiveSession => "live_session",
            Table::Settlement => "settlement",
        }
    }

    /// Looks a table up by its SQL name.
    pub fn from_name(name: &str) -> Option<Table> {
        Table::ALL.into_iter().find(|t| t.name() == name)
    }

    /// What a user calls the table (the SQL name is for analysts).
    pub fn label(self, lang: crate::Lang) -> &'static str {
        let (zh, en) = match self {
            Table::Shops => ("店铺", "Shops"),
            Table::Products => ("商品", "Products"),
            Table::ProductDay => ("商品日数据", "Product funnel by day"),
            Table::Videos => ("短视频", "Videos"),
            Table::VideoDay => ("短视频日数据", "Videos by day"),
            Table::Plans => ("千川计划", "Ad plans"),
            Table::PlanHour => ("千川计划分时数据", "Ad plans by hour"),
            Table::Creatives => ("千川创意", "Creatives"),
            Table::CreativeDay => ("千川创意日数据", "Creatives by day"),
            Table::Orders => ("订单", "Orders"),
            Table::Users => ("买家", "Buyers"),
            Table::Comments => ("评价", "Reviews"),
            Table::Inventory => ("库存", "Stock"),
            Table::Deliveries => ("发货", "Shipments"),
            Table::Competitors => ("竞品", "Competitors"),
            Table::ExternalIndices => ("店铺指数", "Shop indices"),
            Table::TradeDay => (
                "交易分析（店铺与构成）",
                "Trade analysis (shop and breakdowns)",
            ),
            Table::ProductCardPeriod => ("商品卡（区间）", "Product cards (per period)"),
            Table::ChannelPeriod => (
                "商品卡流量来源（区间）",
                "Product-card channels (per period)",
            ),
            Table::VideoPeriod => ("视频详情（区间）", "Video details (per period)"),
            Table::MaterialPeriod => ("千川素材（区间）", "Ad materials (per period)"),
            Table::LiveAccountDay => ("千川直播账号日数据", "Live accounts by day"),
            Table::LiveSession => ("直播场次", "Live sessions"),
            Table::Settlement => ("动账明细", "Settlement flow"),
        };
        lang.pick(zh, en)
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
            Table::TradeDay => {
                "Compass 交易分析 per day: the shop total and every breakdown sheet (carrier, account, device, category, product, price band, audience), totals flagged"
            }
            Table::ProductCardPeriod => "Compass 商品卡 per product for a period (区间累计)",
            Table::ChannelPeriod => "Compass 商品卡 traffic by channel 一级/二级 for a period",
            Table::VideoPeriod => "Compass 视频详情 per video for a period (never a daily trend)",
            Table::MaterialPeriod => "Qianchuan 全域 素材 per material for a period",
            Table::LiveAccountDay => "Qianchuan 全域 直播 per Douyin account and day",
            Table::LiveSession => "one row per live session 直播场次",
            Table::Settlement => "抖店 动账: one row per fund movement (settlement flow)",
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
            Table::ProductCardPeriod
            | Table::ChannelPeriod
            | Table::VideoPeriod
            | Table::MaterialPeriod => Partitioning::Period,
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

    /// Columns whose values are mostly distinct within a day (ids, instants, amounts). The lake
    /// writes them without a dictionary, which they would overflow after paying for it.
    pub fn mostly_distinct(self) -> &'static [&'static str] {
        match self {
            Table::Orders => &[
                "order_id",
                "parent_order_id",
                "user_id",
                "ordered_at",
                "amount_fen",
                "promised_ship_at",
                "shipped_at",
            ],
            Table::Users => &["user_id", "first_order_date"],
            Table::Comments => &["comment_id", "user_id", "text"],
            Table::Deliveries => &["order_id", "promised_at", "shipped_at"],
            Table::Settlement => &["flow_id", "order_id", "sub_order_id"],
            _ => &[],
        }
    }

    /// The timestamp columns, which Parquet (having no second unit) stores as Unix seconds:
    /// readers other than ours must convert them.
    pub fn second_timestamps(self) -> Vec<String> {
        self.schema()
            .fields()
            .iter()
            .filter(|f| matches!(f.data_type(), DataType::Timestamp(TimeUnit::Second, _)))
            .map(|f| f.name().clone())
            .collect()
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
fn boolean_null(name: &str) -> Field {
    Field::new(name, DataType::Boolean, true)
}
fn ts_null(name: &str) -> Field {
    Field::new(
        name,
        DataType::Timestamp(TimeUnit::Second, Some(TZ.into())),
        true,
    )
}

fn build_schema(table: Table) -> Schema {
    let mut f = vec![utf8("shop_id")];
    if table.partitioning().is_dated() {
        f.push(date("date"));
    }
    if table.partitioning() == Partitioning::Period {
        f.push(date("period_end"));
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
            // 主订单编号: one paid order may hold several sub-orders (rows).
            utf8_null("parent_order_id"),
            // 流量类型 (paid / natural) and APP渠道 (douyin, douyin_lite, …).
            utf8_null("traffic_type"),
            utf8_null("app"),
            // 售后状态, mapped: none, in_progress, refunded, closed, rejected.
            utf8_null("after_sale"),
            int("shipping_fen"),
            // 承诺发货时间 and 发货时间, for the on-time rate where no delivery table exists.
            ts_null("promised_ship_at"),
            ts_null("shipped_at"),
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
        Table::TradeDay => vec![
            // Which sheet: overview, self_operated, cooperative, carrier, account,
            // single_carrier, device, category, product, price_band, audience.
            utf8("sheet"),
            utf8("level1"),
            utf8("level2"),
            utf8("level3"),
            utf8("level4"),
            // A row carrying a total (全部/合计/总计/整体/不限) at some level.
            boolean("is_total"),
            // The sheet's grand total: every level a total (the shop row of 成交概览).
            boolean("is_shop_total"),
            int("user_paid_fen"),
            int("gmv_fen"),
            int("net_gmv_fen"),
            int("orders"),
            int("paying_users"),
            int("items"),
            int("exposure"),
            int("clicks"),
            int("exposure_users"),
            int("click_users"),
            int("refund_fen"),
            int("refund_orders"),
            int("ad_spend_fen"),
            // As the platform computed them (persons and ratios cannot be re-derived).
            int("aov_fen"),
            float("repurchase_rate"),
        ],
        Table::ProductCardPeriod => vec![
            utf8("product_id"),
            int("exposure_users"),
            int("click_users"),
            int("user_paid_fen"),
            int("paying_users"),
            int("orders"),
            int("add_to_cart_users"),
            int("favorite_users"),
        ],
        Table::ChannelPeriod => vec![
            utf8("channel_l1"),
            utf8("channel_l2"),
            boolean("is_total"),
            int("exposure_users"),
            int("click_users"),
            int("user_paid_fen"),
            int("paying_users"),
        ],
        Table::VideoPeriod => vec![
            // The export's kind (自营_挂车, 合作_非挂车, …), from the sheet or file name.
            utf8("kind"),
            utf8("video_id"),
            utf8("title"),
            ts_null("published_at"),
            utf8("creator"),
            utf8("creator_account"),
            boolean_null("is_promoted"),
            utf8("product_id"),
            int("views"),
            int("likes"),
            int("comments"),
            int("favorites"),
            int("shares"),
            int("follows"),
            float("completion_rate"),
            int("avg_watch_s"),
            int("user_paid_fen"),
            int("refund_fen"),
            int("orders"),
            int("ad_spend_fen"),
            int("commission_fen"),
        ],
        Table::MaterialPeriod => vec![
            utf8("material_id"),
            utf8("material_name"),
            utf8("evaluation"),
            int("duration_s"),
            ts_null("created_at"),
            int("spend_fen"),
            int("impressions"),
            int("clicks"),
            int("pay_gmv_fen"),
            int("pay_orders"),
            int("user_paid_fen"),
            int("plays"),
            float("play_3s_rate"),
            float("play_10s_rate"),
            float("completion_rate"),
        ],
        Table::LiveAccountDay => vec![
            utf8("account"),
            int("spend_fen"),
            int("pay_gmv_fen"),
            int("pay_orders"),
            int("net_gmv_fen"),
            int("exposure"),
        ],
        Table::LiveSession => vec![
            utf8("room_id"),
            utf8("room_name"),
            ts("started_at"),
            ts_null("ended_at"),
            int("duration_s"),
            utf8("anchor_id"),
            utf8("account_type"),
            int("viewers"),
            int("views"),
            int("user_paid_fen"),
            int("orders"),
            int("new_followers"),
        ],
        Table::Settlement => vec![
            utf8("flow_id"),
            utf8("direction"),
            int("amount_fen"),
            utf8("account"),
            utf8("scene"),
            utf8("fee_type"),
            utf8("order_id"),
            utf8("sub_order_id"),
            utf8("product_id"),
            int("order_paid_fen"),
            int("refund_fen"),
            int("platform_fee_fen"),
            int("commission_fen"),
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
            assert_eq!(has_date, t.partitioning().is_dated(), "{}", t.name());
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
