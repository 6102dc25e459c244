//! Which exports feed which part of the review, and what to download where a shop lacks one:
//! a review built from any subset of sources says, for each section without its source,
//! which export to get and from where, instead of failing.

use serde::Serialize;
use vitrine_core::{Lang, Table};

/// A part of the review and the tables that can feed it (any one is enough).
#[derive(Debug, Clone, Copy)]
pub struct Need {
    pub section: &'static str,
    pub name_zh: &'static str,
    pub name_en: &'static str,
    pub tables: &'static [Table],
    pub export_zh: &'static str,
    pub export_en: &'static str,
}

/// Every review section and where its data comes from.
pub const NEEDS: &[Need] = &[
    Need {
        section: "shop_totals",
        name_zh: "店铺成交（成交人数、客单价）",
        name_en: "Shop totals (buyers, AOV)",
        tables: &[Table::TradeDay],
        export_zh: "抖音电商罗盘 → 交易 → 交易分析 → 下载数据（含 成交概览 等 11 个工作表）",
        export_en: "Compass 罗盘 → 交易 → 交易分析 → download (the workbook with 成交概览 and 10 more sheets)",
    },
    Need {
        section: "orders",
        name_zh: "订单、地域与时段",
        name_en: "Orders, regions and hours",
        tables: &[Table::Orders],
        export_zh: "抖店后台 → 订单 → 订单管理 → 批量导出（订单导出 CSV）",
        export_en: "抖店 back office → 订单 → 订单管理 → 批量导出 (the order export CSV)",
    },
    Need {
        section: "funnel",
        name_zh: "流量漏斗（曝光、点击、转化）",
        name_en: "Traffic funnel (exposure, clicks, conversion)",
        tables: &[Table::ProductDay, Table::ProductCardPeriod, Table::TradeDay],
        export_zh: "抖音电商罗盘 → 商品 → 商品卡 → 商品卡列表数据（按日下载可得日趋势）",
        export_en: "Compass 罗盘 → 商品 → 商品卡 → 商品卡列表数据 (download per day for a daily trend)",
    },
    Need {
        section: "paid_traffic",
        name_zh: "付费投放（消耗、ROI）",
        name_en: "Paid traffic (spend, ROI)",
        tables: &[Table::PlanHour, Table::LiveAccountDay, Table::MaterialPeriod],
        export_zh: "巨量千川 → 全域推广 → 数据 → 分时数据 / 直播分析 / 素材分析 → 导出",
        export_en: "Qianchuan 巨量千川 → 全域推广 → 数据 → 分时 / 直播分析 / 素材分析 → export",
    },
    Need {
        section: "content",
        name_zh: "短视频内容",
        name_en: "Short videos",
        tables: &[Table::VideoDay, Table::VideoPeriod],
        export_zh: "抖音电商罗盘 → 内容 → 视频 → 视频详情数据",
        export_en: "Compass 罗盘 → 内容 → 视频 → 视频详情数据",
    },
    Need {
        section: "live",
        name_zh: "直播场次",
        name_en: "Live sessions",
        tables: &[Table::LiveSession, Table::LiveAccountDay],
        export_zh: "抖店后台 → 数据 → 直播间数据 → 直播间报表导出",
        export_en: "抖店 back office → 数据 → 直播间 → report export",
    },
    Need {
        section: "reviews",
        name_zh: "评价与投诉",
        name_en: "Reviews and complaints",
        tables: &[Table::Comments],
        export_zh: "抖店后台 → 商品 → 评价管理 → 导出评价",
        export_en: "抖店 back office → 商品 → 评价管理 → export reviews",
    },
    Need {
        section: "stock",
        name_zh: "库存预警",
        name_en: "Stock warnings",
        tables: &[Table::Inventory],
        export_zh: "Vitrine 库存模板（列：日期、商品ID、可售库存、在途库存、近7日日均销量），见 README",
        export_en: "Vitrine's stock template (日期, 商品ID, 可售库存, 在途库存, 近7日日均销量), see README",
    },
    Need {
        section: "settlement",
        name_zh: "结算与资金",
        name_en: "Settlement",
        tables: &[Table::Settlement],
        export_zh: "抖店后台 → 资金 → 动账明细 → 导出",
        export_en: "抖店 back office → 资金 → 动账明细 → export",
    },
];

/// A section the shop has no source for, and what to download.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MissingSource {
    pub section: String,
    pub name: String,
    /// Which export to download and from where.
    pub download: String,
}

/// The sections none of whose tables the shop has.
pub fn missing(present: &[Table], lang: Lang) -> Vec<MissingSource> {
    NEEDS
        .iter()
        .filter(|n| !n.tables.iter().any(|t| present.contains(t)))
        .map(|n| MissingSource {
            section: n.section.into(),
            name: lang.pick(n.name_zh, n.name_en).into(),
            download: lang.pick(n.export_zh, n.export_en).into(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_orders_only_shop_is_told_what_to_download() {
        let m = missing(&[Table::Orders], Lang::Zh);
        assert!(m.iter().all(|x| x.section != "orders"));
        let funnel = m.iter().find(|x| x.section == "funnel").expect("funnel");
        assert!(funnel.download.contains("罗盘"), "{}", funnel.download);
        assert!(missing(&[Table::Orders, Table::TradeDay], Lang::En)
            .iter()
            .all(|x| x.section != "funnel" && x.section != "shop_totals"));
    }
}
