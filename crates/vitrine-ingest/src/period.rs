//! Where a file's period comes from when its rows carry no date: a period cell above the
//! header (`统计周期：2026-06-30 ~ 2026-07-06`) or the file name
//! (`[20260630-20260706]_…`, `_2026_06_30~2026_07_06`,
//! `2026-07-09 00_00_00-2026-07-09 23_59_59`, `…20260601-20260630.xlsx`, `2026-08-05日…`).

use std::sync::OnceLock;

use chrono::NaiveDate;
use regex::Regex;

/// A date range, inclusive at both ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl Period {
    /// A one-day period.
    pub fn day(d: NaiveDate) -> Period {
        Period { start: d, end: d }
    }

    /// Whether the period is one day.
    pub fn is_day(&self) -> bool {
        self.start == self.end
    }
}

impl std::fmt::Display for Period {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.is_day() {
            write!(f, "{}", self.start)
        } else {
            write!(f, "{} – {}", self.start, self.end)
        }
    }
}

/// Where the dates of a file's rows came from, for the import report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeriodOrigin {
    /// A date column of every row.
    DateColumn(String),
    /// A cell above the header (sheet row, 1-based, and its text).
    Cell { row: usize, text: String },
    /// The file name.
    FileName(String),
    /// `--date` given by the user.
    Given,
}

impl std::fmt::Display for PeriodOrigin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PeriodOrigin::DateColumn(h) => write!(f, "date column {h} / 日期列 {h}"),
            PeriodOrigin::Cell { row, text } => {
                write!(f, "period cell in row {row} / 第 {row} 行的周期 `{text}`")
            }
            PeriodOrigin::FileName(n) => write!(f, "file name / 文件名 `{n}`"),
            PeriodOrigin::Given => write!(f, "the given date / 指定日期"),
        }
    }
}

/// Dates written as `20260630`, `2026-06-30`, `2026_06_30`, `2026/6/30`, `2026.06.30` or
/// `2026年6月30日`, not glued to other digits.
fn date_token() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"(?:^|[^0-9])(20[0-9]{2})(?:([01][0-9])([0-3][0-9])|[-_/.]([0-9]{1,2})[-_/.]([0-9]{1,2})|年([0-9]{1,2})月([0-9]{1,2})日?)(?:[^0-9]|$)",
        )
        .expect("the date pattern is valid")
    })
}

/// Every calendar date in `text`, in order.
pub fn dates_in(text: &str) -> Vec<NaiveDate> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(c) = date_token().captures_at(text, at) {
        let whole = c
            .get(0)
            .map(|m| (m.start(), m.end()))
            .unwrap_or((at, text.len()));
        let num = |i: usize| c.get(i).and_then(|m| m.as_str().parse::<u32>().ok());
        let year = num(1).unwrap_or(0) as i32;
        let (m, d) = [(2, 3), (4, 5), (6, 7)]
            .iter()
            .find_map(|&(a, b)| Some((num(a)?, num(b)?)))
            .unwrap_or((0, 0));
        if let Some(date) = NaiveDate::from_ymd_opt(year, m, d) {
            out.push(date);
        }
        // The separator after a date may start the next one: resume just before it.
        at = whole.1.saturating_sub(1).max(whole.0 + 1);
        if at >= text.len() {
            break;
        }
    }
    out
}

/// The period a text names: two dates make a range (start ≤ end), one date a day.
pub fn period_in(text: &str) -> Option<Period> {
    let d = dates_in(text);
    match d.as_slice() {
        [] => None,
        [one] => Some(Period::day(*one)),
        [a, b, ..] if a <= b => Some(Period { start: *a, end: *b }),
        _ => None,
    }
}

/// The period of a sheet whose rows may carry no date: a period cell among the rows above
/// its header, else the file name, else the day given with `--date`.
pub fn find(
    above: &[(usize, Vec<String>)],
    path: &std::path::Path,
    given: Option<NaiveDate>,
) -> Option<(Period, PeriodOrigin)> {
    for (row, cells) in above {
        let text = cells.join(" ");
        if let Some(p) = period_in(&text) {
            return Some((
                p,
                PeriodOrigin::Cell {
                    row: *row,
                    text: text.trim().to_string(),
                },
            ));
        }
    }
    if let Some(p) = from_file_name(path) {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        return Some((p, PeriodOrigin::FileName(name)));
    }
    given.map(|d| (Period::day(d), PeriodOrigin::Given))
}

/// The period a file's name carries (its stem, without folders).
pub fn from_file_name(path: &std::path::Path) -> Option<Period> {
    let name = path.file_stem()?.to_string_lossy();
    period_in(&name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(a: &str, b: &str) -> Option<Period> {
        Some(Period {
            start: a.parse().unwrap(),
            end: b.parse().unwrap(),
        })
    }

    #[test]
    fn file_names_of_real_exports() {
        let cases = [
            (
                "[20260630-20260706]_自营_挂车_视频详情数据",
                p("2026-06-30", "2026-07-06"),
            ),
            (
                "商品卡列表数据_2026_06_30~2026_07_06",
                p("2026-06-30", "2026-07-06"),
            ),
            (
                "全域数据_素材分析_视频_2026-07-09 00_00_00-2026-07-09 23_59_59",
                p("2026-07-09", "2026-07-09"),
            ),
            (
                "某店 交易分析20260601-20260630",
                p("2026-06-01", "2026-06-30"),
            ),
            (
                "2026-08-05日直播间修正报表导出",
                p("2026-08-05", "2026-08-05"),
            ),
            (
                "店铺 账号 商品20261101-20261121 10_15_30",
                p("2026-11-01", "2026-11-21"),
            ),
            (
                "统计周期：2026年6月30日 至 2026年7月6日",
                p("2026-06-30", "2026-07-06"),
            ),
        ];
        for (name, want) in cases {
            assert_eq!(period_in(name), want, "{name}");
        }
    }

    #[test]
    fn unix_times_and_clock_times_are_not_dates() {
        assert_eq!(period_in("1720000000_orders"), None);
        assert_eq!(period_in("export 10_15_30"), None);
        assert_eq!(period_in("20260706-20260630"), None, "end before start");
    }
}
