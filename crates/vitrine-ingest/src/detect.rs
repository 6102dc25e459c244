//! Recognising an export: every known profile, and the one whose headers a sheet carries.

use crate::outcome::HEADER_SCAN_ROWS;
use crate::profile::{
    bind_distinct, distinct, Profile, COMMENTS, COMPASS_PRODUCT, COMPASS_SHOP_OVERVIEW,
    COMPASS_VIDEO, COMPETITOR_SHEET, DOUDIAN_ORDERS, INVENTORY_SHEET, QIANCHUAN_CREATIVE,
    QIANCHUAN_PLAN, QIANCHUAN_UNI_HOURLY,
};

/// Every profile; detection prefers the one with the most required columns, then the most bound.
pub const PROFILES: &[Profile] = &[
    crate::family::TRADE_OVERVIEW,
    crate::family::TRADE_CARRIER,
    crate::family::TRADE_ACCOUNT,
    crate::family::TRADE_SINGLE_CARRIER,
    crate::family::TRADE_DEVICE,
    crate::family::TRADE_CATEGORY,
    crate::family::TRADE_PRODUCT,
    crate::family::TRADE_PRICE_BAND,
    crate::family::TRADE_AUDIENCE,
    crate::family::PRODUCT_CARDS,
    crate::family::CARD_CHANNELS,
    crate::family::VIDEO_DETAILS,
    crate::family::MATERIALS,
    crate::family::LIVE_ANALYSIS,
    crate::family::LIVE_SESSIONS,
    crate::family::SETTLEMENT,
    COMPASS_PRODUCT,
    QIANCHUAN_PLAN,
    DOUDIAN_ORDERS,
    QIANCHUAN_UNI_HOURLY,
    QIANCHUAN_CREATIVE,
    COMPASS_VIDEO,
    INVENTORY_SHEET,
    COMPETITOR_SHEET,
    COMMENTS,
    COMPASS_SHOP_OVERVIEW,
];

/// The profile whose required columns all appear in `headers`, preferring the one that binds
/// most columns; `None` when no profile recognises the header row.
pub fn detect(headers: &[String]) -> Option<(&'static Profile, Vec<Option<usize>>)> {
    let norm = distinct(headers);
    PROFILES
        .iter()
        .filter_map(|p| {
            let b = bind_distinct(p, &norm);
            let ok = p.required.iter().all(|r| {
                p.columns
                    .iter()
                    .zip(&b)
                    .any(|(c, i)| c.target == *r && i.is_some())
            });
            ok.then(|| (p, b))
        })
        .max_by_key(|(p, b)| (p.required.len(), b.iter().filter(|i| i.is_some()).count()))
}

/// Why no row of `rows` is a known header: the closest family, the headers it matched and
/// the required ones missing, in English and Chinese.
pub fn explain(rows: &[Vec<String>]) -> String {
    let best = rows
        .iter()
        .map(|r| distinct(r))
        .flat_map(|norm| {
            PROFILES
                .iter()
                .map(move |p| (p, bind_distinct(p, &norm)))
                .collect::<Vec<_>>()
        })
        .map(|(p, b)| {
            let matched: Vec<&str> = p
                .columns
                .iter()
                .zip(&b)
                .filter(|(c, i)| i.is_some() && c.target != "shop_id")
                .map(|(c, _)| c.headers[0])
                .collect();
            (p, b, matched)
        })
        .max_by_key(|(_, _, m)| m.len());
    let head = format!(
        "no known export header in the first {} rows",
        HEADER_SCAN_ROWS
    );
    match best {
        Some((p, b, matched)) if !matched.is_empty() => {
            let missing: Vec<&str> = p
                .required
                .iter()
                .filter(|t| {
                    !p.columns
                        .iter()
                        .zip(&b)
                        .any(|(c, i)| c.target == **t && i.is_some())
                })
                .filter_map(|t| p.columns.iter().find(|c| c.target == *t))
                .map(|c| c.headers[0])
                .collect();
            let mut matched = matched;
            matched.dedup();
            format!(
                "{head}; closest: {zh} (matched {m}; missing {x}) / 未识别的表头：最接近「{zh}」，已匹配 {m}，缺少 {x}",
                zh = p.name_zh,
                m = matched.join("、"),
                x = missing.join("、"),
            )
        }
        _ => format!(
            "{head}; it matches none of: {} / 未识别的文件：表头与任何已知导出都不符",
            PROFILES
                .iter()
                .map(|p| p.name_zh)
                .collect::<Vec<_>>()
                .join("、")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(xs: &[&str]) -> Vec<String> {
        xs.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn both_compass_header_generations_are_recognised_and_kept_apart() {
        let old = h(&[
            "统计日期",
            "商品ID",
            "成交金额",
            "商品曝光次数",
            "商品点击次数",
        ]);
        let new = h(&[
            "\u{feff}统计日期",
            "商品ID",
            "用户支付金额",
            "商品曝光次数",
            "商品点击次数",
        ]);
        let (p, b) = detect(&old).unwrap();
        assert_eq!(p.id, "compass_product");
        let gmv = p
            .columns
            .iter()
            .position(|c| c.target == "gmv_fen")
            .unwrap();
        let paid = p
            .columns
            .iter()
            .position(|c| c.target == "user_paid_fen")
            .unwrap();
        assert_eq!((b[gmv], b[paid]), (Some(2), None));
        let (_, b) = detect(&new).unwrap();
        assert_eq!((b[gmv], b[paid]), (None, Some(2)));
    }

    #[test]
    fn people_and_event_counts_map_to_different_columns() {
        let (p, b) = detect(&h(&[
            "日期",
            "商品ID",
            "商品曝光次数",
            "商品曝光人数",
            "商品点击次数",
            "商品点击人数",
        ]))
        .unwrap();
        let target = |i: usize| {
            p.columns
                .iter()
                .zip(&b)
                .find(|(_, x)| **x == Some(i))
                .map(|(c, _)| c.target)
        };
        assert_eq!(target(2), Some("exposure"));
        assert_eq!(target(3), Some("exposure_users"));
        assert_eq!(target(4), Some("clicks"));
        assert_eq!(target(5), Some("click_users"));
    }

    #[test]
    fn qianchuan_and_orders_are_told_apart_and_unknown_headers_match_nothing() {
        assert_eq!(
            detect(&h(&["时间-小时", "计划ID", "消耗", "展示数", "点击数"]))
                .unwrap()
                .0
                .id,
            "qianchuan_plan"
        );
        assert_eq!(
            detect(&h(&[
                "子订单编号",
                "订单提交时间",
                "商品ID",
                "订单应付金额"
            ]))
            .unwrap()
            .0
            .id,
            "doudian_orders"
        );
        assert!(detect(&h(&["foo", "bar"])).is_none());
    }
}
