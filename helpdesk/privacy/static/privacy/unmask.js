/* "Show phone and address": asks the REST API with the agent's reason (logged there), then fills in the panel. */
(function () {
  "use strict";
  var csrf = document.body.dataset.csrf;
  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-unmask]");
    if (!form) return;
    event.preventDefault();
    var card = form.closest("[data-tracking]") || document;
    var error = form.parentNode.querySelector("[data-unmask-error]");
    error.textContent = "";
    fetch("/api/v1/shipments/" + encodeURIComponent(form.dataset.unmask) + "/unmask/", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json", "X-Parceldesk-UI": "1" },
      body: JSON.stringify({ reason: form.elements.reason.value })
    }).then(function (r) {
      return r.json().then(function (data) {
        if (!r.ok) throw new Error(data.detail || ("HTTP " + r.status));
        return data;
      });
    }).then(function (data) {
      card.querySelectorAll("[data-personal]").forEach(function (el) {
        var value = data[el.dataset.personal];
        if (el.dataset.personal === "address" && data.postcode) value += " " + data.postcode;
        el.textContent = value;
        el.classList.remove("masked");
        el.classList.add("unmasked");
      });
      form.closest("details").replaceWith(document.createTextNode(gettext("Shown; your reason was logged.")));
    }).catch(function (err) { error.textContent = err.message; });
  });
})();
