// Users page: segment sizes, RFM and tiers, cohort retention, recall list with CSV export.
(function () {
  "use strict";
  const I18N = {
    zh: { home: "运营看板", title: "用户分层", shop: "店铺", stages: "生命周期", rfm: "RFM 分群", tiers: "五层分层", cohorts: "同期群留存（按首购月）",
      recall: "召回名单", export: "导出 CSV", stage: "阶段", tier: "层级", value: "价值指数", clv: "预测 CLV", since: "未购天数", switchTo: "English",
      names: { new: "新客", active: "活跃", silent: "沉默", churned: "流失", recalled: "召回" } },
    en: { home: "Dashboard", title: "User segments", shop: "Shop", stages: "Lifecycle", rfm: "RFM segments", tiers: "Five tiers", cohorts: "Cohort retention (by first-purchase month)",
      recall: "Recall list", export: "Export CSV", stage: "Stage", tier: "Tier", value: "Value index", clv: "Predicted CLV", since: "Days since last", switchTo: "中文",
      names: { new: "new", active: "active", silent: "silent", churned: "churned", recalled: "recalled" } },
  };
  const params = new URLSearchParams(location.search);
  let lang = params.get("lang") === "en" ? "en" : "zh";
  const $ = (id) => document.getElementById(id);
  const charts = [];
  let list = [];
  const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));

  function applyI18n() {
    document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
    document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = I18N[lang][el.dataset.i18n]; });
    $("lang").textContent = I18N[lang].switchTo;
  }
  async function json(url) {
    const r = await fetch(url);
    const d = await r.json();
    if (!r.ok) throw new Error(d.error || r.statusText);
    return d;
  }
  async function load() {
    const shop = encodeURIComponent($("shop").value);
    try {
      const [seg, cohorts] = await Promise.all([json(`/api/users?shop=${shop}&limit=500`), json(`/api/users/cohorts?shop=${shop}`)]);
      $("error").hidden = true;
      render(seg, cohorts[0]);
    } catch (e) { $("error").hidden = false; $("error").textContent = String(e); }
  }
  function render(seg, cohort) {
    const t = I18N[lang], s = seg.sizes;
    $("stages").innerHTML = Object.entries(s.stages).map(([k, v]) => `<div class="card" data-stage="${esc(k)}"><div class="name">${esc(t.names[k] || k)}</div>
      <div class="value">${v.toLocaleString()}</div><div class="sub">${(100 * v / s.users).toFixed(1)}%</div></div>`).join("");
    charts.forEach((c) => c.dispose()); charts.length = 0;
    const bar = (id, entries) => { const c = echarts.init($(id)); charts.push(c);
      c.setOption({ tooltip: {}, grid: { left: 120, right: 16, top: 10, bottom: 24 }, xAxis: { type: "value" },
        yAxis: { type: "category", data: entries.map((e) => e[0]) }, series: [{ type: "bar", data: entries.map((e) => e[1]) }] }); };
    bar("rfm", Object.entries(s.rfm_segments));
    bar("tiers", Object.entries(s.tiers).map(([k, v]) => [t.tier + " " + k, v]));
    const rows = cohort.rows.slice(-12), width = Math.min(13, Math.max(...rows.map((r) => r.retention.length)));
    const data = [];
    rows.forEach((r, y) => r.retention.slice(1, width).forEach((v, x) => data.push([x + 1, y, +(v * 100).toFixed(1)])));
    const h = echarts.init($("cohorts")); charts.push(h);
    h.setOption({ tooltip: { formatter: (p) => `${rows[p.value[1]].cohort} +${p.value[0]}: ${p.value[2]}%` }, grid: { left: 80, right: 16, top: 10, bottom: 60 },
      xAxis: { type: "category", data: Array.from({ length: width - 1 }, (_, i) => "+" + (i + 1)) },
      yAxis: { type: "category", data: rows.map((r) => `${r.cohort} (${r.size})`) },
      visualMap: { min: 0, max: Math.max(1, ...data.map((d) => d[2])), calculable: true, orient: "horizontal", left: "center", bottom: 0 },
      series: [{ type: "heatmap", data, label: { show: true, fontSize: 10 } }] });
    list = seg.users.filter((u) => u.recall);
    $("list").querySelector("tbody").innerHTML = list.map((u) => `<tr><td>${esc(u.user_id)}</td><td>${esc(t.names[u.stage] || u.stage)}</td>
      <td>${u.r}${u.f}${u.m}</td><td>${u.tier}</td><td>${u.value_index.toFixed(1)}</td><td>${u.p_alive == null ? "–" : u.p_alive.toFixed(3)}</td>
      <td>${u.expected_clv == null ? "–" : u.expected_clv.toFixed(2)}</td><td>${u.days_since_last}</td></tr>`).join("");
  }
  function exportCsv() {
    const head = ["user_id", "stage", "r", "f", "m", "rfm_segment", "tier", "value_index", "p_alive", "expected_clv", "days_since_last", "total"];
    const q = (v) => { const s = v == null ? "" : String(v); return /[",\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s; };
    const body = list.map((u) => head.map((k) => q(u[k === "total" ? "total" : k])).join(",")).join("\n");
    const a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob(["\ufeff" + head.join(",") + "\n" + body], { type: "text/csv" }));
    a.download = "recall.csv"; a.click();
  }
  $("lang").addEventListener("click", () => { lang = lang === "zh" ? "en" : "zh"; applyI18n(); load(); });
  $("shop").addEventListener("change", load);
  $("export").addEventListener("click", exportCsv);
  window.addEventListener("resize", () => charts.forEach((c) => c.resize()));
  applyI18n();
  json("/api/shops").then((shops) => {
    $("shop").innerHTML = shops.map((s) => `<option>${esc(s.shop)}</option>`).join("");
    if (params.get("shop")) $("shop").value = params.get("shop");
    return load();
  }).catch((e) => { $("error").hidden = false; $("error").textContent = String(e); });
})();
