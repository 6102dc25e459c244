//! Every fixture export read and checked against values computed by hand from the file.

mod support;

use std::path::PathBuf;

use arrow_array::RecordBatch;
use support::{ints, strs, sum};
use vitrine_ingest::read_csv;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn part<'a>(r: &'a vitrine_ingest::FileRead, date: &str) -> &'a RecordBatch {
    r.partitions
        .iter()
        .find(|(k, _)| k.1.map(|d| d.to_string()).as_deref() == Some(date))
        .map(|(_, b)| b)
        .unwrap()
}

#[test]
fn compass_old_generation_bom_with_title_and_totals() {
    let r = read_csv(&fixture("compass_product_2026-11-20_bom.csv"), Some("s1")).unwrap();
    assert_eq!(r.profile.id, "compass_product");
    assert_eq!(
        (r.rows, r.skipped_total_rows, r.partitions.len()),
        (3, 1, 2)
    );
    let d20 = part(&r, "2026-11-20");
    // ¥1,234.50 + 362.51 yuan → fen, never divided by 100.
    assert_eq!(sum(d20, "gmv_fen"), 123_450 + 36_251);
    assert_eq!(
        ints(d20, "user_paid_fen"),
        vec![None, None],
        "成交金额 must not land in 用户支付金额"
    );
    assert_eq!(sum(d20, "exposure"), 12_000 + 12_000); // 1.2万
    assert_eq!(sum(d20, "exposure_users"), 9_800 + 8_000);
    assert_eq!(sum(d20, "clicks"), 840);
    assert_eq!(sum(d20, "click_users"), 710);
    assert_eq!(ints(d20, "refund_fen"), vec![Some(12_000), None]);
    assert_eq!(strs(d20, "source"), vec!["live", "mall"]);
    let d21 = part(&r, "2026-11-21");
    assert_eq!(sum(d21, "exposure"), 34_000); // 3.4w
    assert_eq!(sum(d21, "gmv_fen"), 200_000);
}

#[test]
fn compass_new_generation_gbk() {
    let r = read_csv(&fixture("compass_product_2026-11-21_gbk.csv"), Some("s1")).unwrap();
    assert_eq!(r.encoding, "gb18030");
    assert_eq!((r.rows, r.skipped_total_rows), (2, 1));
    let d = part(&r, "2026-11-21");
    assert_eq!(sum(d, "user_paid_fen"), 8_880 + 100_000);
    assert_eq!(
        ints(d, "gmv_fen"),
        vec![None, None],
        "用户支付金额 must not land in 成交金额"
    );
    assert_eq!(sum(d, "add_to_cart"), 65);
    assert_eq!(sum(d, "add_to_cart_users"), 58);
    assert_eq!(strs(d, "source"), vec!["short_video", "showcase"]);
    assert_eq!(strs(d, "category"), vec!["uncategorized", "uncategorized"]);
}

#[test]
fn qianchuan_hourly_plan_report() {
    let r = read_csv(&fixture("qianchuan_plan_hourly.csv"), Some("s1")).unwrap();
    assert_eq!(r.profile.id, "qianchuan_plan");
    let d = part(&r, "2026-11-21");
    assert_eq!(sum(d, "spend_fen"), 46_040);
    assert_eq!(sum(d, "impressions"), 16_000);
    assert_eq!(sum(d, "conversions"), 11);
    assert_eq!(sum(d, "pay_gmv_fen"), 142_900);
    let hours = d
        .column_by_name("hour")
        .unwrap()
        .as_any()
        .downcast_ref::<arrow_array::Int32Array>()
        .unwrap();
    assert_eq!(hours.values().to_vec(), vec![9, 10, 10]);
}

#[test]
fn qianchuan_daily_plan_report_in_gbk_with_title_rows_and_totals() {
    let r = read_csv(&fixture("qianchuan_plan_daily_gbk.csv"), Some("s1")).unwrap();
    assert_eq!((r.profile.id, r.encoding), ("qianchuan_plan", "gb18030"));
    assert_eq!(
        (r.rows, r.skipped_total_rows, r.partitions.len()),
        (4, 1, 2)
    );
    let d20 = part(&r, "2026-11-20");
    // 2,450.30 + 612.00 yuan; 8.2万 + 21000 impressions; 7,930 + 1,161 yuan paid.
    assert_eq!(sum(d20, "spend_fen"), 245_030 + 61_200);
    assert_eq!(sum(d20, "impressions"), 82_000 + 21_000);
    assert_eq!(sum(d20, "clicks"), 1_545);
    assert_eq!(sum(d20, "pay_gmv_fen"), 793_000 + 116_100);
    assert_eq!(ints(d20, "budget_fen"), vec![Some(300_000), Some(80_000)]);
    assert_eq!(ints(d20, "bid_fen"), vec![Some(3_800), None]);
    assert_eq!(
        strs(d20, "bid_mode"),
        vec!["SMART_BID_CUSTOM", "SMART_BID_CONSERVATIVE"]
    );
    let d21 = part(&r, "2026-11-21");
    // `--` is no value, not zero; a daily report has no hour.
    assert_eq!(ints(d21, "spend_fen"), vec![Some(299_999), None]);
    assert_eq!(sum(d21, "impressions"), 90_500);
    assert_eq!(
        strs(d21, "learning_status"),
        vec!["LEARNED", "LEARN_FAILED"]
    );
    assert_eq!(d21.column_by_name("hour").unwrap().null_count(), 2);
}

#[test]
fn doudian_orders_with_times_in_shanghai() {
    let r = read_csv(&fixture("doudian_orders.csv"), Some("s1")).unwrap();
    assert_eq!(r.profile.id, "doudian_orders");
    let d = part(&r, "2026-11-21");
    assert_eq!(sum(d, "amount_fen"), 12_900 + 17_760 + 100_000);
    assert_eq!(strs(d, "status"), vec!["completed", "cancelled", "shipped"]);
    assert_eq!(strs(d, "region"), vec!["广东", "浙江", "北京"]);
    let t = d
        .column_by_name("ordered_at")
        .unwrap()
        .as_any()
        .downcast_ref::<arrow_array::TimestampSecondArray>()
        .unwrap();
    // 2026-11-21 09:15:02 +08:00.
    assert_eq!(t.value(0), 1_795_219_200 + 3600 + 15 * 60 + 2);
}

#[test]
fn a_broken_file_lists_every_problem_with_row_and_column() {
    let err = read_csv(&fixture("broken_compass.csv"), Some("s1")).unwrap_err();
    let lines: Vec<String> = err.iter().map(|p| p.to_string()).collect();
    assert_eq!(lines.len(), 3, "{lines:#?}");
    assert!(
        lines[0].ends_with("broken_compass.csv:2:成交金额: `abc` is not a number"),
        "{}",
        lines[0]
    );
    assert!(lines[1].contains(":3:统计日期:"), "{}", lines[1]);
    assert!(
        lines[2].contains(":4:商品曝光次数:") && lines[2].contains("whole"),
        "{}",
        lines[2]
    );
}

#[test]
fn missing_shop_and_unknown_files_are_explained() {
    let err = read_csv(&fixture("qianchuan_plan_hourly.csv"), None).unwrap_err();
    assert!(err[0].reason.contains("choose the shop"), "{:?}", err[0]);
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("x.csv");
    std::fs::write(&p, "a,b\n1,2\n").unwrap();
    let err = read_csv(&p, Some("s1")).unwrap_err();
    assert!(
        err[0].reason.contains("no known export header"),
        "{:?}",
        err[0]
    );
}

#[test]
fn qianchuan_uni_promotion_hourly() {
    let r = read_csv(&fixture("qianchuan_uni_promotion_hourly.csv"), Some("s1")).unwrap();
    assert_eq!(r.profile.id, "qianchuan_uni_hourly");
    let d = part(&r, "2026-11-21");
    assert_eq!(sum(d, "spend_fen"), 200_000);
    assert_eq!(sum(d, "pay_gmv_fen"), 620_000);
    assert_eq!(sum(d, "pay_orders"), 46);
    assert_eq!(strs(d, "plan_id"), vec!["uni_promotion", "uni_promotion"]);
}

#[test]
fn qianchuan_creative_report_is_not_mistaken_for_a_plan_report() {
    let r = read_csv(&fixture("qianchuan_creative.csv"), Some("s1")).unwrap();
    assert_eq!(r.profile.id, "qianchuan_creative");
    let d = part(&r, "2026-11-21");
    assert_eq!(sum(d, "spend_fen"), 36_050);
    assert_eq!(sum(d, "clicks"), 170);
    assert_eq!(sum(d, "pay_gmv_fen"), 117_000);
    assert_eq!(strs(d, "creative_id"), vec!["c9001", "c9002"]);
}

#[test]
fn compass_video_gbk() {
    let r = read_csv(&fixture("compass_video_gbk.csv"), Some("s1")).unwrap();
    assert_eq!((r.profile.id, r.encoding), ("compass_video", "gb18030"));
    let d = part(&r, "2026-11-21");
    assert_eq!(sum(d, "plays"), 30_000);
    assert_eq!(sum(d, "completions"), 10_100);
    assert_eq!(sum(d, "hold_3s"), 18_100);
    assert_eq!(sum(d, "gmv_fen"), 211_260);
}

#[test]
fn inventory_competitor_comment_and_overview_sheets() {
    let inv = read_csv(&fixture("inventory_sheet.csv"), Some("s1")).unwrap();
    assert_eq!(inv.profile.id, "inventory_sheet");
    assert_eq!(sum(part(&inv, "2026-11-21"), "on_hand"), 530);
    let comp = read_csv(&fixture("competitor_sheet.csv"), Some("s1")).unwrap();
    let c = part(&comp, "2026-11-21");
    assert_eq!(
        (
            sum(c, "price_fen"),
            sum(c, "est_sales"),
            sum(c, "bid_level_fen")
        ),
        (13_900, 12_000, 4_500)
    );
    let com = read_csv(&fixture("comments.csv"), Some("s1")).unwrap();
    let cm = part(&com, "2026-11-21");
    let flags = cm
        .column_by_name("is_complaint")
        .unwrap()
        .as_any()
        .downcast_ref::<arrow_array::BooleanArray>()
        .unwrap();
    assert_eq!((flags.value(0), flags.value(1)), (false, true));
    let ov = read_csv(&fixture("compass_shop_overview.csv"), Some("s1")).unwrap();
    assert_eq!(
        (ov.profile.id, ov.partitions.len()),
        ("compass_shop_overview", 2)
    );
    let e = part(&ov, "2026-11-21")
        .column_by_name("experience_score")
        .unwrap()
        .as_any()
        .downcast_ref::<arrow_array::Float64Array>()
        .unwrap()
        .value(0);
    assert!((e - 4.80).abs() < 1e-12);
}

mod no_panic {
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Arbitrary bytes (any encoding, broken quotes, stray BOMs) never panic the reader.
        #[test]
        fn reader_survives_arbitrary_bytes(body in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let dir = tempfile::tempdir().unwrap();
            let p = dir.path().join("x.csv");
            std::fs::write(&p, &body).unwrap();
            let _ = vitrine_ingest::read_csv(&p, Some("s1"));
        }

        /// A valid header followed by arbitrary cell text yields rows or located problems, never a panic.
        #[test]
        fn rows_of_arbitrary_text_are_parsed_or_reported(cells in proptest::collection::vec("[^\n\r\"]{0,12}", 5..40)) {
            let dir = tempfile::tempdir().unwrap();
            let p = dir.path().join("x.csv");
            let mut text = String::from("统计日期,商品ID,成交金额,商品曝光次数,商品点击次数\n");
            for row in cells.chunks(5) {
                text.push_str(&row.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(","));
                text.push('\n');
            }
            std::fs::write(&p, text).unwrap();
            match vitrine_ingest::read_csv(&p, Some("s1")) {
                Ok(r) => prop_assert!(r.rows <= cells.len() / 5 + 1),
                Err(problems) => prop_assert!(problems.iter().all(|q| q.file.ends_with("x.csv"))),
            }
        }
    }
}

#[test]
fn xlsx_with_title_merged_two_row_header_dates_and_totals() {
    let r = vitrine_ingest::read_xlsx(
        &fixture("compass_product_2026-11-20_merged.xlsx"),
        Some("s1"),
    )
    .unwrap()
    .sheets
    .remove(0);
    assert_eq!(r.profile.id, "compass_product");
    assert_eq!(r.encoding, "xlsx");
    assert_eq!(
        (r.rows, r.skipped_total_rows, r.partitions.len()),
        (3, 1, 2)
    );
    let d20 = part(&r, "2026-11-20");
    // 1234.5 stored as a number and 362.51 yuan → fen.
    assert_eq!(sum(d20, "gmv_fen"), 123_450 + 36_251);
    assert_eq!(sum(d20, "exposure"), 12_000 + 12_000); // 12000 and text 1.2万
    assert_eq!(sum(d20, "click_users"), 710);
    // 退款金额 is merged down both header rows.
    assert_eq!(ints(d20, "refund_fen"), vec![Some(12_000), None]);
    assert_eq!(strs(d20, "source"), vec!["live", "mall"]);
    let d21 = part(&r, "2026-11-21");
    assert_eq!(sum(d21, "exposure"), 34_000);
    assert_eq!(sum(d21, "gmv_fen"), 200_000);
    // The same download as CSV gives the same partitions.
    let csv = read_csv(&fixture("compass_product_2026-11-20_bom.csv"), Some("s1")).unwrap();
    assert_eq!(csv.partitions, r.partitions);
}

#[test]
fn xlsx_orders_with_datetime_cells_and_a_notes_sheet_first() {
    let all = vitrine_ingest::read_xlsx(&fixture("doudian_orders.xlsx"), Some("s1")).unwrap();
    // The notes sheet is listed as skipped, not an error.
    assert_eq!(all.skipped.len(), 1, "{:?}", all.skipped);
    let r = &all.sheets[0];
    assert_eq!(r.profile.id, "doudian_orders");
    let d = part(r, "2026-11-21");
    assert_eq!(sum(d, "amount_fen"), 12_900 + 17_760 + 100_000);
    let t = d
        .column_by_name("ordered_at")
        .unwrap()
        .as_any()
        .downcast_ref::<arrow_array::TimestampSecondArray>()
        .unwrap();
    assert_eq!(t.value(0), 1_795_219_200 + 3600 + 15 * 60 + 2);
    let csv = read_csv(&fixture("doudian_orders.csv"), Some("s1")).unwrap();
    assert_eq!(csv.partitions, r.partitions);
}

#[test]
fn broken_xlsx_is_reported_not_panicked() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("fake.xlsx");
    std::fs::write(&f, b"PK\x03\x04 not really a zip").unwrap();
    let err = vitrine_ingest::read_xlsx(&f, Some("s1")).unwrap_err();
    assert_eq!(err.len(), 1);
    assert!(err[0].to_string().contains("fake.xlsx"), "{}", err[0]);
}
