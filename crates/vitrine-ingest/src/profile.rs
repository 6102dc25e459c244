//! Source profiles: how one kind of merchant export maps onto a canonical table.
//!
//! A profile lists, per canonical column, the header spellings it is known by and how its
//! cells are parsed (and in which money unit). Files are recognised by their headers, never
//! by their names, so a renamed header is a one-line change here.

use vitrine_core::Table;

use crate::value::MoneyUnit;

/// How a cell is parsed into its canonical column.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Parse {
    Text,
    /// A whole count; `1.2万` allowed.
    Count,
    Money(MoneyUnit),
    Float,
    Date,
    /// A local (Asia/Shanghai) date-time, stored as Unix seconds.
    Timestamp,
    Hour,
    /// Yes/no: 是/否, 1/0, true/false, Y/N.
    Bool,
    /// A complaint flag: yes/no (是否投诉), or the 评价等级 of a 抖店 review, where a 差评 is
    /// the complaint a review export can show (好评 and 中评 are not).
    Complaint,
    /// Text translated through a table (e.g. 载体类型 → traffic source); unknown values pass through.
    Map(&'static [(&'static str, &'static str)]),
    /// A platform id kept as text (19 digits); an id Excel turned into `6.91793E+18` is refused.
    Id,
    /// A duration (`1分30秒`, `90秒`, `01:30`, `15.2s`, `90`) in whole seconds.
    Seconds,
    /// Bound to an after-sale status column: when the status is one of these, the row's
    /// `amount_fen` counts as refunded in full, else nothing (exports carry no refund amount).
    RefundIf(&'static [&'static str]),
}

/// What a profile does with total rows (合计/全部/不限…).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Totals {
    /// A row whose first cells say 合计/总计/汇总 is skipped (a totals line under a list).
    Skip,
    /// A row whose cell in one of these targets is a total marker is skipped as well.
    SkipWhere(&'static [&'static str]),
    /// Totals are parts of the data: kept, with `is_total` set when any of these levels is a
    /// total marker and `is_shop_total` when every one is (or is empty).
    Flag(&'static [&'static str]),
}

pub use vitrine_core::table::TOTAL_MARKERS;

/// Whether a cell marks a total.
pub fn is_total_marker(cell: &str) -> bool {
    TOTAL_MARKERS.contains(&cell.trim())
}

/// One canonical column of a profile.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ColumnSpec {
    pub target: &'static str,
    pub headers: &'static [&'static str],
    pub parse: Parse,
}

/// One kind of export.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Profile {
    pub id: &'static str,
    pub name_zh: &'static str,
    pub table: Table,
    pub columns: &'static [ColumnSpec],
    /// Targets that must be found for the profile to match.
    pub required: &'static [&'static str],
    /// Values for canonical columns the export does not carry.
    pub defaults: &'static [(&'static str, &'static str)],
    /// The natural key within a (shop, date) partition: re-imports replace rows by it.
    /// For period snapshots it is the period (and kind): a new file of the period replaces
    /// the whole snapshot.
    pub key: &'static [&'static str],
    pub totals: Totals,
    /// A target filled from the sheet (or file) name through `sheet_values`, e.g. which
    /// 交易分析 sheet a row came from; the first listed value is the default.
    pub sheet_target: Option<&'static str>,
    pub sheet_values: &'static [(&'static str, &'static str)],
}

pub(crate) const fn col(
    target: &'static str,
    headers: &'static [&'static str],
    parse: Parse,
) -> ColumnSpec {
    ColumnSpec {
        target,
        headers,
        parse,
    }
}

pub(crate) const YUAN: Parse = Parse::Money(MoneyUnit::Yuan);

pub(crate) const CARRIER: &[(&str, &str)] = &[
    ("直播", "live"),
    ("短视频", "short_video"),
    ("视频", "short_video"),
    ("商品卡", "mall"),
    ("橱窗", "showcase"),
    ("搜索", "search"),
    ("自然流量", "natural"),
    ("千川", "paid_feed"),
    ("付费", "paid_feed"),
];

const ORDER_STATUS: &[(&str, &str)] = &[
    ("已完成", "completed"),
    ("已签收", "completed"),
    ("已发货", "shipped"),
    ("待发货", "paid"),
    ("已支付", "paid"),
    ("已关闭", "cancelled"),
    ("已取消", "cancelled"),
    ("退款成功", "refunded"),
    ("售后完成", "refunded"),
    ("待支付", "unpaid"),
    ("待付款", "unpaid"),
    ("交易关闭", "cancelled"),
    ("待收货", "shipped"),
    ("部分发货", "shipped"),
    ("备货中", "paid"),
];

/// 售后状态 of a sub-order.
const AFTER_SALE: &[(&str, &str)] = &[
    ("退款成功", "refunded"),
    ("售后关闭", "closed"),
    ("售后完成", "closed"),
    ("退款中", "in_progress"),
    ("售后中", "in_progress"),
    ("待商家处理", "in_progress"),
    ("待买家退货", "in_progress"),
    ("待商家收货", "in_progress"),
    ("拒绝退款", "rejected"),
    ("售后拒绝", "rejected"),
    ("无售后", ""),
    ("-", ""),
    ("--", ""),
];

/// 流量类型: paid or natural traffic.
const TRAFFIC_TYPE: &[(&str, &str)] = &[
    ("付费", "paid"),
    ("付费流量", "paid"),
    ("自然", "natural"),
    ("自然流量", "natural"),
];

/// APP渠道: which app the order was placed in.
const APP: &[(&str, &str)] = &[
    ("抖音", "douyin"),
    ("抖音极速版", "douyin_lite"),
    ("抖音火山版", "douyin_huoshan"),
    ("抖音商城", "douyin_mall"),
    ("今日头条", "toutiao"),
    ("西瓜视频", "xigua"),
];

pub(crate) const SHOP: ColumnSpec = col("shop_id", &["店铺ID", "店铺id", "shop_id"], Parse::Text);

/// Compass 罗盘 product export (both header generations: 成交金额 and 用户支付金额).
pub const COMPASS_PRODUCT: Profile = Profile {
    id: "compass_product",
    name_zh: "罗盘 商品数据",
    table: Table::ProductDay,
    columns: &[
        SHOP,
        col("date", &["统计日期", "日期", "时间"], Parse::Date),
        col("product_id", &["商品ID", "商品id"], Parse::Text),
        col("category", &["商品类目", "类目", "一级类目"], Parse::Text),
        col(
            "source",
            &["载体类型", "流量来源", "渠道"],
            Parse::Map(CARRIER),
        ),
        col("gmv_fen", &["成交金额"], YUAN),
        col("user_paid_fen", &["用户支付金额"], YUAN),
        col("orders", &["成交订单数"], Parse::Count),
        col("items", &["成交件数"], Parse::Count),
        col("paying_users", &["成交人数"], Parse::Count),
        col("new_paying_users", &["新客成交人数"], Parse::Count),
        col("exposure", &["商品曝光次数"], Parse::Count),
        col("exposure_users", &["商品曝光人数"], Parse::Count),
        col("clicks", &["商品点击次数"], Parse::Count),
        col("click_users", &["商品点击人数"], Parse::Count),
        col("add_to_cart", &["商品加购次数"], Parse::Count),
        col("add_to_cart_users", &["商品加购人数"], Parse::Count),
        col("refund_fen", &["退款金额"], YUAN),
        col("refund_orders", &["退款订单数"], Parse::Count),
    ],
    required: &["date", "product_id", "exposure", "clicks"],
    defaults: &[("category", "uncategorized"), ("source", "all")],
    key: &["product_id", "source"],
    totals: Totals::Skip,
    sheet_target: None,
    sheet_values: &[],
};

/// Qianchuan 巨量千川 plan report, daily or hourly.
pub const QIANCHUAN_PLAN: Profile = Profile {
    id: "qianchuan_plan",
    name_zh: "千川 计划报表",
    table: Table::PlanHour,
    columns: &[
        SHOP,
        col(
            "date",
            &["日期", "时间", "时间-小时", "stat_datetime", "stat_date"],
            Parse::Date,
        ),
        col(
            "hour",
            &["小时", "时间-小时", "时段", "stat_hour"],
            Parse::Hour,
        ),
        col("plan_id", &["计划ID", "计划id", "ad_id"], Parse::Text),
        col("category", &["商品类目", "类目"], Parse::Text),
        col(
            "bid_mode",
            &["投放方式", "出价方式", "bid_mode"],
            Parse::Map(&[
                ("控成本投放", "SMART_BID_CUSTOM"),
                ("放量投放", "SMART_BID_CONSERVATIVE"),
            ]),
        ),
        col("bid_fen", &["出价", "转化出价", "cpa_bid"], YUAN),
        col("budget_fen", &["预算", "日预算", "budget"], YUAN),
        col("roi_goal", &["支付ROI目标", "roi_goal"], Parse::Float),
        col(
            "learning_status",
            &["学习期状态", "learning_status"],
            Parse::Map(&[
                ("学习中", "LEARNING"),
                ("学习成功", "LEARNED"),
                ("学习失败", "LEARN_FAILED"),
            ]),
        ),
        col("spend_fen", &["消耗", "stat_cost", "整体消耗"], YUAN),
        col("impressions", &["展示数", "show_cnt"], Parse::Count),
        col("clicks", &["点击数", "click_cnt"], Parse::Count),
        col("conversions", &["转化数", "convert_cnt"], Parse::Count),
        col(
            "pay_orders",
            &["成交订单数", "pay_order_count"],
            Parse::Count,
        ),
        col("pay_gmv_fen", &["成交订单金额", "pay_order_amount"], YUAN),
    ],
    required: &["date", "plan_id", "spend_fen", "impressions"],
    defaults: &[
        ("category", "uncategorized"),
        ("bid_mode", ""),
        ("learning_status", ""),
    ],
    key: &["plan_id", "hour"],
    totals: Totals::Skip,
    sheet_target: None,
    sheet_values: &[],
};

/// 抖店 订单导出: one row per sub-order (子订单). The order day is 支付完成时间 (the pay-time
/// basis Compass counts by; 订单提交时间 for unpaid rows); 订单应付金额 and 运费 are the
/// sub-order's own; a sub-order whose 售后状态 is 退款成功 counts as refunded in full (the
/// export has no refund amount, so partial refunds are unknown). 收件人, 收件人手机号 and
/// 详细地址 are encrypted in the export and never read.
pub const DOUDIAN_ORDERS: Profile = Profile {
    id: "doudian_orders",
    name_zh: "抖店 订单导出",
    table: Table::Orders,
    columns: &[
        SHOP,
        col(
            "order_id",
            &["子订单编号", "订单编号", "order_id", "主订单编号"],
            Parse::Id,
        ),
        col("parent_order_id", &["主订单编号"], Parse::Id),
        col("date", &["支付完成时间", "支付时间"], Parse::Date),
        col("date", &["订单提交时间", "下单时间"], Parse::Date),
        col(
            "ordered_at",
            &["支付完成时间", "支付时间"],
            Parse::Timestamp,
        ),
        col(
            "ordered_at",
            &["订单提交时间", "下单时间"],
            Parse::Timestamp,
        ),
        col("user_id", &["用户ID", "买家ID", "买家昵称"], Parse::Text),
        col("product_id", &["商品ID", "商品id"], Parse::Id),
        col("category", &["商品类目", "类目"], Parse::Text),
        col("quantity", &["商品数量", "数量"], Parse::Count),
        col(
            "amount_fen",
            &["订单应付金额", "实付金额", "支付金额"],
            YUAN,
        ),
        col("shipping_fen", &["运费"], YUAN),
        col("region", &["省", "收货省份", "省份"], Parse::Text),
        col("device", &["设备", "终端"], Parse::Text),
        col(
            "channel",
            &["流量体裁", "流量来源", "流量渠道", "渠道"],
            Parse::Map(CARRIER),
        ),
        col("traffic_type", &["流量类型"], Parse::Map(TRAFFIC_TYPE)),
        col("app", &["APP渠道"], Parse::Map(APP)),
        col("status", &["订单状态"], Parse::Map(ORDER_STATUS)),
        col("after_sale", &["售后状态"], Parse::Map(AFTER_SALE)),
        col("refund_fen", &["退款金额"], YUAN),
        col("refund_fen", &["售后状态"], Parse::RefundIf(&["退款成功"])),
        col("promised_ship_at", &["承诺发货时间"], Parse::Timestamp),
        col("shipped_at", &["发货时间"], Parse::Timestamp),
    ],
    required: &["order_id", "date", "product_id", "amount_fen"],
    defaults: &[
        ("user_id", ""),
        ("category", "uncategorized"),
        ("region", "未知"),
        ("device", "unknown"),
        ("channel", "all"),
        ("status", "paid"),
        ("quantity", "1"),
        ("refund_fen", "0"),
    ],
    key: &["order_id"],
    totals: Totals::Skip,
    sheet_target: None,
    sheet_values: &[],
};

/// Qianchuan 全域推广 hourly export (one row per hour for the whole account).
pub const QIANCHUAN_UNI_HOURLY: Profile = Profile {
    id: "qianchuan_uni_hourly",
    name_zh: "千川 全域推广 分时数据",
    table: Table::PlanHour,
    columns: &[
        SHOP,
        col("date", &["时间-小时", "日期", "时间"], Parse::Date),
        col(
            "hour",
            &["时间-小时", "小时区间", "小时", "时段"],
            Parse::Hour,
        ),
        col("spend_fen", &["整体消耗"], YUAN),
        col("pay_gmv_fen", &["整体成交金额"], YUAN),
        col("pay_orders", &["整体成交订单数"], Parse::Count),
        col("conversions", &["整体成交订单数"], Parse::Count),
    ],
    required: &["hour", "spend_fen", "pay_gmv_fen"],
    defaults: &[
        ("plan_id", "uni_promotion"),
        ("category", "uncategorized"),
        ("bid_mode", "UNI_PROMOTION"),
        ("learning_status", ""),
    ],
    key: &["plan_id", "hour"],
    totals: Totals::Skip,
    sheet_target: None,
    sheet_values: &[],
};

/// Qianchuan creative / material report.
pub const QIANCHUAN_CREATIVE: Profile = Profile {
    id: "qianchuan_creative",
    name_zh: "千川 创意/素材报表",
    table: Table::CreativeDay,
    columns: &[
        SHOP,
        col("date", &["日期", "时间", "stat_datetime"], Parse::Date),
        col(
            "creative_id",
            &["创意ID", "素材ID", "creative_id", "material_id"],
            Parse::Text,
        ),
        col("plan_id", &["计划ID", "ad_id"], Parse::Text),
        col("category", &["商品类目", "类目"], Parse::Text),
        col("spend_fen", &["消耗", "stat_cost"], YUAN),
        col("impressions", &["展示数", "show_cnt"], Parse::Count),
        col("clicks", &["点击数", "click_cnt"], Parse::Count),
        col("conversions", &["转化数", "convert_cnt"], Parse::Count),
        col("pay_gmv_fen", &["成交订单金额", "pay_order_amount"], YUAN),
    ],
    required: &["date", "creative_id", "spend_fen", "impressions", "clicks"],
    defaults: &[("plan_id", ""), ("category", "uncategorized")],
    key: &["creative_id"],
    totals: Totals::Skip,
    sheet_target: None,
    sheet_values: &[],
};

/// Compass video / content export.
pub const COMPASS_VIDEO: Profile = Profile {
    id: "compass_video",
    name_zh: "罗盘 短视频数据",
    table: Table::VideoDay,
    columns: &[
        SHOP,
        col("date", &["统计日期", "日期"], Parse::Date),
        col("video_id", &["视频ID", "作品ID", "视频id"], Parse::Text),
        col("product_id", &["商品ID"], Parse::Text),
        col("plays", &["播放次数", "播放量", "播放数"], Parse::Count),
        col(
            "completions",
            &["完播次数", "完播数", "播放完成数"],
            Parse::Count,
        ),
        col("hold_3s", &["3秒播放数", "3s播放数"], Parse::Count),
        col("likes", &["点赞数", "点赞次数"], Parse::Count),
        col("comments", &["评论数", "评论次数"], Parse::Count),
        col("shares", &["分享数", "分享次数"], Parse::Count),
        col(
            "follows",
            &["新增粉丝数", "涨粉数", "新增关注"],
            Parse::Count,
        ),
        col("product_clicks", &["商品点击次数"], Parse::Count),
        col("orders", &["成交订单数"], Parse::Count),
        col("gmv_fen", &["成交金额", "用户支付金额"], YUAN),
    ],
    required: &["date", "video_id", "plays"],
    defaults: &[("product_id", "")],
    key: &["video_id"],
    totals: Totals::Skip,
    sheet_target: None,
    sheet_values: &[],
};

/// A stock sheet kept by the supply-chain team.
pub const INVENTORY_SHEET: Profile = Profile {
    id: "inventory_sheet",
    name_zh: "库存表",
    table: Table::Inventory,
    columns: &[
        SHOP,
        col("date", &["日期", "盘点日期"], Parse::Date),
        col("product_id", &["商品ID", "商品编码"], Parse::Text),
        col("category", &["类目", "商品类目"], Parse::Text),
        col(
            "on_hand",
            &["可售库存", "在库库存", "现有库存"],
            Parse::Count,
        ),
        col("in_transit", &["在途库存", "在途数量"], Parse::Count),
        col(
            "avg_daily_sales_7d",
            &["近7日日均销量", "日均销量"],
            Parse::Float,
        ),
    ],
    required: &["date", "product_id", "on_hand"],
    defaults: &[("category", "uncategorized")],
    key: &["product_id"],
    totals: Totals::Skip,
    sheet_target: None,
    sheet_values: &[],
};

/// A competitor tracking sheet.
pub const COMPETITOR_SHEET: Profile = Profile {
    id: "competitor_sheet",
    name_zh: "竞品监控表",
    table: Table::Competitors,
    columns: &[
        SHOP,
        col("date", &["日期"], Parse::Date),
        col(
            "competitor_shop",
            &["竞品店铺", "竞品店铺名称"],
            Parse::Text,
        ),
        col(
            "competitor_product",
            &["竞品商品", "竞品商品名称"],
            Parse::Text,
        ),
        col("category", &["类目"], Parse::Text),
        col("price_fen", &["售价", "到手价"], YUAN),
        col("est_sales", &["预估销量", "销量"], Parse::Count),
        col("videos", &["视频数", "新增视频数"], Parse::Count),
        col("bid_level_fen", &["出价水平", "竞价水平"], YUAN),
    ],
    required: &["date", "competitor_shop", "competitor_product"],
    defaults: &[("category", "uncategorized")],
    key: &["competitor_shop", "competitor_product"],
    totals: Totals::Skip,
    sheet_target: None,
    sheet_values: &[],
};

/// 抖店 评价: one row per review (评价日期 like `2026年07月09日 20:11:05`). A review is
/// identified by its order and product; 用户昵称 is not kept. The export flags no complaint:
/// a 差评 (评价等级) counts as one.
pub const COMMENTS: Profile = Profile {
    id: "doudian_reviews",
    name_zh: "抖店 评价",
    table: Table::Comments,
    columns: &[
        SHOP,
        col(
            "date",
            &["评价日期", "评价时间", "评论时间", "日期"],
            Parse::Date,
        ),
        col(
            "comment_id",
            &["订单ID", "订单编号", "评价ID", "评论ID"],
            Parse::Id,
        ),
        col("product_id", &["商品ID"], Parse::Id),
        col("category", &["类目"], Parse::Text),
        col("user_id", &["用户ID"], Parse::Text),
        col(
            "rating",
            &["商品评价得分", "评分", "星级", "商品评分"],
            Parse::Count,
        ),
        col("text", &["评价内容", "评论内容"], Parse::Text),
        col(
            "is_complaint",
            &["是否投诉", "投诉", "评价等级"],
            Parse::Complaint,
        ),
    ],
    required: &["date", "comment_id", "text"],
    defaults: &[
        ("product_id", ""),
        ("category", "uncategorized"),
        ("user_id", ""),
        ("is_complaint", "0"),
    ],
    key: &["comment_id", "product_id"],
    totals: Totals::Skip,
    sheet_target: None,
    sheet_values: &[],
};

/// Compass shop overview: the daily indices an export carries (store experience score…).
pub const COMPASS_SHOP_OVERVIEW: Profile = Profile {
    id: "compass_shop_overview",
    name_zh: "罗盘 店铺概览",
    table: Table::ExternalIndices,
    columns: &[
        SHOP,
        col("date", &["统计日期", "日期"], Parse::Date),
        col("experience_score", &["店铺体验分", "体验分"], Parse::Float),
        col(
            "brand_search_index",
            &["品牌搜索指数", "搜索指数"],
            Parse::Float,
        ),
        col("nps", &["NPS", "净推荐值"], Parse::Float),
        col("penalty_risk", &["违规风险指数"], Parse::Float),
    ],
    required: &["date", "experience_score"],
    defaults: &[],
    key: &["shop_id"],
    totals: Totals::Skip,
    sheet_target: None,
    sheet_values: &[],
};

/// Normalises a header cell: trims, drops BOMs and spaces, folds full-width brackets, and
/// drops a trailing unit `(元)` (newer consoles append it to money headers; the profile
/// declares every column's unit).
pub fn normalise(h: &str) -> String {
    let s: String = h
        .trim()
        .chars()
        .filter(|c| !matches!(c, '\u{feff}' | ' ' | '\u{3000}' | '\t'))
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            _ => c,
        })
        .collect();
    match s.strip_suffix("(元)") {
        Some(base) if !base.is_empty() => base.to_string(),
        _ => s,
    }
}

/// Consoles cut some headers at this many characters (Qianchuan 全域 素材).
const CUT_HEADER_CHARS: usize = 12;

/// Whether a normalised file header names the known header `known`: equal, or `known` cut
/// at [`CUT_HEADER_CHARS`].
fn names(file: &str, known: &str) -> bool {
    file == known
        || (file.chars().count() == CUT_HEADER_CHARS
            && known.chars().count() > CUT_HEADER_CHARS
            && known.starts_with(file))
}

/// For each column spec of `profile`, the index of the header that carries it.
pub fn bind(profile: &Profile, headers: &[String]) -> Vec<Option<usize>> {
    bind_distinct(profile, &distinct(headers))
}

/// Each distinct non-empty header once, normalised, at its first column: computed once per
/// row, so a row whose merged title repeats across a thousand columns costs one comparison
/// per profile column, not a thousand normalisations per profile.
pub(crate) fn distinct(headers: &[String]) -> Vec<(usize, String)> {
    let mut seen = std::collections::HashSet::new();
    headers
        .iter()
        .enumerate()
        .map(|(i, h)| (i, normalise(h)))
        .filter(|(_, n)| !n.is_empty() && seen.insert(n.clone()))
        .collect()
}

pub(crate) fn bind_distinct(profile: &Profile, norm: &[(usize, String)]) -> Vec<Option<usize>> {
    let first = |hit: &dyn Fn(&str) -> bool| norm.iter().find(|(_, n)| hit(n)).map(|x| x.0);
    profile
        .columns
        .iter()
        .map(|c| {
            c.headers
                .iter()
                .find_map(|h| first(&|n| n == *h))
                .or_else(|| c.headers.iter().find_map(|h| first(&|n| names(n, h))))
        })
        .collect()
}
