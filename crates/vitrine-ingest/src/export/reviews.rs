//! The 抖店 评价 export: one row per review, dated `2026年07月09日 20:11:05`. Like the real
//! export it names no buyer and flags no complaint.

use arrow_array::RecordBatch;

use super::columns::{date, int, text};

pub(crate) const HEADER: &[&str] = &[
    "评价日期",
    "订单ID",
    "商品ID",
    "商品名称",
    "商品规格",
    "商品评价得分",
    "评价内容",
    "用户昵称",
    "评价等级",
    "追评内容",
    "追评时间",
    "商家是否回复",
    "回复内容",
    "门店ID",
    "门店名称",
];

/// The export rows of a comments batch.
pub(crate) fn rows(b: &RecordBatch) -> Vec<Vec<String>> {
    (0..b.num_rows())
        .map(|r| {
            let rating = b
                .column_by_name("rating")
                .and_then(|c| c.as_any().downcast_ref::<arrow_array::Int32Array>())
                .map(|a| i64::from(a.value(r)))
                .or_else(|| int(b, "rating", r))
                .unwrap_or(5);
            let day = date(b, "date", r)
                .map(|d| d.format("%Y年%m月%d日 12:00:00").to_string())
                .unwrap_or_default();
            let product = text(b, "product_id", r);
            vec![
                day,
                format!("\t{}", text(b, "comment_id", r)),
                format!("\t{product}"),
                format!("商品{product}"),
                "默认".into(),
                rating.to_string(),
                text(b, "text", r),
                String::new(),
                match rating {
                    4.. => "好评",
                    3 => "中评",
                    _ => "差评",
                }
                .into(),
                String::new(),
                String::new(),
                "否".into(),
                String::new(),
                String::new(),
                String::new(),
            ]
        })
        .collect()
}
