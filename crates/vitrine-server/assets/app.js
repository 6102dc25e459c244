// Overview page (总览): renders the day's review from /api/v1; Chinese by default.
(function () {
  "use strict";
  const I18N = {
    zh: { title: "总览", shop: "店铺", date: "日期", kpis: "核心指标 vs 目标", pacing: "目标进度", trends: "近 30 天趋势",
      funnel: "转化漏斗", traffic: "流量结构", alerts: "预警", actions: "今日行动", severity: "级别", rule: "规则", scope: "范围",
      message: "说明", playbook: "预案", target: "目标", vsLastWeek: "周同比", none: "今日无预警", leak: "漏损最大环节：",
      actual: "实际", expected: "应完成", projected: "预计", onTrack: "达标", offTrack: "落后", switchTo: "English",
      users: "用户分层", experiments: "实验", navUsers: "用户分层", navExperiments: "实验", noExperiments: "暂无进行中的实验", recall: "召回候选", days: "天",
      tier: "层",
      rootCause: "主因", standing: "持续", risk: "风险指数", riskIndicators: "风险因子（概率×影响）", indicator: "因子", score: "分值", grade: "等级",
      forecast: "30 天预测", history: "近 4 周", reserve: "风险准备金", atStake: "涉及约", noStake: "金额无法估算", owner: "负责", due: "截止" },
    en: { title: "Overview", shop: "Shop", date: "Date", kpis: "KPIs vs targets", pacing: "Target pacing", trends: "Last 30 days",
      funnel: "Conversion funnel", traffic: "Traffic mix", alerts: "Alerts", actions: "Today's actions", severity: "Severity", rule: "Rule", scope: "Scope",
      message: "Message", playbook: "Playbook", target: "target", vsLastWeek: "vs last week", none: "No alerts today", leak: "Leakiest step: ",
      actual: "actual", expected: "expected", projected: "projected", onTrack: "on track", offTrack: "behind", switchTo: "中文",
      users: "User segments", experiments: "Experiments", navUsers: "Users", navExperiments: "Experiments", noExperiments: "No running experiments", recall: "recall candidates", days: "days",
      tier: "tier",
      rootCause: "Root cause", standing: "standing", risk: "Risk index", riskIndicators: "Risk factors (probability × impact)", indicator: "Factor", score: "Score", grade: "Grade",
      forecast: "30-day forecast", history: "last 4 weeks", reserve: "risk reserve", atStake: "At stake about", noStake: "No money estimate", owner: "Owner", due: "Due" },
  };
  const $ = V.$;

  function render(rv) {
    const t = I18N[V.lang], lang = V.lang, fmt = V.fmt, esc = V.esc;
    $("kpis").innerHTML = rv.kpis.map((k) => `<div class="card ${k.status}" data-metric="${k.metric}">
      <div class="name">${esc(k.name)}</div><div class="value">${fmt(k.value, k.unit)}</div>
      <div class="sub">${k.target != null ? t.target + " " + fmt(k.target, k.unit) : ""}
      ${k.vs_last_week != null ? " · " + t.vsLastWeek + " " + (k.vs_last_week * 100).toFixed(1) + "%" : ""}</div></div>`).join("");
    $("pacing").innerHTML = rv.pacing.map((p) => `<div class="card ${p.on_track ? "on_track" : "alert"}">
      <div class="name">${esc(V.label("metric", p.metric))} · ${esc(V.period(p.period))}</div><div class="value">${fmt(p.projected, "yuan")}</div>
      <div class="sub">${t.target} ${fmt(p.target, "yuan")} · ${t.actual} ${fmt(p.actual_to_date, "yuan")} · ${p.on_track ? t.onTrack : t.offTrack}</div></div>`).join("");
        $("trends").innerHTML = rv.trends.map((tr, i) => `<div id="trend${i}"></div>`).join("");
    rv.trends.forEach((tr, i) => {
      const c = V.chart("trend" + i);
      c.setOption({ title: { text: tr.name, textStyle: { fontSize: 13 } }, tooltip: { trigger: "axis" }, grid: { left: 60, right: 16, top: 36, bottom: 28 },
        xAxis: { type: "category", data: tr.points.map((p) => p[0].slice(5)) }, yAxis: { type: "value", scale: true },
        series: [{ type: "line", smooth: true, showSymbol: false, data: tr.points.map((p) => p[1]) }] });
    });
    // Step-to-step conversion: each bar is the share of the previous step that went on.
    const steps = rv.funnel.slice(1).filter((x) => x.rate_from_previous != null);
    const f = V.chart("funnel");
    f.setOption({ tooltip: { trigger: "axis", valueFormatter: (v) => v + "%" }, grid: { left: 130, right: 60, top: 10, bottom: 24 },
      xAxis: { type: "value", axisLabel: { formatter: "{value}%" } },
      yAxis: { type: "category", inverse: true, data: steps.map((x, i) => `${rv.funnel[i].name}→${x.name}`) },
      series: [{ type: "bar", label: { show: true, position: "right", formatter: "{c}%" },
        data: steps.map((x) => +(x.rate_from_previous * 100).toFixed(2)) }] });
    const leak = rv.funnel.find((x) => x.step === rv.leakiest_step);
    $("leak").textContent = rv.leakiest_step ? t.leak + (leak ? leak.name : V.label("step", rv.leakiest_step)) : "";
    const tp = V.chart("traffic");
    tp.setOption({ tooltip: { trigger: "item", formatter: "{b}: {d}%" }, series: [{ type: "pie", radius: ["35%", "65%"],
      data: rv.traffic.map((s) => ({ name: V.label("source", s.source), value: +(s.gmv_share * 100).toFixed(2) })) }] });
    const body = $("alerts").querySelector("tbody");
    const cause = (a) => a.root_causes.slice(0, 2).map((c) => `${V.scope(c.dimension + ":" + c.value)} (${Math.round(c.explanatory_power * 100)}%)`).join(" · ");
    const row = (a, standing) => `<tr class="${standing ? "standing" : ""}"><td class="sev-${a.severity}">${esc(V.label("severity", a.severity))}${standing ? " · " + t.standing : ""}</td><td>${esc(V.label("rule", a.rule))}</td>
      <td>${esc(V.scope(a.scope_id))}</td><td>${esc(a.message)}</td><td>${esc(cause(a))}</td><td>${esc(a.playbook || "")}</td></tr>`;
    const all = rv.alerts.map((a) => row(a, false)).concat(rv.standing.map((a) => row(a, true)));
    body.innerHTML = all.length ? all.join("") : `<tr><td colspan="6">${t.none}</td></tr>`;
    const ri = rv.risk_index;
    $("risk-value").innerHTML = `<div class="card" data-grade="${esc(ri.grade)}"><div class="name">${t.risk}</div><div class="value">${ri.value.toFixed(0)}</div>
      <div class="sub">${esc(V.label("grade", ri.grade))} · ${t.forecast} ${(ri.forecast.length ? ri.forecast[ri.forecast.length - 1].value : ri.value).toFixed(0)} · ${t.reserve} ${fmt(ri.reserve_yuan, "yuan")}</div></div>`;
    const rc = V.chart("risk-chart");
    const hist = ri.history.concat([{ date: rv.date, value: ri.value }]);
    rc.setOption({ tooltip: { trigger: "axis" }, legend: { data: [t.history, t.forecast] }, xAxis: { type: "category", data: hist.map((p) => p.date).concat(ri.forecast.map((p) => p.date)) },
      yAxis: { type: "value", min: 0, max: 100 }, series: [
        { name: t.history, type: "line", showSymbol: false, data: hist.map((p) => +p.value.toFixed(1)) },
        { name: t.forecast, type: "line", showSymbol: false, lineStyle: { type: "dashed" }, data: hist.map(() => null).concat(ri.forecast.map((p) => +p.value.toFixed(1))) }] });
    $("risk-indicators").querySelector("tbody").innerHTML = ri.indicators.map((i) => `<tr title="${esc(i.formula)}"><td>${esc(i.name)}</td>
      <td>${i.score === null ? "–" : i.score.toFixed(0)}</td><td>${i.probability}×${i.impact}</td><td class="grade-${esc(i.grade)}">${esc(V.label("grade", i.grade))}</td></tr>`).join("");
    const stake = (a) => a.at_stake_yuan === null ? t.noStake
      : `${t.atStake} ¥${Math.round(a.at_stake_yuan).toLocaleString()} (${esc(a.basis)})`;
    $("actions").innerHTML = rv.actions.map((a) => `<li data-source="${esc(a.source)}"><b>${esc(a.title)}</b>
      <div class="sub">${stake(a)} · ${t.owner} ${esc(a.owner)} · ${t.due} ${esc(a.due)}</div>${esc(a.detail)}</li>`).join("");
    const u = rv.users;
    $("users").innerHTML = u ? Object.entries(u.stages).map(([k, v]) => `<div class="card" data-stage="${esc(k)}">
      <div class="name">${esc(V.label("stage", k))}</div><div class="value">${v.toLocaleString()}</div>
      <div class="sub">${(100 * v / u.users).toFixed(1)}%</div></div>`).join("") +
      `<div class="card"><div class="name">${t.recall}</div><div class="value">${u.recall.toLocaleString()}</div>
      <div class="sub">${Object.entries(u.tiers).map(([k, v]) => t.tier + k + " " + v).join(" · ")}</div></div>` : "";
    $("experiments").innerHTML = rv.experiments.length ? rv.experiments.map((e) => `<li data-decision="${esc(e.analysis.verdict.decision)}">
      <b>#${e.id} ${esc(e.name)}</b> (${esc(V.label("metric", e.metric))}, ${e.days_run} ${t.days})<br>${esc(lang === "zh" ? e.analysis.verdict.zh : e.analysis.verdict.en)}</li>`).join("")
      : `<li>${t.noExperiments}</li>`;
  }

  V.register({
    i18n: I18N,
    date: true,
    load: async () => render(await V.api(V.shopApi("/review?" + new URLSearchParams({ date: V.date, lang: V.lang })))),
  });
})();
