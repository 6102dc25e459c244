//! The 抖店 order export as merchants download it: UTF-8 with BOM, one row per sub-order,
//! ids quoted with a leading tab, money in 元, refunds in 售后状态, receiver fields encrypted.
//! Like the real export it carries no buyer id, category or device.

use arrow_array::RecordBatch;

use super::columns::{int, plain_yuan, text, time};

/// The columns written, in the console's order (a subset of its ~73).
pub(crate) const HEADER: &[&str] = &[
    "主订单编号",
    "子订单编号",
    "选购商品",
    "商品规格",
    "商品数量",
    "商品ID",
    "商品单价",
    "订单应付金额",
    "运费",
    "收件人",
    "收件人手机号",
    "省",
    "市",
    "区",
    "详细地址",
    "订单提交时间",
    "支付完成时间",
    "APP渠道",
    "订单状态",
    "售后状态",
    "流量类型",
    "流量体裁",
    "承诺发货时间",
    "发货时间",
];

/// A cell as the console writes ids: a tab first, so spreadsheets keep all 19 digits.
fn id(s: &str) -> String {
    format!("\t{s}")
}

/// A stand-in for an encrypted field: never the value, only its shape (`##…`, `$$…`).
fn sealed(prefix: &str, seed: &str) -> String {
    let h = seed.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    format!("{prefix}{h:016x}")
}

/// The export rows of an orders batch.
pub(crate) fn rows(b: &RecordBatch) -> Vec<Vec<String>> {
    (0..b.num_rows())
        .map(|r| {
            let order = text(b, "order_id", r);
            let parent = match text(b, "parent_order_id", r) {
                p if p.is_empty() => order.clone(),
                p => p,
            };
            let product = text(b, "product_id", r);
            let qty = int(b, "quantity", r).unwrap_or(1).max(1);
            let amount = int(b, "amount_fen", r).unwrap_or(0);
            let status = text(b, "status", r);
            let refunded = text(b, "after_sale", r) == "refunded"
                || status == "refunded"
                || int(b, "refund_fen", r).unwrap_or(0) > 0;
            let at = time(b, "ordered_at", r);
            vec![
                id(&parent),
                id(&order),
                format!("商品{product}"),
                "默认".into(),
                qty.to_string(),
                id(&product),
                plain_yuan(amount / qty),
                plain_yuan(amount),
                plain_yuan(int(b, "shipping_fen", r).unwrap_or(0)),
                sealed("##", &parent),
                sealed("$$", &parent),
                text(b, "region", r),
                String::new(),
                String::new(),
                sealed("##", &order),
                at.clone(),
                if status == "cancelled" || status == "unpaid" {
                    String::new()
                } else {
                    at
                },
                match text(b, "app", r).as_str() {
                    "douyin_lite" => "抖音极速版",
                    "douyin_huoshan" => "抖音火山版",
                    _ => "抖音",
                }
                .into(),
                match status.as_str() {
                    "cancelled" => "已关闭",
                    "unpaid" => "待支付",
                    "shipped" => "已发货",
                    "paid" => "待发货",
                    _ => "已完成",
                }
                .into(),
                if refunded { "退款成功" } else { "-" }.into(),
                if text(b, "traffic_type", r) == "paid" {
                    "付费"
                } else {
                    "自然"
                }
                .into(),
                carrier_zh(&text(b, "channel", r)).into(),
                time(b, "promised_ship_at", r),
                time(b, "shipped_at", r),
            ]
        })
        .collect()
}

/// The 流量体裁 of a canonical channel.
fn carrier_zh(channel: &str) -> &'static str {
    crate::profile::CARRIER
        .iter()
        .find(|(_, c)| *c == channel)
        .map(|(zh, _)| *zh)
        .unwrap_or("其他")
}
