//! The review as a standalone HTML page.

use std::fmt::Write;

use vitrine_analytics::Review;

use super::parts::*;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The review as an HTML page.
pub fn review(rv: &Review) -> String {
    let l = rv.lang;
    let mut rows = String::new();
    for k in &rv.kpis {
        let dev = k
            .deviation
            .map(|d| format!("{:+.1}%", d * 100.0))
            .unwrap_or_else(|| "–".into());
        let _ = write!(
            rows,
            "<tr class=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>{dev}</td><td>{}</td></tr>",
            k.status.code(),
            esc(&k.name),
            fmt(k.value, k.unit),
            fmt(k.target, k.unit),
            k.status.label(l)
        );
    }
    let alerts: String = rv
        .alerts
        .iter()
        .map(|a| {
            let (rule, _, scope) = alert_words(a, l);
            format!(
                "<li><b>{}</b> {} {}<br><small>{}</small></li>",
                esc(&rule),
                esc(&scope),
                esc(&a.message),
                esc(&causes(a, l).unwrap_or_default())
            )
        })
        .collect();
    let actions: String = rv
        .actions
        .iter()
        .map(|a| {
            format!(
                "<li><b>{}</b><br><i>{}</i><br>{}</li>",
                esc(&a.title),
                esc(&action_terms(a, l)),
                esc(&a.detail)
            )
        })
        .collect();
    let paid: String = rv
        .paid_traffic
        .as_ref()
        .map(|p| {
            let items: String = paid_lines(p)
                .map(|x| format!("<li>{}</li>", esc(&paid_line(x, l))))
                .collect();
            format!("<h2>{}</h2><ul>{items}</ul>", esc(&paid_heading(p, l)))
        })
        .unwrap_or_default();
    let missing: String = if rv.missing_sources.is_empty() {
        String::new()
    } else {
        let items: String = rv
            .missing_sources
            .iter()
            .map(|m| format!("<li><b>{}</b>: {}</li>", esc(&m.name), esc(&m.download)))
            .collect();
        format!("<h2>{}</h2><ul>{items}</ul>", esc(missing_heading(l)))
    };
    let paid = format!("{missing}{paid}");
    format!(
        "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{t}</title><style>body{{font-family:system-ui,'PingFang SC','Microsoft YaHei',sans-serif;margin:24px}}table{{border-collapse:collapse}}td,th{{border:1px solid #ddd;padding:4px 8px}}tr.alert td{{color:#c00}}</style></head><body><h1>{t}</h1><table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>{rows}</table><h2>{}</h2><ul>{alerts}</ul><h2>{}</h2><ol>{actions}</ol>{paid}<p>{} {:.0} ({})</p></body></html>",
        l.pick("zh-CN", "en"),
        l.pick("指标", "Metric"),
        l.pick("实际", "Actual"),
        l.pick("目标", "Target"),
        l.pick("偏差", "Deviation"),
        l.pick("状态", "Status"),
        l.pick("预警", "Alerts"),
        l.pick("今日行动", "Today's actions"),
        l.pick("风险指数", "Risk index"),
        rv.risk_index.value,
        grade_label(&rv.risk_index.grade, l),
        t = esc(&format!("{} · {} · {}", l.pick("每日复盘", "Daily review"), rv.shop, rv.date)),
    )
}
