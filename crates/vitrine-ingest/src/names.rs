//! What an export's file name says besides its period: the shop it was downloaded from
//! (`<店铺名> 账号 商品…`, `<店铺名> 交易分析…`, `全域数据_直播分析_<店铺名>_…`).

use std::path::Path;
use std::sync::OnceLock;

use regex::Regex;

fn patterns() -> &'static [Regex] {
    static RE: OnceLock<Vec<Regex>> = OnceLock::new();
    RE.get_or_init(|| {
        [
            r"^(.+?) 账号 商品",
            r"^(.+?) ?交易分析",
            r"^全域数据_直播分析_(.+?)_20[0-9]{6}",
        ]
        .iter()
        .filter_map(|p| Regex::new(p).ok())
        .collect()
    })
}

/// The shop name a file's name carries, if it follows a console's naming.
pub fn shop_in_file_name(path: &Path) -> Option<String> {
    let stem = path.file_stem()?.to_string_lossy();
    patterns()
        .iter()
        .find_map(|re| re.captures(&stem)?.get(1))
        .map(|m| m.as_str().trim().to_string())
        .filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shop_names_in_console_file_names() {
        let s = |n: &str| shop_in_file_name(Path::new(n));
        assert_eq!(
            s("某旗舰店 账号 商品20261101-20261121 10_15_30.xlsx").as_deref(),
            Some("某旗舰店")
        );
        assert_eq!(
            s("某旗舰店 交易分析20260601-20260630.xlsx").as_deref(),
            Some("某旗舰店")
        );
        assert_eq!(
            s("全域数据_直播分析_某旗舰店_20260701-20260702.xlsx").as_deref(),
            Some("某旗舰店")
        );
        assert_eq!(s("1720600000_订单导出.csv"), None);
        assert_eq!(s("交易分析20260601-20260630.xlsx"), None);
    }
}
