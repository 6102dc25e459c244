//! Playbooks 预案: the standard responses, each tied to the rule whose alert triggers it.

use serde::Serialize;
use vitrine_core::Lang;

/// One standard response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Playbook {
    pub id: &'static str,
    /// The monitor rule that triggers it.
    pub rule: &'static str,
    pub title_zh: &'static str,
    pub title_en: &'static str,
    pub steps_zh: &'static str,
    pub steps_en: &'static str,
}

impl Playbook {
    /// Title in the requested language.
    pub fn title(&self, lang: Lang) -> &'static str {
        lang.pick(self.title_zh, self.title_en)
    }
    /// Steps in the requested language.
    pub fn steps(&self, lang: Lang) -> &'static str {
        lang.pick(self.steps_zh, self.steps_en)
    }
}

macro_rules! pb {
    ($id:literal, $rule:literal, $tz:literal, $te:literal, $sz:literal, $se:literal) => {
        Playbook {
            id: $id,
            rule: $rule,
            title_zh: $tz,
            title_en: $te,
            steps_zh: $sz,
            steps_en: $se,
        }
    };
}

/// Every playbook the product ships.
pub static PLAYBOOKS: &[Playbook] = &[
    pb!("PB01", "target_deviation:gmv", "成交额落后目标：加推主推品", "GMV behind target: push hero products", "检查主推品曝光与转化；为高ROI计划临时提预算10-20%；安排直播间加场或限时活动。", "Check hero-product exposure and conversion; raise budgets of high-ROI plans 10-20% for the day; add a live session or a time-limited offer."),
    pb!("PB02", "target_deviation:ctr", "点击率低于目标：更新主图与创意", "CTR below target: refresh images and creatives", "替换点击率最低的主图/封面；A/B 测试两套标题；下架衰退创意。", "Replace the lowest-CTR main images and covers; A/B test two titles; retire fatigued creatives."),
    pb!("PB03", "target_deviation:cvr", "转化率低于目标：优化详情页与价格", "CVR below target: fix detail page and price", "核对详情页首屏卖点、评价置顶、优惠券门槛；对比竞品价格；检查库存与发货时效标签。", "Review first-screen selling points, pinned reviews, coupon thresholds; compare competitor prices; check stock and shipping labels."),
    pb!("PB04", "target_deviation:roi", "ROI 低于目标：收缩低效计划", "ROI below target: cut inefficient plans", "暂停 ROI 低于保本线的计划；预算转移到 ROI 最高的计划；检查出价是否高于目标转化成本。", "Pause plans below break-even ROI; move budget to the highest-ROI plans; check bids against the target CPA."),
    pb!("PB05", "target_deviation:aov", "客单价低于目标：组合与满减", "AOV below target: bundles and thresholds", "上架组合装；设置满减门槛略高于当前客单价；直播间讲解搭配购买。", "List bundles; set a spend threshold just above current AOV; pitch add-ons in live rooms."),
    pb!("PB06", "target_deviation:other", "指标偏离目标：负责人 24 小时内给出调整方案", "Metric off target: owner proposes a fix within 24 h", "确认数据口径；定位偏离来源（渠道/品类/商品）；24 小时内启动调整并记录。", "Confirm the definition; locate the source (channel/category/product); start the adjustment within 24 h and log it."),
    pb!("PB07", "traffic_quality_drop", "流量质量下降：收紧定向", "Traffic quality down: tighten targeting", "检查新增人群包与达人流量；排除低互动地域/时段；提高内容垂直度。", "Check new audience packages and creator traffic; exclude low-engagement regions/hours; keep content on-niche."),
    pb!("PB08", "cpa_rise", "转化成本上升：降价出价或换创意", "Conversion cost up: lower bids or change creatives", "对成本超标计划下调出价 5-10%；观察 6 小时；仍超标则更换创意或暂停；预算转到 ROI 最高计划。", "Lower the bid 5-10% on over-cost plans; observe 6 h; if still over, change creatives or pause; move budget to the best-ROI plans."),
    pb!("PB09", "plan_ctr_floor", "计划点击率过低：更换创意", "Plan CTR far below baseline: replace creatives", "下线点击率最低的创意；上新 3 条前 3 秒强钩子素材；检查定向是否过宽。", "Retire the lowest-CTR creatives; launch 3 new ones with strong first-3-second hooks; check whether targeting is too broad."),
    pb!("PB10", "penalty_risk_max", "违规风险高：排查内容与商品合规", "Penalty risk high: audit content and listings", "排查极限词与功效宣称；核对资质；暂停高风险素材直至整改完成。", "Audit absolute terms and efficacy claims; check licences; pause risky assets until fixed."),
    pb!("PB11", "complaint_rate_rise", "投诉上升：质检与客服介入", "Complaints up: quality check and service response", "抽检问题商品批次；客服 2 小时内回复差评；必要时暂停该商品投放并主动退款。", "Inspect the affected batch; answer negative reviews within 2 h; pause the product's ads and refund proactively if needed."),
    pb!("PB12", "cost_per_exposure_max", "曝光成本过高：调整付费流量", "Cost per exposure too high: adjust paid traffic", "降低高 CPM 时段与地域出价；扩大定向；检查是否与竞品抢量。", "Lower bids in high-CPM hours and regions; broaden targeting; check for bidding wars with competitors."),
    pb!("PB13", "category_cvr_below_industry", "品类转化低于行业：临时加预算 20%", "Category CVR below industry: +20% temporary budget", "为该品类主推计划临时加预算 20%，非重点品类相应减少；同步优化详情页。", "Give the category's key plans +20% temporary budget and trim non-key categories; fix the detail pages alongside."),
    pb!("PB14", "days_of_cover_min", "可售天数不足：补货或控量", "Days of cover low: replenish or throttle", "立即下补货单或调拨；到货前降低该商品投放与直播讲解频次；开启预售。", "Place a replenishment order or transfer stock now; throttle ads and live pitches until it arrives; switch to pre-sale."),
    pb!("PB15", "on_time_min", "发货及时率低于 90%：启动应急", "On-time delivery below 90%: emergency", "联系仓库与快递确认积压；加派人手；向受影响买家发送延迟说明与补偿券。", "Call the warehouse and carriers about the backlog; add staff; message affected buyers with an apology coupon."),
    pb!("PB16", "execution_deviation", "执行偏离计划：复盘执行清单", "Execution off plan: review the checklist", "核对当日计划清单与实际执行；补齐遗漏动作；调整明日排期。", "Compare today's checklist with what ran; make up missed actions; adjust tomorrow's schedule."),
    pb!("PB17", "segment_share_drop", "地域/设备订单占比骤降：先分清流量还是转化", "Region/device share of orders drop: tell traffic from conversion first", "对比该地域/设备的曝光与点击占比：也下降则查定向、出价与投放时段；未下降则查是否停发、时效变差或该设备端页面异常；确认前临时降低该地域出价。", "Compare the segment's share of exposure and clicks: if they fell too, check targeting, bids and schedule; if not, check whether the region stopped shipping or slowed and whether the page breaks on that device; lower bids for the region until you know."),
    pb!("PB18", "stock_forecast", "72 小时内将断货：提前补货", "Stock-out within 72 h: reorder now", "按近 7 日日均销量补足 21 天库存；优先走快速调拨。", "Reorder 21 days of stock at the 7-day average rate; use a fast transfer if possible."),
    pb!("PB19", "target_deviation:completion_rate", "完播率低于目标：缩短视频至 15-25 秒", "Completion below target: cut videos to 15-25 s", "前 3 秒放结果或冲突；视频控制在 15-25 秒；删减铺垫。", "Show the result or conflict in the first 3 s; keep videos 15-25 s; cut the build-up."),
    pb!("PB20", "target_deviation:repurchase_rate", "复购率低于目标：老客召回", "Repurchase below target: win back customers", "导出沉默老客名单；发放老客专享券；本月安排 2 场老客专场活动。", "Export the silent-customer list; send returning-customer coupons; run two customer-only events this month."),
    pb!("PB21", "forecast", "按趋势将触线：提前预防", "Trending toward a limit: act before it is crossed", "查看主因定位趋势来源；今天先做轻量预防（出价先降 5%、先联系仓库或物流、先排查素材），不要等触线后再上应急预案；明日复核趋势是否拐头。", "Use the main cause to find where the trend comes from; take a light preventive step today (lower bids 5%, call the warehouse or carrier, audit creatives) rather than waiting for the limit's emergency playbook; check tomorrow whether the trend turned."),
];

/// The playbook for a rule (and metric, for target deviations).
pub fn for_alert(rule: &str, metric: &str) -> Option<&'static Playbook> {
    // A relative drop is answered like a target miss; a forecast has its own preventive
    // playbook (the limit's emergency steps would be premature).
    let rule = match rule {
        "relative_change" => "target_deviation",
        "plan_ctr_drop" => "plan_ctr_floor",
        _ => rule,
    };
    let key = format!("{rule}:{metric}");
    PLAYBOOKS
        .iter()
        .find(|p| p.rule == key)
        .or_else(|| PLAYBOOKS.iter().find(|p| p.rule == rule))
        .or_else(|| {
            (rule == "target_deviation")
                .then(|| {
                    PLAYBOOKS
                        .iter()
                        .find(|p| p.rule == "target_deviation:other")
                })
                .flatten()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_playbooks_and_every_rule_has_one() {
        assert_eq!(PLAYBOOKS.len(), 21);
        for p in PLAYBOOKS {
            assert_eq!(PLAYBOOKS.iter().filter(|o| o.id == p.id).count(), 1);
        }
        for rule in crate::monitor::RULES {
            assert!(for_alert(rule, "gmv").is_some(), "{rule}");
        }
        assert_eq!(
            for_alert("target_deviation", "nps").map(|p| p.id),
            Some("PB06")
        );
        assert_eq!(
            for_alert("target_deviation", "ctr").map(|p| p.id),
            Some("PB02")
        );
        // A projected crossing is prevented, not treated as the crossing itself.
        assert_eq!(
            for_alert("forecast", "on_time_rate").map(|p| p.id),
            Some("PB21")
        );
    }
}
