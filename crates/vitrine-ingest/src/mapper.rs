//! Mapping the rows of one sheet onto canonical partitions, or a list of every problem in
//! it: header binding, totals rows, dates from rows, names or periods, and cell parsing.

use crate::date::{parse_date, parse_hour, parse_seconds, parse_timestamp};
use crate::period::{Period, PeriodOrigin};
use crate::profile::{is_total_marker, Parse, Profile, Totals};
use crate::value::{
    is_blank, parse_count, parse_id, parse_money_fen, parse_number, trim, MoneyUnit,
};
use chrono::NaiveDate;
use std::collections::BTreeMap;
use vitrine_core::batch::{BatchBuilder, PartSink, Val};
use vitrine_core::Table;

use crate::outcome::{FileSummary, Problem, MAX_PROBLEMS};

/// Bytes of mapped rows a reader holds before it hands them to the sink.
pub(crate) const WORKER_BUDGET: usize = 48 << 20;

/// A row of raw cells, from a CSV record or a spreadsheet row.
pub(crate) trait Cells {
    fn len(&self) -> usize;
    /// The cell at `i`, or "" past the end.
    fn cell(&self, i: usize) -> &str;
    /// True when every cell is empty or white space.
    fn is_blank(&self) -> bool {
        (0..self.len()).all(|i| self.cell(i).trim().is_empty())
    }
}

impl Cells for [&str] {
    fn len(&self) -> usize {
        <[&str]>::len(self)
    }
    fn cell(&self, i: usize) -> &str {
        self.get(i).copied().unwrap_or("")
    }
}

impl Cells for csv::StringRecord {
    fn len(&self) -> usize {
        csv::StringRecord::len(self)
    }
    fn cell(&self, i: usize) -> &str {
        self.get(i).unwrap_or("")
    }
    fn is_blank(&self) -> bool {
        // All fields are stored back to back: one scan instead of one trim per cell.
        self.as_slice().chars().all(char::is_whitespace)
    }
}

fn is_total_row<C: Cells + ?Sized>(row: &C) -> bool {
    (0..row.len().min(2)).any(|i| {
        matches!(
            trim(row.cell(i)),
            "合计" | "总计" | "汇总" | "Total" | "total"
        )
    })
}

/// Where one canonical field's value comes from, resolved once per file.
#[derive(Clone)]
enum Source {
    Column {
        idx: usize,
        /// Another column for the same field, read when this one is blank (支付完成时间, then
        /// 订单提交时间).
        alt: Option<usize>,
        parse: Parse,
        header: String,
    },
    /// A full refund of the `amount` column's value when the status cell is one of `when`.
    RefundIf {
        status: usize,
        amount: Option<usize>,
        when: &'static [&'static str],
        header: String,
    },
    /// Whether the row is a total: any (or, for `every`, each) of these cells is a marker.
    TotalFlag {
        cells: Vec<usize>,
        every: bool,
    },
    Shop,
    Fixed(Val<'static>),
    /// A value known per file (the sheet's kind).
    Owned(String),
    Missing,
}

#[derive(Clone)]
struct FieldPlan {
    name: String,
    nullable: bool,
    source: Source,
}

impl FieldPlan {
    /// The column name a problem with this field is reported under.
    fn header(&self) -> &str {
        match &self.source {
            Source::Column { header, .. } | Source::RefundIf { header, .. } => header,
            _ => &self.name,
        }
    }
}

/// What a mapper knows of the file and sheet besides their rows.
pub(crate) struct SheetContext<'a> {
    pub shop: Option<&'a str>,
    /// The label problems are reported under (`file` or `file[sheet]`).
    pub file: String,
    /// Sheet and file name, searched for the profile's `sheet_values`.
    pub names: String,
    /// The period found above the header, in the file name or given by `--date`.
    pub period: Option<(Period, PeriodOrigin)>,
}

/// Rows of one partition not yet handed to the sink.
struct Part {
    builder: BatchBuilder,
    /// Estimated bytes buffered in `builder`.
    bytes: usize,
    /// Rows already handed to the sink.
    flushed: usize,
    /// First and last line of the rows seen.
    lines: (usize, usize),
}

/// Maps rows of one bound profile onto canonical partitions, handing full batches to a sink
/// and collecting problems. Parallel readers run one mapper per thread.
pub(crate) struct RowMapper<'s> {
    profile: &'static Profile,
    plan: Vec<FieldPlan>,
    shop_field: Option<usize>,
    date_field: Option<usize>,
    shop: Option<String>,
    file: String,
    sink: &'s dyn PartSink,
    /// shop → date → rows (two levels so a row's shop is looked up without allocating).
    parts: BTreeMap<String, BTreeMap<Option<NaiveDate>, Part>>,
    buffered: usize,
    problems: Vec<Problem>,
    /// Problems found, listed or not.
    problem_count: usize,
    rows: usize,
    totals: usize,
    /// Cells whose total marker makes the row a skipped total ([`Totals::SkipWhere`]).
    skip_where: Vec<usize>,
    day: Option<(NaiveDate, PeriodOrigin)>,
    /// Whether some row's day came from `day`.
    day_used: bool,
    period: Option<Period>,
    origin: PeriodOrigin,
}

impl<'s> RowMapper<'s> {
    /// A mapper for rows under `headers`, bound to `profile`; refused (with the reason) when
    /// the rows cannot be dated: no date column, and no period in the file.
    pub(crate) fn new(
        profile: &'static Profile,
        binding: Vec<Option<usize>>,
        headers: Vec<String>,
        ctx: SheetContext<'_>,
        sink: &'s dyn PartSink,
    ) -> Result<Self, String> {
        let schema = profile.table.schema();
        let mut plan: Vec<FieldPlan> = schema
            .fields()
            .iter()
            .map(|f| FieldPlan {
                name: f.name().clone(),
                nullable: f.is_nullable(),
                source: source_of(profile, &binding, &headers, f),
            })
            .collect();
        // The one day a file names, for rows whose date cell holds only an hour.
        let day = ctx
            .period
            .as_ref()
            .filter(|p| p.0.is_day())
            .map(|p| (p.0.start, p.1.clone()));
        let (period, origin) = date_plan(profile, &mut plan, ctx.period)?;
        if let Some(target) = profile.sheet_target {
            let value = profile
                .sheet_values
                .iter()
                .find(|(k, _)| !k.is_empty() && ctx.names.contains(k))
                .map(|(_, v)| *v);
            if let (Some(v), Some(f)) = (value, plan.iter_mut().find(|f| f.name == target)) {
                f.source = Source::Owned(v.to_string());
            }
        }
        let mut m = RowMapper::with_plan(profile, plan, ctx.shop.map(String::from), ctx.file, sink);
        m.skip_where = skip_cells(profile, &binding);
        m.day = day;
        m.period = period;
        m.origin = origin;
        Ok(m)
    }

    /// A mapper with the same plan and no rows, for another thread.
    pub(crate) fn fork(&self) -> RowMapper<'s> {
        let mut m = RowMapper::with_plan(
            self.profile,
            self.plan.clone(),
            self.shop.clone(),
            self.file.clone(),
            self.sink,
        );
        m.skip_where.clone_from(&self.skip_where);
        m.day.clone_from(&self.day);
        m.period = self.period;
        m.origin = self.origin.clone();
        m
    }

    /// An empty mapper following `plan`.
    fn with_plan(
        profile: &'static Profile,
        plan: Vec<FieldPlan>,
        shop: Option<String>,
        file: String,
        sink: &'s dyn PartSink,
    ) -> Self {
        RowMapper {
            skip_where: Vec::new(),
            day: None,
            day_used: false,
            period: None,
            origin: PeriodOrigin::Given,
            profile,
            shop_field: plan.iter().position(|f| f.name == "shop_id"),
            date_field: plan.iter().position(|f| f.name == "date"),
            plan,
            shop,
            file,
            sink,
            parts: BTreeMap::new(),
            buffered: 0,
            problems: vec![],
            problem_count: 0,
            rows: 0,
            totals: 0,
        }
    }

    /// Rows mapped so far.
    pub(crate) fn rows(&self) -> usize {
        self.rows
    }

    pub(crate) fn problem(&mut self, row: usize, column: &str, reason: String) {
        self.problem_count += 1;
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(Problem {
                file: self.file.clone(),
                row,
                column: column.to_string(),
                reason,
            });
        }
    }

    /// True once any problem was found: rows are then only checked, no longer kept.
    fn failed(&self) -> bool {
        self.problem_count > 0
    }

    pub(crate) fn push<C: Cells + ?Sized>(&mut self, line: usize, cells: &C) {
        if cells.is_blank() {
            return;
        }
        if is_total_row(cells)
            || self
                .skip_where
                .iter()
                .any(|&i| is_total_marker(cells.cell(i)))
        {
            self.totals += 1;
            return;
        }
        let mut errors: Vec<(String, String)> = Vec::new();
        let mut date_unreadable = false;
        let shop = match self.shop_field.map(|i| &self.plan[i].source) {
            Some(Source::Column { idx, .. }) => Some(trim(cells.cell(*idx))),
            Some(Source::Shop) => self.shop.as_deref(),
            _ => None,
        }
        .filter(|s| !s.is_empty());
        let date = match self.date_field.map(|i| &self.plan[i].source) {
            Some(src @ Source::Column { header, idx, .. }) => match read(src, cells) {
                Ok(Val::Date(d)) => Some(d),
                Ok(_) => None,
                // An hour bucket alone (`13`): the day comes from the file name or --date.
                Err(_) if parse_hour(cells.cell(*idx)).is_some() && self.day.is_some() => {
                    self.day_used = true;
                    self.day.as_ref().map(|d| d.0)
                }
                Err(reason) => {
                    let reason = if parse_hour(cells.cell(*idx)).is_some() {
                        format!("{reason}: an hour without a day: give the date the file covers / 只有小时没有日期：请指定日期")
                    } else {
                        reason
                    };
                    errors.push((header.clone(), reason));
                    date_unreadable = true;
                    None
                }
            },
            Some(Source::Fixed(Val::Date(d))) => Some(*d),
            _ => None,
        };
        let mut part = match (shop, self.failed()) {
            (Some(shop), false) => part_of(&mut self.parts, self.profile.table, shop, date),
            _ => None,
        };
        let mut bytes = 8 * self.plan.len();
        for (i, fp) in self.plan.iter().enumerate() {
            if fp.nullable && matches!(fp.source, Source::Missing) {
                continue; // Filled with nulls when the batch is finished.
            }
            let v = if Some(i) == self.shop_field {
                Ok(shop.map(Val::Str).unwrap_or(Val::Null))
            } else if Some(i) == self.date_field {
                Ok(date.map(Val::Date).unwrap_or(Val::Null))
            } else {
                match &fp.source {
                    Source::Column { idx, .. } => {
                        bytes += cells.cell(*idx).len();
                        read(&fp.source, cells).map_err(|reason| (fp.header().to_string(), reason))
                    }
                    Source::RefundIf { .. } => {
                        read(&fp.source, cells).map_err(|reason| (fp.header().to_string(), reason))
                    }
                    Source::TotalFlag { cells: at, every } => {
                        let marked = |i: &usize| is_total_marker(cells.cell(*i));
                        let blank = |i: &usize| cells.cell(*i).trim().is_empty();
                        Ok(Val::Bool(if *every {
                            at.iter().all(|i| marked(i) || blank(i))
                        } else {
                            at.iter().any(marked)
                        }))
                    }
                    Source::Owned(v) => Ok(Val::Str(v)),
                    Source::Shop => Ok(Val::Null),
                    Source::Fixed(v) => Ok(*v),
                    Source::Missing => Ok(Val::Null),
                }
            };
            let v = match v {
                Ok(Val::Null) if !fp.nullable => {
                    if Some(i) == self.date_field && date_unreadable {
                        continue; // Already reported as unreadable.
                    }
                    let why = if fp.name == "shop_id" {
                        "no shop id: choose the shop the file belongs to, or add a 店铺ID column / 没有店铺ID：请指定店铺或添加店铺ID列".to_string()
                    } else {
                        format!("required value `{}` is empty", fp.name)
                    };
                    errors.push((fp.header().to_string(), why));
                    continue;
                }
                Ok(v) => v,
                Err(e) => {
                    errors.push(e);
                    continue;
                }
            };
            if let Some(p) = part.as_mut() {
                if let Err(e) = p.builder.append(i, v) {
                    errors.push((fp.header().to_string(), e.to_string()));
                }
            }
        }
        if !errors.is_empty() {
            for (col, reason) in errors {
                self.problem(line, &col, reason);
            }
            return;
        }
        if let Some(p) = part {
            p.builder.end_row();
            p.lines = (p.lines.0.min(line), p.lines.1.max(line));
            p.bytes += bytes;
            self.buffered += bytes;
            self.rows += 1;
        }
    }

    /// Hands the largest partitions to the sink while more than `budget` bytes are buffered,
    /// down to half of it: memory stays bounded and sorted files still give large parts.
    pub(crate) fn flush_over(&mut self, budget: usize) {
        if self.buffered <= budget || self.failed() {
            return;
        }
        while self.buffered > budget / 2 {
            let largest = self
                .parts
                .iter()
                .flat_map(|(s, m)| m.iter().map(move |(d, p)| (p.bytes, s, *d)))
                .max_by_key(|x| x.0)
                .map(|(bytes, shop, date)| (bytes, shop.clone(), date));
            let Some((bytes, shop, date)) = largest else {
                break;
            };
            if bytes == 0 {
                break;
            }
            self.flush_one(&shop, date);
        }
    }

    fn flush_one(&mut self, shop: &str, date: Option<NaiveDate>) {
        let Some(p) = self.parts.get_mut(shop).and_then(|m| m.get_mut(&date)) else {
            return;
        };
        if p.builder.is_empty() {
            return;
        }
        let (rows, bytes) = (p.builder.len(), p.bytes);
        let put = p
            .builder
            .finish()
            .and_then(|b| self.sink.put_part(self.profile.table, shop, date, b));
        p.flushed += rows;
        p.bytes = 0;
        self.buffered -= bytes;
        if let Err(e) = put {
            self.problem(0, "", e.to_string());
        }
    }

    /// Hands every remaining row to the sink and sums up the file.
    pub(crate) fn finish(self, encoding: &'static str) -> Result<FileSummary, Vec<Problem>> {
        self.into_outcome(encoding).into_result()
    }

    /// Hands every remaining row to the sink (unless a problem was found) and returns this
    /// mapper's findings, to be combined with other threads' by [`Outcome::merge`].
    pub(crate) fn into_outcome(mut self, encoding: &'static str) -> Outcome {
        let keys: Vec<(String, Option<NaiveDate>)> = self
            .parts
            .iter()
            .flat_map(|(s, m)| m.keys().map(move |d| (s.clone(), *d)))
            .collect();
        if !self.failed() {
            for (shop, date) in &keys {
                self.flush_one(shop, *date);
            }
        }
        let partitions = self
            .parts
            .iter()
            .flat_map(|(s, m)| m.iter().map(move |(d, p)| ((s.clone(), *d), p.flushed)))
            .collect();
        let lines = self
            .parts
            .iter()
            .flat_map(|(s, m)| m.iter().map(move |(d, p)| ((s.clone(), *d), p.lines)))
            .collect();
        Outcome {
            summary: FileSummary {
                profile: self.profile,
                encoding,
                sheet: String::new(),
                period: self.period,
                period_origin: match (&self.day, self.day_used) {
                    (Some((_, o)), true) => o.clone(),
                    _ => self.origin.clone(),
                },
                rows: self.rows,
                skipped_total_rows: self.totals,
                partitions,
                lines,
            },
            problems: self.problems,
            problem_count: self.problem_count,
            file: self.file,
        }
    }
}

/// What one or more mappers of the same file found.
pub(crate) struct Outcome {
    summary: FileSummary,
    problems: Vec<Problem>,
    problem_count: usize,
    file: String,
}

impl Outcome {
    /// Adds another thread's findings for the same file.
    pub(crate) fn merge(mut self, other: Outcome) -> Outcome {
        let s = &mut self.summary;
        s.rows += other.summary.rows;
        s.skipped_total_rows += other.summary.skipped_total_rows;
        for (k, n) in other.summary.partitions {
            *s.partitions.entry(k).or_default() += n;
        }
        if !matches!(other.summary.period_origin, PeriodOrigin::DateColumn(_)) {
            s.period_origin = other.summary.period_origin;
        }
        for (k, (a, b)) in other.summary.lines {
            let e = s.lines.entry(k).or_insert((a, b));
            *e = (e.0.min(a), e.1.max(b));
        }
        self.problems.extend(other.problems);
        self.problem_count += other.problem_count;
        self
    }

    /// Adds a problem found outside the mappers (a broken record, an unreadable file).
    pub(crate) fn problem(&mut self, row: usize, reason: String) {
        self.problem_count += 1;
        self.problems.push(Problem {
            file: self.file.clone(),
            row,
            column: String::new(),
            reason,
        });
    }

    /// The summary, or the problems in row order (the first [`MAX_PROBLEMS`], then a count).
    pub(crate) fn into_result(mut self) -> Result<FileSummary, Vec<Problem>> {
        if self.problem_count == 0 && self.summary.rows == 0 {
            self.problem(0, "the file has a header but no data rows".into());
        }
        if self.problem_count == 0 {
            return Ok(self.summary);
        }
        self.problems.sort_by_key(|p| p.row);
        self.problems.truncate(MAX_PROBLEMS);
        let unlisted = self.problem_count - self.problems.len();
        if unlisted > 0 {
            self.problems.push(Problem::whole(
                &self.file,
                format!("… and {unlisted} more problems in this file"),
            ));
        }
        Err(self.problems)
    }
}

/// Where the canonical field `f` comes from in a file bound to `profile`.
fn source_of(
    profile: &Profile,
    binding: &[Option<usize>],
    headers: &[String],
    f: &arrow_schema::Field,
) -> Source {
    use arrow_schema::DataType;
    let name = f.name().as_str();
    let idx_of = |target: &str| {
        profile
            .columns
            .iter()
            .zip(binding)
            .find_map(|(c, i)| (c.target == target).then_some(*i).flatten())
    };
    if let Totals::Flag(levels) = profile.totals {
        if name == "is_total" || name == "is_shop_total" {
            let cells = levels.iter().filter_map(|l| idx_of(l)).collect();
            return Source::TotalFlag {
                cells,
                every: name == "is_shop_total",
            };
        }
    }
    let bound: Vec<(&crate::profile::ColumnSpec, usize)> = profile
        .columns
        .iter()
        .zip(binding)
        .filter_map(|(c, i)| (c.target == name).then_some(i.map(|i| (c, i))).flatten())
        .collect();
    let header = |idx: usize| headers.get(idx).cloned().unwrap_or_default();
    if let Some(&(c, idx)) = bound.first() {
        return match c.parse {
            Parse::RefundIf(when) => Source::RefundIf {
                status: idx,
                amount: idx_of("amount_fen"),
                when,
                header: header(idx),
            },
            parse => Source::Column {
                idx,
                alt: bound
                    .iter()
                    .find(|(o, i)| *i != idx && o.parse == parse)
                    .map(|x| x.1),
                parse,
                header: header(idx),
            },
        };
    }
    let default = profile.defaults.iter().find(|(t, _)| *t == name);
    match default {
        _ if name == "shop_id" => Source::Shop,
        Some((_, v)) => match f.data_type() {
            DataType::Boolean => Source::Fixed(Val::Bool(*v == "1")),
            DataType::Int64 | DataType::Int32 => v
                .parse()
                .map(|x| Source::Fixed(Val::Int(x)))
                .unwrap_or(Source::Missing),
            _ => Source::Fixed(Val::Str(v)),
        },
        None => Source::Missing,
    }
}

/// How rows of `profile` are dated, set in `plan`: their date column, else the file's
/// period (a snapshot's whole period; a daily table's single day). Errors say what to do.
fn date_plan(
    profile: &Profile,
    plan: &mut [FieldPlan],
    found: Option<(Period, PeriodOrigin)>,
) -> Result<(Option<Period>, PeriodOrigin), String> {
    use vitrine_core::table::Partitioning;
    let set = |plan: &mut [FieldPlan], field: &str, d: NaiveDate| {
        if let Some(f) = plan.iter_mut().find(|f| f.name == field) {
            f.source = Source::Fixed(Val::Date(d));
        }
    };
    match profile.table.partitioning() {
        Partitioning::Snapshot => Ok((None, PeriodOrigin::Given)),
        Partitioning::Period => {
            let (p, origin) = found.ok_or_else(|| {
                format!(
                    "{} is a period snapshot (区间累计) and its period is neither above the header nor in the file name (like `商品卡列表数据_2026_06_30~2026_07_06.xlsx`): keep the period in the file name, or give the date of a one-day file / 未找到统计周期：请保留文件名中的日期区间，或指定单日日期",
                    profile.name_zh
                )
            })?;
            set(plan, "date", p.start);
            set(plan, "period_end", p.end);
            Ok((Some(p), origin))
        }
        Partitioning::Daily => {
            if let Some(FieldPlan {
                source: Source::Column { header, .. },
                ..
            }) = plan.iter().find(|f| f.name == "date")
            {
                return Ok((None, PeriodOrigin::DateColumn(header.clone())));
            }
            match found {
                Some((p, origin)) if p.is_day() => {
                    set(plan, "date", p.start);
                    Ok((Some(p), origin))
                }
                other => Err(format!(
                    "{} has no date column{}: give the date it covers / 文件没有日期列，也无法从文件名得到单日：请指定日期",
                    profile.name_zh,
                    match other {
                        Some((p, o)) => format!(" and {o} names {p}, not one day"),
                        None => " and its name carries no day".into(),
                    }
                )),
            }
        }
    }
}

/// The cells that mark a skipped total row under [`Totals::SkipWhere`].
fn skip_cells(profile: &Profile, binding: &[Option<usize>]) -> Vec<usize> {
    let Totals::SkipWhere(targets) = profile.totals else {
        return Vec::new();
    };
    profile
        .columns
        .iter()
        .zip(binding)
        .filter(|(c, _)| targets.contains(&c.target))
        .filter_map(|(_, i)| *i)
        .collect()
}

/// Reads a field from its column(s).
fn read<'c, C: Cells + ?Sized>(src: &Source, cells: &'c C) -> Result<Val<'c>, String> {
    match src {
        Source::Column {
            idx, alt, parse, ..
        } => {
            let raw = cells.cell(*idx);
            match alt {
                Some(a) if is_blank(raw) => parse_cell(cells.cell(*a), *parse),
                _ => parse_cell(raw, *parse),
            }
        }
        Source::RefundIf {
            status,
            amount,
            when,
            ..
        } => {
            if !when.contains(&trim(cells.cell(*status))) {
                return Ok(Val::Int(0));
            }
            match amount {
                Some(a) => Ok(
                    match parse_cell(cells.cell(*a), Parse::Money(MoneyUnit::Yuan))? {
                        Val::Null => Val::Int(0),
                        v => v,
                    },
                ),
                None => Ok(Val::Null),
            }
        }
        _ => Ok(Val::Null),
    }
}

/// The buffered rows of (shop, date), created on first use.
fn part_of<'a>(
    parts: &'a mut BTreeMap<String, BTreeMap<Option<NaiveDate>, Part>>,
    table: Table,
    shop: &str,
    date: Option<NaiveDate>,
) -> Option<&'a mut Part> {
    if !parts.contains_key(shop) {
        parts.insert(shop.to_string(), BTreeMap::new());
    }
    let part = parts.get_mut(shop)?.entry(date).or_insert_with(|| Part {
        builder: BatchBuilder::new(table),
        bytes: 0,
        flushed: 0,
        lines: (usize::MAX, 0),
    });
    Some(part)
}

/// Parses one raw cell as its column's declared kind; blanks become nulls.
fn parse_cell(raw: &str, parse: Parse) -> Result<Val<'_>, String> {
    if !matches!(parse, Parse::Text | Parse::Map(_) | Parse::Id) && is_blank(raw) {
        return Ok(Val::Null);
    }
    Ok(match parse {
        Parse::Text => Val::Str(trim(raw)),
        Parse::Id => Val::Str(parse_id(raw)?),
        Parse::Seconds => Val::Int(
            parse_seconds(raw).ok_or_else(|| format!("`{raw}` is not a duration (如 1分30秒)"))?,
        ),
        Parse::RefundIf(_) => Val::Null,
        Parse::Map(table) => {
            let t = trim(raw);
            Val::Str(
                table
                    .iter()
                    .find(|(k, _)| *k == t)
                    .map(|(_, v)| *v)
                    .unwrap_or(t),
            )
        }
        Parse::Count => parse_count(raw)
            .map_err(|e| e.to_string())?
            .map(Val::Int)
            .unwrap_or(Val::Null),
        Parse::Money(unit) => parse_money_fen(raw, unit)
            .map_err(|e| e.to_string())?
            .map(Val::Int)
            .unwrap_or(Val::Null),
        Parse::Float => parse_number(raw)
            .map_err(|e| e.to_string())?
            .map(Val::Float)
            .unwrap_or(Val::Null),
        Parse::Date => Val::Date(parse_date(raw).ok_or_else(|| format!("`{raw}` is not a date"))?),
        Parse::Bool => match raw.trim() {
            "是" | "1" | "true" | "TRUE" | "Y" | "y" | "yes" => Val::Bool(true),
            "否" | "0" | "false" | "FALSE" | "N" | "n" | "no" => Val::Bool(false),
            other => return Err(format!("`{other}` is not yes/no (是/否)")),
        },
        Parse::Complaint => match raw.trim() {
            "是" | "1" | "true" | "TRUE" | "Y" | "y" | "yes" | "差评" => Val::Bool(true),
            "否" | "0" | "false" | "FALSE" | "N" | "n" | "no" | "好评" | "中评" => {
                Val::Bool(false)
            }
            other => {
                return Err(format!(
                    "`{other}` is neither yes/no (是/否) nor a review grade (好评/中评/差评)"
                ))
            }
        },
        Parse::Timestamp => {
            Val::Time(parse_timestamp(raw).ok_or_else(|| format!("`{raw}` is not a date-time"))?)
        }
        Parse::Hour => Val::Int(i64::from(
            parse_hour(raw).ok_or_else(|| format!("`{raw}` is not an hour"))?,
        )),
    })
}
