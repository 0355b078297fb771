// The PC pages' script: the QR of the login page (市场主体 tab, countdown, live status over
// server-sent events with polling as the fallback, short-code confirmation) and of the
// impression page (印模上传: the phone signs the upload; the page moves on by itself).
(function () {
  "use strict";
  var body = document.body;
  var page = body && body.dataset.page;
  // 添加印模: each slider shows its value as it moves.
  Array.prototype.forEach.call(document.querySelectorAll("input.slider"), function (slider) {
    var shown = document.getElementById(slider.id + "-value");
    if (shown) {
      slider.addEventListener("input", function () { shown.textContent = slider.value; });
    }
  });
  var impression = page === "impression" && body.dataset.qrId;
  if (page !== "login" && !impression) {
    return;
  }
  var api = body.dataset.api || "/platform/api/v1";
  // The server's clock, not the PC's: offset from the time the server put in the page.
  var offset = Number(body.dataset.serverNow || 0) - Date.now() / 1000;
  function serverNow() {
    return Date.now() / 1000 + offset;
  }

  var $ = function (id) { return document.getElementById(id); };
  var img = $("qr-image");
  var countdown = $("qr-countdown");
  var message = $("qr-message");
  var shortBox = $("short-code-box");
  var shortCode = $("short-code");

  var TEXT = impression ? {
    pending: "请使用电子营业执照扫码，核对印模后签名上传",
    answered: "手机已确认，请核对确认码",
    expired: "二维码已过期，请点击刷新",
    refused: "本次上传未通过，请点击刷新后重新扫码",
    completed: "印模已上传，等待审核，正在返回印模管理…",
    failed: "网络异常，请点击刷新"
  } : {
    pending: "请使用电子营业执照扫码",
    answered: "手机已确认，请核对确认码",
    expired: "二维码已过期，请点击刷新",
    refused: "本次登录未通过，请点击刷新后重新扫码",
    completed: "登录成功，正在进入…",
    failed: "网络异常，请点击刷新"
  };

  var current = null; // { id, expiresAt }
  var source = null;
  var pollTimer = null;
  var tickTimer = null;
  var finished = false;

  function say(text, kind) {
    message.textContent = text;
    message.dataset.kind = kind || "";
  }

  function stopWatching() {
    if (source) { source.close(); source = null; }
    if (pollTimer) { clearInterval(pollTimer); pollTimer = null; }
    body.dataset.sse = "closed";
  }

  function stopAll() {
    stopWatching();
    if (tickTimer) { clearInterval(tickTimer); tickTimer = null; }
  }

  function tick() {
    if (!current) { return; }
    var left = Math.max(0, Math.ceil(current.expiresAt - serverNow()));
    countdown.textContent = String(left);
    if (left <= 0 && !finished) {
      expire();
    }
  }

  function expire() {
    finished = true;
    stopAll();
    countdown.textContent = "0";
    img.classList.add("expired");
    shortBox.hidden = true;
    say(TEXT.expired, "expired");
  }

  // A person reads the message; the stable code stays in data-code, out of sight. An error
  // without a message is shown as the state's own text, never as its bare code.
  function showError(err) {
    if (err && err.message) {
      say(err.message, "error");
      message.dataset.code = err.code || "";
      return true;
    }
    return false;
  }

  function handle(st) {
    if (!current || !st || st.id !== current.id || finished) { return; }
    current.expiresAt = st.expires_at;
    message.dataset.state = st.state;
    delete message.dataset.code;
    if (st.state === "completed") {
      finished = true;
      stopAll();
      shortBox.hidden = true;
      say(TEXT.completed, "ok");
      complete(st.id);
    } else if (st.state === "expired") {
      expire();
    } else if (st.state === "refused") {
      finished = true;
      stopAll();
      shortBox.hidden = true;
      img.classList.add("expired");
      if (!showError(st.error)) { say(TEXT.refused, "error"); }
    } else if (st.state === "answered") {
      if (st.short_code) {
        shortCode.textContent = st.short_code;
        shortBox.hidden = false;
      }
      // An error noted before this answer (a refused earlier scan) is no longer news.
      say(TEXT.answered, "info");
    } else {
      shortBox.hidden = true;
      if (!showError(st.error)) { say(TEXT.pending, ""); }
    }
  }

  // The member cookie is set by GET …/qr/{id} once it sees the completion (or was set by the
  // confirm response already); then the home page sends people who must register onwards.
  function complete(id) {
    if (impression) {
      window.location.assign("/seals?uploaded=" + encodeURIComponent(id));
      return;
    }
    fetch(api + "/qr/" + encodeURIComponent(id), { credentials: "same-origin" })
      .then(function () { window.location.assign("/"); })
      .catch(function () { window.location.assign("/"); });
  }

  function poll(then) {
    if (!current) { return; }
    var id = current.id;
    fetch(api + "/qr/" + encodeURIComponent(id), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (st) {
        if (st && st.error && !st.id) { showError(st.error); return; }
        handle(st);
      })
      .catch(function () { /* try again at the next turn */ })
      .then(function () { if (typeof then === "function") { then(); } });
  }

  function startPolling() {
    if (!pollTimer && !finished) {
      pollTimer = setInterval(function () { poll(); }, 2000);
    }
  }

  function watch(id) {
    if (typeof window.EventSource !== "function") {
      startPolling();
      return;
    }
    source = new EventSource(api + "/qr/" + encodeURIComponent(id) + "/events");
    source.onopen = function () { body.dataset.sse = "open"; };
    source.addEventListener("status", function (e) {
      try { handle(JSON.parse(e.data)); } catch (err) { /* ignore a bad event */ }
    });
    source.onerror = function () {
      if (source) { source.close(); source = null; }
      body.dataset.sse = "error";
      startPolling();
      poll();
    };
  }

  // Show and watch a request the server made (or the one it just answered with).
  function show(st, link) {
    current = { id: st.id, expiresAt: st.expires_at };
    img.dataset.qrId = st.id;
    img.src = api + "/qr/" + encodeURIComponent(st.id) + "/qr.png";
    var linkBox = document.getElementById("qr-link");
    if (linkBox) { linkBox.textContent = link || ""; }
    say(TEXT.pending, "");
    tick();
    tickTimer = setInterval(tick, 1000);
    watch(st.id);
  }

  function create() {
    var from = current && current.id;
    stopAll();
    finished = false;
    current = null;
    shortBox.hidden = true;
    img.classList.remove("expired");
    img.removeAttribute("src");
    var oldLink = document.getElementById("qr-link");
    if (oldLink) { oldLink.textContent = ""; }
    countdown.textContent = "--";
    say("正在生成二维码…", "");
    fetch(api + "/qr", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(impression ? { kind: "impression", from: from || impression } : { kind: "login" })
    })
      .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, j: j }; }); })
      .then(function (res) {
        if (!res.ok || !res.j.status) {
          if (!showError(res.j && res.j.error)) { say(TEXT.failed, "error"); }
          return;
        }
        show(res.j.status, res.j.link);
      })
      .catch(function () { say(TEXT.failed, "error"); });
  }

  function confirmCode() {
    if (!current || finished) { return; }
    // The code both screens show; the person compares them, then confirms.
    var code = shortCode.textContent.trim();
    var id = current.id;
    fetch(api + "/qr/" + encodeURIComponent(id) + "/confirm", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ code: code })
    })
      .then(function (r) { return r.json(); })
      .then(function (j) {
        if (j && j.error && !j.id) {
          // The request's state may have moved (too many wrong codes): look, then say why.
          poll(function () { showError(j.error); });
          return;
        }
        handle(j);
      })
      .catch(function () { say(TEXT.failed, "error"); });
  }

  function selectTab(market) {
    $("tab-market").classList.toggle("active", market);
    $("tab-nonmarket").classList.toggle("active", !market);
    $("tab-market").setAttribute("aria-selected", String(market));
    $("tab-nonmarket").setAttribute("aria-selected", String(!market));
    $("panel-market").hidden = !market;
    $("panel-nonmarket").hidden = market;
    if (market && !current) { create(); }
  }

  $("qr-refresh").addEventListener("click", create);
  $("short-code-confirm").addEventListener("click", confirmCode);
  if (impression) {
    // The page came with its request; the first QR needs no new one.
    show({ id: impression, expires_at: Number(body.dataset.qrExpires || 0) },
      body.dataset.qrLink);
    return;
  }
  $("tab-market").addEventListener("click", function () { selectTab(true); });
  $("tab-nonmarket").addEventListener("click", function () { selectTab(false); });
  create();
})();
