//! Profiles of the export families merchants download in 2026 (REFERENCE.md, "Real export
//! families"): Compass 交易分析 (one profile per kind of sheet), 商品卡 and its traffic
//! sources, 视频详情, Qianchuan 全域 素材 and 直播 analyses, the 直播间 report and 抖店 动账.
//! Headers are listed exactly as the consoles write them; columns not listed are ignored.

use vitrine_core::Table;

use crate::profile::{col, ColumnSpec, Parse, Profile, Totals, SHOP, YUAN};

/// The measure columns every 交易分析 sheet shares (after its breakdown columns).
macro_rules! trade_measures {
    () => {
        [
            col("user_paid_fen", &["用户支付金额"], YUAN),
            col("gmv_fen", &["成交金额"], YUAN),
            col("net_gmv_fen", &["净成交金额"], YUAN),
            col("orders", &["成交订单数"], Parse::Count),
            col("paying_users", &["成交人数"], Parse::Count),
            col("items", &["成交件数"], Parse::Count),
            col("exposure", &["商品曝光次数"], Parse::Count),
            col("clicks", &["商品点击次数"], Parse::Count),
            col("exposure_users", &["商品曝光人数"], Parse::Count),
            col("click_users", &["商品点击人数"], Parse::Count),
            col(
                "refund_fen",
                &["退款金额(支付时间)", "成交退款金额(支付时间)"],
                YUAN,
            ),
            col("refund_orders", &["退款订单数(支付时间)"], Parse::Count),
            col("ad_spend_fen", &["投放消耗(店铺被投)", "投放消耗"], YUAN),
            col("aov_fen", &["客单价"], YUAN),
            col("repurchase_rate", &["复购用户复购率"], Parse::Float),
        ]
    };
}

/// A 交易分析 sheet profile: its breakdown levels (up to four) and the shared measures.
macro_rules! trade_profile {
    ($name:ident, $id:literal, $zh:literal, $sheet:literal, [$($level:expr),*], $required:expr) => {
        pub const $name: Profile = Profile {
            id: $id,
            name_zh: $zh,
            table: Table::TradeDay,
            columns: &{
                const LEVELS: &[ColumnSpec] = &[$($level),*];
                const MEASURES: [ColumnSpec; 15] = trade_measures!();
                let mut all = [SHOP; 2 + 15 + 4];
                all[1] = col("date", &["日期", "统计日期"], Parse::Date);
                let mut i = 0;
                while i < LEVELS.len() {
                    all[2 + i] = LEVELS[i];
                    i += 1;
                }
                let mut j = 0;
                while j < 15 {
                    all[2 + LEVELS.len() + j] = MEASURES[j];
                    j += 1;
                }
                // Unused slots repeat the shop column (binding it twice is harmless).
                all
            },
            required: $required,
            defaults: &[
                ("level1", ""),
                ("level2", ""),
                ("level3", ""),
                ("level4", ""),
                ("sheet", $sheet),
            ],
            key: &["sheet", "level1", "level2", "level3", "level4"],
            totals: Totals::Flag(&["level1", "level2", "level3", "level4"]),
            sheet_target: Some("sheet"),
            sheet_values: TRADE_SHEETS,
        };
    };
}

/// 交易分析 sheet names and the `sheet` value their rows get (sheets sharing a header layout
/// are told apart by name).
const TRADE_SHEETS: &[(&str, &str)] = &[
    ("成交概览", "overview"),
    ("自营成交", "self_operated"),
    ("合作成交", "cooperative"),
    ("单载体构成", "single_carrier"),
    ("载体构成", "carrier"),
    ("账号构成", "account"),
    ("终端构成", "device"),
    ("品类构成", "category"),
    ("商品构成", "product"),
    ("价格带构成", "price_band"),
    ("人群构成", "audience"),
];

trade_profile!(
    TRADE_OVERVIEW,
    "compass_trade_overview",
    "罗盘 交易分析 成交概览",
    "overview",
    [
        col("level1", &["载体类型"], Parse::Text),
        col("level2", &["投放时段"], Parse::Text)
    ],
    &["date", "level1", "level2", "user_paid_fen"]
);
trade_profile!(
    TRADE_CARRIER,
    "compass_trade_carrier",
    "罗盘 交易分析 载体构成",
    "carrier",
    [
        col("level1", &["自营/合作"], Parse::Text),
        col("level2", &["载体类型"], Parse::Text),
        col("level3", &["账号/渠道"], Parse::Text),
        col("level4", &["抖音号"], Parse::Text)
    ],
    &["date", "level1", "level3", "user_paid_fen"]
);
trade_profile!(
    TRADE_ACCOUNT,
    "compass_trade_account",
    "罗盘 交易分析 账号构成",
    "account",
    [
        col("level1", &["账号名称"], Parse::Text),
        col("level2", &["账号类型"], Parse::Text),
        col("level3", &["自营/合作"], Parse::Text),
        col("level4", &["抖音号"], Parse::Text)
    ],
    &["date", "level1", "level2", "user_paid_fen"]
);
trade_profile!(
    TRADE_SINGLE_CARRIER,
    "compass_trade_single_carrier",
    "罗盘 交易分析 单载体构成",
    "single_carrier",
    [
        col("level1", &["售卖类型"], Parse::Text),
        col("level2", &["载体类型"], Parse::Text),
        col("level3", &["ID"], Parse::Id),
        col("level4", &["标题/名称"], Parse::Text)
    ],
    &["date", "level1", "level3", "user_paid_fen"]
);
trade_profile!(
    TRADE_DEVICE,
    "compass_trade_device",
    "罗盘 交易分析 终端构成",
    "device",
    [
        col("level1", &["终端类型"], Parse::Text),
        col("level2", &["售卖类型"], Parse::Text)
    ],
    &["date", "level1", "user_paid_fen"]
);
trade_profile!(
    TRADE_CATEGORY,
    "compass_trade_category",
    "罗盘 交易分析 品类构成",
    "category",
    [
        col("level1", &["一级类目"], Parse::Text),
        col("level2", &["二级类目"], Parse::Text),
        col("level3", &["三级类目"], Parse::Text),
        col("level4", &["四级类目"], Parse::Text)
    ],
    &["date", "level1", "level2", "user_paid_fen"]
);
trade_profile!(
    TRADE_PRODUCT,
    "compass_trade_product",
    "罗盘 交易分析 商品构成",
    "product",
    [
        col("level1", &["商品编号"], Parse::Id),
        col("level2", &["商品名称"], Parse::Text),
        col("level3", &["载体类型"], Parse::Text)
    ],
    &["date", "level1", "user_paid_fen"]
);
trade_profile!(
    TRADE_PRICE_BAND,
    "compass_trade_price_band",
    "罗盘 交易分析 价格带构成",
    "price_band",
    [col("level1", &["价格带"], Parse::Text)],
    &["date", "level1", "user_paid_fen"]
);
trade_profile!(
    TRADE_AUDIENCE,
    "compass_trade_audience",
    "罗盘 交易分析 人群构成",
    "audience",
    [
        col("level1", &["人群类型"], Parse::Text),
        col("level2", &["载体类型"], Parse::Text)
    ],
    &["date", "level1", "user_paid_fen"]
);

/// Compass 商品卡列表数据: one row per product for the period in the file name.
pub const PRODUCT_CARDS: Profile = Profile {
    id: "compass_product_cards",
    name_zh: "罗盘 商品卡列表数据",
    table: Table::ProductCardPeriod,
    columns: &[
        SHOP,
        col("product_id", &["商品ID", "商品id"], Parse::Id),
        col("exposure_users", &["商品卡曝光人数"], Parse::Count),
        col("click_users", &["商品卡点击人数"], Parse::Count),
        col("user_paid_fen", &["商品卡用户支付金额"], YUAN),
        col("paying_users", &["商品卡成交人数"], Parse::Count),
        col("orders", &["商品卡成交订单数"], Parse::Count),
        col("add_to_cart_users", &["商品卡加购人数"], Parse::Count),
        col("favorite_users", &["商品卡收藏人数"], Parse::Count),
    ],
    required: &["product_id", "exposure_users", "user_paid_fen"],
    defaults: &[],
    key: &["period_end"],
    totals: Totals::Skip,
    sheet_target: None,
    sheet_values: &[],
};

/// Compass 商品卡流量来源: one row per channel (一级 → 二级) for the period; `全部` rows are
/// the totals of their level.
pub const CARD_CHANNELS: Profile = Profile {
    id: "compass_card_channels",
    name_zh: "罗盘 商品卡流量来源",
    table: Table::ChannelPeriod,
    columns: &[
        SHOP,
        col("channel_l1", &["一级渠道"], Parse::Text),
        col("channel_l2", &["二级渠道"], Parse::Text),
        col("exposure_users", &["商品卡曝光人数"], Parse::Count),
        col("click_users", &["商品卡点击人数"], Parse::Count),
        col("user_paid_fen", &["用户支付金额"], YUAN),
        col("paying_users", &["成交人数"], Parse::Count),
    ],
    required: &["channel_l1", "channel_l2", "exposure_users"],
    defaults: &[("channel_l2", "")],
    key: &["period_end"],
    totals: Totals::Flag(&["channel_l1", "channel_l2"]),
    sheet_target: None,
    sheet_values: &[],
};

/// Compass 视频详情数据: one row per video for the period; the kind (自营/合作 × 挂车/非挂车)
/// comes from the sheet or file name.
pub const VIDEO_DETAILS: Profile = Profile {
    id: "compass_video_details",
    name_zh: "罗盘 视频详情数据",
    table: Table::VideoPeriod,
    columns: &[
        SHOP,
        col("video_id", &["视频ID", "视频id"], Parse::Id),
        col("title", &["视频标题"], Parse::Text),
        col("published_at", &["发布时间"], Parse::Timestamp),
        col("creator", &["达人昵称"], Parse::Text),
        col("creator_account", &["达人抖音号"], Parse::Text),
        col("is_promoted", &["是否投放"], Parse::Bool),
        col("product_id", &["带货商品ID"], Parse::Text),
        col("views", &["视频观看次数"], Parse::Count),
        col("likes", &["点赞数"], Parse::Count),
        col("comments", &["评论数"], Parse::Count),
        col("favorites", &["收藏数"], Parse::Count),
        col("shares", &["转发数", "分享数"], Parse::Count),
        col("follows", &["点击关注次数"], Parse::Count),
        col("completion_rate", &["完播率"], Parse::Float),
        col("avg_watch_s", &["平均观看时长"], Parse::Seconds),
        col("user_paid_fen", &["用户支付金额"], YUAN),
        col("refund_fen", &["退款金额"], YUAN),
        col("orders", &["成交订单数"], Parse::Count),
        col("ad_spend_fen", &["投放消耗"], YUAN),
        col("commission_fen", &["预估佣金支出"], YUAN),
    ],
    required: &["video_id", "views"],
    defaults: &[
        ("title", ""),
        ("creator", ""),
        ("creator_account", ""),
        ("product_id", ""),
    ],
    key: &["period_end", "kind"],
    totals: Totals::Skip,
    sheet_target: Some("kind"),
    sheet_values: &[
        ("自营_挂车", "自营_挂车"),
        ("自营_非挂车", "自营_非挂车"),
        ("合作_挂车", "合作_挂车"),
        ("合作_非挂车", "合作_非挂车"),
    ],
};

/// Qianchuan 全域 素材分析: one row per material for the period in the file name.
pub const MATERIALS: Profile = Profile {
    id: "qianchuan_materials",
    name_zh: "千川 全域 素材分析",
    table: Table::MaterialPeriod,
    columns: &[
        SHOP,
        col("material_name", &["素材名称"], Parse::Text),
        col("material_id", &["素材ID", "素材id"], Parse::Id),
        col("evaluation", &["素材评估"], Parse::Text),
        col("duration_s", &["素材时长"], Parse::Seconds),
        col("created_at", &["素材创建时间"], Parse::Timestamp),
        col("spend_fen", &["整体消耗"], YUAN),
        col(
            "impressions",
            &["整体展示次数", "整体展现次数"],
            Parse::Count,
        ),
        col("clicks", &["整体点击次数"], Parse::Count),
        col("pay_gmv_fen", &["整体成交金额"], YUAN),
        col("pay_orders", &["整体成交订单数"], Parse::Count),
        col("user_paid_fen", &["用户实际支付金额"], YUAN),
        col("plays", &["视频播放数"], Parse::Count),
        col("play_3s_rate", &["3秒播放率"], Parse::Float),
        col("play_10s_rate", &["10秒播放率"], Parse::Float),
        col("completion_rate", &["视频完播率"], Parse::Float),
    ],
    required: &["material_id", "spend_fen", "impressions"],
    defaults: &[("material_name", ""), ("evaluation", "")],
    key: &["period_end"],
    totals: Totals::Skip,
    sheet_target: None,
    sheet_values: &[],
};

/// Qianchuan 全域 直播分析: one row per Douyin account and day; the `全部` row is the
/// period's total and is not added to the days.
pub const LIVE_ANALYSIS: Profile = Profile {
    id: "qianchuan_live_analysis",
    name_zh: "千川 全域 直播分析",
    table: Table::LiveAccountDay,
    columns: &[
        SHOP,
        col("account", &["抖音号名称"], Parse::Text),
        col("date", &["日期"], Parse::Date),
        col("net_gmv_fen", &["净成交金额"], YUAN),
        col("spend_fen", &["整体消耗"], YUAN),
        col("pay_gmv_fen", &["整体成交金额"], YUAN),
        col("pay_orders", &["整体成交订单数"], Parse::Count),
        col("exposure", &["直播间整体曝光次数"], Parse::Count),
    ],
    required: &["account", "date", "spend_fen", "pay_gmv_fen"],
    defaults: &[],
    key: &["account"],
    totals: Totals::SkipWhere(&["account"]),
    sheet_target: None,
    sheet_values: &[],
};

/// 直播间 report: one row per live session, dated by its start (统计日期 may be a range).
pub const LIVE_SESSIONS: Profile = Profile {
    id: "live_sessions",
    name_zh: "直播间 场次报表",
    table: Table::LiveSession,
    columns: &[
        SHOP,
        col("date", &["直播开始时间"], Parse::Date),
        col("room_id", &["直播间ID", "直播间id"], Parse::Id),
        col("room_name", &["直播间名称"], Parse::Text),
        col("started_at", &["直播开始时间"], Parse::Timestamp),
        col("ended_at", &["直播结束时间"], Parse::Timestamp),
        col("duration_s", &["直播时长"], Parse::Seconds),
        col("anchor_id", &["达人ID"], Parse::Id),
        col("account_type", &["账号类型"], Parse::Text),
        col("viewers", &["累计观看人数", "观看人数"], Parse::Count),
        col("views", &["观看次数", "累计观看次数"], Parse::Count),
        col(
            "user_paid_fen",
            &["用户支付金额", "直播间用户支付金额"],
            YUAN,
        ),
        col("orders", &["成交订单数"], Parse::Count),
        col("new_followers", &["新增粉丝数", "涨粉数"], Parse::Count),
    ],
    required: &["date", "room_id", "started_at"],
    defaults: &[("room_name", ""), ("anchor_id", ""), ("account_type", "")],
    key: &["room_id", "started_at"],
    totals: Totals::Skip,
    sheet_target: None,
    sheet_values: &[],
};

/// 抖店 动账: one row per fund movement, dated by 动账时间.
pub const SETTLEMENT: Profile = Profile {
    id: "doudian_settlement",
    name_zh: "抖店 动账明细",
    table: Table::Settlement,
    columns: &[
        SHOP,
        col("date", &["动账时间"], Parse::Date),
        col("flow_id", &["动帐流水号", "动账流水号"], Parse::Id),
        col(
            "direction",
            &["动账方向"],
            Parse::Map(&[("入账", "in"), ("出账", "out")]),
        ),
        col("amount_fen", &["动账金额"], YUAN),
        col("account", &["动账账户"], Parse::Text),
        col("scene", &["动账场景"], Parse::Text),
        col("fee_type", &["计费类型"], Parse::Text),
        col("order_id", &["订单号"], Parse::Id),
        col("sub_order_id", &["子订单号"], Parse::Id),
        col("product_id", &["商品ID"], Parse::Id),
        col("order_paid_fen", &["订单实付应结"], YUAN),
        col("refund_fen", &["订单退款"], YUAN),
        col("platform_fee_fen", &["平台服务费"], YUAN),
        col("commission_fen", &["佣金"], YUAN),
    ],
    required: &["date", "flow_id", "amount_fen"],
    defaults: &[
        ("account", ""),
        ("scene", ""),
        ("fee_type", ""),
        ("order_id", ""),
        ("sub_order_id", ""),
        ("product_id", ""),
    ],
    key: &["flow_id"],
    totals: Totals::Skip,
    sheet_target: None,
    sheet_values: &[],
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trade_profiles_list_their_levels() {
        let targets: Vec<&str> = TRADE_OVERVIEW.columns.iter().map(|c| c.target).collect();
        assert_eq!(
            &targets[..4],
            &["shop_id", "date", "level1", "level2"],
            "{targets:?}"
        );
    }
}
