/* The live conversation view: actions through the REST API (same services as the bot), updates over the agent socket. */
(function () {
  "use strict";
  var root = document.querySelector("[data-conversation]");
  var id = root.dataset.conversation;
  var csrf = document.body.dataset.csrf;
  var thread = document.getElementById("thread");
  var toast = document.getElementById("toast");
  var errorBox = document.getElementById("composer-error");

  // Words from Django's JavaScript catalogue (/jsi18n/, loaded by base.html) in the agent's language.
  var SENDERS = { customer: pgettext("message sender", "Customer"), bot: pgettext("message sender", "Bot"),
    agent: pgettext("message sender", "Agent"), system: "" };
  var STATES = { bot: gettext("With the bot"), queued: gettext("Waiting for an agent"), agent: gettext("With an agent"),
    closed: gettext("Closed") };
  var DELIVERY = {
    received: pgettext("message delivery status", "Received"), processed: pgettext("message delivery status", "Processed"),
    pending: pgettext("message delivery status", "Waiting to send"), sent: pgettext("message delivery status", "Sent"),
    delivered: pgettext("message delivery status", "Delivered"), read: pgettext("message delivery status", "Read"),
    failed: pgettext("message delivery status", "Failed"),
    not_sent: pgettext("message delivery status", "Not sent (internal)")
  };
  // Live bubbles show their time like the server-drawn ones ("23 Nov 21:53", 24-hour clock), not US-style.
  var lang = document.documentElement.lang === "en" ? "en-GB" : (document.documentElement.lang || undefined);

  function say(text) { toast.textContent = text; toast.style.display = "block"; setTimeout(function () { toast.style.display = "none"; }, 3500); }
  function api(method, path, body) {
    return fetch(path, {
      method: method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" },
      body: body ? JSON.stringify(body) : undefined
    }).then(function (r) {
      return r.text().then(function (t) {
        var data = t ? JSON.parse(t) : {};
        if (!r.ok) { var err = new Error(data.detail || ("HTTP " + r.status)); err.data = data; throw err; }
        return data;
      });
    });
  }
  function bubble(m) {
    if (thread.querySelector('[data-id="' + m.id + '"]')) return;
    var css = m.is_internal_note && m.sender_kind === "agent" ? "note" : m.sender_kind;
    var div = document.createElement("div"); div.className = "msg " + css; div.dataset.id = m.id;
    var text = document.createElement("div"); text.className = "text"; text.textContent = m.text; // never HTML
    var meta = document.createElement("div"); meta.className = "meta";
    var who = m.sender_kind === "agent" && m.sender ? m.sender : SENDERS[m.sender_kind];
    if (css === "note") who = interpolate(gettext("%(who)s · internal note"), { who: who }, true);
    meta.textContent = (who ? who + " · " : "") + new Date(m.created_at).toLocaleString(lang, { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    if (m.direction === "out" && !m.is_internal_note) {
      var status = document.createElement("span"); status.className = "status";
      status.textContent = DELIVERY[m.delivery_status] || m.delivery_status;
      meta.appendChild(document.createTextNode(" · ")); meta.appendChild(status);
    }
    div.appendChild(text); div.appendChild(meta); thread.appendChild(div);
    thread.scrollTop = thread.scrollHeight;
  }
  function markTemplate(m) {  // the live event may have drawn the bubble before the template was known
    var meta = thread.querySelector('[data-id="' + m.id + '"] .meta');
    if (!m.template_id || !meta || meta.querySelector(".tpl")) return;
    var tag = document.createElement("span"); tag.className = "tpl"; tag.textContent = gettext("approved template");
    meta.appendChild(document.createTextNode(" · ")); meta.appendChild(tag);
  }
  thread.scrollTop = thread.scrollHeight;

  document.querySelectorAll("[data-action]").forEach(function (button) {
    button.addEventListener("click", function () {
      button.disabled = true;
      api("POST", "/api/v1/conversations/" + id + "/" + button.dataset.action + "/").then(function () { location.reload(); })
        .catch(function (e) { say(e.message); button.disabled = false; });
    });
  });

  var text = document.getElementById("text");
  var canned = document.getElementById("canned");
  if (canned) canned.addEventListener("change", function () { if (canned.value) { text.value = canned.value; canned.value = ""; text.focus(); } });
  function post(internal) {
    errorBox.textContent = "";
    return api("POST", "/api/v1/conversations/" + id + "/messages/", { text: text.value, internal: internal })
      .then(function (m) { bubble(m); text.value = ""; })
      .catch(function (e) { errorBox.textContent = e.message; });
  }
  document.getElementById("send").addEventListener("click", function () { post(false); });
  document.getElementById("note").addEventListener("click", function () { post(true); });

  // Approved templates (WhatsApp 24 h, WeChat 48 h): the server fills them from the shipment; the agent sees the
  // text the customer will read before sending it.
  var template = document.getElementById("template");
  var sendTemplate = document.getElementById("send-template");
  var preview = document.getElementById("template-preview");
  if (template && sendTemplate) {
    template.addEventListener("change", function () {
      var option = template.options[template.selectedIndex];
      preview.textContent = template.value ? option.dataset.preview : "";
      preview.hidden = !template.value;
      sendTemplate.disabled = !template.value || sendTemplate.dataset.blocked === "true";
    });
    sendTemplate.addEventListener("click", function () {
      errorBox.textContent = "";
      sendTemplate.disabled = true;
      api("POST", "/api/v1/conversations/" + id + "/messages/", { template: template.value })
        .then(function (m) { bubble(m); markTemplate(m); template.value = ""; preview.hidden = true; preview.textContent = ""; })
        .catch(function (e) { errorBox.textContent = e.message; sendTemplate.disabled = false; });
    });
  }

  document.querySelectorAll("[data-shipment-action]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var tn = form.closest("[data-tracking]").dataset.tracking;
      var action = form.dataset.shipmentAction;
      var data = {};
      new FormData(form).forEach(function (v, k) { data[k] = /_id$/.test(k) ? parseInt(v, 10) : v; });
      var path = action === "verification"
        ? "/api/v1/conversations/" + id + "/shipments/" + tn + "/verification/"
        : "/api/v1/shipments/" + tn + "/" + action + "/";
      api("POST", path, data).then(function (result) {
        say(action === "verification"
          ? (result.verified ? gettext("Already verified") : interpolate(gettext("Code sent to %(phone)s"), { phone: result.sent_to }, true))
          : gettext("Saved"));
        if (action !== "verification") setTimeout(function () { location.reload(); }, 600);
      }).catch(function (e) { say(e.message); });
    });
  });

  var ticketForm = document.getElementById("ticket-form");
  ticketForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var data = { subject: ticketForm.subject.value, category: ticketForm.category.value, conversation: parseInt(id, 10) };
    if (ticketForm.priority.value) data.priority = ticketForm.priority.value;
    api("POST", "/api/v1/tickets/", data).then(function (t) { say(interpolate(gettext("Ticket %(number)s opened"), { number: t.number }, true)); setTimeout(function () { location.reload(); }, 600); })
      .catch(function (e) { say(e.message); });
  });

  // A state change seen live: the pill, who has it, which buttons make sense now, and a word when a colleague took it.
  var me = root.dataset.user;
  function showState(event) {
    var state = document.getElementById("state");
    state.textContent = STATES[event.state] || event.state; state.className = "pill " + event.state;
    var assignee = document.getElementById("assignee");
    assignee.textContent = event.assignee_name ? " · " + interpolate(gettext("with %(name)s"), { name: event.assignee_name }, true) : "";
    var mine = event.state === "agent" && String(event.assignee) === me;
    var button = function (action) { return root.querySelector('[data-action="' + action + '"]'); };
    button("take-over").disabled = mine || event.state === "closed" || (event.state === "agent" && !!event.assignee);
    button("hand-back").disabled = !(event.state === "agent" || event.state === "queued");
    button("close").disabled = event.state === "closed";
    var send = document.getElementById("send");
    send.disabled = event.state === "closed" || send.dataset.optedOut === "true" || send.dataset.windowClosed === "true";
    if (sendTemplate) {
      sendTemplate.dataset.blocked = (event.state === "closed" || send.dataset.optedOut === "true") ? "true" : "false";
      sendTemplate.disabled = !template.value || sendTemplate.dataset.blocked === "true";
    }
    var taken = document.getElementById("taken");
    var colleague = event.state === "agent" && event.assignee && String(event.assignee) !== me;
    taken.hidden = !colleague;
    taken.textContent = colleague ? interpolate(gettext("%(name)s took over this conversation."), { name: event.assignee_name }, true) : "";
    root.dataset.assignee = event.assignee || "";
  }

  var proto = location.protocol === "https:" ? "wss://" : "ws://";
  function connect() {
    var socket = new WebSocket(proto + location.host + "/ws/agent/?conversation=" + id);
    socket.onmessage = function (e) {
      var data = JSON.parse(e.data);
      // The socket also carries the team's inbox events; only this conversation's belong in this view.
      if (data.type !== "event" || (data.event.conversation !== undefined && String(data.event.conversation) !== id)) return;
      if (data.event.kind === "message.new") bubble(data.event.message);
      if (data.event.kind === "conversation.state") showState(data.event);
      // Rasa unreachable: the customer's messages wait and are retried; the agent sees it until the bot answers again.
      if (data.event.kind === "conversation.bot_delayed") document.getElementById("bot-delayed").hidden = false;
      if (data.event.kind === "conversation.bot_resumed") document.getElementById("bot-delayed").hidden = true;
      if (data.type === "event" && data.event.kind === "message.status") {
        var el = thread.querySelector('[data-id="' + data.event.message + '"] .meta .status');
        if (el) el.textContent = DELIVERY[data.event.status] || data.event.status;
      }
    };
    socket.onclose = function () { setTimeout(connect, 2000); };
  }
  connect();
})();
