//! One fixture per real export family (REFERENCE.md, "Real export families"), built from its
//! header list with the quirks listed there, each checked against values computed by hand
//! from the fixture's own cells.

mod support;

use std::path::Path;

use arrow_array::{Array, RecordBatch};
use support::*;
use vitrine_ingest::{read_csv, read_file, FileImport, FileOptions, FileRead, PeriodOrigin};

fn opts() -> FileOptions {
    FileOptions::shop(Some("s1"))
}

fn read(path: &Path) -> FileImport {
    read_file(path, &opts(), Default::default()).unwrap_or_else(|p| {
        panic!(
            "{}",
            p.iter()
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        )
    })
}

fn only(r: &FileImport) -> &FileRead {
    assert_eq!(r.sheets.len(), 1, "{:?}", r.skipped);
    &r.sheets[0]
}

fn part<'a>(r: &'a FileRead, date: &str) -> &'a RecordBatch {
    r.partitions
        .iter()
        .find(|(k, _)| k.1.map(|d| d.to_string()).as_deref() == Some(date))
        .map(|(_, b)| b)
        .unwrap_or_else(|| panic!("no partition {date}: {:?}", r.partitions.keys()))
}

fn errors(path: &Path, o: &FileOptions) -> String {
    read_file(path, o, Default::default())
        .map(|_| String::from("(read cleanly)"))
        .unwrap_or_else(|p| {
            p.iter()
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        })
}

#[test]
fn product_card_list_is_a_period_snapshot_from_the_file_name() {
    let dir = tempfile::tempdir().unwrap();
    let f = at(dir.path(), "商品卡列表数据_2026_06_30~2026_07_06.xlsx");
    xlsx(
        &f,
        &[(
            "Sheet1",
            rows(&[
                &[
                    "商品ID",
                    "商品卡曝光人数",
                    "商品卡点击人数",
                    "商品卡点击率(人数)",
                    "商品卡用户支付金额",
                    "商品卡成交人数",
                    "商品卡成交客单价",
                    "商品卡点击-成交转化率(人数)",
                    "商品卡加购人数",
                    "商品卡收藏人数",
                    "商品卡成交订单数",
                    "商品卡收藏率",
                ],
                &[
                    "3691234567890123456",
                    "12,000",
                    "840",
                    "7.00%",
                    "1,234.56",
                    "30",
                    "41.15",
                    "3.57%",
                    "55",
                    "12",
                    "31",
                    "1%",
                ],
                &[
                    "3691234567890123457",
                    "1.2万",
                    "600",
                    "5%",
                    "362.51",
                    "7",
                    "51.79",
                    "1.17%",
                    "-",
                    "3",
                    "7",
                    "-",
                ],
            ]),
        )],
    );
    let r = read(&f);
    let s = only(&r);
    assert_eq!(s.profile.id, "compass_product_cards");
    assert!(matches!(s.period_origin, PeriodOrigin::FileName(_)));
    assert_eq!(s.period.unwrap().to_string(), "2026-06-30 – 2026-07-06");
    let b = part(s, "2026-06-30");
    assert_eq!(dates(b, "period_end"), vec!["2026-07-06", "2026-07-06"]);
    assert_eq!(
        strs(b, "product_id"),
        vec!["3691234567890123456", "3691234567890123457"]
    );
    assert_eq!(sum(b, "user_paid_fen"), 123_456 + 36_251);
    assert_eq!(sum(b, "exposure_users"), 12_000 + 12_000);
    assert_eq!(ints(b, "add_to_cart_users"), vec![Some(55), None]);
    assert_eq!(sum(b, "orders"), 38);
}

#[test]
fn card_channels_keep_totals_flagged_and_apart_from_parts() {
    let dir = tempfile::tempdir().unwrap();
    let f = at(
        dir.path(),
        "商品卡流量分析流量来源数据_2026_06_30~2026_07_06.xlsx",
    );
    let head: &[&str] = &[
        "一级渠道",
        "二级渠道",
        "商品卡曝光人数",
        "商品卡点击人数",
        "商品卡点击率",
        "用户支付金额(元)",
        "成交人数",
        "成交客单价(元)",
        "点击-成交转化率",
    ];
    xlsx(
        &f,
        &[(
            "流量来源",
            rows(&[
                head,
                &[
                    "全部", "全部", "20000", "1500", "7.5%", "3,000.00", "80", "37.5", "5.3%",
                ],
                &[
                    "自然流量",
                    "全部",
                    "15000",
                    "1000",
                    "6.7%",
                    "2,000.00",
                    "55",
                    "36.36",
                    "5.5%",
                ],
                &[
                    "自然流量",
                    "搜索",
                    "9000",
                    "700",
                    "7.8%",
                    "1,500.00",
                    "40",
                    "37.5",
                    "5.7%",
                ],
                &[
                    "自然流量",
                    "推荐",
                    "6000",
                    "300",
                    "5%",
                    "500.00",
                    "16",
                    "31.25",
                    "5.3%",
                ],
                &[
                    "付费流量",
                    "全部",
                    "5000",
                    "500",
                    "10%",
                    "1,000.00",
                    "26",
                    "38.46",
                    "5.2%",
                ],
            ]),
        )],
    );
    let r = read(&f);
    let s = only(&r);
    assert_eq!(s.profile.id, "compass_card_channels");
    let b = part(s, "2026-06-30");
    let total = bools(b, "is_total");
    assert_eq!(total, vec![true, true, false, false, true]);
    let paid = ints(b, "user_paid_fen");
    // The parts of 自然流量 add up to its total; the total is never a part.
    let parts: i64 = (0..5)
        .filter(|i| !total[*i] && strs(b, "channel_l1")[*i] == "自然流量")
        .map(|i| paid[i].unwrap())
        .sum();
    assert_eq!(parts, 200_000);
    assert_eq!(paid[1], Some(200_000));
    // Persons are not additive: 40 + 16 buyers of the parts > 55 of the channel.
    assert_eq!(ints(b, "paying_users")[1], Some(55));
}

#[test]
fn video_details_take_their_kind_from_the_sheet_and_durations_in_chinese() {
    let dir = tempfile::tempdir().unwrap();
    let f = at(
        dir.path(),
        "[20260630-20260706]_自营_挂车_视频详情数据.xlsx",
    );
    xlsx(
        &f,
        &[(
            "自营_挂车",
            rows(&[
                &[
                    "视频ID",
                    "视频标题",
                    "发布时间",
                    "达人昵称",
                    "达人抖音号",
                    "播放链接",
                    "是否投放",
                    "带货商品ID",
                    "视频观看次数",
                    "点赞数",
                    "评论数",
                    "收藏数",
                    "转发数",
                    "点击关注次数",
                    "完播率",
                    "平均观看时长",
                    "用户支付金额(元)",
                    "退款金额(元)",
                    "成交订单数",
                    "投放消耗(元)",
                    "预估佣金支出(元)",
                    "看后搜次数",
                ],
                &[
                    "7251234567890123456",
                    "夏日防晒🌞 一抹就白",
                    "2026-07-01 18:00:00",
                    "小美",
                    "xm_888",
                    "https://v.douyin.com/x",
                    "是",
                    "3691234567890123456",
                    "52,000",
                    "1,300",
                    "88",
                    "40",
                    "21",
                    "9",
                    "12.5%",
                    "1分30秒",
                    "2,345.60",
                    "100.00",
                    "45",
                    "800.00",
                    "234.56",
                    "17",
                ],
            ]),
        )],
    );
    let r = read(&f);
    let s = only(&r);
    assert_eq!(s.profile.id, "compass_video_details");
    let b = part(s, "2026-06-30");
    assert_eq!(strs(b, "kind"), vec!["自营_挂车"]);
    assert_eq!(dates(b, "period_end"), vec!["2026-07-06"]);
    assert_eq!(ints(b, "avg_watch_s"), vec![Some(90)]);
    assert_eq!(floats(b, "completion_rate"), vec![Some(0.125)]);
    assert_eq!(ints(b, "views"), vec![Some(52_000)]);
    assert_eq!(ints(b, "user_paid_fen"), vec![Some(234_560)]);
    assert_eq!(ints(b, "ad_spend_fen"), vec![Some(80_000)]);
    assert_eq!(strs(b, "title"), vec!["夏日防晒🌞 一抹就白"]);
}

#[test]
fn material_analysis_takes_the_day_from_a_name_with_clock_times() {
    let dir = tempfile::tempdir().unwrap();
    let f = at(
        dir.path(),
        "全域数据_素材分析_视频_2026-07-09 00_00_00-2026-07-09 23_59_59.xlsx",
    );
    xlsx(
        &f,
        &[(
            "素材分析",
            rows(&[
                &[
                    "素材名称",
                    "素材ID",
                    "素材评估",
                    "素材时长",
                    "素材创建时间",
                    "整体消耗",
                    "整体展现次数",
                    "整体点击次数",
                    "整体点击率",
                    "整体转化率",
                    "整体支付ROI",
                    "整体成交金额",
                    "整体成交订单数",
                    "用户实际支付金额",
                    "整体千次展现费用",
                    "3秒播放率",
                    "10秒播放率",
                    "视频完播率",
                    "视频播放数",
                ],
                &[
                    "防晒-口播A",
                    "7301234567890123456",
                    "优质",
                    "00:35",
                    "2026-07-01 10:00:00",
                    "1,000.00",
                    "200000",
                    "3000",
                    "1.5%",
                    "2%",
                    "3.2",
                    "3,200.00",
                    "60",
                    "3,050.00",
                    "5.00",
                    "45%",
                    "20%",
                    "8%",
                    "150000",
                ],
                &[
                    "防晒-剧情B",
                    "7301234567890123457",
                    "-",
                    "15.2s",
                    "2026-07-02 10:00:00",
                    "500.00",
                    "80000",
                    "900",
                    "1.1%",
                    "1%",
                    "1.8",
                    "900.00",
                    "12",
                    "880.00",
                    "6.25",
                    "38%",
                    "15%",
                    "5%",
                    "60000",
                ],
            ]),
        )],
    );
    let r = read(&f);
    let s = only(&r);
    assert_eq!(s.profile.id, "qianchuan_materials");
    assert!(s.period.unwrap().is_day());
    let b = part(s, "2026-07-09");
    assert_eq!(sum(b, "spend_fen"), 150_000);
    assert_eq!(sum(b, "impressions"), 280_000);
    assert_eq!(sum(b, "pay_gmv_fen"), 410_000);
    assert_eq!(ints(b, "duration_s"), vec![Some(35), Some(15)]);
    assert_eq!(floats(b, "play_3s_rate"), vec![Some(0.45), Some(0.38)]);
}

#[test]
fn live_analysis_skips_the_period_total_row() {
    let dir = tempfile::tempdir().unwrap();
    let f = at(
        dir.path(),
        "全域数据_直播分析_某旗舰店_20260701-20260702.xlsx",
    );
    let head: &[&str] = &[
        "抖音号名称",
        "日期",
        "净成交ROI",
        "净成交金额",
        "整体消耗",
        "整体支付ROI",
        "整体成交金额",
        "整体成交订单数",
        "GPM",
        "直播间整体曝光次数",
    ];
    xlsx(
        &f,
        &[(
            "Sheet1",
            rows(&[
                head,
                &[
                    "全部", "", "2.5", "5,000.00", "2,000.00", "3", "6,000.00", "120", "600",
                    "100000",
                ],
                &[
                    "某旗舰店直播间",
                    "2026-07-01",
                    "2.4",
                    "2,400.00",
                    "1,000.00",
                    "2.8",
                    "2,800.00",
                    "56",
                    "560",
                    "50000",
                ],
                &[
                    "某旗舰店直播间",
                    "2026-07-02",
                    "2.6",
                    "2,600.00",
                    "1,000.00",
                    "3.2",
                    "3,200.00",
                    "64",
                    "640",
                    "50000",
                ],
            ]),
        )],
    );
    let r = read(&f);
    let s = only(&r);
    assert_eq!(s.profile.id, "qianchuan_live_analysis");
    assert_eq!((s.rows, s.skipped_total_rows), (2, 1));
    assert_eq!(sum(part(s, "2026-07-01"), "pay_gmv_fen"), 280_000);
    assert_eq!(sum(part(s, "2026-07-02"), "spend_fen"), 100_000);
}

#[test]
fn uni_promotion_hourly_with_yuan_headers_and_hour_ranges() {
    let dir = tempfile::tempdir().unwrap();
    let f = at(dir.path(), "全域推广_分时数据.csv");
    std::fs::write(
        &f,
        "日期,小时区间,整体消耗(元),整体支付ROI,整体成交金额(元),整体成交订单数,整体成交订单成本(元),净成交金额(元),整体成交智能优惠券金额(元),1小时内退款金额(元),1小时内退款订单数\n\
         2026-07-09,10 - 11,\"1,200.50\",3.1,\"3,721.55\",41,29.28,\"3,500.00\",20.00,50.00,1\n\
         2026-07-09,11 - 12,800.00,2.5,\"2,000.00\",20,40.00,\"1,900.00\",0,0,0\n",
    )
    .unwrap();
    let s = read_csv(&f, Some("s1")).unwrap();
    assert_eq!(s.profile.id, "qianchuan_uni_hourly");
    let b = part(&s, "2026-07-09");
    let hours: Vec<i32> = {
        let a = b
            .column_by_name("hour")
            .unwrap()
            .as_any()
            .downcast_ref::<arrow_array::Int32Array>()
            .unwrap();
        (0..a.len()).map(|i| a.value(i)).collect()
    };
    assert_eq!(hours, vec![10, 11]);
    assert_eq!(sum(b, "spend_fen"), 120_050 + 80_000);
    assert_eq!(sum(b, "pay_gmv_fen"), 372_155 + 200_000);
}

#[test]
fn an_hour_only_sheet_asks_for_the_day_and_takes_it_from_date() {
    let dir = tempfile::tempdir().unwrap();
    let f = at(dir.path(), "全域推广分时.csv");
    std::fs::write(
        &f,
        "时间-小时,整体消耗,整体支付ROI,整体成交金额,整体成交订单数\n13,100.00,2,200.00,3\n14,50.00,2,100.00,1\n",
    )
    .unwrap();
    let err = errors(&f, &opts());
    assert!(err.contains("give the date"), "{err}");
    let with_day = FileOptions {
        shop: Some("s1".into()),
        date: Some("2026-07-09".parse().unwrap()),
    };
    let r = read_file(&f, &with_day, Default::default()).unwrap();
    let s = only(&r);
    assert_eq!(s.period_origin, PeriodOrigin::Given);
    assert_eq!(sum(part(s, "2026-07-09"), "spend_fen"), 15_000);
}

#[test]
fn live_room_report_dates_sessions_by_their_start() {
    let dir = tempfile::tempdir().unwrap();
    let f = at(dir.path(), "2026-08-05日直播间修正报表导出.xlsx");
    xlsx(
        &f,
        &[(
            "直播间报表",
            rows(&[
                &[
                    "统计日期",
                    "直播间ID",
                    "直播间名称",
                    "直播开始时间",
                    "直播结束时间",
                    "直播时长",
                    "达人ID",
                    "账号类型",
                    "累计观看人数",
                    "用户支付金额",
                    "成交订单数",
                    "平均在线人数",
                ],
                &[
                    "20260723-20260729",
                    "7391234567890123456",
                    "防晒专场",
                    "2026-07-23 19:00:00",
                    "2026-07-23 21:30:00",
                    "2小时30分",
                    "1234567890",
                    "自营",
                    "15000",
                    "8,800.00",
                    "120",
                    "300",
                ],
                &[
                    "20260723-20260729",
                    "7391234567890123457",
                    "新品首发",
                    "2026-07-25 20:00:00",
                    "2026-07-25 22:00:00",
                    "2小时",
                    "1234567890",
                    "自营",
                    "9000",
                    "5,000.00",
                    "80",
                    "200",
                ],
            ]),
        )],
    );
    let r = read(&f);
    let s = only(&r);
    assert_eq!(s.profile.id, "live_sessions");
    assert!(matches!(s.period_origin, PeriodOrigin::DateColumn(_)));
    let a = part(s, "2026-07-23");
    assert_eq!(ints(a, "duration_s"), vec![Some(9_000)]);
    assert_eq!(ints(a, "user_paid_fen"), vec![Some(880_000)]);
    assert_eq!(sum(part(s, "2026-07-25"), "orders"), 80);
}

/// A 抖店 order export as downloaded: BOM, tab-prefixed quoted ids, encrypted receiver
/// fields, refunds in 售后状态, a closed unpaid order, pay time on the next day.
const ORDERS: &str = "\u{feff}主订单编号,子订单编号,选购商品,商品规格,商品数量,商品ID,商家编码,商品单价,订单应付金额,运费,优惠总金额,收件人,收件人手机号,省,市,区,街道,详细地址,订单提交时间,支付完成时间,APP渠道,流量来源,订单状态,售后状态,流量类型,流量体裁,流量渠道,发货时间\n\
\"\t6917926768823643751\",\"\t6917926768823643752\",防晒霜,50ml,1,\"\t3691234567890123456\",SKU1,129.00,119.00,0.00,10.00,##A1b2C3,$$9f8e7d,广东省,深圳市,南山区,粤海街道,##x9y8z7,2026-07-09 23:58:01,2026-07-10 00:00:12,抖音,直播,已完成,-,付费,直播,千川,2026-07-10 10:00:00\n\
\"\t6917926768823643751\",\"\t6917926768823643753\",防晒喷雾,100ml,2,\"\t3691234567890123457\",SKU2,59.00,108.00,0.00,10.00,##A1b2C3,$$9f8e7d,广东省,深圳市,南山区,粤海街道,##x9y8z7,2026-07-09 23:58:01,2026-07-10 00:00:12,抖音,直播,已完成,退款成功,付费,直播,千川,2026-07-10 10:00:00\n\
\"\t6917926768823643760\",\"\t6917926768823643761\",防晒霜,50ml,1,\"\t3691234567890123456\",SKU1,129.00,129.00,5.00,0.00,##B2c3D4,$$1a2b3c,浙江省,杭州市,西湖区,,##y7x6w5,2026-07-10 12:00:00,2026-07-10 12:00:30,抖音极速版,商品卡,已发货,-,自然,商品卡,,2026-07-10 18:00:00\n\
\"\t6917926768823643770\",\"\t6917926768823643771\",防晒霜,50ml,1,\"\t3691234567890123456\",SKU1,129.00,129.00,0.00,0.00,##C3d4E5,$$4d5e6f,北京市,北京市,朝阳区,,##w5v4u3,2026-07-10 13:00:00,,抖音,短视频,已关闭,-,自然,短视频,,\n";

#[test]
fn doudian_orders_as_downloaded() {
    let dir = tempfile::tempdir().unwrap();
    let f = at(dir.path(), "1720600000_orders.csv");
    std::fs::write(&f, ORDERS).unwrap();
    let s = read_csv(&f, Some("s1")).unwrap();
    assert_eq!(s.profile.id, "doudian_orders");
    // Every order is dated by its pay time: the first two were submitted on 07-09.
    assert_eq!(s.partitions.len(), 1);
    let b = part(&s, "2026-07-10");
    assert_eq!(
        strs(b, "order_id"),
        vec![
            "6917926768823643752",
            "6917926768823643753",
            "6917926768823643761",
            "6917926768823643771"
        ]
    );
    assert_eq!(strs(b, "parent_order_id")[1], "6917926768823643751");
    assert_eq!(
        strs(b, "status"),
        vec!["completed", "completed", "shipped", "cancelled"]
    );
    // 退款成功: the sub-order's amount counts as refunded in full.
    assert_eq!(
        ints(b, "refund_fen"),
        vec![Some(0), Some(10_800), Some(0), Some(0)]
    );
    assert_eq!(strs(b, "after_sale")[1], "refunded");
    assert_eq!(
        strs(b, "traffic_type"),
        vec!["paid", "paid", "natural", "natural"]
    );
    assert_eq!(
        strs(b, "channel"),
        vec!["live", "live", "mall", "short_video"]
    );
    assert_eq!(strs(b, "app")[2], "douyin_lite");
    assert_eq!(ints(b, "shipping_fen")[2], Some(500));
    assert_eq!(sum(b, "amount_fen"), 11_900 + 10_800 + 12_900 + 12_900);
    // Encrypted receiver fields are never stored, in any column.
    for f in b.schema().fields() {
        if let Some(a) = b
            .column_by_name(f.name())
            .unwrap()
            .as_any()
            .downcast_ref::<arrow_array::StringArray>()
        {
            for i in 0..a.len() {
                let v = a.value(i);
                assert!(
                    !v.starts_with("##") && !v.starts_with("$$"),
                    "{} = {v}",
                    f.name()
                );
            }
        }
    }
}

#[test]
fn excel_mangled_ids_are_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let f = at(dir.path(), "orders_resaved.csv");
    std::fs::write(
        &f,
        "主订单编号,子订单编号,商品ID,订单应付金额,订单提交时间,支付完成时间,订单状态\n6.91793E+18,6.91793E+18,3.69123E+18,119.00,2026/7/9 23:58,2026/7/10 0:00,已完成\n",
    )
    .unwrap();
    let err = errors(&f, &opts());
    assert!(err.contains("Excel") && err.contains("子订单编号"), "{err}");
}

#[test]
fn doudian_reviews_with_chinese_dates() {
    let dir = tempfile::tempdir().unwrap();
    let f = at(dir.path(), "评价导出.csv");
    std::fs::write(
        &f,
        "评价日期,订单ID,商品ID,商品名称,商品规格,商品评价得分,评价内容,用户昵称,评价等级,追评内容,追评时间,商家是否回复,回复内容,门店ID,门店名称\n\
         2026年07月09日 20:11:05,\"\t6917926768823643752\",\"\t3691234567890123456\",防晒霜,50ml,5,好用不油腻,用户A,好评,,,是,谢谢,,\n\
         2026年07月10日 08:00:00,\"\t6917926768823643753\",\"\t3691234567890123457\",防晒喷雾,100ml,1,\"喷头坏了,要退货\",用户B,差评,,,否,,,\n",
    )
    .unwrap();
    let s = read_csv(&f, Some("s1")).unwrap();
    assert_eq!(s.profile.id, "doudian_reviews");
    let b = part(&s, "2026-07-09");
    assert_eq!(strs(b, "comment_id"), vec!["6917926768823643752"]);
    assert_eq!(strs(b, "text"), vec!["好用不油腻"]);
    let b = part(&s, "2026-07-10");
    assert_eq!(strs(b, "product_id"), vec!["3691234567890123457"]);
    // The nickname is not kept.
    assert_eq!(strs(b, "user_id"), vec![""]);
    // The export flags no complaint: its 差评 is one, its 好评 is not.
    assert_eq!(bools(b, "is_complaint"), vec![true]);
    assert_eq!(bools(part(&s, "2026-07-09"), "is_complaint"), vec![false]);
}

#[test]
fn doudian_settlement_flow() {
    let dir = tempfile::tempdir().unwrap();
    let f = at(dir.path(), "动账明细.csv");
    std::fs::write(
        &f,
        "动账时间,动帐流水号,动账方向,动账金额,动账账户,动账场景,计费类型,子订单号,订单号,售后编号,下单时间,商品ID,商品名称,达人ID,达人名称,订单类型,订单实付应结,运费实付,实际平台补贴,实际达人补贴,实际抖音支付补贴,订单退款,平台服务费,佣金,服务商佣金,渠道分成,招商服务费,站外推广费,其他分成,是否免佣,免佣金额,商户主体名称,备注\n\
         2026-07-20 10:00:00,\"\t202607201000001\",入账,107.05,聚合账户,订单结算,,\"\t6917926768823643752\",\"\t6917926768823643751\",,2026-07-09 23:58:01,\"\t3691234567890123456\",防晒霜,,,普通订单,119.00,0.00,0.00,0.00,0.00,0.00,5.95,5.95,0.00,0.00,0.00,0.00,0.00,否,0.00,某公司,\n\
         2026-07-21 10:00:00,\"\t202607211000002\",出账,\"-1,080.00\",聚合账户,售后退款,,\"\t6917926768823643753\",\"\t6917926768823643751\",A1,2026-07-09 23:58:01,\"\t3691234567890123457\",防晒喷雾,,,普通订单,0.00,0.00,0.00,0.00,0.00,\"1,080.00\",0.00,0.00,0.00,0.00,0.00,0.00,0.00,否,0.00,某公司,\n",
    )
    .unwrap();
    let s = read_csv(&f, Some("s1")).unwrap();
    assert_eq!(s.profile.id, "doudian_settlement");
    let a = part(&s, "2026-07-20");
    assert_eq!(strs(a, "direction"), vec!["in"]);
    assert_eq!(ints(a, "amount_fen"), vec![Some(10_705)]);
    assert_eq!(ints(a, "commission_fen"), vec![Some(595)]);
    let b = part(&s, "2026-07-21");
    assert_eq!(ints(b, "amount_fen"), vec![Some(-108_000)]);
    assert_eq!(ints(b, "refund_fen"), vec![Some(108_000)]);
}

/// The header row of a 交易分析 shop-level sheet (成交概览, 自营成交, 合作成交), as listed.
pub const TRADE_SHOP_HEAD: &[&str] = &[
    "日期",
    "载体类型",
    "投放时段",
    "用户支付金额",
    "退款后用户支付金额(支付时间)",
    "智能优惠券金额",
    "退款后智能优惠券金额(支付时间)",
    "平台补贴金额",
    "成交订单数",
    "成交人数",
    "客单价",
    "成交金额",
    "净成交金额",
    "商品曝光人数",
    "商品点击人数",
    "商品曝光-点击转化率(人数)",
    "商品点击-成交转化率(人数)",
    "商品曝光-成交转化率(人数)",
    "千次曝光用户支付金额",
    "商品曝光次数",
    "商品点击次数",
    "退款金额(支付时间)",
    "退款订单数(支付时间)",
];

#[test]
fn trade_workbook_every_sheet_read_totals_flagged() {
    let dir = tempfile::tempdir().unwrap();
    let f = at(dir.path(), "某旗舰店 交易分析20260701-20260702.xlsx");
    let shop_rows = |scale: f64| {
        let mut r = vec![TRADE_SHOP_HEAD
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()];
        for (day, paid, orders, buyers) in [
            ("20260701", 10_000.25, 100, 90),
            ("20260702", 12_000.5, 110, 95),
        ] {
            for (carrier, share) in [("全部", 1.0), ("直播", 0.6), ("商品卡", 0.4)] {
                let p = paid * scale * share;
                let b = (buyers as f64 * scale * share).round();
                r.push(
                    [
                        day.to_string(),
                        carrier.into(),
                        "不限".into(),
                        format!("{p:.2}"),
                        "0".into(),
                        "0".into(),
                        "0".into(),
                        "0".into(),
                        format!("{}", (orders as f64 * scale * share).round()),
                        format!("{b}"),
                        format!("{:.2}", p / b),
                        format!("{:.2}", p * 1.05),
                        format!("{:.2}", p * 0.9),
                        "5000".into(),
                        "800".into(),
                        "16%".into(),
                        "11%".into(),
                        "1.8%".into(),
                        "2000".into(),
                        "50000".into(),
                        "900".into(),
                        "100.00".into(),
                        "2".into(),
                    ]
                    .to_vec(),
                );
            }
        }
        r
    };
    let day_rows = |head: &[&str], parts: &[&[&str]]| {
        let mut r = vec![head.iter().map(|s| s.to_string()).collect::<Vec<_>>()];
        for p in parts {
            r.push(p.iter().map(|s| s.to_string()).collect());
        }
        r
    };
    xlsx(
        &f,
        &[
            ("成交概览", shop_rows(1.0)),
            ("自营成交", shop_rows(0.7)),
            ("合作成交", shop_rows(0.3)),
            (
                "载体构成",
                day_rows(
                    &[
                        "日期",
                        "自营/合作",
                        "载体类型",
                        "账号/渠道",
                        "抖音号",
                        "用户支付金额",
                        "成交订单数",
                    ],
                    &[&[
                        "20260701",
                        "自营",
                        "直播",
                        "官方账号",
                        "gf001",
                        "6000.15",
                        "60",
                    ]],
                ),
            ),
            (
                "账号构成",
                day_rows(
                    &[
                        "日期",
                        "账号名称",
                        "账号类型",
                        "自营/合作",
                        "抖音号",
                        "用户支付金额",
                    ],
                    &[&[
                        "20260701",
                        "某旗舰店",
                        "官方账号",
                        "自营",
                        "gf001",
                        "7000.00",
                    ]],
                ),
            ),
            (
                "单载体构成",
                day_rows(
                    &[
                        "日期",
                        "售卖类型",
                        "载体类型",
                        "ID",
                        "标题/名称",
                        "用户支付金额",
                    ],
                    &[&[
                        "20260701",
                        "自营",
                        "直播",
                        "7391234567890123456",
                        "防晒专场",
                        "5000.00",
                    ]],
                ),
            ),
            (
                "终端构成",
                day_rows(
                    &[
                        "日期",
                        "终端类型",
                        "售卖类型",
                        "成交金额",
                        "用户支付金额",
                        "结算金额",
                        "成交订单数",
                        "商品曝光次数",
                        "商品点击次数",
                    ],
                    &[
                        &[
                            "20260701", "整体", "全部", "10500.26", "10000.25", "9000", "100",
                            "50000", "900",
                        ],
                        &[
                            "20260701", "抖音", "全部", "8000.00", "7600.20", "7000", "76",
                            "40000", "700",
                        ],
                        &[
                            "20260701",
                            "抖音极速版",
                            "全部",
                            "2500.26",
                            "2400.05",
                            "2000",
                            "24",
                            "10000",
                            "200",
                        ],
                    ],
                ),
            ),
            (
                "品类构成",
                day_rows(
                    &[
                        "日期",
                        "一级类目",
                        "二级类目",
                        "三级类目",
                        "四级类目",
                        "用户支付金额",
                        "成交笔单价",
                        "商品点击-成交转化率(次数)",
                        "退款金额(支付时间)",
                        "退款率(支付时间)",
                    ],
                    &[
                        &[
                            "20260701", "美妆", "全部", "全部", "全部", "10000.25", "100", "11%",
                            "100", "1%",
                        ],
                        &[
                            "20260701", "美妆", "防晒", "全部", "全部", "8000.00", "100", "11%",
                            "80", "1%",
                        ],
                        &[
                            "20260701",
                            "美妆",
                            "防晒",
                            "防晒霜",
                            "全部",
                            "6000.00",
                            "100",
                            "11%",
                            "60",
                            "1%",
                        ],
                    ],
                ),
            ),
            (
                "商品构成",
                day_rows(
                    &[
                        "日期",
                        "商品名称",
                        "商品编号",
                        "载体类型",
                        "用户支付金额",
                        "成交笔单价",
                        "商品点击-成交转化率(次数)",
                        "退款金额(支付时间)",
                        "退款率(支付时间)",
                        "智能优惠券金额",
                        "电商平台补贴金额",
                    ],
                    &[&[
                        "20260701",
                        "防晒霜50ml",
                        "3691234567890123456",
                        "全部",
                        "6000.00",
                        "119",
                        "12%",
                        "60",
                        "1%",
                        "0",
                        "0",
                    ]],
                ),
            ),
            (
                "价格带构成",
                day_rows(
                    &[
                        "日期",
                        "价格带",
                        "用户支付金额",
                        "成交笔单价",
                        "商品点击-成交转化率(次数)",
                    ],
                    &[
                        &["20260701", "100-200", "8000.00", "120", "10%"],
                        &["20260701", "50-100", "2000.25", "80", "12%"],
                    ],
                ),
            ),
            (
                "人群构成",
                day_rows(
                    &[
                        "日期",
                        "人群类型",
                        "载体类型",
                        "用户支付金额",
                        "成交人数",
                        "客单价",
                        "成交订单数",
                        "复购用户复购率",
                    ],
                    &[
                        &[
                            "20260701", "新客", "全部", "6000.00", "60", "100", "62", "-",
                        ],
                        &[
                            "20260701", "复购", "全部", "4000.25", "30", "133.34", "38", "28%",
                        ],
                    ],
                ),
            ),
        ],
    );
    let r = read(&f);
    let names: Vec<&str> = r.sheets.iter().map(|s| s.sheet.as_str()).collect();
    assert_eq!(names.len(), 11, "{names:?} skipped {:?}", r.skipped);
    let sheet = |n: &str| r.sheets.iter().find(|s| s.sheet == n).unwrap();
    let ov = part(sheet("成交概览"), "2026-07-01");
    assert_eq!(strs(ov, "sheet"), vec!["overview"; 3]);
    assert_eq!(bools(ov, "is_shop_total"), vec![true, false, false]);
    assert_eq!(ints(ov, "user_paid_fen")[0], Some(1_000_025));
    assert_eq!(ints(ov, "paying_users")[0], Some(90));
    assert_eq!(ints(ov, "aov_fen")[0], Some(11_111)); // 10000.25 / 90 = 111.11
    assert_eq!(
        strs(part(sheet("自营成交"), "2026-07-02"), "sheet")[0],
        "self_operated"
    );
    assert_eq!(
        strs(part(sheet("合作成交"), "2026-07-01"), "sheet")[0],
        "cooperative"
    );
    let dev = part(sheet("终端构成"), "2026-07-01");
    assert_eq!(strs(dev, "sheet")[0], "device");
    // Every row totals 售卖类型 (全部); only 整体 totals the devices as well.
    assert_eq!(bools(dev, "is_total"), vec![true, true, true]);
    assert_eq!(bools(dev, "is_shop_total"), vec![true, false, false]);
    assert_eq!(
        sum(dev, "user_paid_fen") - ints(dev, "user_paid_fen")[0].unwrap(),
        1_000_025
    );
    let cat = part(sheet("品类构成"), "2026-07-01");
    assert_eq!(bools(cat, "is_total"), vec![true, true, true]);
    assert_eq!(bools(cat, "is_shop_total"), vec![false, false, false]);
    assert_eq!(
        strs(part(sheet("价格带构成"), "2026-07-01"), "level1"),
        vec!["100-200", "50-100"]
    );
    let aud = part(sheet("人群构成"), "2026-07-01");
    assert_eq!(floats(aud, "repurchase_rate"), vec![None, Some(0.28)]);
    assert_eq!(
        strs(part(sheet("商品构成"), "2026-07-01"), "level1"),
        vec!["3691234567890123456"]
    );
}

#[test]
fn an_unknown_file_names_the_closest_family_and_what_it_lacks() {
    let dir = tempfile::tempdir().unwrap();
    let f = at(dir.path(), "商品卡_2026_06_30~2026_07_06.csv");
    std::fs::write(&f, "商品ID,商品卡曝光人数,商品卡点击人数\n1,2,3\n").unwrap();
    let err = errors(&f, &opts());
    assert!(err.contains("罗盘 商品卡列表数据"), "{err}");
    assert!(err.contains("商品卡用户支付金额"), "{err}");
    assert!(err.contains("未识别"), "{err}");
}

#[test]
fn a_snapshot_without_a_period_is_refused_and_asks_for_one() {
    let dir = tempfile::tempdir().unwrap();
    let f = at(dir.path(), "商品卡列表数据.csv");
    std::fs::write(
        &f,
        "商品ID,商品卡曝光人数,商品卡点击人数,商品卡用户支付金额\n3691234567890123456,100,10,99.00\n",
    )
    .unwrap();
    let err = errors(&f, &opts());
    assert!(
        err.contains("period") && err.contains("give the date"),
        "{err}"
    );
}
