//! Cell values as Compass and Qianchuan exports write them: `¥1,234.50`, `1.2万`, `3.4w`,
//! `3.5%`, and the many spellings of "no value" (`-`, `--`, `—`, empty).

/// Why a cell could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    #[error("`{0}` is not a number")]
    NotANumber(String),
}

/// The unit a money column is exported in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoneyUnit {
    /// Yuan strings (Compass cards and exports).
    Yuan,
    /// Fen, 1/100 yuan (Compass API).
    Fen,
    /// 1/1000 fen (documented for Qianchuan 全域推广 `stat_cost`).
    MilliFen,
}

/// True for the cell spellings that mean "no value".
pub fn is_blank(s: &str) -> bool {
    matches!(
        s.trim(),
        "" | "-" | "--" | "—" | "——" | "N/A" | "null" | "NULL"
    )
}

/// Parses a number with optional `¥`/`￥`, thousands separators, `万`/`w`/`亿` multipliers
/// and `%`. Returns `None` for blanks. Percentages come back as fractions (3.5% → 0.035).
pub fn parse_number(s: &str) -> Result<Option<f64>, ValueError> {
    let t = s.trim();
    if is_blank(t) {
        return Ok(None);
    }
    let mut body: String = t
        .chars()
        .filter(|c| !matches!(c, '¥' | '￥' | ',' | '，' | ' ' | '\u{a0}'))
        .collect();
    let mut mult = 1.0;
    if let Some(x) = body.strip_suffix('%') {
        mult = 0.01;
        body = x.to_string();
    } else if let Some(x) = body
        .strip_suffix('万')
        .or_else(|| body.strip_suffix('w'))
        .or_else(|| body.strip_suffix('W'))
    {
        mult = 1e4;
        body = x.to_string();
    } else if let Some(x) = body.strip_suffix('亿') {
        mult = 1e8;
        body = x.to_string();
    }
    let v: f64 = body
        .parse()
        .map_err(|_| ValueError::NotANumber(s.to_string()))?;
    if !v.is_finite() {
        return Err(ValueError::NotANumber(s.to_string()));
    }
    Ok(Some(v * mult))
}

/// Parses a money cell into integer fen according to the column's declared unit.
pub fn parse_money_fen(s: &str, unit: MoneyUnit) -> Result<Option<i64>, ValueError> {
    let Some(v) = parse_number(s)? else {
        return Ok(None);
    };
    let fen = match unit {
        MoneyUnit::Yuan => v * 100.0,
        MoneyUnit::Fen => v,
        MoneyUnit::MilliFen => v / 1000.0,
    };
    if fen.abs() > 9.0e15 {
        return Err(ValueError::NotANumber(s.to_string()));
    }
    Ok(Some(fen.round() as i64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_export_spellings() {
        assert_eq!(parse_number("¥1,234.50").unwrap(), Some(1234.5));
        assert_eq!(parse_number("1.2万").unwrap(), Some(12000.0));
        assert_eq!(parse_number("3.4w").unwrap(), Some(34000.0));
        assert!((parse_number("3.5%").unwrap().unwrap() - 0.035).abs() < 1e-12);
        assert_eq!(parse_number("0.035").unwrap(), Some(0.035));
        for blank in ["-", "--", "—", "", "  "] {
            assert_eq!(parse_number(blank).unwrap(), None);
        }
        assert!(parse_number("abc").is_err());
        assert!(parse_number("inf").is_err());
    }

    #[test]
    fn yuan_is_never_divided_by_100() {
        assert_eq!(
            parse_money_fen("¥362.51", MoneyUnit::Yuan).unwrap(),
            Some(36251)
        );
        assert_eq!(
            parse_money_fen("36251", MoneyUnit::Fen).unwrap(),
            Some(36251)
        );
        assert_eq!(
            parse_money_fen("36251000", MoneyUnit::MilliFen).unwrap(),
            Some(36251)
        );
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = parse_number(&s);
            let _ = parse_money_fen(&s, MoneyUnit::Yuan);
        }

        #[test]
        fn round_trips_plain_yuan(cents in -1_000_000_000i64..1_000_000_000) {
            let s = format!("¥{:.2}", cents as f64 / 100.0);
            prop_assert_eq!(parse_money_fen(&s, MoneyUnit::Yuan).unwrap(), Some(cents));
        }
    }
}
