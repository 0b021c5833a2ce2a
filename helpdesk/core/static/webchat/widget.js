/* ParcelDesk web chat widget. Embed with one tag:
 *   <script src="https://HELPDESK/static/webchat/widget.js" defer></script>
 * Optional attributes: data-open="true", data-message="Where is SF1234567890?" (pre-filled text),
 * data-title="Customer service", data-lang="zh-hans" (en, zh-hans, zh-hant or ru; otherwise the browser's
 * language). The visitor id lives in localStorage, so the chat survives reloads. */
(function () {
  "use strict";
  var script = document.currentScript;
  var base = new URL(script.src, location.href);
  var wsUrl = (base.protocol === "https:" ? "wss://" : "ws://") + base.host + "/ws/webchat/";
  var T = {
    en: { title: "Customer service", placeholder: "Type your message…", send: "Send", close: "Close", offline: "Reconnecting…", hello: "Hi! Ask me about your parcel: tracking, delivery time, address, complaints." },
    "zh-hans": { title: "在线客服", placeholder: "请输入消息…", send: "发送", close: "关闭", offline: "正在重新连接…", hello: "您好！可以帮您查快递、改派送时间或地址、投诉建议。" },
    "zh-hant": { title: "線上客服", placeholder: "請輸入訊息…", send: "傳送", close: "關閉", offline: "正在重新連線…", hello: "您好！可以幫您查包裹、改派送時間或地址、投訴。" },
    ru: { title: "Служба поддержки", placeholder: "Введите сообщение…", send: "Отправить", close: "Закрыть", offline: "Переподключение…", hello: "Здравствуйте! Помогу отследить посылку, перенести доставку, сменить адрес." }
  };
  function lang() {
    if (T[script.dataset.lang]) return script.dataset.lang; // the host page's language, e.g. the tracking page's
    var l = (navigator.language || "en").toLowerCase();
    if (l.indexOf("zh") === 0) return (l.indexOf("tw") > 0 || l.indexOf("hk") > 0 || l.indexOf("hant") > 0) ? "zh-hant" : "zh-hans";
    if (l.indexOf("ru") === 0) return "ru";
    return "en";
  }
  var t = T[lang()];
  function uid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "v" + Date.now().toString(36) + Math.random().toString(36).slice(2, 12);
  }
  var visitor = localStorage.getItem("parceldesk.visitor");
  if (!visitor) { visitor = uid(); localStorage.setItem("parceldesk.visitor", visitor); }
  var pendingKey = "parceldesk.pending";
  var pending = JSON.parse(localStorage.getItem(pendingKey) || "[]"); // unsent messages survive reloads too

  var css = document.createElement("style");
  css.textContent = [
    ".pd-chat-btn{position:fixed;right:16px;bottom:16px;z-index:2147483000;border:0;border-radius:28px;background:#c8102e;color:#fff;font:600 15px system-ui,sans-serif;padding:14px 18px;box-shadow:0 4px 14px rgba(0,0,0,.25);cursor:pointer}",
    ".pd-chat{position:fixed;right:16px;bottom:80px;z-index:2147483000;width:360px;max-width:calc(100vw - 32px);height:520px;max-height:calc(100vh - 110px);display:none;flex-direction:column;background:#fff;border-radius:12px;box-shadow:0 8px 30px rgba(0,0,0,.25);font:14px/1.4 system-ui,sans-serif;color:#1d2330;overflow:hidden}",
    ".pd-chat.open{display:flex}",
    "@media (max-width:480px){.pd-chat{right:0;bottom:0;width:100vw;max-width:100vw;height:100%;max-height:100%;border-radius:0}}",
    ".pd-head{background:#c8102e;color:#fff;padding:12px 14px;font-weight:600;display:flex;justify-content:space-between;align-items:center}",
    ".pd-head button{background:none;border:0;color:#fff;font-size:20px;cursor:pointer}",
    ".pd-status{font-size:12px;font-weight:400;opacity:.9}",
    ".pd-log{flex:1;overflow-y:auto;padding:12px;background:#f5f6f8}",
    ".pd-msg{max-width:82%;margin:6px 0;padding:8px 11px;border-radius:12px;white-space:pre-wrap;word-wrap:break-word}",
    ".pd-in{background:#fff;border:1px solid #e3e5ea}",
    ".pd-out{background:#0b57d0;color:#fff;margin-left:auto}",
    ".pd-pending{opacity:.6}",
    ".pd-btns{display:flex;flex-wrap:wrap;gap:6px;margin:4px 0 8px}",
    ".pd-btns button{border:1px solid #0b57d0;background:#fff;color:#0b57d0;border-radius:16px;padding:5px 10px;cursor:pointer;font:13px system-ui,sans-serif}",
    ".pd-form{display:flex;border-top:1px solid #e3e5ea}",
    ".pd-form input{flex:1;border:0;padding:12px;font:15px system-ui,sans-serif;outline:none}",
    ".pd-form button{border:0;background:#c8102e;color:#fff;padding:0 16px;font-weight:600;cursor:pointer}"
  ].join("\n");
  document.head.appendChild(css);

  var button = document.createElement("button");
  button.className = "pd-chat-btn"; button.type = "button"; button.textContent = t.title;
  var panel = document.createElement("div");
  panel.className = "pd-chat"; panel.setAttribute("role", "dialog"); panel.setAttribute("aria-label", t.title);
  panel.innerHTML = '<div class="pd-head"><span>' + t.title + ' <span class="pd-status"></span></span><button type="button" aria-label="' + t.close + '">×</button></div>' +
    '<div class="pd-log" aria-live="polite"></div><form class="pd-form"><input maxlength="2000" autocomplete="off"><button type="submit"></button></form>';
  document.body.appendChild(button); document.body.appendChild(panel);
  var log = panel.querySelector(".pd-log"), form = panel.querySelector("form"), input = form.querySelector("input");
  var status = panel.querySelector(".pd-status");
  input.placeholder = t.placeholder; form.querySelector("button").textContent = t.send;
  if (script.dataset.message) input.value = script.dataset.message;

  function bubble(direction, text, id, extra) {
    var el = document.createElement("div");
    el.className = "pd-msg " + (direction === "in" ? "pd-out" : "pd-in") + (extra || "");
    el.textContent = text; // customer and bot text is always shown as text, never as HTML
    if (id) el.dataset.id = id;
    log.appendChild(el); log.scrollTop = log.scrollHeight;
    return el;
  }
  function buttons(media) {
    (media || []).forEach(function (item) {
      if (item.type !== "buttons") return;
      var row = document.createElement("div"); row.className = "pd-btns";
      item.buttons.forEach(function (b) {
        var btn = document.createElement("button"); btn.type = "button"; btn.textContent = b.title;
        btn.onclick = function () { send(b.payload || b.title, b.title); };
        row.appendChild(btn);
      });
      log.appendChild(row);
    });
  }
  function render(m) { bubble(m.direction, m.text || ""); buttons(m.media); }

  var socket = null, delay = 1000;
  function savePending() { localStorage.setItem(pendingKey, JSON.stringify(pending)); }
  function flush() {
    if (!socket || socket.readyState !== 1) return;
    pending.forEach(function (p) { socket.send(JSON.stringify({ type: "message", id: p.id, text: p.text })); });
  }
  function send(text, shown) {
    text = (text || "").trim(); if (!text) return;
    var item = { id: uid(), text: text };
    pending.push(item); savePending();
    bubble("in", shown || text, item.id, " pd-pending");
    flush();
  }
  function connect() {
    socket = new WebSocket(wsUrl + "?visitor=" + encodeURIComponent(visitor));
    socket.onopen = function () { status.textContent = ""; delay = 1000; };
    socket.onmessage = function (e) {
      var data = JSON.parse(e.data);
      if (data.type === "history") {
        log.innerHTML = "";
        if (!data.messages.length) bubble("out", t.hello);
        data.messages.forEach(render);
        pending.forEach(function (p) { bubble("in", p.text, p.id, " pd-pending"); });
        flush();
      } else if (data.type === "ack") {
        pending = pending.filter(function (p) { return p.id !== data.id; }); savePending();
        var el = log.querySelector('[data-id="' + data.id + '"]'); if (el) el.classList.remove("pd-pending");
      } else if (data.type === "message") {
        render(data.message);
      } else if (data.type === "error") {
        if (data.id) { pending = pending.filter(function (p) { return p.id !== data.id; }); savePending(); }
        bubble("out", data.detail, null, " pd-error");
      }
    };
    socket.onclose = function () {
      status.textContent = t.offline;
      setTimeout(connect, delay); delay = Math.min(delay * 2, 30000);
    };
  }
  form.onsubmit = function (e) { e.preventDefault(); send(input.value); input.value = ""; input.focus(); };
  function open() { panel.classList.add("open"); button.style.display = "none"; input.focus(); if (!socket) connect(); }
  button.onclick = open;
  panel.querySelector(".pd-head button").onclick = function () { panel.classList.remove("open"); button.style.display = ""; };
  if (script.dataset.open === "true" || pending.length) open();
  window.ParcelDeskChat = { open: open, send: send, visitor: visitor };
})();
