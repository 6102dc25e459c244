// Experiments page: the registry with each test's verdict, and a calculator over summary counts.
(function () {
  "use strict";
  const I18N = {
    zh: { home: "运营看板", title: "A/B 实验", registry: "实验列表", shop: "店铺", name: "名称", metric: "指标", window: "周期", verdict: "结论",
      calc: "快速分析（按汇总数据）", hint: "每行一个组：名称, 样本量, 转化数（第一行为对照组）", method: "方法", analyze: "分析", none: "暂无实验",
      lift: "提升", p: "p 值", win: "胜出概率", switchTo: "English" },
    en: { home: "Dashboard", title: "A/B experiments", registry: "Registered experiments", shop: "Shop", name: "Name", metric: "Metric", window: "Window", verdict: "Verdict",
      calc: "Quick analysis (summary counts)", hint: "One variant per line: name, units, conversions (control first)", method: "Method", analyze: "Analyze", none: "No experiments",
      lift: "lift", p: "p-value", win: "chance to win", switchTo: "中文" },
  };
  let lang = new URLSearchParams(location.search).get("lang") === "en" ? "en" : "zh";
  const $ = (id) => document.getElementById(id);
  const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  const fail = (e) => { $("error").hidden = false; $("error").textContent = String(e); };

  function applyI18n() {
    document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
    document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = I18N[lang][el.dataset.i18n]; });
    $("lang").textContent = I18N[lang].switchTo;
  }
  async function loadRegistry() {
    const r = await fetch("/api/experiments");
    const list = await r.json();
    if (!r.ok) throw new Error(list.error || r.statusText);
    const body = $("registry").querySelector("tbody");
    if (!list.length) { body.innerHTML = `<tr><td colspan="6">${I18N[lang].none}</td></tr>`; return; }
    body.innerHTML = list.map((e) => `<tr data-id="${e.id}"><td>${e.id}</td><td>${esc(e.shop)}</td><td>${esc(e.name)}</td><td>${esc(e.metric)}</td>
      <td>${esc(e.start_date)} ~ ${esc(e.end_date)}</td><td class="verdict">…</td></tr>`).join("");
    for (const e of list) {
      const cell = body.querySelector(`tr[data-id="${e.id}"] .verdict`);
      const a = await fetch(`/api/experiments/${e.id}`).then((x) => x.json());
      cell.textContent = a.analysis ? a.analysis.verdict[lang] : (a.error || "");
    }
  }
  async function analyze() {
    const variants = $("input").value.trim().split("\n").map((l) => l.split(/[,，\s]+/).filter(Boolean))
      .map(([name, n, c]) => ({ name, n: Number(n), conversions: Number(c) }));
    const r = await fetch("/api/experiments/analyze", { method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ variants, method: $("method").value }) });
    const a = await r.json();
    if (!r.ok) { $("result").innerHTML = `<p class="error">${esc(a.error)}</p>`; return; }
    const t = I18N[lang];
    $("result").innerHTML = `<ol>${a.treatments.map((x) => `<li><b>${esc(x.name)}</b>: ${t.lift} ${(x.estimate * 100).toFixed(3)}pp
      [${(x.ci_low * 100).toFixed(3)}, ${(x.ci_high * 100).toFixed(3)}]${x.p_value != null ? ", " + t.p + " " + x.p_value.toPrecision(3) : ""}
      ${x.chance_to_win != null ? ", " + t.win + " " + (x.chance_to_win * 100).toFixed(1) + "%" : ""}</li>`).join("")}</ol>
      <p id="verdict">${esc(a.verdict[lang])}</p>`;
  }
  $("lang").addEventListener("click", () => { lang = lang === "zh" ? "en" : "zh"; applyI18n(); loadRegistry().catch(fail); });
  $("run").addEventListener("click", () => analyze().catch(fail));
  applyI18n();
  loadRegistry().catch(fail);
  analyze().catch(fail); // the example in the box, so the page opens with a worked verdict
})();
