//! The spreadsheet importer on arbitrary input: a workbook's rows or a clear problem, in
//! bounded memory. Half the inputs are raw bytes (damaged zips); the other half are decoded
//! into a well-formed workbook whose cells, merged regions and declared dimension reach
//! anywhere up to Excel's maximum (XFD1048576), the shapes that made the old reader allocate
//! the declared grid. Peak heap is counted and must stay under 256 MiB.
#![no_main]
use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};

use libfuzzer_sys::fuzz_target;

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

const MAX_PEAK: usize = 256 << 20;
const HEADERS: [&str; 4] = ["商品ID", "日期", "抖音号名称", "整体消耗"];

/// A column's letters (0 → A, 16383 → XFD).
fn letters(mut col: u32) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

/// Reads 4-byte little-endian words from the input.
struct Words<'a>(&'a [u8]);

impl Words<'_> {
    fn next(&mut self) -> Option<u32> {
        let (w, rest) = self.0.split_first_chunk::<4>()?;
        self.0 = rest;
        Some(u32::from_le_bytes(*w))
    }
    fn cell(&mut self) -> Option<(u32, u32)> {
        Some((self.next()? % 1_048_576, self.next()? % 16_384))
    }
}

fn workbook(data: &[u8]) -> Vec<u8> {
    let mut w = Words(data);
    let dim = match (w.cell(), w.cell()) {
        (Some(a), Some(b)) => format!(
            r#"<dimension ref="{}{}:{}{}"/>"#,
            letters(a.1),
            a.0 + 1,
            letters(b.1),
            b.0 + 1
        ),
        _ => String::new(),
    };
    let mut cells: Vec<(u32, u32, String)> = Vec::new();
    let mut merges = String::new();
    while let Some(kind) = w.next() {
        let Some((r, c)) = w.cell() else { break };
        if kind % 4 == 0 {
            let Some((r2, c2)) = w.cell() else { break };
            merges.push_str(&format!(
                r#"<mergeCell ref="{}{}:{}{}"/>"#,
                letters(c.min(c2)),
                r.min(r2) + 1,
                letters(c.max(c2)),
                r.max(r2) + 1
            ));
        } else {
            let text = HEADERS[(kind as usize / 4) % HEADERS.len()];
            cells.push((r, c, text.to_string()));
        }
    }
    cells.sort();
    let mut rows = String::new();
    let mut current = None;
    for (r, c, text) in &cells {
        if current != Some(*r) {
            if current.is_some() {
                rows.push_str("</row>");
            }
            rows.push_str(&format!(r#"<row r="{}">"#, r + 1));
            current = Some(*r);
        }
        rows.push_str(&format!(
            r#"<c r="{}{}" t="inlineStr"><is><t>{text}</t></is></c>"#,
            letters(*c),
            r + 1
        ));
    }
    if current.is_some() {
        rows.push_str("</row>");
    }
    let merges = if merges.is_empty() {
        merges
    } else {
        format!("<mergeCells>{merges}</mergeCells>")
    };
    let sheet = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{dim}<sheetData>{rows}</sheetData>{merges}</worksheet>"#
    );
    let parts = [
        ("[Content_Types].xml", r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#.to_string()),
        ("_rels/.rels", r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_string()),
        ("xl/workbook.xml", r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#.to_string()),
        ("xl/_rels/workbook.xml.rels", r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#.to_string()),
        ("xl/worksheets/sheet1.xml", sheet),
    ];
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, body) in parts {
        if z.start_file(name, zip::write::SimpleFileOptions::default()).is_err()
            || z.write_all(body.as_bytes()).is_err()
        {
            return Vec::new();
        }
    }
    z.finish().map(|c| c.into_inner()).unwrap_or_default()
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let bytes = if mode % 2 == 0 {
        rest.to_vec()
    } else {
        workbook(rest)
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("export.xlsx");
    std::fs::write(&path, &bytes).expect("write");
    let base = NOW.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let _ = vitrine_ingest::read_xlsx(&path, Some("s1"));
    let peak = PEAK.load(Ordering::Relaxed).saturating_sub(base);
    assert!(peak < MAX_PEAK, "peak heap {} MiB", peak >> 20);
});
