//! Dates and hours as exports write them: `20261121`, `2026-11-21`, `2026/11/21`,
//! `2026年11月21日`, Excel serial numbers, and hour buckets `2026-11-21 13:00`, `13`, `13:00-14:00`.

use chrono::{Duration, NaiveDate};

/// Two ASCII digits at `i` as a number.
fn two(b: &[u8], i: usize) -> Option<u32> {
    let (x, y) = (*b.get(i)?, *b.get(i + 1)?);
    (x.is_ascii_digit() && y.is_ascii_digit())
        .then(|| u32::from(x - b'0') * 10 + u32::from(y - b'0'))
}

/// The common `YYYY-MM-DD` / `YYYY/MM/DD` form followed by nothing, or by ` HH:MM[:SS]`
/// (or `T`), read at fixed positions without a format parser (order exports carry millions).
/// `None` means "not this form"; the general parsers then try.
fn fast_date_time(t: &str) -> Option<(NaiveDate, u32, u32, u32)> {
    let b = t.as_bytes();
    if b.len() < 10 || !(b[4] == b'-' || b[4] == b'/') || b[7] != b[4] {
        return None;
    }
    let year = two(b, 0)? * 100 + two(b, 2)?;
    let date = NaiveDate::from_ymd_opt(year as i32, two(b, 5)?, two(b, 8)?)?;
    match b.len() {
        10 => Some((date, 0, 0, 0)),
        16 | 19 if (b[10] == b' ' || b[10] == b'T') && b[13] == b':' => {
            let sec = if b.len() == 19 {
                (b[16] == b':').then_some(())?;
                two(b, 17)?
            } else {
                0
            };
            let (h, m) = (two(b, 11)?, two(b, 14)?);
            (h < 24 && m < 60 && sec < 60).then_some((date, h, m, sec))
        }
        _ => None,
    }
}

/// Parses a calendar date (a trailing time part is ignored). `None` when it is not one.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let t = s.trim();
    if let Some((d, ..)) = fast_date_time(t) {
        return Some(d);
    }
    let day_part = t.split([' ', 'T']).next().unwrap_or(t);
    for fmt in ["%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y年%m月%d日", "%Y.%m.%d"] {
        if let Ok(d) = NaiveDate::parse_from_str(day_part, fmt) {
            return Some(d);
        }
    }
    excel_serial(t)
}

/// An Excel serial day number (1900 date system, as Excel writes it) in a plausible range.
fn excel_serial(t: &str) -> Option<NaiveDate> {
    let v: f64 = t.parse().ok()?;
    if !(20_000.0..=80_000.0).contains(&v) {
        return None;
    }
    // Excel's day 0 is 1899-12-30 once its fictitious 1900-02-29 is accounted for.
    NaiveDate::from_ymd_opt(1899, 12, 30).map(|base| base + Duration::days(v.floor() as i64))
}

/// Parses a local Asia/Shanghai date-time (`2026-11-21 13:45:12`, `2026/11/21 13:45`, or a
/// bare date meaning midnight) into Unix seconds.
pub fn parse_timestamp(s: &str) -> Option<i64> {
    let t = s.trim();
    if let Some((d, h, m, sec)) = fast_date_time(t) {
        return Some(d.and_hms_opt(h, m, sec)?.and_utc().timestamp() - 8 * 3600);
    }
    for fmt in [
        "%Y-%m-%d %H:%M:%S",
        "%Y/%m/%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y/%m/%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y年%m月%d日 %H:%M:%S",
        "%Y年%m月%d日 %H:%M",
    ] {
        if let Ok(dt) = chrono::NaiveDateTime::parse_from_str(t, fmt) {
            return Some(dt.and_utc().timestamp() - 8 * 3600);
        }
    }
    let d = parse_date(t)?;
    Some(d.and_hms_opt(0, 0, 0)?.and_utc().timestamp() - 8 * 3600)
}

/// Parses an hour bucket: `13`, `13:00`, `13:00-14:00`, `10 - 11`, `2026-11-21 13:00`, `13时`.
pub fn parse_hour(s: &str) -> Option<u32> {
    let t = s.trim();
    let time_part = match t.split_once(' ') {
        // `10 - 11`: an hour range, not a date and a time.
        Some((first, _)) if first.len() <= 2 => first,
        Some((_, time)) => time,
        None => t,
    };
    let first = time_part.split(['-', '~', '至']).next()?.trim();
    let digits: String = first.chars().take_while(|c| c.is_ascii_digit()).collect();
    let h: u32 = digits.parse().ok()?;
    (h < 24).then_some(h)
}

/// Parses a duration into whole seconds: `1分30秒`, `1小时2分`, `90秒`, `01:30`,
/// `1:02:03`, `15.2s`, `15.2` (seconds).
pub fn parse_seconds(s: &str) -> Option<i64> {
    let t = s.trim();
    if t.contains(':') {
        let parts: Vec<f64> = t
            .split(':')
            .map(|p| p.trim().parse().ok())
            .collect::<Option<_>>()?;
        return Some(parts.iter().fold(0.0, |acc, p| acc * 60.0 + p).round() as i64);
    }
    let mut total = 0.0;
    let mut num = String::new();
    let mut any = false;
    for c in t.chars() {
        if c.is_ascii_digit() || c == '.' {
            num.push(c);
            continue;
        }
        let unit = match c {
            '时' | 'h' | 'H' => 3600.0,
            '分' | 'm' | 'M' => 60.0,
            '秒' | 's' | 'S' => 1.0,
            '小' | '钟' | ' ' => continue,
            _ => return None,
        };
        total += num.parse::<f64>().ok()? * unit;
        num.clear();
        any = true;
    }
    if !num.is_empty() {
        total += num.parse::<f64>().ok()?;
        any = true;
    }
    any.then(|| total.round() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_as_consoles_write_them() {
        assert_eq!(parse_seconds("1分30秒"), Some(90));
        assert_eq!(parse_seconds("1小时2分"), Some(3720));
        assert_eq!(parse_seconds("01:30"), Some(90));
        assert_eq!(parse_seconds("15.2s"), Some(15));
        assert_eq!(parse_seconds("45"), Some(45));
        assert_eq!(parse_seconds("abc"), None);
        assert_eq!(parse_hour("10 - 11"), Some(10));
        assert_eq!(
            parse_timestamp("2026年07月09日 20:11:05"),
            parse_timestamp("2026-07-09 20:11:05")
        );
    }

    #[test]
    fn every_listed_date_form() {
        let want = NaiveDate::from_ymd_opt(2026, 11, 21);
        for s in [
            "20261121",
            "2026-11-21",
            "2026/11/21",
            "2026年11月21日",
            "2026-11-21 13:00",
            " 2026-11-21 ",
            "46347",
        ] {
            assert_eq!(parse_date(s), want, "{s}");
        }
        assert_eq!(parse_date("2026-02-30"), None);
        assert_eq!(parse_date("合计"), None);
        assert_eq!(parse_date("12"), None);
    }

    #[test]
    fn timestamps_are_shanghai_local() {
        // 2026-11-21 08:00 in Shanghai is 00:00 UTC.
        assert_eq!(parse_timestamp("2026-11-21 08:00:00"), Some(1_795_219_200));
        assert_eq!(parse_timestamp("2026/11/21 08:00"), Some(1_795_219_200));
        assert_eq!(parse_timestamp("nope"), None);
        // The fast path and the general parsers agree on every form they share.
        for s in [
            "2026-11-21 13:45:12",
            "2026/11/21 13:45",
            "2026-11-21T23:59:59",
            "2026-11-21",
        ] {
            let general = ["%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%dT%H:%M:%S"]
                .iter()
                .find_map(|f| chrono::NaiveDateTime::parse_from_str(s, f).ok())
                .or_else(|| {
                    NaiveDate::parse_from_str(s, "%Y-%m-%d")
                        .ok()?
                        .and_hms_opt(0, 0, 0)
                })
                .map(|dt| dt.and_utc().timestamp() - 8 * 3600);
            assert_eq!(parse_timestamp(s), general, "{s}");
        }
        for bad in [
            "2026-13-01 00:00:00",
            "2026-11-21 24:00:00",
            "2026-11-21 12:60",
            "2026-11/21",
            "2026-11-21 1:00",
        ] {
            assert_eq!(fast_date_time(bad), None, "{bad}");
        }
    }

    #[test]
    fn hour_buckets() {
        assert_eq!(parse_hour("2026-11-21 13:00"), Some(13));
        assert_eq!(parse_hour("13"), Some(13));
        assert_eq!(parse_hour("09:00-10:00"), Some(9));
        assert_eq!(parse_hour("7时"), Some(7));
        assert_eq!(parse_hour("24"), None);
        assert_eq!(parse_hour(""), None);
    }
}
