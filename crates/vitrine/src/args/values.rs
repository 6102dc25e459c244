//! The value sets of the command line: formats, languages, statuses and the day parser.

use chrono::NaiveDate;
use clap::ValueEnum;
use vitrine_core::Lang;
use vitrine_lake::AlertStatus;

/// A day in `YYYY-MM-DD` form.
pub fn day(s: &str) -> Result<NaiveDate, String> {
    s.parse()
        .map_err(|_| format!("`{s}` is not a date in YYYY-MM-DD form"))
}

/// Which root-cause method `vitrine rca` runs.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum RcaMethod {
    /// Combinations across dimensions by weighted risk (RiskLoc).
    Riskloc,
    /// One dimension at a time by surprise, with nested causes (Adtributor).
    Adtributor,
}

/// How a listing prints: a table for people, JSON for programs.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Shown {
    Table,
    Json,
}

/// How `vitrine bids` prints: a table, JSON, or an XLSX an optimizer can apply.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum BidsFormat {
    Table,
    Json,
    Xlsx,
}

/// The language of what the command prints.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum LangArg {
    /// 中文
    Zh,
    /// English
    En,
}

impl From<LangArg> for Lang {
    fn from(l: LangArg) -> Lang {
        match l {
            LangArg::Zh => Lang::Zh,
            LangArg::En => Lang::En,
        }
    }
}

/// An alert status to list.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum AlertStatusArg {
    Open,
    Acknowledged,
    Resolved,
}

impl From<AlertStatusArg> for AlertStatus {
    fn from(s: AlertStatusArg) -> AlertStatus {
        match s {
            AlertStatusArg::Open => AlertStatus::Open,
            AlertStatusArg::Acknowledged => AlertStatus::Acknowledged,
            AlertStatusArg::Resolved => AlertStatus::Resolved,
        }
    }
}
