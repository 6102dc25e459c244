//! Workbooks built to cost more than they hold: each is refused with the file, sheet and
//! reason, or read in work that follows its cells.

mod support;

use support::*;
use vitrine_ingest::{read_file, FileOptions};

fn errors(path: &std::path::Path) -> String {
    match read_file(path, &FileOptions::shop(Some("s1")), Default::default()) {
        Ok(_) => "(read cleanly)".into(),
        Err(p) => p
            .iter()
            .map(|x| x.to_string())
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

#[test]
fn rows_out_of_order_are_refused_with_the_rows() {
    let dir = tempfile::tempdir().unwrap();
    let f = at(dir.path(), "a.xlsx");
    let sheet = format!(
        "{}{}{}",
        xml_row(1, &[("A", "商品ID")]),
        xml_row(3, &[("A", "1")]),
        xml_row(2, &[("A", "2")])
    );
    raw_xlsx(&f, None, &sheet, &[]);
    let e = errors(&f);
    assert!(e.contains("a.xlsx[Sheet1]"), "{e}");
    assert!(e.contains("row 2 comes after row 3"), "{e}");
}

#[test]
fn too_many_merged_regions_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let f = at(dir.path(), "b.xlsx");
    let merges: Vec<String> = (1..=vitrine_ingest::xlsx::MAX_MERGES + 1)
        .map(|r| format!("A{r}:B{r}"))
        .collect();
    let refs: Vec<&str> = merges.iter().map(String::as_str).collect();
    raw_xlsx(&f, None, &xml_row(1, &[("A", "x")]), &refs);
    let e = errors(&f);
    assert!(
        e.contains("b.xlsx[Sheet1]") && e.contains("merged regions (limit"),
        "{e}"
    );
}

#[test]
fn xls_and_ods_ask_for_xlsx() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["d.xls", "d.ods"] {
        let f = at(dir.path(), name);
        std::fs::write(&f, b"\xd0\xcf\x11\xe0").unwrap();
        let e = errors(&f);
        assert!(e.contains("save the file as .xlsx or .csv"), "{e}");
    }
}
