// Alerts page (预警): the lifecycle (acknowledge, resolve, assign, history) and today's
// diagnosis with root causes and playbooks.
(function () {
  "use strict";
  const I18N = {
    zh: { title: "预警", status: "状态", all: "全部", lifecycle: "预警处理", history: "处理记录",
      today: "今日诊断（主因与预案）", severity: "级别", rule: "规则", metric: "指标", scope: "范围", message: "说明", owner: "负责人", last: "最近日期",
      count: "次数", actions: "操作", ack: "确认", resolve: "解决", assign: "指派", assignTo: "指派给：", rootCause: "主因", playbook: "预案", standing: "持续" },
    en: { title: "Alerts", status: "Status", all: "All", lifecycle: "Alert handling", history: "History",
      today: "Today's diagnosis (root causes and playbooks)", severity: "Severity", rule: "Rule", metric: "Metric", scope: "Scope", message: "Message", owner: "Owner",
      last: "Last day", count: "Count", actions: "Actions", ack: "Acknowledge", resolve: "Resolve", assign: "Assign", assignTo: "Assign to:", rootCause: "Root cause",
      playbook: "Playbook", standing: "standing" },
  };
  const $ = V.$, t = V.t, esc = V.esc;
  async function act(id, action, body) {
    try { await V.api(V.shopApi(`/alerts/${id}/${action}`), { method: "POST", body: body || {} }); await V.reload(); } catch (e) { V.error(e); }
  }
  async function showHistory(id) {
    const h = await V.api(V.shopApi(`/alerts/${id}/history`));
    $("history-box").hidden = false;
    $("history").innerHTML = h.history.map((x) => `<li>${esc(x.at)} · ${esc(x.from ? V.label("alert_status", x.from) : "–")} → ${esc(V.label("alert_status", x.to))} · ${esc(x.actor)}${x.note ? " · " + esc(x.note) : ""}</li>`).join("");
  }
  async function load() {
    const status = $("status").value;
    const [list, rv] = await Promise.all([V.api(V.shopApi("/alerts" + (status ? "?status=" + status : ""))),
      V.api(V.shopApi("/review?" + new URLSearchParams({ date: V.date, lang: V.lang })))]);
    const ops = V.canOperate();
    V.table("list", "alerts", [
      { key: "id", label: "#" }, { key: "severity", label: t("severity"), value: (a) => V.label("severity", a.severity), fmt: (v, a) => `<span class="sev-${esc(a.severity)}">${esc(v)}</span>` },
      { key: "rule", label: t("rule"), value: (a) => V.label("rule", a.rule) }, { key: "metric", label: t("metric"), value: (a) => V.label("metric", a.metric) },
      { key: "scope", label: t("scope"), value: (a) => V.scope(a.scope) }, { key: "message", label: t("message") },
      { key: "status", label: t("status"), value: (a) => V.label("alert_status", a.status) }, { key: "owner", label: t("owner") }, { key: "last_date", label: t("last") },
      { key: "occurrences", label: t("count") },
      { key: "actions", label: t("actions"), value: () => "", fmt: (_, a) => `<button type="button" data-act="history" data-id="${a.id}">${t("history")}</button>` +
        (ops && a.status === "open" ? ` <button type="button" data-act="ack" data-id="${a.id}">${t("ack")}</button>` : "") +
        (ops && a.status !== "resolved" ? ` <button type="button" data-act="resolve" data-id="${a.id}">${t("resolve")}</button> <button type="button" data-act="assign" data-id="${a.id}">${t("assign")}</button>` : "") },
    ], list);
    const cause = (a) => (a.root_causes || []).slice(0, 3).map((c) => `${V.scope(c.dimension + ":" + c.value)} (${Math.round(c.explanatory_power * 100)}%)`).join(" · ");
    const today = rv.alerts.map((a) => Object.assign({ standing: "" }, a)).concat(rv.standing.map((a) => Object.assign({}, a, { standing: t("standing") })));
    V.table("today", "diagnosis", [{ key: "severity", label: t("severity"), value: (a) => V.label("severity", a.severity) },
      { key: "rule", label: t("rule"), value: (a) => V.label("rule", a.rule) }, { key: "scope_id", label: t("scope"), value: (a) => V.scope(a.scope_id) },
      { key: "message", label: t("message") }, { key: "cause", label: t("rootCause"), value: cause }, { key: "playbook", label: t("playbook") },
      { key: "standing", label: "" }], today);
  }
  document.addEventListener("click", (e) => {
    const b = e.target.closest("button[data-act]"); if (!b) return;
    const id = b.dataset.id;
    if (b.dataset.act === "history") showHistory(id).catch(V.error);
    else if (b.dataset.act === "assign") { const who = prompt(t("assignTo")); if (who) act(id, "assign", { owner: who }); }
    else act(id, b.dataset.act);
  });
  $("status").addEventListener("change", () => V.reload());
  V.register({ i18n: I18N, date: true, load });
})();
