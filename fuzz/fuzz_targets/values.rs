//! Value, money, count, date and hour parsers: any text gives a value or an error, never a
//! panic; and where a cell reads as a number, its money value agrees with that number to
//! within rounding (the exact decimal path against the floating-point one).
#![no_main]
use libfuzzer_sys::fuzz_target;
use vitrine_ingest::date::{parse_date, parse_hour, parse_timestamp};
use vitrine_ingest::value::{parse_count, parse_money_fen, parse_number, MoneyUnit};

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        let number = parse_number(s);
        for unit in [MoneyUnit::Yuan, MoneyUnit::Fen, MoneyUnit::MilliFen] {
            let _ = parse_money_fen(s, unit);
        }
        if let (Ok(Some(v)), Ok(Some(fen))) = (&number, parse_money_fen(s, MoneyUnit::Yuan)) {
            if v.abs() < 1e12 {
                // Both round half away from zero; they may differ by one fen where the
                // binary value of `v × 100` falls just short of a half.
                assert!((v * 100.0 - fen as f64).abs() <= 1.0 + 1e-9, "{s}: {v} vs {fen}");
            }
        }
        if let (Ok(Some(v)), Ok(Some(n))) = (&number, parse_count(s)) {
            assert!((*v - n as f64).abs() <= 1e-6 * v.abs().max(1.0), "{s}: {v} vs {n}");
        }
        let _ = parse_date(s);
        let _ = parse_timestamp(s);
        let _ = parse_hour(s);
    }
});
