// Paid traffic page (投放): overview, recommendations to approve/reject/apply or hold,
// plan diagnostics, the budget split and the audit log.
(function () {
  "use strict";
  const I18N = {
    zh: { title: "投放", overview: "投放概况", recs: "建议（待审批）", plans: "计划诊断", spendRoi: "花费与 ROI", budgetPlan: "预算分配建议", audit: "审计日志",
      plansN: "计划数", spend: "花费", gmv: "成交", roi: "ROI", budget: "预算", coldStart: "冷启动占比", runaway: "跑飞", noDelivery: "不消耗", winners: "优胜",
      plan: "计划", action: "动作", from: "原值", to: "建议值", reason: "理由", status: "状态", decision: "决定", ops: "操作", approve: "批准", reject: "驳回",
      apply: "已执行", hold: "暂停托管", release: "解除暂停", confirmResume: "恢复投放前请确认素材、出价与库存已检查。继续？", learning: "学习期", bid: "出价",
      target: "目标 ROI", breakeven: "保本 ROI", pace: "消耗进度", flags: "诊断", roi3: "3 日 ROI", roi7: "7 日 ROI", at: "时间", actor: "操作人", note: "备注", change: "变更" },
    en: { title: "Paid traffic", overview: "Overview", recs: "Recommendations", plans: "Plan diagnostics", spendRoi: "Spend and ROI", budgetPlan: "Budget split", audit: "Audit log",
      plansN: "Plans", spend: "Spend", gmv: "GMV", roi: "ROI", budget: "Budget", coldStart: "Cold-start share", runaway: "Runaway", noDelivery: "No delivery", winners: "Winners",
      plan: "Plan", action: "Action", from: "From", to: "To", reason: "Reason", status: "Status", decision: "Decision", ops: "Actions", approve: "Approve", reject: "Reject",
      apply: "Applied", hold: "Hold", release: "Release", confirmResume: "Resuming a plan: have creative, bid and stock been checked?", learning: "Learning", bid: "Bid",
      target: "Target ROI", breakeven: "Break-even ROI", pace: "Pace", flags: "Flags", roi3: "3-day ROI", roi7: "7-day ROI", at: "At", actor: "Actor", note: "Note", change: "Change" },
  };
  const $ = V.$, t = V.t, fmt = V.fmt, esc = V.esc;
  let holds = [];
  async function decide(verb, id, action) {
    const body = { id };
    if (verb === "approve" && action === "resume") { if (!confirm(t("confirmResume"))) return; body.confirm = true; }
    try { await V.api(V.shopApi("/bids/" + verb), { method: "POST", body }); await V.reload(); } catch (e) { V.error(e); }
  }
  async function hold(plan, on) {
    try { await V.api(V.shopApi("/bids/hold"), { method: "POST", body: { plan, hold: on } }); await V.reload(); } catch (e) { V.error(e); }
  }
  async function load() {
    const [b, audit] = await Promise.all([V.api(V.shopApi("/bids?date=" + V.date)), V.api(V.shopApi("/bids/audit"))]);
    holds = audit.holds;
    const o = b.overview;
    $("overview").innerHTML = [[t("plansN"), o.plans, "count"], [t("spend"), o.spend, "yuan"], [t("gmv"), o.gmv, "yuan"], [t("roi"), o.roi, ""],
      [t("budget"), o.budget, "yuan"], [t("coldStart"), o.cold_start_share, "ratio"], [t("runaway"), o.runaway, "count"], [t("noDelivery"), o.no_delivery, "count"],
      [t("winners"), o.winners, "count"]].map(([n, v, u]) => `<div class="card"><div class="name">${esc(n)}</div><div class="value">${fmt(v, u)}</div></div>`).join("");
    const ops = V.canOperate();
    V.table("recs", "recommendations", [
      { key: "plan_id", label: t("plan") }, { key: "action", label: t("action"), value: (r) => V.label("action", r.action) },
      { key: "from", label: t("from"), fmt: (v) => fmt(v) }, { key: "to", label: t("to"), fmt: (v) => fmt(v) },
      { key: "reason", label: t("reason"), value: (r) => (V.lang === "zh" ? r.reason_zh : r.reason_en) },
      { key: "status", label: t("status"), value: (r) => V.label("rec_status", r.status), fmt: (v, r) => `<span class="status-${esc(r.status)}">${esc(v)}</span>` },
      { key: "decision", label: t("decision"), value: (r) => V.label("rec_status", r.decision) },
      { key: "ops", label: t("ops"), value: () => "", fmt: (_, r) => !ops ? "" :
        (r.status === "proposed" && !r.decision ? `<button type="button" data-verb="approve" data-id="${esc(r.id)}" data-action="${esc(r.action)}">${t("approve")}</button> <button type="button" data-verb="reject" data-id="${esc(r.id)}">${t("reject")}</button>` : "") +
        (r.decision === "approved" ? ` <button type="button" data-verb="apply" data-id="${esc(r.id)}">${t("apply")}</button>` : "") +
        ` <button type="button" data-hold="${esc(r.plan_id)}">${holds.includes(r.plan_id) ? t("release") : t("hold")}</button>` },
    ], b.recommendations);
    V.table("plans", "plans", [
      { key: "plan_id", label: t("plan") }, { key: "learning_status", label: t("learning"), value: (p) => V.label("learning", p.learning_status) }, { key: "bid", label: t("bid"), fmt: (v) => fmt(v) },
      { key: "budget", label: t("budget"), fmt: (v) => fmt(v, "yuan") }, { key: "spend", label: t("spend"), fmt: (v) => fmt(v, "yuan") },
      { key: "gmv", label: t("gmv"), fmt: (v) => fmt(v, "yuan") }, { key: "roi", label: t("roi"), fmt: (v) => fmt(v) }, { key: "roi_3d", label: t("roi3"), fmt: (v) => fmt(v) },
      { key: "roi_7d", label: t("roi7"), fmt: (v) => fmt(v) }, { key: "target_roi", label: t("target"), fmt: (v) => fmt(v) },
      { key: "breakeven_roi", label: t("breakeven"), fmt: (v) => fmt(v) }, { key: "pace", label: t("pace"), fmt: (v) => fmt(v, "ratio") },
      { key: "flags", label: t("flags"), value: (p) => (p.flags || []).map((f) => V.label("flag", f.flag) + (f.creative_id ? " " + f.creative_id : "")).join("、") },
    ], b.plans);
    V.chart("spend-roi").setOption({ tooltip: { trigger: "axis" }, legend: { data: [t("spend"), t("roi")] }, grid: { left: 60, right: 50, top: 30, bottom: 60 },
      xAxis: { type: "category", data: b.plans.map((p) => p.plan_id), axisLabel: { rotate: 45 } },
      yAxis: [{ type: "value" }, { type: "value" }],
      series: [{ name: t("spend"), type: "bar", data: b.plans.map((p) => Math.round(p.spend)) },
        { name: t("roi"), type: "line", yAxisIndex: 1, data: b.plans.map((p) => (p.roi == null ? null : +p.roi.toFixed(2))) }] });
    const bp = b.budget_plan;
    $("budget").innerHTML = bp ? Object.entries(bp).filter(([, v]) => typeof v === "number").map(([k, v]) =>
      `<div class="card"><div class="name">${esc(V.label("budget", k))}</div><div class="value">${fmt(v, k.includes("share") ? "ratio" : "yuan")}</div></div>`).join("") : "";
    const changes = Object.fromEntries(audit.changes.map((c) => [c.id, c]));
    V.table("audit", "audit_log", [{ key: "at", label: t("at") }, { key: "change", label: t("change"), value: (e) => { const c = changes[e.change_id] || {}; return [c.date, c.plan_id, V.label("action", c.action)].filter(Boolean).join(" · "); } },
      { key: "status", label: t("status"), value: (e) => V.label("rec_status", e.status) }, { key: "actor", label: t("actor") }, { key: "note", label: t("note") }], audit.log.slice().reverse());
  }
  document.addEventListener("click", (e) => {
    const b = e.target.closest("button[data-verb],button[data-hold]"); if (!b) return;
    if (b.dataset.verb) decide(b.dataset.verb, b.dataset.id, b.dataset.action);
    else hold(b.dataset.hold, !holds.includes(b.dataset.hold));
  });
  V.register({ i18n: I18N, date: true, load });
})();
