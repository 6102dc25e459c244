//! Value, money, date and hour parsers: any text gives a value or an error, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use vitrine_ingest::date::{parse_date, parse_hour, parse_timestamp};
use vitrine_ingest::value::{parse_money_fen, parse_number, MoneyUnit};

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = parse_number(s);
        for unit in [MoneyUnit::Yuan, MoneyUnit::Fen, MoneyUnit::MilliFen] {
            let _ = parse_money_fen(s, unit);
        }
        let _ = parse_date(s);
        let _ = parse_timestamp(s);
        let _ = parse_hour(s);
    }
});
