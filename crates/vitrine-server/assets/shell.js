// Vitrine page shell: session, navigation, shop/date/language controls, API calls with the
// CSRF token, and tables that sort, filter and export to XLSX. Pages read only /api/v1.
(function () {
  "use strict";
  const NAV = [["/", "navOverview"], ["/targets", "navTargets"], ["/alerts", "navAlerts"], ["/paid", "navPaid"],
    ["/users", "navUsers"], ["/experiments", "navExperiments"], ["/risk", "navRisk"], ["/archive", "navArchive"], ["/import", "navImport"]];
  const COMMON = {
    zh: { brand: "Vitrine 运营看板", navOverview: "总览", navTargets: "目标进度", navAlerts: "预警", navPaid: "投放", navUsers: "用户分层",
      navExperiments: "实验", navRisk: "风险指数", navArchive: "复盘归档", navImport: "导入", shop: "店铺", date: "日期", switchTo: "English",
      logout: "退出", filter: "筛选…", exportXlsx: "导出全部（XLSX）", empty: "暂无数据", prev: "上一页", next: "下一页", pageOf: "第 {p} / {n} 页，共 {t} 行", role: { admin: "管理员", operator: "运营", viewer: "只读" } },
    en: { brand: "Vitrine", navOverview: "Overview", navTargets: "Targets", navAlerts: "Alerts", navPaid: "Paid traffic", navUsers: "Users",
      navExperiments: "Experiments", navRisk: "Risk", navArchive: "Reviews", navImport: "Import", shop: "Shop", date: "Date", switchTo: "中文",
      logout: "Log out", filter: "Filter…", exportXlsx: "Export all (XLSX)", empty: "No data", prev: "Previous", next: "Next", pageOf: "page {p} of {n}, {t} rows", role: { admin: "admin", operator: "operator", viewer: "viewer" } },
  };
  const params = new URLSearchParams(location.search);
  const stored = localStorage.getItem("vitrine.lang");
  const V = (window.V = {
    lang: params.get("lang") === "en" || (!params.get("lang") && stored === "en") ? "en" : "zh",
    me: null, shops: [], shop: null, date: null, page: null, charts: [],
  });
  const $ = (id) => document.getElementById(id);
  V.$ = $;
  V.esc = (s) => String(s == null ? "" : s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  V.t = (k) => {
    const own = V.page && V.page.i18n && V.page.i18n[V.lang];
    return own && own[k] !== undefined ? own[k] : COMMON[V.lang][k] !== undefined ? COMMON[V.lang][k] : k;
  };
  V.fmt = function (v, unit) {
    if (v === null || v === undefined || Number.isNaN(v)) return "–";
    switch (unit) {
      case "ratio": return (v * 100).toFixed(2) + "%";
      case "yuan":
        if (Math.abs(v) < 10000) return "¥" + v.toFixed(2);
        return V.lang === "zh" ? "¥" + (v / 10000).toFixed(2) + "万" : "¥" + Math.round(v).toLocaleString("en-US");
      case "count": return Math.round(v).toLocaleString();
      default: return typeof v === "number" ? v.toFixed(2) : String(v);
    }
  };
  // The words for a code (`/api/v1/labels`): kind is rule, action, flag, rec_status, source…
  V.labels = { zh: {}, en: {} };
  V.label = (kind, code) => {
    if (code === null || code === undefined || code === "") return "";
    const k = (V.labels[V.lang] || {})[kind] || {};
    return k[code] !== undefined ? k[code] : String(code);
  };
  // `plan:p0007` as 计划 p0007.
  V.scope = (s) => {
    const i = String(s || "").indexOf(":");
    if (i < 0) return String(s || "");
    const dims = s.slice(0, i).split("/"), vals = s.slice(i + 1).split("/");
    const value = (d, v) => (d === "category" || d === "source" ? V.label(d, v) : v);
    const vs = dims.length === vals.length ? vals.map((v, j) => value(dims[j], v)) : vals;
    return dims.map((d) => V.label("dim", d)).join("/") + " " + vs.join("/");
  };
  // `month:2026-11` as 2026年11月.
  V.period = (p) => {
    const [unit, value] = String(p || "").split(":");
    if (!value) return String(p || "");
    if (V.lang !== "zh") return value;
    const [y, m, d] = value.split("-");
    if (unit === "year") return y + "年";
    if (unit === "month") return `${y}年${+m}月`;
    if (unit === "day") return `${y}年${+m}月${+d}日`;
    return value;
  };
  V.role = () => {
    if (!V.me) return null;
    const rank = { viewer: 1, operator: 2, admin: 3 };
    return V.me.grants.filter((g) => g.shop === V.shop || g.shop === "*").map((g) => g.role).sort((a, b) => rank[b] - rank[a])[0] || null;
  };
  V.canOperate = () => ["operator", "admin"].includes(V.role());

  // Calls the API; writes carry the session's CSRF token; a lost session goes to the login page.
  V.api = async function (path, opts) {
    opts = opts || {};
    const headers = Object.assign({}, opts.headers || {});
    const method = opts.method || "GET";
    if (method !== "GET" && V.me && V.me.csrf_token) headers["x-csrf-token"] = V.me.csrf_token;
    let body = opts.body;
    if (body !== undefined && !(body instanceof Blob) && !(body instanceof ArrayBuffer) && typeof body !== "string") {
      body = JSON.stringify(body); headers["content-type"] = "application/json";
    }
    const r = await fetch(path, { method, headers, body, credentials: "same-origin" });
    if (r.status === 401 && !opts.noRedirect) {
      location.href = "/login?next=" + encodeURIComponent(location.pathname + location.search);
      throw new Error("401");
    }
    if (opts.blob) { if (!r.ok) throw new Error(r.statusText); return r.blob(); }
    const data = await r.json().catch(() => ({}));
    if (!r.ok) throw new Error((data.error && data.error.message) || r.statusText);
    return data;
  };
  V.shopApi = (suffix) => "/api/v1/shops/" + encodeURIComponent(V.shop) + suffix;
  V.error = function (e) {
    const el = $("error");
    if (!el) return;
    el.hidden = !e; el.textContent = e ? String(e.message || e) : "";
  };

  function header(opts) {
    const h = document.createElement("header");
    const here = location.pathname;
    h.innerHTML = `<h1><a href="/" data-i18n="brand"></a></h1>
      <nav>${NAV.map(([href, key]) => `<a href="${href}" data-i18n="${key}"${href === here ? ' class="active" aria-current="page"' : ""}></a>`).join("")}</nav>
      <div class="controls">
        <label><span data-i18n="shop"></span> <select id="shop"></select></label>
        ${opts.date ? '<label><span data-i18n="date"></span> <input type="date" id="date"></label>' : ""}
        <button id="lang" type="button"></button>
        <span id="who" class="who"></span><button id="logout" type="button" data-i18n="logout"></button>
      </div>`;
    document.body.prepend(h);
  }

  V.applyI18n = function () {
    document.documentElement.lang = V.lang === "zh" ? "zh-CN" : "en";
    document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = V.t(el.dataset.i18n); });
    // `data-label="kind:code"`: the label table's words for a code (select options, legends).
    document.querySelectorAll("[data-label]").forEach((el) => {
      const [kind, code] = el.dataset.label.split(":");
      el.textContent = V.label(kind, code);
    });
    document.querySelectorAll("[data-i18n-placeholder]").forEach((el) => { el.placeholder = V.t(el.dataset.i18nPlaceholder); });
    if ($("lang")) $("lang").textContent = V.t("switchTo");
    if (V.page) document.title = V.t("title") + " · Vitrine";
    if ($("who") && V.me) $("who").textContent = `${V.me.name} · ${V.t("role")[V.role()] || ""}`;
  };

  function syncUrl() {
    const q = new URLSearchParams(location.search);
    q.set("shop", V.shop); if (V.date) q.set("date", V.date); else q.delete("date");
    q.set("lang", V.lang);
    history.replaceState(null, "", "?" + q.toString());
  }

  V.reload = async function () {
    syncUrl();
    V.applyI18n();
    V.charts.forEach((c) => c.dispose()); V.charts.length = 0;
    try { V.error(null); await V.page.load(); } catch (e) { if (e.message !== "401") V.error(e); }
    document.body.dataset.ready = "1";
  };
  V.chart = (el) => { const c = echarts.init(typeof el === "string" ? $(el) : el); V.charts.push(c); return c; };

  // Registers the page: {i18n, date, load}. The shell logs in, fills controls and calls load().
  V.register = async function (page) {
    V.page = page;
    header({ date: !!page.date });
    V.applyI18n();
    try {
      V.me = await V.api("/api/v1/me");
      [V.shops, V.labels] = await Promise.all([V.api("/api/v1/shops"), V.api("/api/v1/labels")]);
    } catch (e) { if (e.message !== "401") V.error(e); return; }
    if (!V.shops.length) { V.error(V.lang === "zh" ? "没有可访问的店铺，请联系管理员授权。" : "No shop is granted to you; ask an admin."); return; }
    $("shop").innerHTML = V.shops.map((s) => `<option value="${V.esc(s.shop)}">${V.esc(s.shop)}</option>`).join("");
    const want = params.get("shop") || localStorage.getItem("vitrine.shop");
    V.shop = V.shops.some((s) => s.shop === want) ? want : V.shops[0].shop;
    $("shop").value = V.shop;
    const setDates = () => {
      const cur = V.shops.find((s) => s.shop === V.shop);
      if (!$("date") || !cur) return;
      $("date").min = cur.first_date; $("date").max = cur.last_date;
      if (!V.date || V.date < cur.first_date || V.date > cur.last_date) V.date = cur.last_date;
      $("date").value = V.date;
    };
    V.date = page.date ? params.get("date") : null;
    setDates();
    $("shop").addEventListener("change", () => { V.shop = $("shop").value; localStorage.setItem("vitrine.shop", V.shop); setDates(); V.reload(); });
    if ($("date")) $("date").addEventListener("change", () => { V.date = $("date").value; V.reload(); });
    $("lang").addEventListener("click", () => { V.lang = V.lang === "zh" ? "en" : "zh"; localStorage.setItem("vitrine.lang", V.lang); V.reload(); });
    $("logout").addEventListener("click", async () => { await V.api("/api/v1/logout", { method: "POST" }).catch(() => {}); location.href = "/login"; });
    window.addEventListener("resize", () => V.charts.forEach((c) => c.resize()));
    await V.reload();
  };

  // A table that sorts on header click, filters on typed text, shows 50 rows a page and
  // exports every row the filter keeps. columns: [{key, label, fmt?(value,row) -> html, value?(row)}]
  const PAGE = 50;
  V.table = function (el, name, columns, rows) {
    el = typeof el === "string" ? $(el) : el;
    let sortKey = null, asc = true, needle = "", page = 0;
    const val = (c, r) => (c.value ? c.value(r) : r[c.key]);
    el.innerHTML = `<div class="tools"><input type="search" class="filter" placeholder="${V.esc(V.t("filter"))}">
      <button type="button" class="export">${V.esc(V.t("exportXlsx"))}</button> <span class="count"></span></div>
      <table><thead><tr>${columns.map((c, i) => `<th data-col="${i}" class="sortable">${V.esc(c.label)}</th>`).join("")}</tr></thead><tbody></tbody></table>
      <div class="pager"><button type="button" class="prev">${V.esc(V.t("prev"))}</button> <span class="where"></span>
      <button type="button" class="next">${V.esc(V.t("next"))}</button></div>`;
    const visible = () => {
      let out = rows.filter((r) => !needle || columns.some((c) => String(val(c, r) == null ? "" : val(c, r)).toLowerCase().includes(needle)));
      if (sortKey !== null) {
        const c = columns[sortKey];
        out = out.slice().sort((a, b) => {
          const x = val(c, a), y = val(c, b);
          const cmp = typeof x === "number" && typeof y === "number" ? x - y : String(x == null ? "" : x).localeCompare(String(y == null ? "" : y), "zh");
          return asc ? cmp : -cmp;
        });
      }
      return out;
    };
    const draw = () => {
      const v = visible(), pages = Math.max(1, Math.ceil(v.length / PAGE));
      page = Math.min(page, pages - 1);
      const shown = v.slice(page * PAGE, (page + 1) * PAGE);
      el.querySelector(".pager").hidden = v.length <= PAGE;
      el.querySelector(".where").textContent = V.t("pageOf").replace("{p}", page + 1).replace("{n}", pages).replace("{t}", v.length);
      el.querySelector(".prev").disabled = page === 0;
      el.querySelector(".next").disabled = page >= pages - 1;
      el.querySelector("tbody").innerHTML = shown.length ? shown.map((r) => `<tr>${columns.map((c) => `<td>${c.fmt ? c.fmt(val(c, r), r) : V.esc(val(c, r))}</td>`).join("")}</tr>`).join("")
        : `<tr><td colspan="${columns.length}">${V.esc(V.t("empty"))}</td></tr>`;
      el.querySelector(".count").textContent = `${v.length} / ${rows.length}`;
      el.querySelectorAll("th").forEach((th) => { th.dataset.sort = +th.dataset.col === sortKey ? (asc ? "asc" : "desc") : ""; });
    };
    el.querySelectorAll("th").forEach((th) => th.addEventListener("click", () => {
      const i = +th.dataset.col; if (sortKey === i) asc = !asc; else { sortKey = i; asc = true; } draw();
    }));
    el.querySelector(".filter").addEventListener("input", (e) => { needle = e.target.value.trim().toLowerCase(); page = 0; draw(); });
    el.querySelector(".prev").addEventListener("click", () => { page -= 1; draw(); });
    el.querySelector(".next").addEventListener("click", () => { page += 1; draw(); });
    el.querySelector(".export").addEventListener("click", async () => {
      const body = { name, columns: columns.map((c) => c.label), rows: visible().map((r) => columns.map((c) => { const x = c.text ? c.text(val(c, r), r) : val(c, r); return x === undefined ? null : x; })) };
      try {
        const blob = await V.api("/api/v1/export/xlsx", { method: "POST", body, blob: true });
        const a = document.createElement("a"); a.href = URL.createObjectURL(blob); a.download = name + ".xlsx"; a.click();
      } catch (e) { V.error(e); }
    });
    draw();
    return { rows: () => visible() };
  };
})();
