// Targets page (目标进度): the annual target tree, pacing, KPI targets and editing them.
(function () {
  "use strict";
  const I18N = {
    zh: { title: "目标进度", tree: "年度目标拆解", pacing: "进度", kpis: "KPI 目标", stored: "已设目标", set: "设定目标", metric: "指标", period: "周期", kpiTarget: "KPI 目标（每日）",
      value: "数值", save: "保存", saved: "已保存", annual: "年度目标", month: "本月目标", day: "今日目标", source: "来源", quarter: "季度",
      target: "目标", actual: "实际", expected: "应完成", projected: "预计", onTrack: "达标", offTrack: "落后", status: "状态" },
    en: { title: "Targets", tree: "Annual target tree", pacing: "Pacing", kpis: "KPI targets", stored: "Stored targets", set: "Set a target", metric: "Metric", period: "Period", kpiTarget: "KPI target (daily)",
      value: "Value", save: "Save", saved: "Saved", annual: "Annual target", month: "This month", day: "Today", source: "source", quarter: "Quarter",
      target: "Target", actual: "Actual", expected: "Expected", projected: "Projected", onTrack: "on track", offTrack: "behind", status: "Status" },
  };
  const $ = V.$, t = V.t, fmt = V.fmt, esc = V.esc;
  let catalog = null;
  async function load() {
    const d = await V.api(V.shopApi("/targets?date=" + V.date));
    const tr = d.tree;
    $("tree").innerHTML = [["annual", tr.annual], ["month", tr.month], ["day", tr.day]].map(([k, v]) =>
      `<div class="card" data-target="${k}"><div class="name">${t(k)}</div><div class="value">${fmt(v, "yuan")}</div><div class="sub">${t("source")}: ${esc(V.label("target_source", tr.source))}</div></div>`).join("");
    V.chart("quarters").setOption({ tooltip: {}, grid: { left: 70, right: 16, top: 16, bottom: 24 },
      xAxis: { type: "category", data: tr.quarters.map((_, i) => "Q" + (i + 1)) }, yAxis: { type: "value" },
      series: [{ type: "bar", data: tr.quarters.map((q) => Math.round(q)) }] });
    $("pacing").innerHTML = d.pacing.map((p) => `<div class="card ${p.on_track ? "on_track" : "alert"}"><div class="name">${esc(V.label("metric", p.metric))} · ${esc(V.period(p.period))}</div>
      <div class="value">${fmt(p.projected, "yuan")}</div><div class="sub">${t("target")} ${fmt(p.target, "yuan")} · ${t("actual")} ${fmt(p.actual_to_date, "yuan")}
      · ${t("expected")} ${fmt(p.expected_to_date, "yuan")} · ${p.on_track ? t("onTrack") : t("offTrack")}</div></div>`).join("");
    V.table("kpis", "kpi_targets", [{ key: "metric", label: t("metric"), value: (k) => k.name || V.label("metric", k.metric) }, { key: "value", label: t("actual"), fmt: (v) => fmt(v) },
      { key: "target", label: t("target"), fmt: (v) => fmt(v) }, { key: "status", label: t("status"), value: (k) => V.label("kpi_status", k.status) }], d.kpis);
    V.table("stored", "stored_targets", [{ key: "metric", label: t("metric"), value: (x) => V.label("metric", x.metric) },
      { key: "period", label: t("period"), value: (x) => (x.period === "default" ? t("kpiTarget") : V.period(x.period)) }, { key: "value", label: t("value") }], d.stored);
    $("edit").hidden = !V.canOperate();
    if (!catalog) {
      catalog = await V.api("/api/v1/metrics");
      $("metric").innerHTML = catalog.map((m) => `<option value="${esc(m.id)}">${esc(V.lang === "zh" ? m.name_zh : m.name_en + " (" + m.id + ")")}</option>`).join("");
    }
  }
  $("save").addEventListener("click", async () => {
    try {
      await V.api(V.shopApi("/targets"), { method: "PUT", body: { metric: $("metric").value, period: $("period").value.trim(), value: Number($("value").value) } });
      $("saved").textContent = t("saved"); await V.reload();
    } catch (e) { V.error(e); }
  });
  V.register({ i18n: I18N, date: true, load });
})();
