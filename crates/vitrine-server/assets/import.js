// Import page (导入): upload an export, read the validation report, confirm the import.
(function () {
  "use strict";
  const I18N = {
    zh: { title: "导入", upload: "上传导出文件", hint: "罗盘（交易分析工作簿、商品卡、视频详情）、千川（素材、直播、分时）、直播间报表、抖店订单 / 评价 / 动账，以及库存、竞品模板（CSV / XLSX），按表头自动识别，工作簿的每个已知工作表都会导入；确认前不会写入任何数据。",
      check: "校验", report: "校验报告", confirm: "确认导入", profile: "识别为", rows: "行数", range: "日期范围", encoding: "编码", totals: "跳过合计行", sheets: "工作表", skipped: "跳过的工作表",
      already: "该文件已导入过（内容相同），无需再次导入", more: "另有 {n} 个问题", done: "已导入 {rows} 行，湖版本 {v}", viewer: "只读用户不能导入" },
    en: { title: "Import", upload: "Upload an export", hint: "Compass (交易分析 workbook, 商品卡, 视频详情), Qianchuan (素材, 直播, hourly), live-room reports, 抖店 orders / reviews / settlement, and the stock and competitor templates (CSV / XLSX), recognised by their headers, every known sheet of a workbook; nothing is written before you confirm.",
      check: "Validate", report: "Validation report", confirm: "Import", profile: "Recognised as", rows: "Rows", range: "Dates", encoding: "Encoding", totals: "Totals rows skipped", sheets: "Sheets", skipped: "Sheets skipped",
      already: "This file was already imported (same content)", more: "and {n} more problems", done: "Imported {rows} rows; lake version {v}", viewer: "Viewers cannot import" },
  };
  const $ = V.$, t = V.t, esc = V.esc;
  let report = null;
  async function check() {
    const f = $("file").files[0]; if (!f) return;
    $("result").textContent = "";
    try {
      report = await V.api(V.shopApi("/imports?filename=" + encodeURIComponent(f.name)), { method: "POST", body: await f.arrayBuffer() });
    } catch (e) { V.error(e); return; }
    V.error(null);
    $("report-box").hidden = false;
    $("report").innerHTML = [[t("profile"), report.profile_zh || "–"], [t("rows"), report.rows],
      [t("range"), report.first_date ? `${report.first_date} ~ ${report.last_date}` : "–"], [t("encoding"), report.encoding || "–"],
      [t("totals"), report.skipped_total_rows]].map(([n, v]) => `<div class="card"><div class="name">${esc(n)}</div><div class="value">${esc(v)}</div></div>`).join("");
    const list = (title, xs) => xs && xs.length ? `<li><b>${esc(title)}</b><ul>${xs.map((x) => `<li>${esc(x)}</li>`).join("")}</ul></li>` : "";
    $("problems").innerHTML = list(t("sheets"), report.sheets) + list(t("skipped"), report.skipped_sheets) +
      report.problems.map((p) => `<li>${esc(p)}</li>`).join("") +
      (report.more_problems ? `<li>${esc(t("more").replace("{n}", report.more_problems))}</li>` : "") +
      (report.already_imported ? `<li>${esc(t("already"))}</li>` : "");
    $("confirm").disabled = !report.importable;
  }
  async function commit() {
    try {
      const r = await V.api(V.shopApi(`/imports/${report.id}/commit`), { method: "POST" });
      $("result").textContent = t("done").replace("{rows}", r.rows).replace("{v}", r.lake_version);
      $("confirm").disabled = true;
    } catch (e) { V.error(e); }
  }
  $("check").addEventListener("click", check);
  $("confirm").addEventListener("click", commit);
  V.register({ i18n: I18N, load: async () => { $("check").disabled = !V.canOperate(); if (!V.canOperate()) V.error(t("viewer")); } });
})();
