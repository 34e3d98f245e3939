// The region overview's charts (Apache ECharts, embedded): the month by school and the region's last months.
// The data is the page's JSON block #overview-data, which the server wrote; nothing is fetched.
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
  var month = echarts.init(document.getElementById("chart-month"));
  month.setOption({
    title: { text: "本月各校", textStyle: { fontSize: 14 } }, tooltip: { trigger: "axis" }, legend: { data: legend, top: 30 },
    grid: { top: 72, bottom: 80 }, xAxis: { type: "category", data: d.schools || [], axisLabel: { rotate: 30 } },
    yAxis: axis, series: series("bar", d.attendance, d.meals, d.phones)
  });
  var trend = echarts.init(document.getElementById("chart-trend"));
  trend.setOption({
    title: { text: "近几个月（区域合计）", textStyle: { fontSize: 14 } }, tooltip: { trigger: "axis" }, legend: { data: legend, top: 30 },
    grid: { top: 72 }, xAxis: { type: "category", data: d.months || [] }, yAxis: axis,
    series: series("line", d.trend_attendance, d.trend_meals, d.trend_phones)
  });
  document.documentElement.setAttribute("data-charts", "ready");
  window.addEventListener("resize", function () { month.resize(); trend.resize(); });
})();
