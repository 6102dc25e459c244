//! A workbook that declares the largest sheet Excel allows (A1:XFD1048576) but holds a few
//! cells is read in memory that follows its cells. Alone in its binary: the peak is counted by
//! a global allocator, and other tests running beside it would add to it.

mod support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use support::*;
use vitrine_ingest::{read_file, FileOptions};

struct Counting;

static NOW: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc(layout);
        if !p.is_null() {
            let now = NOW.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        NOW.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

const HEAD: [&str; 10] = [
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
const COLS: [&str; 10] = ["A", "B", "C", "D", "E", "F", "G", "H", "I", "J"];

#[test]
fn the_declared_grid_is_never_allocated() {
    let dir = tempfile::tempdir().unwrap();
    let f = at(
        dir.path(),
        "全域数据_直播分析_某旗舰店_20260701-20260701.xlsx",
    );
    let head: Vec<(&str, &str)> = COLS.iter().copied().zip(HEAD).collect();
    let values = [
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
    ];
    let mut last: Vec<(&str, &str)> = COLS.iter().copied().zip(values).collect();
    last.push(("XFD", "x"));
    let sheet = format!(
        "{}{}{}",
        xml_row(1, &[("A", "直播分析"), ("L", "备注")]),
        xml_row(2, &head),
        xml_row(1_048_576, &last)
    );
    // A title merged over row 1, and a note merged over every column right of the data down
    // to the sheet's last row: both cover billions of cells.
    raw_xlsx(
        &f,
        Some("A1:XFD1048576"),
        &sheet,
        &["A1:J1", "L1:XFD1048576"],
    );
    let base = NOW.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let read = read_file(&f, &FileOptions::shop(Some("s1")), Default::default());
    let peak = PEAK.load(Ordering::Relaxed) - base;
    let read = read.unwrap_or_else(|p| panic!("{p:?}"));
    assert_eq!(read.sheets.len(), 1);
    assert_eq!(read.sheets[0].rows, 1);
    // The declared grid is 17 billion cells; calamine's Range of it would be ~550 GB.
    assert!(peak < 64 << 20, "peak allocation {} MiB", peak >> 20);
}
