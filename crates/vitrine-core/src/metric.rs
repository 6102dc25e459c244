//! The metric catalog: one definition per number the product shows (REQUIREMENTS §3).
//!
//! A metric is a formula over *base measures*; a base measure is one SQL aggregate over one
//! canonical table. Ratios are always ratio-of-sums at the requested grain: the engine sums
//! numerator and denominator over the group, then divides — never an average of ratios.

use serde::Serialize;

use crate::table::Table;

/// What a metric's value is measured in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// A share in [0, 1], shown as a percentage.
    Ratio,
    /// Money in yuan (元).
    Yuan,
    /// A plain count.
    Count,
    /// A multiple such as ROI 3.0 (= 1:3).
    Multiple,
    /// Days.
    Days,
    /// Seconds.
    Seconds,
    /// A 0–100 (or platform-defined) index.
    Index,
}

/// Whether a rise of the metric is good news.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    HigherIsBetter,
    LowerIsBetter,
}

/// A base measure: one SQL aggregate over one canonical table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Measure {
    pub id: &'static str,
    #[serde(serialize_with = "ser_table")]
    pub table: Table,
    /// Aggregate SQL over the table's columns, e.g. `SUM(clicks)`.
    pub sql: &'static str,
    /// A count of persons stored per row: a buyer of two products, or on two days, is in two
    /// rows, so the sum is only right at the grain the source stores (see `query::answers`).
    pub persons: bool,
}

fn ser_table<S: serde::Serializer>(t: &Table, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(t.name())
}

/// How a metric is computed from base measures.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Formula {
    /// `scale × Σ measure`.
    Sum { measure: &'static str, scale: f64 },
    /// `scale × Σ num / Σ den` (ratio of sums); undefined when `Σ den = 0`.
    Ratio {
        num: &'static str,
        den: &'static str,
        scale: f64,
    },
}

impl Formula {
    /// The base measures the formula reads.
    pub fn measures(&self) -> Vec<&'static str> {
        match *self {
            Formula::Sum { measure, .. } => vec![measure],
            Formula::Ratio { num, den, .. } => vec![num, den],
        }
    }

    /// Evaluates the formula given a lookup of summed measures.
    pub fn eval(&self, get: impl Fn(&str) -> Option<f64>) -> Option<f64> {
        match *self {
            Formula::Sum { measure, scale } => get(measure).map(|v| v * scale),
            Formula::Ratio { num, den, scale } => {
                let d = get(den)?;
                if d == 0.0 {
                    return None;
                }
                Some(get(num).unwrap_or(0.0) / d * scale)
            }
        }
    }
}

/// One catalog entry.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Metric {
    pub id: &'static str,
    pub name_zh: &'static str,
    pub name_en: &'static str,
    pub formula: Formula,
    /// Human-readable formula, for `vitrine metrics` and the docs.
    pub formula_text: &'static str,
    pub unit: Unit,
    pub direction: Direction,
    /// True when values of disjoint groups add up to the value of their union.
    pub additive: bool,
}

impl Metric {
    /// The metric's display name in the requested language (`zh` or `en`).
    pub fn name(&self, lang: crate::Lang) -> &'static str {
        match lang {
            crate::Lang::Zh => self.name_zh,
            crate::Lang::En => self.name_en,
        }
    }

    /// Whether `a` is better than `b` for this metric.
    pub fn better(&self, a: f64, b: f64) -> bool {
        match self.direction {
            Direction::HigherIsBetter => a > b,
            Direction::LowerIsBetter => a < b,
        }
    }
}

macro_rules! m {
    ($id:literal, $t:ident, $sql:expr) => {
        Measure {
            id: $id,
            table: Table::$t,
            sql: $sql,
            persons: false,
        }
    };
}

/// A person measure (see [`Measure::persons`]).
macro_rules! persons {
    ($id:literal, $t:ident, $sql:expr) => {
        Measure {
            id: $id,
            table: Table::$t,
            sql: $sql,
            persons: true,
        }
    };
}

/// 用户支付金额 of the shop-total row of 成交概览.
const SHOP_TOTAL_USER_PAID: &str =
    "SUM(CASE WHEN sheet = 'overview' AND is_shop_total THEN user_paid_fen END)";
/// Paid orders of the order export: main orders (主订单) with a paid, not cancelled sub-order.
const PAID_ORDERS: &str = "COUNT(DISTINCT CASE WHEN status NOT IN ('cancelled', 'unpaid') THEN COALESCE(parent_order_id, order_id) END)";
/// Paid orders with a refunded sub-order (售后状态 退款成功, or a refunded status).
const REFUNDED_ORDERS: &str = "COUNT(DISTINCT CASE WHEN status NOT IN ('cancelled', 'unpaid') AND (after_sale = 'refunded' OR status = 'refunded' OR refund_fen > 0) THEN COALESCE(parent_order_id, order_id) END)";

/// Every base measure. An id listed more than once has several sources, best first.
pub static MEASURES: &[Measure] = &[
    m!("exposure", ProductDay, "SUM(exposure)"),
    // Persons come from the shop row of 交易分析 (the platform counted them once), and from
    // product rows only when asked per product and source.
    persons!(
        "exposure_users",
        TradeDay,
        "SUM(CASE WHEN sheet = 'overview' AND is_shop_total THEN exposure_users END)"
    ),
    persons!("exposure_users", ProductDay, "SUM(exposure_users)"),
    m!("clicks", ProductDay, "SUM(clicks)"),
    persons!(
        "click_users",
        TradeDay,
        "SUM(CASE WHEN sheet = 'overview' AND is_shop_total THEN click_users END)"
    ),
    persons!("click_users", ProductDay, "SUM(click_users)"),
    m!("detail_views", ProductDay, "SUM(detail_views)"),
    m!("bounces", ProductDay, "SUM(bounces)"),
    m!("dwell_seconds", ProductDay, "SUM(dwell_seconds)"),
    m!("add_to_cart", ProductDay, "SUM(add_to_cart)"),
    // Headline measures come from several sources; the catalog lists them in order of
    // preference and the engine takes, per group and day, the first source that has rows.
    // Shop-level rows of Compass 交易分析 first (persons and ratios are only right there),
    // then the 抖店 order export (paid, not cancelled), then the product funnel.
    m!("gmv_fen", TradeDay, SHOP_TOTAL_USER_PAID),
    m!(
        "gmv_fen",
        Orders,
        "SUM(CASE WHEN status NOT IN ('cancelled', 'unpaid') THEN amount_fen END)"
    ),
    m!("gmv_fen", ProductDay, "SUM(COALESCE(user_paid_fen, gmv_fen))"),
    m!("orders", TradeDay, "SUM(CASE WHEN sheet = 'overview' AND is_shop_total THEN orders END)"),
    m!("orders", Orders, PAID_ORDERS),
    m!("orders", ProductDay, "SUM(orders)"),
    persons!(
        "paying_users",
        TradeDay,
        "SUM(CASE WHEN sheet = 'overview' AND is_shop_total THEN paying_users END)"
    ),
    m!(
        "paying_users",
        Orders,
        "NULLIF(COUNT(DISTINCT CASE WHEN user_id <> '' AND status NOT IN ('cancelled', 'unpaid') THEN user_id END), 0)"
    ),
    m!(
        "refund_orders",
        TradeDay,
        "SUM(CASE WHEN sheet = 'overview' AND is_shop_total THEN refund_orders END)"
    ),
    m!("refund_orders", Orders, REFUNDED_ORDERS),
    m!("refund_orders", ProductDay, "SUM(refund_orders)"),
    m!(
        "refund_fen",
        TradeDay,
        "SUM(CASE WHEN sheet = 'overview' AND is_shop_total THEN refund_fen END)"
    ),
    m!(
        "refund_fen",
        Orders,
        "SUM(CASE WHEN status NOT IN ('cancelled', 'unpaid') THEN refund_fen END)"
    ),
    m!("refund_fen", ProductDay, "SUM(refund_fen)"),
    m!(
        "deal_fen",
        TradeDay,
        "SUM(CASE WHEN sheet = 'overview' AND is_shop_total THEN gmv_fen END)"
    ),
    m!("deal_fen", ProductDay, "SUM(gmv_fen)"),
    m!(
        "net_gmv_fen",
        TradeDay,
        "SUM(CASE WHEN sheet = 'overview' AND is_shop_total THEN net_gmv_fen END)"
    ),
    m!("reviews", ProductDay, "SUM(reviews)"),
    m!(
        "natural_exposure",
        ProductDay,
        "SUM(CASE WHEN source = 'natural' THEN exposure ELSE 0 END)"
    ),
    m!(
        "showcase_detail_views",
        ProductDay,
        "SUM(CASE WHEN source = 'showcase' THEN detail_views ELSE 0 END)"
    ),
    m!(
        "showcase_store_jumps",
        ProductDay,
        "SUM(CASE WHEN source = 'showcase' THEN store_jumps ELSE 0 END)"
    ),
    m!("card_user_paid_fen", ProductCardPeriod, "SUM(user_paid_fen)"),
    persons!("card_exposure_users", ProductCardPeriod, "SUM(exposure_users)"),
    persons!("card_click_users", ProductCardPeriod, "SUM(click_users)"),
    m!("video_views", VideoPeriod, "SUM(views)"),
    m!("video_user_paid_fen", VideoPeriod, "SUM(user_paid_fen)"),
    m!("material_spend_fen", MaterialPeriod, "SUM(spend_fen)"),
    m!("material_pay_gmv_fen", MaterialPeriod, "SUM(pay_gmv_fen)"),
    m!("ad_spend_fen", PlanHour, "SUM(spend_fen)"),
    m!("ad_impressions", PlanHour, "SUM(impressions)"),
    m!("ad_clicks", PlanHour, "SUM(clicks)"),
    m!("creative_impressions", CreativeDay, "SUM(impressions)"),
    m!("creative_clicks", CreativeDay, "SUM(clicks)"),
    m!("creative_conversions", CreativeDay, "SUM(conversions)"),
    m!("conversions", PlanHour, "SUM(conversions)"),
    m!("pay_gmv_fen", PlanHour, "SUM(pay_gmv_fen)"),
    m!("plays", VideoDay, "SUM(plays)"),
    m!("completions", VideoDay, "SUM(completions)"),
    m!("hold_3s", VideoDay, "SUM(hold_3s)"),
    m!("likes", VideoDay, "SUM(likes)"),
    m!("interactions", VideoDay, "SUM(likes + comments + shares)"),
    m!(
        "order_count",
        Orders,
        "COUNT(CASE WHEN status NOT IN ('cancelled', 'unpaid') THEN 1 END)"
    ),
    m!("order_amount_fen", Orders, "SUM(amount_fen)"),
    // Buyers are known only where an order names one (the order API does, the order export
    // does not): no value at all, not a count of 0, when no order of the group does.
    m!(
        "buyers",
        Orders,
        "CASE WHEN COUNT(NULLIF(user_id, '')) > 0 THEN COUNT(DISTINCT NULLIF(user_id, '')) END"
    ),
    m!(
        "returning_buyers",
        Orders,
        "CASE WHEN COUNT(NULLIF(user_id, '')) > 0 THEN COUNT(DISTINCT CASE WHEN NOT is_new_customer THEN NULLIF(user_id, '') END) END"
    ),
    m!(
        "new_buyers",
        Orders,
        "CASE WHEN COUNT(NULLIF(user_id, '')) > 0 THEN COUNT(DISTINCT CASE WHEN is_new_customer THEN NULLIF(user_id, '') END) END"
    ),
    // 用户支付金额 per buyer group: the carrier-total rows of 人群构成 (parts only, so a sum
    // over groups is the shop's), else the paid order lines by their first-order flag.
    m!(
        "audience_paid_fen",
        TradeDay,
        "SUM(CASE WHEN sheet = 'audience' AND level1 NOT IN ('全部', '合计', '总计', '整体', '不限', '汇总', '总体') AND (level2 IS NULL OR level2 = '' OR level2 IN ('全部', '合计', '总计', '整体', '不限', '汇总', '总体')) THEN user_paid_fen END)"
    ),
    m!(
        "audience_paid_fen",
        Orders,
        "SUM(CASE WHEN status NOT IN ('cancelled', 'unpaid') AND is_new_customer IS NOT NULL THEN amount_fen END)"
    ),
    m!("cohort_users", Users, "COUNT(*)"),
    m!(
        "retained_users",
        Users,
        "SUM(CASE WHEN repeat_within_30d THEN 1 ELSE 0 END)"
    ),
    m!("comment_count", Comments, "COUNT(*)"),
    m!(
        "complaints",
        Comments,
        "SUM(CASE WHEN is_complaint THEN 1 ELSE 0 END)"
    ),
    m!("on_hand", Inventory, "SUM(on_hand)"),
    m!("daily_sales_7d", Inventory, "SUM(avg_daily_sales_7d)"),
    m!("in_transit", Inventory, "SUM(in_transit)"),
    m!("deliveries", Deliveries, "COUNT(*)"),
    m!(
        "deliveries",
        Orders,
        "NULLIF(COUNT(DISTINCT CASE WHEN shipped_at IS NOT NULL AND promised_ship_at IS NOT NULL THEN COALESCE(parent_order_id, order_id) END), 0)"
    ),
    m!(
        "on_time_deliveries",
        Deliveries,
        "SUM(CASE WHEN shipped_at <= promised_at THEN 1 ELSE 0 END)"
    ),
    m!(
        "on_time_deliveries",
        Orders,
        "COUNT(DISTINCT CASE WHEN shipped_at <= promised_ship_at THEN COALESCE(parent_order_id, order_id) END)"
    ),
    m!("competitor_rows", Competitors, "COUNT(*)"),
    m!("competitor_bid_fen", Competitors, "SUM(bid_level_fen)"),
    m!("competitor_sales", Competitors, "SUM(est_sales)"),
    m!("index_days", ExternalIndices, "COUNT(*)"),
    m!("nps_sum", ExternalIndices, "SUM(nps)"),
    m!(
        "brand_search_sum",
        ExternalIndices,
        "SUM(brand_search_index)"
    ),
    m!("experience_sum", ExternalIndices, "SUM(experience_score)"),
    m!("penalty_risk_sum", ExternalIndices, "SUM(penalty_risk)"),
];

use Direction::{HigherIsBetter as Up, LowerIsBetter as Down};

/// Fen per yuan: money is stored in fen (分) and shown in yuan (元).
pub const FEN_PER_YUAN: f64 = 100.0;

/// The scale of every money metric of the catalog.
pub const YUAN_PER_FEN: f64 = 1.0 / FEN_PER_YUAN;

/// An amount in fen as yuan (every typed read of money outside the catalog).
pub fn yuan(fen: f64) -> f64 {
    fen / FEN_PER_YUAN
}

const fn sum(measure: &'static str, scale: f64) -> Formula {
    Formula::Sum { measure, scale }
}
const fn ratio(num: &'static str, den: &'static str, scale: f64) -> Formula {
    Formula::Ratio { num, den, scale }
}

macro_rules! metric {
    ($id:literal, $zh:literal, $en:literal, $f:expr, $text:literal, $unit:ident, $dir:ident, $add:literal) => {
        Metric {
            id: $id,
            name_zh: $zh,
            name_en: $en,
            formula: $f,
            formula_text: $text,
            unit: Unit::$unit,
            direction: $dir,
            additive: $add,
        }
    };
}

/// Every metric of REQUIREMENTS §3 (plus the additive totals they are built from).
pub static METRICS: &[Metric] = &[
    metric!(
        "gmv",
        "用户支付金额",
        "GMV",
        sum("gmv_fen", YUAN_PER_FEN),
        "what buyers paid: 成交概览 shop row 用户支付金额, else Σ 订单应付金额 of paid, not cancelled sub-orders, else Σ product 用户支付金额 (成交金额 where absent)",
        Yuan,
        Up,
        true
    ),
    metric!(
        "deal_amount",
        "成交金额",
        "Transaction amount (with subsidies)",
        sum("deal_fen", YUAN_PER_FEN),
        "成交金额: includes platform and creator subsidies; never mixed with 用户支付金额",
        Yuan,
        Up,
        true
    ),
    metric!(
        "net_gmv",
        "净成交金额",
        "Net GMV",
        sum("net_gmv_fen", YUAN_PER_FEN),
        "净成交金额 of the 成交概览 shop row",
        Yuan,
        Up,
        true
    ),
    metric!(
        "card_user_paid",
        "商品卡用户支付金额",
        "Product-card buyer-paid amount",
        sum("card_user_paid_fen", YUAN_PER_FEN),
        "Σ 商品卡用户支付金额 of one period's snapshot",
        Yuan,
        Up,
        true
    ),
    metric!(
        "card_click_rate",
        "商品卡点击率（人数）",
        "Product-card click rate (persons)",
        ratio("card_click_users", "card_exposure_users", 1.0),
        "商品卡点击人数 / 商品卡曝光人数 of one period's snapshot, per product",
        Ratio,
        Up,
        false
    ),
    metric!(
        "video_views",
        "视频观看次数",
        "Video views",
        sum("video_views", 1.0),
        "Σ 视频观看次数 of one period's snapshot",
        Count,
        Up,
        true
    ),
    metric!(
        "video_user_paid",
        "视频用户支付金额",
        "Video buyer-paid amount",
        sum("video_user_paid_fen", YUAN_PER_FEN),
        "Σ 用户支付金额 of one period's video snapshot",
        Yuan,
        Up,
        true
    ),
    metric!(
        "material_roi",
        "素材支付ROI",
        "Material pay ROI",
        ratio("material_pay_gmv_fen", "material_spend_fen", 1.0),
        "整体成交金额 / 整体消耗 of one period's material snapshot",
        Multiple,
        Up,
        false
    ),
    metric!(
        "order_value",
        "笔单价",
        "GMV per order",
        ratio("gmv_fen", "orders", YUAN_PER_FEN),
        "gmv / orders",
        Yuan,
        Up,
        false
    ),
    metric!(
        "refund_amount",
        "退款金额",
        "Refund amount",
        sum("refund_fen", YUAN_PER_FEN),
        "Σ refund_fen / 100 (order export: a sub-order refunded in full when 售后状态 is 退款成功)",
        Yuan,
        Down,
        true
    ),
    metric!(
        "refund_amount_rate",
        "退款率（金额）",
        "Refund rate by amount",
        ratio("refund_fen", "gmv_fen", 1.0),
        "refund amount / gmv",
        Ratio,
        Down,
        false
    ),
    metric!(
        "exposure",
        "曝光次数",
        "Exposure",
        sum("exposure", 1.0),
        "Σ exposure",
        Count,
        Up,
        true
    ),
    metric!(
        "clicks",
        "点击次数",
        "Clicks",
        sum("clicks", 1.0),
        "Σ clicks",
        Count,
        Up,
        true
    ),
    metric!(
        "orders",
        "成交订单数",
        "Orders",
        sum("orders", 1.0),
        "Σ orders",
        Count,
        Up,
        true
    ),
    metric!(
        "paying_users",
        "成交人数",
        "Paying users",
        sum("paying_users", 1.0),
        "Σ paying_users",
        Count,
        Up,
        true
    ),
    metric!(
        "detail_views",
        "详情页浏览次数",
        "Detail-page views",
        sum("detail_views", 1.0),
        "Σ detail_views",
        Count,
        Up,
        true
    ),
    metric!(
        "add_to_cart",
        "加购次数",
        "Add-to-cart",
        sum("add_to_cart", 1.0),
        "Σ add_to_cart",
        Count,
        Up,
        true
    ),
    metric!(
        "reviews",
        "评价数",
        "Reviews",
        sum("reviews", 1.0),
        "Σ reviews",
        Count,
        Up,
        true
    ),
    metric!(
        "ad_impressions",
        "展示数",
        "Ad impressions",
        sum("ad_impressions", 1.0),
        "Σ impressions",
        Count,
        Up,
        true
    ),
    metric!(
        "ad_clicks",
        "广告点击数",
        "Ad clicks",
        sum("ad_clicks", 1.0),
        "Σ ad clicks",
        Count,
        Up,
        true
    ),
    metric!(
        "deliveries",
        "发货单数",
        "Shipments",
        sum("deliveries", 1.0),
        "count of shipments",
        Count,
        Up,
        true
    ),
    metric!(
        "on_time_deliveries",
        "及时发货单数",
        "On-time shipments",
        sum("on_time_deliveries", 1.0),
        "shipments with shipped_at ≤ promised_at",
        Count,
        Up,
        true
    ),
    metric!(
        "competitor_bid",
        "竞品出价水平",
        "Competitor bid level",
        ratio("competitor_bid_fen", "competitor_rows", YUAN_PER_FEN),
        "mean competitor bid_level_fen / 100",
        Yuan,
        Down,
        false
    ),
    metric!(
        "competitor_sales",
        "竞品销量",
        "Competitor sales",
        sum("competitor_sales", 1.0),
        "Σ competitor estimated sales",
        Count,
        Up,
        true
    ),
    metric!(
        "pay_gmv",
        "支付GMV",
        "Ad pay GMV",
        sum("pay_gmv_fen", YUAN_PER_FEN),
        "Σ pay_gmv_fen / 100",
        Yuan,
        Up,
        true
    ),
    metric!(
        "conversions",
        "转化数",
        "Conversions",
        sum("conversions", 1.0),
        "Σ conversions",
        Count,
        Up,
        true
    ),
    metric!(
        "order_count",
        "订单数（明细）",
        "Orders (order file)",
        sum("order_count", 1.0),
        "count of order rows",
        Count,
        Up,
        true
    ),
    metric!(
        "audience_gmv",
        "人群成交金额",
        "GMV by buyer group",
        sum("audience_paid_fen", YUAN_PER_FEN),
        "Σ 人群构成 用户支付金额 (or paid order lines) / 100",
        Yuan,
        Up,
        true
    ),
    metric!(
        "complaints",
        "投诉数",
        "Complaints",
        sum("complaints", 1.0),
        "Σ complaint comments",
        Count,
        Down,
        true
    ),
    metric!(
        "on_hand",
        "库存",
        "On hand",
        sum("on_hand", 1.0),
        "Σ units on hand",
        Count,
        Up,
        true
    ),
    metric!(
        "daily_sales",
        "近7日日均销量",
        "7-day average daily sales",
        sum("daily_sales_7d", 1.0),
        "Σ 7-day average units a day",
        Count,
        Up,
        true
    ),
    metric!(
        "in_transit",
        "在途库存",
        "In transit",
        sum("in_transit", 1.0),
        "Σ units ordered but not yet received",
        Count,
        Up,
        true
    ),
    metric!(
        "ctr",
        "点击率",
        "CTR",
        ratio("clicks", "exposure", 1.0),
        "clicks / exposure",
        Ratio,
        Up,
        false
    ),
    metric!(
        "cvr",
        "转化率",
        "CVR",
        ratio("orders", "clicks", 1.0),
        "orders / clicks",
        Ratio,
        Up,
        false
    ),
    metric!(
        "click_users",
        "商品点击人数",
        "Product click users",
        sum("click_users", 1.0),
        "商品点击人数 of the shop row (persons are never summed over rows)",
        Count,
        Up,
        false
    ),
    metric!(
        "cvr_users",
        "转化率（人数）",
        "CVR (users)",
        ratio("paying_users", "click_users", 1.0),
        "paying_users / click_users",
        Ratio,
        Up,
        false
    ),
    metric!(
        "add_to_cart_rate",
        "加购率",
        "Add-to-cart rate",
        ratio("add_to_cart", "detail_views", 1.0),
        "add_to_cart / detail_views",
        Ratio,
        Up,
        false
    ),
    metric!(
        "aov",
        "客单价",
        "AOV",
        ratio("gmv_fen", "paying_users", YUAN_PER_FEN),
        "gmv / paying_users",
        Yuan,
        Up,
        false
    ),
    metric!(
        "gpm",
        "千次曝光成交额",
        "GPM",
        ratio("gmv_fen", "exposure", 10.0),
        "gmv / exposure × 1000",
        Yuan,
        Up,
        false
    ),
    metric!(
        "spend",
        "消耗",
        "Ad spend",
        sum("ad_spend_fen", YUAN_PER_FEN),
        "Σ spend_fen / 100",
        Yuan,
        Down,
        true
    ),
    metric!(
        "creative_impressions",
        "素材展示数",
        "Creative impressions",
        sum("creative_impressions", 1.0),
        "Σ creative impressions",
        Count,
        Up,
        true
    ),
    metric!(
        "creative_clicks",
        "素材点击数",
        "Creative clicks",
        sum("creative_clicks", 1.0),
        "Σ creative clicks",
        Count,
        Up,
        true
    ),
    metric!(
        "creative_conversions",
        "素材转化数",
        "Creative conversions",
        sum("creative_conversions", 1.0),
        "Σ creative conversions",
        Count,
        Up,
        true
    ),
    metric!(
        "creative_ctr",
        "素材点击率",
        "Creative CTR",
        ratio("creative_clicks", "creative_impressions", 1.0),
        "creative clicks / creative impressions",
        Ratio,
        Up,
        false
    ),
    metric!(
        "creative_cvr",
        "素材转化率",
        "Creative CVR",
        ratio("creative_conversions", "creative_clicks", 1.0),
        "creative conversions / creative clicks",
        Ratio,
        Up,
        false
    ),
    metric!(
        "ad_ctr",
        "计划点击率",
        "Plan CTR",
        ratio("ad_clicks", "ad_impressions", 1.0),
        "ad clicks / ad impressions",
        Ratio,
        Up,
        false
    ),
    metric!(
        "ad_cvr",
        "计划转化率",
        "Plan CVR",
        ratio("conversions", "ad_clicks", 1.0),
        "conversions / ad clicks",
        Ratio,
        Up,
        false
    ),
    metric!(
        "cpm",
        "千次展示成本",
        "CPM",
        ratio("ad_spend_fen", "ad_impressions", 10.0),
        "spend / impressions × 1000",
        Yuan,
        Down,
        false
    ),
    metric!(
        "cpc",
        "点击成本",
        "CPC",
        ratio("ad_spend_fen", "ad_clicks", YUAN_PER_FEN),
        "spend / ad clicks",
        Yuan,
        Down,
        false
    ),
    metric!(
        "cpa",
        "转化成本",
        "CPA",
        ratio("ad_spend_fen", "conversions", YUAN_PER_FEN),
        "spend / conversions",
        Yuan,
        Down,
        false
    ),
    metric!(
        "roi",
        "支付ROI",
        "ROI",
        ratio("pay_gmv_fen", "ad_spend_fen", 1.0),
        "pay GMV / spend",
        Multiple,
        Up,
        false
    ),
    metric!(
        "cost_per_exposure",
        "单次曝光成本",
        "Cost per exposure",
        ratio("ad_spend_fen", "ad_impressions", YUAN_PER_FEN),
        "spend / impressions",
        Yuan,
        Down,
        false
    ),
    metric!(
        "spend_ratio",
        "投放费比",
        "Spend / GMV",
        ratio("ad_spend_fen", "gmv_fen", 1.0),
        "spend / GMV",
        Ratio,
        Down,
        false
    ),
    metric!(
        "natural_share",
        "自然流量占比",
        "Natural-traffic share",
        ratio("natural_exposure", "exposure", 1.0),
        "natural exposure / exposure",
        Ratio,
        Up,
        false
    ),
    metric!(
        "completion_rate",
        "完播率",
        "Completion rate",
        ratio("completions", "plays", 1.0),
        "completions / plays",
        Ratio,
        Up,
        false
    ),
    metric!(
        "hold_3s_rate",
        "3秒留存率",
        "3-second hold",
        ratio("hold_3s", "plays", 1.0),
        "3 s holds / plays",
        Ratio,
        Up,
        false
    ),
    metric!(
        "interaction_rate",
        "互动率",
        "Interaction rate",
        ratio("interactions", "plays", 1.0),
        "(likes + comments + shares) / plays",
        Ratio,
        Up,
        false
    ),
    metric!(
        "like_rate",
        "点赞率",
        "Like rate",
        ratio("likes", "plays", 1.0),
        "likes / plays",
        Ratio,
        Up,
        false
    ),
    metric!(
        "bounce_rate",
        "跳出率",
        "Detail-page bounce",
        ratio("bounces", "detail_views", 1.0),
        "bounces / detail views",
        Ratio,
        Down,
        false
    ),
    metric!(
        "avg_dwell",
        "平均停留时长",
        "Average dwell",
        ratio("dwell_seconds", "detail_views", 1.0),
        "dwell seconds / detail views",
        Seconds,
        Up,
        false
    ),
    metric!(
        "showcase_jump_rate",
        "橱窗进店率",
        "Showcase→store jump rate",
        ratio("showcase_store_jumps", "showcase_detail_views", 1.0),
        "store jumps / detail views (showcase)",
        Ratio,
        Up,
        false
    ),
    metric!(
        "refund_rate",
        "退款率",
        "Refund rate",
        ratio("refund_orders", "orders", 1.0),
        "refund orders / orders",
        Ratio,
        Down,
        false
    ),
    metric!(
        "review_rate",
        "评价率",
        "Review rate",
        ratio("reviews", "orders", 1.0),
        "reviews / orders",
        Ratio,
        Up,
        false
    ),
    metric!(
        "repurchase_rate",
        "复购率",
        "Repurchase rate",
        ratio("returning_buyers", "buyers", 1.0),
        "returning buyers / buyers",
        Ratio,
        Up,
        false
    ),
    metric!(
        "revenue_per_buyer",
        "人均贡献（LTV）",
        "Revenue per buyer (LTV)",
        ratio("order_amount_fen", "buyers", YUAN_PER_FEN),
        "order amount / buyers",
        Yuan,
        Up,
        false
    ),
    metric!(
        "new_users",
        "新客数",
        "New customers",
        sum("new_buyers", 1.0),
        "distinct first-time buyers",
        Count,
        Up,
        false
    ),
    metric!(
        "retention_rate",
        "30日留存率",
        "30-day retention",
        ratio("retained_users", "cohort_users", 1.0),
        "cohort buyers re-buying within 30 days / cohort buyers",
        Ratio,
        Up,
        false
    ),
    metric!(
        "nps",
        "净推荐值",
        "NPS",
        ratio("nps_sum", "index_days", 1.0),
        "mean NPS over days",
        Index,
        Up,
        false
    ),
    metric!(
        "complaint_rate",
        "投诉率",
        "Complaint rate",
        ratio("complaints", "order_count", 1.0),
        "complaints / orders",
        Ratio,
        Down,
        false
    ),
    metric!(
        "days_of_cover",
        "可售天数",
        "Days of cover",
        ratio("on_hand", "daily_sales_7d", 1.0),
        "on hand / 7-day average daily sales",
        Days,
        Up,
        false
    ),
    metric!(
        "on_time_rate",
        "发货及时率",
        "On-time delivery",
        ratio("on_time_deliveries", "deliveries", 1.0),
        "on-time shipments / shipments",
        Ratio,
        Up,
        false
    ),
    metric!(
        "penalty_risk",
        "违规风险指数",
        "Penalty-risk index",
        ratio("penalty_risk_sum", "index_days", 1.0),
        "mean penalty-risk index",
        Index,
        Down,
        false
    ),
    metric!(
        "brand_search_index",
        "品牌搜索指数",
        "Brand search index",
        ratio("brand_search_sum", "index_days", 1.0),
        "mean brand search index",
        Index,
        Up,
        false
    ),
    metric!(
        "experience_score",
        "店铺体验分",
        "Store experience score",
        ratio("experience_sum", "index_days", 1.0),
        "mean store experience score",
        Index,
        Up,
        false
    ),
];

/// Looks up a metric by id.
pub fn metric(id: &str) -> Option<&'static Metric> {
    METRICS.iter().find(|m| m.id == id)
}

/// Looks up a base measure by id (its preferred source).
pub fn measure(id: &str) -> Option<&'static Measure> {
    MEASURES.iter().find(|m| m.id == id)
}

/// Where a metric's measures come from, in order of preference: `gmv_fen: trade_day ›
/// orders › product_day`, one measure per `;`.
pub fn sources_text(m: &Metric) -> String {
    m.formula
        .measures()
        .iter()
        .map(|id| {
            let tables: Vec<&str> = measure_sources(id).map(|me| me.table.name()).collect();
            format!("{id}: {}", tables.join(" › "))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Every source of a base measure, best first.
pub fn measure_sources(id: &str) -> impl Iterator<Item = &'static Measure> + '_ {
    MEASURES.iter().filter(move |m| m.id == id)
}

/// The product categories the shipped settings have baselines for, with their Chinese names
/// (`[baselines.<category>]` in `defaults.toml`).
pub const CATEGORIES: [(&str, &str); 6] = [
    ("beauty", "美妆"),
    ("apparel", "服饰"),
    ("food", "食品"),
    ("home", "家居"),
    ("digital", "数码"),
    ("baby", "母婴"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_formula_names_known_measures_and_ids_are_unique() {
        for m in METRICS {
            for id in m.formula.measures() {
                assert!(measure(id).is_some(), "{} uses unknown measure {id}", m.id);
            }
            assert_eq!(
                METRICS.iter().filter(|o| o.id == m.id).count(),
                1,
                "{}",
                m.id
            );
        }
        // A measure may have several sources, but each table serves it once.
        for me in MEASURES {
            assert_eq!(
                MEASURES
                    .iter()
                    .filter(|o| o.id == me.id && o.table == me.table)
                    .count(),
                1,
                "{} in {}",
                me.id,
                me.table.name()
            );
        }
    }

    #[test]
    fn the_docs_list_every_measure_with_several_sources_in_catalog_order() {
        let docs = include_str!("../../../docs/sources.md");
        let mut ids: Vec<&str> = MEASURES.iter().map(|m| m.id).collect();
        ids.dedup();
        for id in ids {
            let tables: Vec<&str> = measure_sources(id).map(|m| m.table.name()).collect();
            if tables.len() < 2 {
                continue;
            }
            let row = docs
                .lines()
                .find(|l| l.starts_with(&format!("| `{id}` |")))
                .unwrap_or_else(|| panic!("docs/sources.md has no row for {id}"));
            let listed: Vec<&str> = row
                .split('|')
                .nth(2)
                .unwrap_or_default()
                .split('›')
                .map(|t| t.trim().trim_matches('`'))
                .collect();
            assert_eq!(listed, tables, "docs/sources.md row for {id}");
        }
    }

    #[test]
    fn headline_gmv_prefers_the_shop_row_then_orders_then_products() {
        let tables: Vec<Table> = measure_sources("gmv_fen").map(|m| m.table).collect();
        assert_eq!(
            tables,
            vec![Table::TradeDay, Table::Orders, Table::ProductDay]
        );
        // Persons are not additive over products: no product-row source for paying users.
        assert!(measure_sources("paying_users").all(|m| m.table != Table::ProductDay));
    }

    #[test]
    fn ratio_is_undefined_on_zero_denominator() {
        let f = ratio("a", "b", 1.0);
        assert_eq!(
            f.eval(|k| if k == "a" { Some(3.0) } else { Some(0.0) }),
            None
        );
        assert_eq!(
            f.eval(|k| if k == "a" { Some(3.0) } else { Some(4.0) }),
            Some(0.75)
        );
    }

    #[test]
    fn units_scale_fen_to_yuan() {
        // 1,234.50 yuan over 10 paying users = 123.45 yuan AOV.
        let aov = metric("aov").unwrap();
        let v = aov.formula.eval(|k| match k {
            "gmv_fen" => Some(123_450.0),
            "paying_users" => Some(10.0),
            _ => None,
        });
        assert!((v.unwrap() - 123.45).abs() < 1e-9);
        // GPM: 5,000 yuan over 20,000 exposures = 250 yuan per 1,000 exposures.
        let gpm = metric("gpm").unwrap();
        let v = gpm.formula.eval(|k| match k {
            "gmv_fen" => Some(500_000.0),
            "exposure" => Some(20_000.0),
            _ => None,
        });
        assert!((v.unwrap() - 250.0).abs() < 1e-9);
    }
}
