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

/// `str::trim`, answering at once for the usual cell that starts and ends with a visible
/// ASCII character (the full trim decodes characters from both ends).
pub fn trim(s: &str) -> &str {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(a), Some(z)) if a.is_ascii_graphic() && z.is_ascii_graphic() => s,
        _ => s.trim(),
    }
}

/// A platform id as text: tabs, spaces and an Excel text mark (`'`, `="…"`) dropped. An id
/// Excel turned into a number (`6.91793E+18`) has lost its digits and is refused.
pub fn parse_id(s: &str) -> Result<&str, String> {
    let t = trim(s);
    // The bulk of every export: plain digits (and dashes), nothing to strip or check.
    if t.bytes().all(|b| b.is_ascii_digit() || b == b'-') {
        return Ok(t);
    }
    let t = t.trim_start_matches('\'');
    let t = t
        .strip_prefix("=\"")
        .and_then(|x| x.strip_suffix('"'))
        .unwrap_or(t)
        .trim();
    let mangled = t.contains(['E', 'e'])
        && t.contains('+')
        && t.chars().all(|c| c.is_ascii_digit() || ".Ee+".contains(c));
    if mangled {
        return Err(format!(
            "`{t}` is an id that Excel turned into a number, so its digits are lost: import the file as downloaded, or open it in Excel with this column as text / ID 被 Excel 转成了科学计数法，数字已丢失：请导入原始下载文件"
        ));
    }
    Ok(t)
}

/// True for the cell spellings that mean "no value".
pub fn is_blank(s: &str) -> bool {
    matches!(
        trim(s),
        "" | "-" | "--" | "—" | "——" | "N/A" | "null" | "NULL"
    )
}

/// Parses a number with optional `¥`/`￥`, thousands separators, `万`/`w`/`亿` multipliers
/// and `%`. Returns `None` for blanks. Percentages come back as fractions (3.5% → 0.035).
pub fn parse_number(s: &str) -> Result<Option<f64>, ValueError> {
    let t = trim(s);
    if is_blank(t) {
        return Ok(None);
    }
    // Plain numbers (the bulk of every export) parse without copying.
    let plain = t
        .bytes()
        .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-');
    let (v, mult) = if plain {
        (t.parse::<f64>().ok(), 1.0)
    } else {
        decorated_number(t)
    };
    match v {
        Some(v) if v.is_finite() => Ok(Some(v * mult)),
        _ => Err(ValueError::NotANumber(s.to_string())),
    }
}

/// A number wrapped in currency signs, separators and a unit suffix: its value and multiplier.
fn decorated_number(t: &str) -> (Option<f64>, f64) {
    let body: String = t
        .chars()
        .filter(|c| !matches!(c, '¥' | '￥' | ',' | '，' | ' ' | '\u{a0}'))
        .collect();
    let (body, mult) = if let Some(x) = body.strip_suffix('%') {
        (x, 0.01)
    } else if let Some(x) = body
        .strip_suffix('万')
        .or_else(|| body.strip_suffix('w'))
        .or_else(|| body.strip_suffix('W'))
    {
        (x, 1e4)
    } else if let Some(x) = body.strip_suffix('亿') {
        (x, 1e8)
    } else {
        (body.as_str(), 1.0)
    };
    (body.parse().ok(), mult)
}

/// A plain decimal as an exact (unscaled, decimals) pair: optional `-`, an optional leading
/// `¥`/`￥`, digits with optional `,` thousands separators, an optional fraction.
/// `None` for anything else (units, percentages, exponents, more than 18 digits).
fn plain_decimal(t: &str) -> Option<(i64, u32)> {
    let (neg, t) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t),
    };
    let t = t
        .strip_prefix('¥')
        .or_else(|| t.strip_prefix('￥'))
        .unwrap_or(t);
    let (int, frac) = match t.split_once('.') {
        Some((i, f)) => (i, f),
        None => (t, ""),
    };
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let mut unscaled: i64 = 0;
    let mut digits = 0u32;
    for b in int.bytes() {
        match b {
            b'0'..=b'9' => {
                unscaled = unscaled * 10 + i64::from(b - b'0');
                digits += 1;
            }
            b',' if digits > 0 => {}
            _ => return None,
        }
        if digits > 18 {
            return None;
        }
    }
    for b in frac.bytes() {
        if !b.is_ascii_digit() || digits >= 18 {
            return None;
        }
        unscaled = unscaled * 10 + i64::from(b - b'0');
        digits += 1;
    }
    Some((if neg { -unscaled } else { unscaled }, frac.len() as u32))
}

/// `unscaled / 10^decimals / divisor` rounded half away from zero, exactly.
fn scaled_round(unscaled: i64, decimals: u32, times: i128, divisor: i128) -> Option<i64> {
    // The usual case (a yuan amount with its two decimals) is exact: no wide division.
    if let (Ok(t), Ok(d), Some(p)) = (
        i64::try_from(times),
        i64::try_from(divisor),
        10i64.checked_pow(decimals),
    ) {
        if let (Some(num), Some(den)) = (unscaled.checked_mul(t), p.checked_mul(d)) {
            if num % den == 0 {
                return Some(num / den);
            }
        }
    }
    let num = i128::from(unscaled) * times;
    let den = 10i128.checked_pow(decimals)? * divisor;
    let q = num / den;
    let r = num % den;
    let q = if 2 * r.abs() >= den {
        q + num.signum()
    } else {
        q
    };
    i64::try_from(q).ok()
}

/// Parses a whole, non-negative count (`1,234`, `1.2万`). Returns `None` for blanks.
pub fn parse_count(s: &str) -> Result<Option<i64>, String> {
    let t = trim(s);
    if let Some((unscaled, decimals)) = plain_decimal(t).filter(|(u, _)| *u >= 0) {
        if let Some(v) = scaled_round(unscaled, decimals, 1, 1) {
            if i128::from(v) * 10i128.pow(decimals) == i128::from(unscaled) {
                return Ok(Some(v));
            }
        }
    }
    match parse_number(s).map_err(|e| e.to_string())? {
        Some(v) if v >= 0.0 && (v - v.round()).abs() < 1e-6 && v < 9.0e18 => {
            Ok(Some(v.round() as i64))
        }
        Some(v) => Err(format!("`{s}` is not a whole non-negative count ({v})")),
        None => Ok(None),
    }
}

/// Parses a money cell into integer fen according to the column's declared unit (exactly for
/// plain decimals, rounding half away from zero below one fen).
pub fn parse_money_fen(s: &str, unit: MoneyUnit) -> Result<Option<i64>, ValueError> {
    let (times, divisor) = match unit {
        MoneyUnit::Yuan => (100, 1),
        MoneyUnit::Fen => (1, 1),
        MoneyUnit::MilliFen => (1, 1000),
    };
    if let Some((unscaled, decimals)) = plain_decimal(trim(s)) {
        if let Some(fen) = scaled_round(unscaled, decimals, times, divisor) {
            return Ok(Some(fen));
        }
    }
    let Some(v) = parse_number(s)? else {
        return Ok(None);
    };
    let fen = v * times as f64 / divisor as f64;
    if fen.abs() > 9.0e15 {
        return Err(ValueError::NotANumber(s.to_string()));
    }
    Ok(Some(fen.round() as i64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_keep_their_digits_and_mangled_ids_are_refused() {
        assert_eq!(parse_id("\t6917926768823643751"), Ok("6917926768823643751"));
        assert_eq!(
            parse_id("=\"6917926768823643751\""),
            Ok("6917926768823643751")
        );
        let err = parse_id("6.91793E+18").unwrap_err();
        assert!(err.contains("Excel"), "{err}");
    }
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

    #[test]
    fn counts_are_whole_and_non_negative() {
        assert_eq!(parse_count("1,234"), Ok(Some(1234)));
        assert_eq!(parse_count("1.2万"), Ok(Some(12_000)));
        assert_eq!(parse_count("7.00"), Ok(Some(7)));
        assert_eq!(parse_count("--"), Ok(None));
        assert!(parse_count("1.5").unwrap_err().contains("whole"));
        assert!(parse_count("-3").is_err());
    }

    #[test]
    fn money_is_exact_and_rounds_half_away_from_zero() {
        // 0.285 × 100 is 28.499… in binary floating point; the decimal path gives 29.
        assert_eq!(parse_money_fen("0.285", MoneyUnit::Yuan), Ok(Some(29)));
        assert_eq!(parse_money_fen("-0.285", MoneyUnit::Yuan), Ok(Some(-29)));
        assert_eq!(
            parse_money_fen("￥1,000", MoneyUnit::Yuan),
            Ok(Some(100_000))
        );
        assert_eq!(parse_money_fen("1500", MoneyUnit::MilliFen), Ok(Some(2)));
        assert_eq!(
            parse_money_fen("1.2万", MoneyUnit::Yuan),
            Ok(Some(1_200_000))
        );
        assert_eq!(parse_money_fen("-", MoneyUnit::Yuan), Ok(None));
        assert!(parse_money_fen("1,2,3x", MoneyUnit::Yuan).is_err());
    }

    proptest! {
        #[test]
        fn trim_equals_the_standard_trim(s in "[ \\t\u{3000}\u{a0}a-z0-9¥,.中]{0,8}") {
            prop_assert_eq!(trim(&s), s.trim());
        }

        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = parse_number(&s);
            let _ = parse_money_fen(&s, MoneyUnit::Yuan);
            let _ = parse_money_fen(&s, MoneyUnit::MilliFen);
            let _ = parse_count(&s);
        }

        /// The exact decimal path agrees with the general floating-point path wherever the
        /// latter is exact (up to 2 decimals, below 2^53 fen).
        #[test]
        fn decimal_and_float_paths_agree(units in -1_000_000_000_000i64..1_000_000_000_000, currency in any::<bool>()) {
            let yuan = format!("{}.{:02}", units / 100, (units % 100).abs());
            let yuan = if units < 0 && units > -100 { format!("-{yuan}") } else { yuan };
            let text = if currency { format!("¥{yuan}") } else { yuan.clone() };
            let (v, _) = decorated_number(&text);
            let float = (v.unwrap() * 100.0).round() as i64;
            prop_assert_eq!(parse_money_fen(&text, MoneyUnit::Yuan).unwrap(), Some(float));
            prop_assert_eq!(parse_money_fen(&text, MoneyUnit::Yuan).unwrap(), Some(units));
        }

        #[test]
        fn round_trips_plain_yuan(cents in -1_000_000_000i64..1_000_000_000) {
            let s = format!("¥{:.2}", cents as f64 / 100.0);
            prop_assert_eq!(parse_money_fen(&s, MoneyUnit::Yuan).unwrap(), Some(cents));
        }
    }
}
