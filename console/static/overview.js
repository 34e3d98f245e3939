// The region overview's charts (Apache ECharts, embedded): the month by school, from the page's JSON block
// #overview-data, and the region's last months, fetched from the trend chart's data-src once the page shows.
(function () {
  "use strict";
  var el = document.getElementById("overview-data");
  if (!el || !window.echarts) { return; }
  var d = JSON.parse(el.textContent);
  var pct = function (xs) { return (xs || []).map(function (x) { return Math.round(x * 1000) / 10; }); };
  var axis = { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } };
  var legend = ["坐班签到率", "陪餐覆盖率", "手机检查率"];
  function series(type, a, m, p) {
    return [{ name: legend[0], type: type, data: pct(a) }, { name: legend[1], type: type, data: pct(m) },
      { name: legend[2], type: type, data: pct(p) }];
  }
  function options(title, cats, grid, type, a, m, p, rotate) {
    return {
      title: { text: title, textStyle: { fontSize: 14 } }, tooltip: { trigger: "axis" }, legend: { data: legend, top: 30 },
      grid: grid, xAxis: { type: "category", data: cats || [], axisLabel: { rotate: rotate || 0 } }, yAxis: axis,
      series: series(type, a, m, p)
    };
  }
  var month = echarts.init(document.getElementById("chart-month"));
  month.setOption(options("本月各校", d.schools, { top: 72, bottom: 80 }, "bar", d.attendance, d.meals, d.phones, 30));
  var box = document.getElementById("chart-trend");
  var trend = echarts.init(box);
  trend.showLoading({ text: "加载中……" });
  fetch(box.getAttribute("data-src"), { credentials: "same-origin" })
    .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
    .then(function (t) {
      trend.hideLoading();
      trend.setOption(options("近几个月（区域合计）", t.months, { top: 72 }, "line", t.attendance, t.meals, t.phones));
      document.documentElement.setAttribute("data-charts", "ready");
    })
    .catch(function () { trend.hideLoading(); box.textContent = "趋势数据加载失败，请刷新重试"; });
  window.addEventListener("resize", function () { month.resize(); trend.resize(); });
})();
