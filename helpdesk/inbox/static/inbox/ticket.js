/* The ticket page's actions (status, assignment, comments) through the REST API, the same services as everywhere. */
(function () {
  "use strict";
  var root = document.getElementById("ticket-work");
  var number = root.dataset.ticket;
  var csrf = document.body.dataset.csrf;
  var toast = document.getElementById("toast");

  function say(text) { toast.textContent = text; toast.style.display = "block"; setTimeout(function () { toast.style.display = "none"; }, 3500); }
  root.querySelectorAll("[data-ticket-action]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var action = form.dataset.ticketAction, body = {};
      if (action === "status") body.status = form.status.value;
      if (action === "assign") { body.team = form.team.value || null; body.assignee = form.assignee.value || null; }
      if (action === "comments") { body.body = form.body.value; body.is_internal = form.is_internal.checked; }
      fetch("/api/v1/tickets/" + number + "/" + action + "/", {
        method: "POST", credentials: "same-origin", body: JSON.stringify(body),
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" }
      }).then(function (r) {
        return r.json().then(function (data) {
          if (!r.ok) throw new Error(data.detail || ("HTTP " + r.status));
          say(gettext("Saved")); setTimeout(function () { location.reload(); }, 400);
        });
      }).catch(function (e) { say(e.message); });
    });
  });
})();
