// Experiments page (实验): the shop's registry with each test's verdict, and a calculator over
// summary counts.
(function () {
  "use strict";
  const I18N = {
    zh: { title: "A/B 实验", registry: "实验列表", name: "名称", metric: "指标", window: "周期", verdict: "结论", status: "状态",
      calc: "快速分析（按汇总数据）", hint: "每行一个组：名称, 样本量, 转化数（第一行为对照组）", method: "方法", frequentist: "频率学派检验", bayesian: "贝叶斯分析", analyze: "分析",
      lift: "提升", p: "p 值", win: "胜出概率" },
    en: { title: "A/B experiments", registry: "Registered experiments", name: "Name", metric: "Metric", window: "Window", verdict: "Verdict", status: "Status",
      calc: "Quick analysis (summary counts)", hint: "One variant per line: name, units, conversions (control first)", method: "Method", frequentist: "Frequentist test", bayesian: "Bayesian", analyze: "Analyze",
      lift: "lift", p: "p-value", win: "chance to win" },
  };
  const $ = V.$, t = V.t, esc = V.esc;
  async function load() {
    const list = await V.api(V.shopApi("/experiments"));
    const rows = await Promise.all(list.map(async (e) => {
      const a = await V.api(V.shopApi(`/experiments/${e.id}?date=${V.date}`)).catch((x) => ({ error: x.message }));
      return Object.assign({}, e, { window: `${e.start_date} ~ ${e.end_date}`, verdict: a.analysis ? a.analysis.verdict[V.lang] : a.error || "" });
    }));
    V.table("registry", "experiments", [{ key: "id", label: "#" }, { key: "name", label: t("name") }, { key: "metric", label: t("metric"), value: (e) => V.label("metric", e.metric) },
      { key: "window", label: t("window") }, { key: "status", label: t("status"), value: (e) => V.label("experiment_status", e.status) }, { key: "verdict", label: t("verdict") }], rows);
    await analyze();
  }
  async function analyze() {
    const variants = $("input").value.trim().split("\n").map((l) => l.split(/[,，\s]+/).filter(Boolean))
      .map(([name, n, c]) => ({ name, n: Number(n), conversions: Number(c) }));
    try {
      const a = await V.api("/api/v1/experiments/analyze", { method: "POST", body: { variants, method: $("method").value } });
      $("result").innerHTML = `<ol>${a.treatments.map((x) => `<li><b>${esc(x.name)}</b>: ${t("lift")} ${(x.estimate * 100).toFixed(3)}pp
        [${(x.ci_low * 100).toFixed(3)}, ${(x.ci_high * 100).toFixed(3)}]${x.p_value != null ? ", " + t("p") + " " + x.p_value.toPrecision(3) : ""}
        ${x.chance_to_win != null ? ", " + t("win") + " " + (x.chance_to_win * 100).toFixed(1) + "%" : ""}</li>`).join("")}</ol>
        <p id="verdict">${esc(a.verdict[V.lang])}</p>`;
    } catch (e) { $("result").innerHTML = `<p class="error">${esc(e.message)}</p>`; }
  }
  $("run").addEventListener("click", analyze);
  V.register({ i18n: I18N, date: true, load });
})();
