// The sign-in page: ask the server every two seconds whether the QR code was confirmed in the
// mini-program; on "confirmed" the answer has set the session cookie, so go in; on "expired" show a new code.
(function () {
  "use strict";
  var status = document.getElementById("status");
  if (!status) { return; }
  var done = false;
  function poll() {
    if (done) { return; }
    fetch("/console/login/poll", { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(function (body) {
        if (body.state === "confirmed") {
          done = true;
          status.textContent = "已确认，正在进入……";
          window.location.assign("/console/");
        } else if (body.state === "expired") {
          done = true;
          status.textContent = "二维码已失效，正在刷新……";
          window.location.reload();
        } else if (body.state === "error") {
          status.textContent = body.message || "网络异常，正在重试……";
        }
      })
      .catch(function () { status.textContent = "网络异常，正在重试……"; })
      .finally(function () { if (!done) { window.setTimeout(poll, 2000); } });
  }
  window.setTimeout(poll, 1000);
})();
