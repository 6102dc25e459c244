// Users page (用户分层): lifecycle stages, RFM segments and tiers, cohort retention, and the
// recall list (sort, filter, export to XLSX).
(function () {
  "use strict";
  const I18N = {
    zh: { title: "用户分层", stages: "生命周期", rfm: "RFM 分群", tiers: "五层分层", cohorts: "同期群留存（按首购月）", recall: "召回名单",
      stage: "阶段", tier: "层级", value: "价值指数", clv: "预测 CLV", since: "未购天数", segment: "RFM 分群", tierPrefix: "层", user: "用户" },
    en: { title: "User segments", stages: "Lifecycle", rfm: "RFM segments", tiers: "Five tiers", cohorts: "Cohort retention (by first-purchase month)", recall: "Recall list",
      stage: "Stage", tier: "Tier", value: "Value index", clv: "Predicted CLV", since: "Days since last", segment: "RFM segment", tierPrefix: "tier", user: "User" },
  };
  const $ = V.$, t = V.t, esc = V.esc;
  async function load() {
    const [seg, cohorts] = await Promise.all([V.api(V.shopApi("/users?limit=500&date=" + V.date)), V.api(V.shopApi("/users/cohorts?date=" + V.date))]);
    const s = seg.sizes, cohort = cohorts[0];
    $("stages").innerHTML = Object.entries(s.stages).map(([k, v]) => `<div class="card" data-stage="${esc(k)}"><div class="name">${esc(V.label("stage", k))}</div>
      <div class="value">${v.toLocaleString()}</div><div class="sub">${(100 * v / s.users).toFixed(1)}%</div></div>`).join("");
    const bar = (id, entries) => V.chart(id).setOption({ tooltip: {}, grid: { left: 120, right: 16, top: 10, bottom: 24 }, xAxis: { type: "value" },
      yAxis: { type: "category", data: entries.map((e) => e[0]) }, series: [{ type: "bar", data: entries.map((e) => e[1]) }] });
    bar("rfm", Object.entries(s.rfm_segments).map(([k, v]) => [V.label("segment", k), v]));
    bar("tiers", Object.entries(s.tiers).map(([k, v]) => [t("tierPrefix") + " " + k, v]));
    const rows = cohort.rows.slice(-12), width = Math.min(13, Math.max(2, ...rows.map((r) => r.retention.length)));
    const data = [];
    rows.forEach((r, y) => r.retention.slice(1, width).forEach((v, x) => data.push([x + 1, y, +(v * 100).toFixed(1)])));
    V.chart("cohorts").setOption({ tooltip: { formatter: (p) => `${rows[p.value[1]].cohort} +${p.value[0]}: ${p.value[2]}%` }, grid: { left: 80, right: 16, top: 10, bottom: 60 },
      xAxis: { type: "category", data: Array.from({ length: width - 1 }, (_, i) => "+" + (i + 1)) },
      yAxis: { type: "category", data: rows.map((r) => `${r.cohort} (${r.size})`) },
      visualMap: { min: 0, max: Math.max(1, ...data.map((d) => d[2])), calculable: true, orient: "horizontal", left: "center", bottom: 0 },
      series: [{ type: "heatmap", data, label: { show: true, fontSize: 10 } }] });
    const num = (d) => (v) => (v == null ? "–" : v.toFixed(d));
    V.table("list", "recall", [{ key: "user_id", label: t("user") }, { key: "stage", label: t("stage"), value: (u) => V.label("stage", u.stage) },
      { key: "rfm", label: "RFM", value: (u) => `${u.r}${u.f}${u.m}` }, { key: "rfm_segment", label: t("segment"), value: (u) => V.label("segment", u.rfm_segment) }, { key: "tier", label: t("tier") },
      { key: "value_index", label: t("value"), fmt: num(1) }, { key: "p_alive", label: "P(alive)", fmt: num(3) },
      { key: "expected_clv", label: t("clv"), fmt: num(2) }, { key: "days_since_last", label: t("since") }], seg.users.filter((u) => u.recall));
  }
  V.register({ i18n: I18N, date: true, load });
})();
