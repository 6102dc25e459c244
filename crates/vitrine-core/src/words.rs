//! The words users read for every code the analyses use: rules, alert kinds, actions,
//! diagnoses, statuses, segments, tiers, traffic sources, dimensions, periods and scopes,
//! in Chinese and English. The CLI, the reports, the chat cards and the web pages (through
//! `/api/v1/labels`) all take them from here, so a code never reaches a user's screen.

use std::collections::BTreeMap;

use crate::Lang;

/// What a code names: codes are unique within a kind, not across kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A monitor rule (`target_deviation`).
    Rule,
    /// What happened, in the incident vocabulary (`stock_out`).
    AlertKind,
    /// A paid-traffic action (`raise_budget`).
    Action,
    /// A plan diagnosis (`below_breakeven`).
    Flag,
    /// A recommendation's status or decision (`proposed`, `approved`).
    RecStatus,
    /// A KPI card's status (`on_track`).
    KpiStatus,
    /// A stored alert's status (`open`).
    AlertStatus,
    /// An alert's severity.
    Severity,
    /// A risk grade (`high`).
    Grade,
    /// Qianchuan's learning status (`LEARNED`).
    Learning,
    /// A lifecycle stage (`silent`).
    Stage,
    /// An RFM segment (`important_value`).
    Segment,
    /// A traffic source (`paid_feed`).
    Source,
    /// A dimension of a scope or a root cause (`region`).
    Dim,
    /// A product category (`beauty`).
    Category,
    /// An experiment's decision (`keep_running`).
    Decision,
    /// A part of the budget split (`cold_start`, `paid_budget`).
    Budget,
    /// A funnel step (`detail_views`).
    Step,
    /// Where a target came from (`stored`, `derived`).
    TargetSource,
    /// A registered experiment's status (`running`).
    ExperimentStatus,
    /// A catalog metric (`completion_rate`): its name from the catalog.
    Metric,
}

/// One code's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Label {
    pub kind: Kind,
    pub code: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
}

macro_rules! labels {
    ($($kind:ident { $($code:literal => $zh:literal, $en:literal;)* })*) => {
        /// Every label, by kind.
        pub const LABELS: &[Label] = &[
            $($(Label { kind: Kind::$kind, code: $code, zh: $zh, en: $en },)*)*
        ];
    };
}

labels! {
    Rule {
        "target_deviation" => "目标偏离", "Off target";
        "traffic_quality_drop" => "流量质量下降", "Traffic quality drop";
        "cpa_rise" => "转化成本上升", "CPA rise";
        "plan_ctr_floor" => "计划点击率过低", "Plan CTR below floor";
        "plan_ctr_drop" => "计划点击率骤降", "Plan CTR drop";
        "penalty_risk_max" => "处罚风险过高", "Penalty risk too high";
        "complaint_rate_rise" => "投诉率上升", "Complaint rate rise";
        "cost_per_exposure_max" => "曝光成本过高", "Cost per exposure too high";
        "category_cvr_below_industry" => "类目转化低于行业", "Category CVR below industry";
        "days_of_cover_min" => "库存可售天数不足", "Too few days of stock";
        "stock_forecast" => "预计断货", "Stock-out forecast";
        "on_time_min" => "发货及时率过低", "On-time shipping too low";
        "segment_share_drop" => "细分订单占比下降", "Segment share of orders drop";
        "execution_deviation" => "执行偏离计划", "Execution off plan";
        "relative_change" => "指标异动", "Unusual change";
        "forecast" => "预测预警", "Forecast warning";
    }
    AlertKind {
        "plan_ctr_collapse" => "计划点击率骤降", "Plan CTR collapse";
        "cpa_spike" => "转化成本飙升", "CPA spike";
        "complaint_surge" => "投诉激增", "Complaint surge";
        "stock_out" => "断货风险", "Stock-out risk";
        "delivery_delay" => "发货延迟", "Shipping delay";
    }
    Action {
        "pause" => "暂停计划", "Pause";
        "lower_bid" => "降低出价", "Lower bid";
        "raise_bid" => "提高出价", "Raise bid";
        "raise_budget" => "提高预算", "Raise budget";
        "lower_budget" => "降低预算", "Lower budget";
        "refresh_creative" => "更换素材", "Refresh creative";
        "duplicate_winner" => "复制优质计划", "Duplicate winner";
        "move_budget" => "调拨预算", "Move budget";
        "resume" => "恢复计划", "Resume";
    }
    Flag {
        "runaway" => "跑飞", "Runaway";
        "no_delivery" => "不消耗", "Not spending";
        "fatigue" => "素材疲劳", "Creative fatigue";
        "winner" => "优质", "Winner";
        "below_breakeven" => "低于保本", "Below break-even";
        "below_target" => "低于目标", "Below target";
        "low_ctr" => "点击率偏低", "Low CTR";
        "learning" => "学习期", "Learning";
        "learn_failed" => "学习失败", "Learning failed";
    }
    RecStatus {
        "proposed" => "待审批", "To approve";
        "observing" => "观察期", "Observing";
        "cooldown" => "冷却中", "Cooling down";
        "over_cap" => "超出当日上限", "Over the daily cap";
        "held" => "已托管暂停", "On hold";
        "needs_confirmation" => "待人工确认", "Needs confirmation";
        "approved" => "已批准", "Approved";
        "rejected" => "已驳回", "Rejected";
        "applied" => "已执行", "Applied";
    }
    KpiStatus {
        "on_track" => "达标", "On track";
        "behind" => "略低", "Behind";
        "alert" => "预警", "Alert";
        "no_target" => "无目标", "No target";
    }
    AlertStatus {
        "open" => "待处理", "Open";
        "acknowledged" => "已确认", "Acknowledged";
        "resolved" => "已解决", "Resolved";
    }
    Severity {
        "critical" => "严重", "Critical";
        "warning" => "警告", "Warning";
        "info" => "提示", "Info";
    }
    Grade {
        "low" => "低", "Low";
        "medium" => "中", "Medium";
        "high" => "高", "High";
        "critical" => "极高", "Critical";
    }
    Learning {
        "LEARNING" => "学习中", "Learning";
        "LEARNED" => "已过学习期", "Learned";
        "LEARN_FAILED" => "学习失败", "Learning failed";
    }
    Stage {
        "new" => "新客", "New";
        "active" => "活跃", "Active";
        "silent" => "沉默", "Silent";
        "churned" => "流失", "Churned";
        "recalled" => "召回", "Recalled";
    }
    Segment {
        "important_value" => "重要价值客户", "Important value";
        "important_develop" => "重要发展客户", "Important to develop";
        "important_retain" => "重要保持客户", "Important to retain";
        "important_recall" => "重要挽留客户", "Important to win back";
        "general_value" => "一般价值客户", "General value";
        "general_develop" => "一般发展客户", "General to develop";
        "general_retain" => "一般保持客户", "General to retain";
        "general_recall" => "一般挽留客户", "General to win back";
    }
    Source {
        "natural" => "自然流量", "Organic";
        "paid_feed" => "付费信息流", "Paid feed";
        "search" => "搜索", "Search";
        "live" => "直播", "Live";
        "short_video" => "短视频", "Short video";
        "showcase" => "橱窗", "Showcase";
        "mall" => "商城", "Mall";
    }
    Dim {
        "shop" => "店铺", "Shop";
        "category" => "类目", "Category";
        "product" => "商品", "Product";
        "source" => "流量来源", "Source";
        "plan" => "计划", "Plan";
        "creative" => "素材", "Creative";
        "region" => "地区", "Region";
        "device" => "设备", "Device";
        "hour" => "时段", "Hour";
        "video" => "视频", "Video";
        "audience" => "人群", "Buyer group";
    }
    Category {
        "beauty" => "美妆", "Beauty";
        "apparel" => "服饰", "Apparel";
        "food" => "食品", "Food";
        "home" => "家居", "Home";
        "digital" => "数码", "Digital";
        "baby" => "母婴", "Baby";
    }
    Decision {
        "ship" => "上线", "Ship";
        "stop" => "停止", "Stop";
        "keep_running" => "继续运行", "Keep running";
        "no_difference" => "无差异", "No difference";
        "invalid" => "无效", "Invalid";
        "observational" => "观察性对比", "Observational";
    }
    Budget {
        "sales_forecast" => "销售预测", "Sales forecast";
        "paid_budget" => "付费预算", "Paid budget";
        "test_plans" => "测试计划预算", "Test plans";
        "cold_start" => "冷启动", "Cold start";
        "core" => "核心计划", "Core plans";
        "optimisation" => "优化", "Optimisation";
    }
    TargetSource {
        "stored" => "已设定", "Set";
        "derived" => "按去年推算", "Derived from last year";
    }
    ExperimentStatus {
        "running" => "进行中", "Running";
        "stopped" => "已停止", "Stopped";
        "draft" => "草稿", "Draft";
    }
    Step {
        "exposure" => "曝光", "Exposure";
        "clicks" => "点击", "Clicks";
        "detail_views" => "详情页", "Detail views";
        "add_to_cart" => "加购", "Add to cart";
        "orders" => "下单", "Orders";
    }
}

/// The words for `code` of `kind`; an unknown code is shown as it is (ids, names).
pub fn label(kind: Kind, code: &str, lang: Lang) -> String {
    if kind == Kind::Metric {
        return crate::metric::metric(code).map_or_else(
            || code.to_string(),
            |m| lang.pick(m.name_zh, m.name_en).to_string(),
        );
    }
    LABELS
        .iter()
        .find(|l| l.kind == kind && l.code == code)
        .map_or_else(|| code.to_string(), |l| lang.pick(l.zh, l.en).to_string())
}

/// A scope `dimension:value` (`plan:p0007`, `shop:shop1`) as `计划 p0007`.
pub fn scope(scope_id: &str, lang: Lang) -> String {
    let Some((dims, values)) = scope_id.split_once(':') else {
        return scope_id.to_string();
    };
    let dims: Vec<&str> = dims.split('/').collect();
    let values: Vec<&str> = values.split('/').collect();
    let value = |d: &str, v: &str| match d {
        "category" => label(Kind::Category, v, lang),
        "source" => label(Kind::Source, v, lang),
        _ => v.to_string(),
    };
    let shown: Vec<String> = if dims.len() == values.len() {
        dims.iter().zip(&values).map(|(d, v)| value(d, v)).collect()
    } else {
        values.iter().map(|v| v.to_string()).collect()
    };
    let names: Vec<String> = dims.iter().map(|d| label(Kind::Dim, d, lang)).collect();
    format!("{} {}", names.join("/"), shown.join("/"))
}

/// A target period `month:2026-11`, `year:2026`, `quarter:2026-Q4`, `day:2026-11-20` as
/// `2026年11月`.
pub fn period(period: &str, lang: Lang) -> String {
    let Some((unit, value)) = period.split_once(':') else {
        return period.to_string();
    };
    let mut parts = value.split('-');
    let (y, rest) = (parts.next().unwrap_or(""), parts.collect::<Vec<_>>());
    match (unit, lang, rest.as_slice()) {
        ("year", Lang::Zh, _) => format!("{y}年"),
        ("month", Lang::Zh, [m]) => format!("{y}年{}月", m.trim_start_matches('0')),
        ("quarter", Lang::Zh, [q]) => format!("{y}年{q}"),
        ("day", Lang::Zh, [m, d]) => format!(
            "{y}年{}月{}日",
            m.trim_start_matches('0'),
            d.trim_start_matches('0')
        ),
        _ => value.to_string(),
    }
}

/// The whole table for one language, by kind then code: what `/api/v1/labels` serves.
pub fn table(lang: Lang) -> BTreeMap<Kind, BTreeMap<&'static str, &'static str>> {
    let mut out: BTreeMap<Kind, BTreeMap<&'static str, &'static str>> = BTreeMap::new();
    for l in LABELS {
        out.entry(l.kind)
            .or_default()
            .insert(l.code, lang.pick(l.zh, l.en));
    }
    let metrics = out.entry(Kind::Metric).or_default();
    for m in crate::metric::METRICS {
        metrics.insert(m.id, lang.pick(m.name_zh, m.name_en));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_within_a_kind_and_words_have_no_codes() {
        let mut seen = std::collections::HashSet::new();
        for l in LABELS {
            assert!(
                seen.insert((l.kind, l.code)),
                "{:?} {} twice",
                l.kind,
                l.code
            );
            assert!(!l.zh.contains('_') && !l.en.contains('_'), "{}", l.code);
        }
        for s in crate::table::TRAFFIC_SOURCES {
            assert_ne!(label(Kind::Source, s, Lang::Zh), s, "source {s}");
        }
        for (c, _) in crate::metric::CATEGORIES {
            assert_ne!(label(Kind::Category, c, Lang::Zh), c, "category {c}");
        }
        for d in crate::Dim::ALL {
            assert_ne!(
                label(Kind::Dim, d.id(), Lang::Zh),
                d.id(),
                "dimension {}",
                d.id()
            );
        }
        assert_eq!(label(Kind::Metric, "completion_rate", Lang::Zh), "完播率");
    }

    #[test]
    fn scopes_and_periods_read_as_words() {
        assert_eq!(scope("plan:p0007", Lang::Zh), "计划 p0007");
        assert_eq!(scope("source:paid_feed", Lang::Zh), "流量来源 付费信息流");
        assert_eq!(scope("shop:shop1", Lang::En), "Shop shop1");
        assert_eq!(
            scope("category/source:digital/natural", Lang::Zh),
            "类目/流量来源 数码/自然流量"
        );
        assert_eq!(period("month:2026-11", Lang::Zh), "2026年11月");
        assert_eq!(period("year:2026", Lang::Zh), "2026年");
        assert_eq!(period("month:2026-11", Lang::En), "2026-11");
    }
}
