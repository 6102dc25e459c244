//! Large files read in many chunks on several threads: the same rows as the generator wrote,
//! problems on the right physical line, memory handed off in parts.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Mutex;

use arrow_array::{Array, Int64Array, RecordBatch, StringArray};
use chrono::NaiveDate;
use vitrine_core::batch::PartSink;
use vitrine_core::{CoreError, Table};
use vitrine_ingest::{stream_csv_with, Discard, ReadOptions};

/// Totals the generator knows independently of the reader.
#[derive(Default, Debug, PartialEq)]
struct Totals {
    rows: usize,
    amount_fen: BTreeMap<NaiveDate, i64>,
    status: BTreeMap<String, usize>,
}

/// Writes an order export of `rows` rows whose 买家留言 column carries quoted commas,
/// escaped quotes and newlines; returns the file and what it holds. `bad_row` (0-based data
/// row) gets an unreadable amount; its physical line is returned too.
fn orders(rows: usize, bad_row: Option<usize>) -> (tempfile::NamedTempFile, Totals, usize) {
    let mut f = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
    let mut w = std::io::BufWriter::new(&mut f);
    w.write_all(
        "\u{feff}抖店订单导出\n主订单编号,订单提交时间,商品ID,订单应付金额,订单状态,买家留言\n"
            .as_bytes(),
    )
    .unwrap();
    let mut totals = Totals::default();
    let mut line = 3;
    let mut bad_line = 0;
    let statuses = ["已完成", "已发货", "已关闭"];
    for i in 0..rows {
        let day = NaiveDate::from_ymd_opt(2026, 11, 1 + (i * 30 / rows) as u32).unwrap();
        let fen = 100 + (i as i64 * 7919) % 99_900;
        let note = match i % 5 {
            0 => "快点发货".to_string(),
            1 => "\"送人的, 包装好\"".to_string(),
            2 => "\"第一行\n第二行 \"\"加急\"\"\"".to_string(),
            3 => "15.6\"屏".to_string(),
            _ => String::new(),
        };
        let amount = if Some(i) == bad_row {
            bad_line = line;
            "abc".to_string()
        } else {
            format!("¥{}.{:02}", fen / 100, fen % 100)
        };
        let status = statuses[i % 3];
        writeln!(
            w,
            "{},{day} {:02}:{:02}:00,{},{amount},{status},{note}",
            6_900_000_000u64 + i as u64,
            i % 24,
            i % 60,
            3_600_000 + i % 50
        )
        .unwrap();
        line += 1 + note.matches('\n').count();
        if Some(i) != bad_row {
            totals.rows += 1;
            *totals.amount_fen.entry(day).or_default() += fen;
            let canonical = ["completed", "shipped", "cancelled"][i % 3];
            *totals.status.entry(canonical.to_string()).or_default() += 1;
        }
    }
    drop(w);
    (f, totals, bad_line)
}

/// A sink that sums what it receives and counts the parts per partition.
#[derive(Default)]
struct Summing(Mutex<(Totals, BTreeMap<NaiveDate, usize>)>);

impl PartSink for Summing {
    fn put_part(
        &self,
        table: Table,
        shop: &str,
        date: Option<NaiveDate>,
        b: RecordBatch,
    ) -> Result<(), CoreError> {
        assert_eq!((table, shop), (Table::Orders, "s1"));
        let date = date.unwrap();
        let amount = col::<Int64Array>(&b, "amount_fen");
        let status = col::<StringArray>(&b, "status");
        let mut g = self.0.lock().unwrap();
        g.0.rows += b.num_rows();
        *g.0.amount_fen.entry(date).or_default() += amount.iter().flatten().sum::<i64>();
        for s in status.iter().flatten() {
            *g.0.status.entry(s.to_string()).or_default() += 1;
        }
        *g.1.entry(date).or_default() += 1;
        Ok(())
    }
}

fn col<'a, T: 'static>(b: &'a RecordBatch, name: &str) -> &'a T {
    b.column_by_name(name)
        .unwrap()
        .as_any()
        .downcast_ref::<T>()
        .unwrap()
}

#[test]
fn many_chunks_on_many_threads_give_exactly_the_rows_written() {
    let (f, expected, _) = orders(60_000, None);
    for (chunk_bytes, worker_budget, workers) in
        [(64 << 10, 256 << 10, 3), (1 << 20, 48 << 20, 2), (7, 1, 1)]
    {
        let sink = Summing::default();
        let opts = ReadOptions {
            chunk_bytes,
            worker_budget,
            workers,
        };
        let s = stream_csv_with(f.path(), Some("s1"), Default::default(), &sink, opts).unwrap();
        let (got, parts) = sink.0.into_inner().unwrap();
        assert_eq!(got, expected, "{opts:?}");
        assert_eq!(s.rows, expected.rows);
        assert_eq!(s.partitions.len(), 30);
        assert_eq!(s.partitions.values().sum::<usize>(), expected.rows);
        if worker_budget < 1 << 20 {
            // Rows were handed off as they came, not held to the end.
            assert!(parts.values().sum::<usize>() > 45, "{parts:?}");
        }
    }
}

#[test]
fn a_bad_row_deep_in_a_big_file_is_named_by_its_physical_line() {
    let (f, _, bad_line) = orders(50_000, Some(41_234));
    let opts = ReadOptions {
        chunk_bytes: 32 << 10,
        worker_budget: 1 << 20,
        workers: 2,
    };
    let err =
        stream_csv_with(f.path(), Some("s1"), Default::default(), &Discard, opts).unwrap_err();
    assert_eq!(err.len(), 1, "{err:?}");
    assert_eq!(
        (err[0].row, err[0].column.as_str()),
        (bad_line, "订单应付金额")
    );
    // The line really is that row: count it with a plain reading of the file.
    let text = std::fs::read_to_string(f.path()).unwrap();
    let line = text.lines().nth(bad_line - 1).unwrap();
    assert!(line.contains(",abc,"), "{line}");
}

#[test]
fn problems_beyond_the_limit_are_counted_not_listed() {
    let mut f = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
    let mut text = String::from("统计日期,商品ID,成交金额,商品曝光次数,商品点击次数\n");
    for i in 0..(vitrine_ingest::MAX_PROBLEMS + 234) {
        text.push_str(&format!("2026-11-21,{i},x{i},1,1\n"));
    }
    f.write_all(text.as_bytes()).unwrap();
    let err = vitrine_ingest::read_csv(f.path(), Some("s1")).unwrap_err();
    assert_eq!(err.len(), vitrine_ingest::MAX_PROBLEMS + 1);
    assert_eq!(err[0].row, 2);
    assert!(err.windows(2).take(999).all(|w| w[0].row < w[1].row));
    assert!(
        err.last().unwrap().reason.contains("234 more problems"),
        "{:?}",
        err.last()
    );
}

/// What a read found, in a form two reads can be compared by.
fn outcome(
    path: &std::path::Path,
    opts: ReadOptions,
) -> Result<(usize, Vec<((String, Option<NaiveDate>), usize)>), Vec<String>> {
    stream_csv_with(path, Some("s1"), Default::default(), &Discard, opts)
        .map(|s| (s.rows, s.partitions.into_iter().collect()))
        .map_err(|p| p.iter().map(|p| p.to_string()).collect())
}

mod chunking {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// Cutting a file into tiny chunks on several threads finds exactly what one chunk
        /// finds: the same rows per partition, or the same problems on the same lines.
        #[test]
        fn tiny_chunks_agree_with_one_chunk(
            rows in proptest::collection::vec(("(2026-11-2[0-3]|x|)", "[0-9]{0,3}", "[a,\"\n]{0,6}"), 1..40),
            chunk in 1usize..48,
            workers in 1usize..4,
        ) {
            let mut f = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
            let mut text = String::from("统计日期,商品ID,成交金额,商品曝光次数,商品点击次数,备注\n");
            for (date, n, note) in &rows {
                text.push_str(&format!("{date},p{n},{n},{n},1,{note}\n"));
            }
            f.write_all(text.as_bytes()).unwrap();
            let whole = outcome(f.path(), ReadOptions { chunk_bytes: 1 << 20, worker_budget: 1 << 20, workers: 1 });
            let tiny = outcome(f.path(), ReadOptions { chunk_bytes: chunk, worker_budget: 64, workers });
            prop_assert_eq!(whole, tiny);
        }
    }
}
