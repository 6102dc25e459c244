// Review archive (复盘归档): every day with data, newest first; each opens that day's review.
(function () {
  "use strict";
  const I18N = {
    zh: { title: "复盘归档", gmv: "每日 GMV", days: "每日复盘", date: "日期", orders: "订单", open: "查看复盘" },
    en: { title: "Review archive", gmv: "Daily GMV", days: "Daily reviews", date: "Date", orders: "Orders", open: "Open review" },
  };
  const t = V.t, fmt = V.fmt, esc = V.esc;
  async function load() {
    const a = await V.api(V.shopApi("/reviews"));
    const cols = a.days.columns || [];
    const idx = (name) => cols.findIndex((c) => (c.name || c) === name);
    const [di, gi, oi] = [idx("date"), idx("gmv"), idx("orders")];
    const rows = a.days.rows.map((r) => ({ date: r[di], gmv: r[gi], orders: r[oi] }));
    V.chart("chart").setOption({ tooltip: { trigger: "axis" }, grid: { left: 70, right: 16, top: 16, bottom: 28 },
      xAxis: { type: "category", data: rows.map((r) => r.date).reverse() }, yAxis: { type: "value" },
      series: [{ type: "line", showSymbol: false, data: rows.map((r) => Math.round(r.gmv || 0)).reverse() }] });
    V.table("days", "reviews", [{ key: "date", label: t("date") }, { key: "gmv", label: "GMV", fmt: (v) => fmt(v, "yuan") },
      { key: "orders", label: t("orders"), fmt: (v) => fmt(v, "count") },
      { key: "open", label: "", value: () => "", fmt: (_, r) => `<a href="/?${new URLSearchParams({ shop: V.shop, date: r.date, lang: V.lang })}">${esc(t("open"))}</a>` }], rows);
  }
  V.register({ i18n: I18N, load });
})();
