// Risk page (风险指数): the composite index, its trend and forecast, and the 15 indicators
// on a probability × impact matrix.
(function () {
  "use strict";
  const I18N = {
    zh: { title: "风险指数", index: "风险指数", trend: "趋势与 30 天预测", indicators: "风险因子（概率×影响）", matrix: "概率 × 影响矩阵", indicator: "因子",
      score: "分值", probability: "概率", impact: "影响", grade: "等级", formula: "口径", history: "近 4 周", forecast: "30 天预测", reserve: "风险准备金" },
    en: { title: "Risk index", index: "Risk index", trend: "Trend and 30-day forecast", indicators: "Risk factors (probability × impact)", matrix: "Probability × impact",
      indicator: "Factor", score: "Score", probability: "Probability", impact: "Impact", grade: "Grade", formula: "Definition", history: "last 4 weeks",
      forecast: "30-day forecast", reserve: "risk reserve" },
  };
  const $ = V.$, t = V.t, fmt = V.fmt, esc = V.esc;
  async function load() {
    const rv = await V.api(V.shopApi("/review?" + new URLSearchParams({ date: V.date, lang: V.lang })));
    const ri = rv.risk_index;
    $("value").innerHTML = `<div class="card" data-grade="${esc(ri.grade)}"><div class="name">${t("index")}</div><div class="value">${ri.value.toFixed(0)}</div>
      <div class="sub">${esc(V.label("grade", ri.grade))} · ${t("reserve")} ${fmt(ri.reserve_yuan, "yuan")}</div></div>`;
    const hist = ri.history.concat([{ date: rv.date, value: ri.value }]);
    V.chart("chart").setOption({ tooltip: { trigger: "axis" }, legend: { data: [t("history"), t("forecast")] },
      xAxis: { type: "category", data: hist.map((p) => p.date).concat(ri.forecast.map((p) => p.date)) }, yAxis: { type: "value", min: 0, max: 100 },
      series: [{ name: t("history"), type: "line", showSymbol: false, data: hist.map((p) => +p.value.toFixed(1)) },
        { name: t("forecast"), type: "line", showSymbol: false, lineStyle: { type: "dashed" }, data: hist.map(() => null).concat(ri.forecast.map((p) => +p.value.toFixed(1))) }] });
    V.table("indicators", "risk_indicators", [{ key: "name", label: t("indicator") }, { key: "score", label: t("score"), fmt: (v) => (v == null ? "–" : v.toFixed(0)) },
      { key: "probability", label: t("probability") }, { key: "impact", label: t("impact") },
      { key: "grade", label: t("grade"), fmt: (v) => `<span class="grade-${esc(v)}">${esc(V.label("grade", v))}</span>` }, ].concat(V.lang === "en" ? [{ key: "formula", label: t("formula") }] : []), ri.indicators);
    V.chart("matrix").setOption({ tooltip: { formatter: (p) => p.data[2] }, grid: { left: 60, right: 16, top: 16, bottom: 40 },
      xAxis: { type: "value", name: t("probability"), min: 0, max: 6 }, yAxis: { type: "value", name: t("impact"), min: 0, max: 6 },
      series: [{ type: "scatter", symbolSize: 14, data: ri.indicators.map((i) => [i.probability, i.impact, i.name]) }] });
  }
  V.register({ i18n: I18N, date: true, load });
})();
