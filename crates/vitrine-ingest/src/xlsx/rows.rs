//! A worksheet as a stream of sparse rows, read cell by cell: memory follows the cells a sheet
//! holds, never the extent it declares (a workbook with cells A1 and XFD1048576 costs two
//! cells, not seventeen billion). Merged regions fill their empty cells from the region's
//! top-left value when a cell is read, so a merge over a whole sheet costs nothing either.

use std::io::{Read, Seek};
use std::rc::Rc;

use calamine::{DataRef, Dimensions, XlsxCellReader};

use crate::mapper::Cells;

/// Cells read from one workbook, all sheets together.
pub const MAX_CELLS: u64 = 64_000_000;
/// Merged regions in one sheet.
pub const MAX_MERGES: usize = 10_000;
/// Columns a header-scan row is widened to. Known exports have well under a hundred; a row
/// merged or filled out to column XFD would otherwise cost 16,384 cells per row to match
/// against every family's headers.
const HEADER_COLUMNS: u32 = 1_024;

/// One sheet row: its 0-based row number, its cells in column order, and the merged
/// regions that cover it.
pub(crate) struct Row {
    pub(crate) index: u32,
    cells: Vec<(u32, String)>,
    fills: Rc<Vec<Fill>>,
}

/// A merged region active on the current row: columns, last row and the top-left value.
#[derive(Clone)]
struct Fill {
    left: u32,
    right: u32,
    bottom: u32,
    value: Rc<str>,
}

impl Row {
    /// The row as text cells from column A to its last used column, at most
    /// [`HEADER_COLUMNS`] (header scans only).
    pub(crate) fn dense(&self) -> Vec<String> {
        let width = self
            .cells
            .last()
            .map(|c| c.0 + 1)
            .into_iter()
            .chain(self.fills.iter().map(|f| f.right + 1))
            .max()
            .unwrap_or(0)
            .min(HEADER_COLUMNS);
        (0..width as usize)
            .map(|i| self.cell(i).to_string())
            .collect()
    }
}

impl Cells for Row {
    fn len(&self) -> usize {
        self.cells.last().map_or(0, |c| c.0 as usize + 1)
    }

    fn cell(&self, i: usize) -> &str {
        let Ok(col) = u32::try_from(i) else {
            return "";
        };
        if let Ok(k) = self.cells.binary_search_by_key(&col, |c| c.0) {
            if !self.cells[k].1.is_empty() {
                return &self.cells[k].1;
            }
        }
        let k = self.fills.partition_point(|f| f.left <= col);
        match k.checked_sub(1).map(|k| &self.fills[k]) {
            Some(f) if f.right >= col => &f.value,
            _ => "",
        }
    }

    fn is_blank(&self) -> bool {
        self.fills.is_empty() && self.cells.iter().all(|c| c.1.trim().is_empty())
    }
}

/// Rows of one worksheet in sheet order.
pub(crate) struct SheetRows<'a, RS: Read + Seek> {
    reader: XlsxCellReader<'a, RS>,
    ahead: Option<(u32, u32, String)>,
    /// Merged regions by first row.
    merges: Vec<Dimensions>,
    next_merge: usize,
    active: Rc<Vec<Fill>>,
    last_row: Option<u32>,
    /// The reader reached `</sheetData>` (it must not be asked again).
    done: bool,
    cells: &'a mut u64,
}

impl<'a, RS: Read + Seek> SheetRows<'a, RS> {
    /// Rows of a sheet with its merged regions; `cells` counts cells across the workbook.
    pub(crate) fn new(
        reader: XlsxCellReader<'a, RS>,
        mut merges: Vec<Dimensions>,
        cells: &'a mut u64,
    ) -> Result<Self, String> {
        if merges.len() > MAX_MERGES {
            return Err(format!(
                "{} merged regions (limit {MAX_MERGES})",
                merges.len()
            ));
        }
        merges.sort_by_key(|d| d.start.0);
        Ok(SheetRows {
            reader,
            ahead: None,
            merges,
            next_merge: 0,
            active: Rc::new(Vec::new()),
            last_row: None,
            done: false,
            cells,
        })
    }

    /// The next row with at least one cell, or `None` at the end of the sheet.
    pub(crate) fn next_row(&mut self) -> Result<Option<Row>, String> {
        let Some((index, col, value)) = self
            .ahead
            .take()
            .map_or_else(|| self.read(), |c| Ok(Some(c)))?
        else {
            return Ok(None);
        };
        if let Some(last) = self.last_row.filter(|&l| index <= l) {
            return Err(format!(
                "row {} comes after row {}: the rows are out of order (open and save the file in Excel)",
                index + 1,
                last + 1
            ));
        }
        self.last_row = Some(index);
        let mut cells = vec![(col, value)];
        while let Some(cell) = self.read()? {
            if cell.0 != index {
                self.ahead = Some(cell);
                break;
            }
            cells.push((cell.1, cell.2));
        }
        cells.sort_by_key(|c| c.0);
        self.advance_merges(index, &cells);
        Ok(Some(Row {
            index,
            cells,
            fills: Rc::clone(&self.active),
        }))
    }

    fn read(&mut self) -> Result<Option<(u32, u32, String)>, String> {
        if self.done {
            return Ok(None);
        }
        let Some(cell) = self
            .reader
            .next_cell()
            .map_err(|e| format!("unreadable cell: {e}"))?
        else {
            self.done = true;
            return Ok(None);
        };
        *self.cells += 1;
        if *self.cells > MAX_CELLS {
            return Err(format!("more than {MAX_CELLS} cells (limit)"));
        }
        let (row, col) = cell.get_position();
        Ok(Some((row, col, text(cell.get_value()))))
    }

    /// Drops regions that ended above `row` and starts those that begin on or above it.
    fn advance_merges(&mut self, row: u32, cells: &[(u32, String)]) {
        let ended = self.active.iter().any(|f| f.bottom < row);
        let starts = self.merges[self.next_merge..]
            .iter()
            .take_while(|d| d.start.0 <= row)
            .count();
        if !ended && starts == 0 {
            return;
        }
        let mut active: Vec<Fill> = self
            .active
            .iter()
            .filter(|f| f.bottom >= row)
            .cloned()
            .collect();
        for d in &self.merges[self.next_merge..self.next_merge + starts] {
            let value = cells
                .iter()
                .find(|c| d.start.0 == row && c.0 == d.start.1)
                .map(|c| c.1.as_str())
                .unwrap_or("");
            if !value.is_empty() && d.end.0 >= row {
                active.push(Fill {
                    left: d.start.1,
                    right: d.end.1,
                    bottom: d.end.0,
                    value: Rc::from(value),
                });
            }
        }
        self.next_merge += starts;
        active.sort_by_key(|f| f.left);
        self.active = Rc::new(active);
    }
}

/// A cell as the text a CSV export would hold.
fn text(d: &DataRef<'_>) -> String {
    match d {
        DataRef::Empty | DataRef::Error(_) => String::new(),
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_string(),
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => f.to_string(),
        DataRef::Bool(b) => if *b { "1" } else { "0" }.into(),
        DataRef::DateTime(dt) => super::serial_to_text(dt.as_f64()),
    }
}
