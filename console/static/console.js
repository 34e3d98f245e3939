// Every console page: note any Content-Security-Policy violation on the page (the browser tests read it),
// and make tables of class "sortable" sortable by a click on a header (numbers by data-value when given).
(function () {
  "use strict";
  document.addEventListener("securitypolicyviolation", function (e) {
    document.documentElement.setAttribute("data-csp-violation", e.violatedDirective + " " + (e.blockedURI || ""));
  });
  function cellValue(row, i) {
    var cell = row.cells[i];
    if (!cell) { return ""; }
    var v = cell.getAttribute("data-value");
    if (v !== null && v !== "" && !isNaN(Number(v))) { return Number(v); }
    return cell.textContent.trim();
  }
  function sortBy(table, th, i) {
    var body = table.tBodies[0];
    if (!body) { return; }
    var asc = th.getAttribute("aria-sort") !== "ascending";
    Array.prototype.forEach.call(th.parentNode.cells, function (c) { c.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", asc ? "ascending" : "descending");
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = cellValue(a, i), y = cellValue(b, i);
      var c = (typeof x === "number" && typeof y === "number") ? x - y : String(x).localeCompare(String(y), "zh-CN");
      return asc ? c : -c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }
  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
      var head = table.tHead && table.tHead.rows[0];
      if (!head) { return; }
      Array.prototype.forEach.call(head.cells, function (th, i) {
        th.classList.add("sortable");
        th.setAttribute("tabindex", "0");
        th.addEventListener("click", function () { sortBy(table, th, i); });
        th.addEventListener("keydown", function (e) { if (e.key === "Enter") { sortBy(table, th, i); } });
      });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
