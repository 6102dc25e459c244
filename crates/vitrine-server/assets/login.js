// Login page: posts the name and password, then returns to the page that sent us here.
(function () {
  "use strict";
  const I18N = {
    zh: { title: "Vitrine 运营看板", name: "用户名", password: "密码", login: "登录", switchTo: "English", wait: "尝试次数过多，请稍后再试" },
    en: { title: "Vitrine dashboard", name: "Name", password: "Password", login: "Log in", switchTo: "中文", wait: "Too many attempts; try again later" },
  };
  const params = new URLSearchParams(location.search);
  let lang = params.get("lang") === "en" || localStorage.getItem("vitrine.lang") === "en" ? "en" : "zh";
  const $ = (id) => document.getElementById(id);
  // Where to go after logging in: a path on this server only. Parsing as the browser will
  // (it reads "/\\evil.example" as "//evil.example") is what tells a path from another site.
  function sameOrigin(next) {
    try {
      const u = new URL(next || "/", location.origin);
      return u.origin === location.origin ? u.pathname + u.search + u.hash : "/";
    } catch (_) {
      return "/";
    }
  }
  function apply() {
    document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
    document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = I18N[lang][el.dataset.i18n]; });
    $("lang").textContent = I18N[lang].switchTo;
  }
  $("lang").addEventListener("click", () => { lang = lang === "zh" ? "en" : "zh"; localStorage.setItem("vitrine.lang", lang); apply(); });
  $("form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const r = await fetch("/api/v1/login", { method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: $("name").value, password: $("password").value }) });
    if (r.ok) {
      location.href = sameOrigin(params.get("next"));
      return;
    }
    const d = await r.json().catch(() => ({}));
    $("error").hidden = false;
    $("error").textContent = r.status === 429 ? I18N[lang].wait : (d.error && d.error.message) || r.statusText;
  });
  apply();
})();
