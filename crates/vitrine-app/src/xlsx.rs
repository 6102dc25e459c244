//! The one XLSX table writer: sheets of a header row and typed cells, with the header bold,
//! frozen and filterable, and every limit of Excel checked before a byte is written.

use rust_xlsxwriter::{Format, Workbook};

use crate::AppError;

/// Rows a single sheet may hold here (Excel's own limit is 1,048,576).
pub const MAX_ROWS: usize = 1_000_000;
/// Characters one cell holds in Excel.
pub const MAX_CELL_CHARS: usize = 32_767;
/// Columns a sheet holds in Excel.
pub const MAX_COLUMNS: usize = 16_384;

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    /// A number; not finite is written as an empty cell.
    Number(f64),
    Bool(bool),
    Empty,
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}

impl From<f64> for Cell {
    fn from(x: f64) -> Cell {
        Cell::Number(x)
    }
}

impl From<Option<f64>> for Cell {
    fn from(x: Option<f64>) -> Cell {
        x.map_or(Cell::Empty, Cell::Number)
    }
}

/// A sheet: its name, the header and the rows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Sheet {
    pub name: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

impl Sheet {
    /// An empty sheet with a header.
    pub fn new(name: &str, columns: &[&str]) -> Sheet {
        Sheet {
            name: name.into(),
            columns: columns.iter().map(|c| c.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    /// The first thing Excel cannot hold, named by row and column.
    pub fn check(&self) -> Result<(), AppError> {
        if self.rows.len() > MAX_ROWS {
            return Err(AppError::TooLarge(format!(
                "{} rows; a sheet holds at most {MAX_ROWS}",
                self.rows.len()
            )));
        }
        let bad = |m: String| Err(AppError::BadRequest(m));
        if self.columns.len() > MAX_COLUMNS {
            return bad(format!(
                "{} columns; a sheet holds at most {MAX_COLUMNS}",
                self.columns.len()
            ));
        }
        let long = |s: &str| s.chars().count() > MAX_CELL_CHARS;
        if let Some(c) = self.columns.iter().position(|h| long(h)) {
            return bad(format!(
                "columns[{c}] is longer than the {MAX_CELL_CHARS} characters a cell holds"
            ));
        }
        for (i, r) in self.rows.iter().enumerate() {
            if r.len() > self.columns.len() {
                return bad(format!(
                    "rows[{i}] has {} cells for {} columns",
                    r.len(),
                    self.columns.len()
                ));
            }
            let too_long = |v: &Cell| matches!(v, Cell::Text(s) if long(s));
            if let Some(c) = r.iter().position(too_long) {
                return bad(format!(
                    "rows[{i}][{c}] is longer than the {MAX_CELL_CHARS} characters a cell holds"
                ));
            }
        }
        Ok(())
    }
}

/// A name Excel takes for a sheet: no `[]:*?/\`, no control characters or characters
/// outside the Basic Multilingual Plane (emoji), no apostrophe at either end, 31 characters.
pub fn sheet_name(name: &str) -> String {
    let clean: String = name
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\'))
        .filter(|c| !c.is_control() && u32::from(*c) <= 0xFFFF)
        .take(31)
        .collect();
    let clean = clean.trim().trim_matches('\'').trim();
    if clean.is_empty() || clean.eq_ignore_ascii_case("history") {
        "Sheet1".into()
    } else {
        clean.to_string()
    }
}

/// The sheets as an XLSX file, after checking each.
pub fn workbook(sheets: &[Sheet]) -> Result<Vec<u8>, AppError> {
    for s in sheets {
        s.check()?;
    }
    write(sheets).map_err(|e| AppError::BadRequest(format!("cannot write this table as XLSX: {e}")))
}

fn write(sheets: &[Sheet]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let mut names = std::collections::HashSet::new();
    for (i, s) in sheets.iter().enumerate() {
        let ws = wb.add_worksheet();
        let mut name = sheet_name(&s.name);
        if !names.insert(name.to_lowercase()) {
            name = format!("{}{}", name.chars().take(28).collect::<String>(), i + 1);
            names.insert(name.to_lowercase());
        }
        ws.set_name(name)?;
        for (c, h) in s.columns.iter().enumerate() {
            ws.write_with_format(0, c as u16, h.as_str(), &bold)?;
        }
        for (r, row) in s.rows.iter().enumerate() {
            let r = (r + 1) as u32;
            for (c, v) in row.iter().enumerate() {
                let c = c as u16;
                match v {
                    Cell::Text(t) => {
                        ws.write(r, c, t.as_str())?;
                    }
                    Cell::Number(x) if x.is_finite() => {
                        ws.write(r, c, *x)?;
                    }
                    Cell::Bool(b) => {
                        ws.write(r, c, *b)?;
                    }
                    Cell::Number(_) | Cell::Empty => {}
                }
            }
        }
        if !s.columns.is_empty() {
            ws.autofilter(0, 0, s.rows.len() as u32, s.columns.len() as u16 - 1)?;
        }
        ws.set_freeze_panes(1, 0)?;
        ws.autofit();
    }
    wb.save_to_buffer()
}

/// Writes the sheets to `path` (replacing it only once the whole file is built).
pub fn save(sheets: &[Sheet], path: &std::path::Path) -> Result<(), AppError> {
    let bytes = workbook(sheets)?;
    std::fs::write(path, bytes).map_err(|source| AppError::Io {
        what: format!("cannot write {}", path.display()),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sheet(name: &str, cell: &str) -> Sheet {
        Sheet {
            name: name.into(),
            columns: vec!["a".into()],
            rows: vec![vec![Cell::Text(cell.into())]],
        }
    }

    #[test]
    fn any_sheet_name_makes_a_workbook() {
        for name in [
            "'quoted'",
            "店铺 😀 数据",
            "a]b[c:d*e?f/g\\h",
            "''",
            "History",
            &"长".repeat(40),
        ] {
            workbook(&[sheet(name, "x")]).unwrap_or_else(|e| panic!("{name:?}: {e}"));
        }
        assert_eq!(sheet_name("'店铺'"), "店铺");
        assert_eq!(sheet_name("😀"), "Sheet1");
        // Two sheets whose names clean to the same one still make a workbook.
        workbook(&[sheet("a?", "x"), sheet("a*", "y")]).unwrap();
    }

    #[test]
    fn a_cell_longer_than_excel_holds_is_named() {
        let e = sheet("t", &"x".repeat(MAX_CELL_CHARS + 1))
            .check()
            .unwrap_err();
        assert!(matches!(e, AppError::BadRequest(_)));
        assert!(e.to_string().contains("rows[0][0]"), "{e}");
        assert!(sheet("t", &"x".repeat(MAX_CELL_CHARS)).check().is_ok());
    }
}
