/* Draws the supervisor charts from the numbers the page embeds (Chart.js, served locally); words from /jsi18n/. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("chart-data").textContent);
  var palette = ["#c8102e", "#0b57d0", "#137333", "#b06000", "#7b1fa2", "#00838f", "#5f6673", "#ad1457"];
  function draw(id, type, labels, values, opts) {
    var el = document.getElementById(id);
    if (!el) return;
    var links = opts && opts.links;
    new Chart(el, {
      type: type,
      data: { labels: labels, datasets: [{ data: values, label: (opts && opts.label) || "", borderColor: palette[1],
        backgroundColor: type === "line" ? "rgba(11,87,208,.15)" : ((opts && opts.colors) || palette), fill: type === "line", tension: 0.25 }] },
      options: { animation: false, responsive: true, plugins: { legend: { display: type === "doughnut" } },
        scales: type === "doughnut" ? {} : { y: { beginAtZero: type !== "line" } },
        // Drill-down: a bar or point opens the conversations, tickets or attempts behind it.
        onClick: links ? function (event, elements) { if (elements.length) location.href = links[elements[0].index]; } : undefined,
        onHover: links ? function (event, elements) { event.native.target.style.cursor = elements.length ? "pointer" : "default"; } : undefined }
    });
    if (links) el.dataset.links = JSON.stringify(links);
    el.dataset.drawn = "true";
  }
  draw("chart-nps", "line", data.nps_trend.labels, data.nps_trend.values, { label: gettext("NPS") });
  draw("chart-nps-split", "doughnut", [gettext("Promoters"), gettext("Passives"), gettext("Detractors")], data.nps_split, { colors: ["#137333", "#9aa0a6", "#c8102e"] });
  draw("chart-complaints", "bar", data.complaints.labels, data.complaints.values, { links: data.complaints.links });
  draw("chart-complaints-trend", "line", data.complaints_trend.labels, data.complaints_trend.values, { label: gettext("Complaints"), links: data.complaints_trend.links });
  draw("chart-failed", "bar", data.failed.labels, data.failed.values, { links: data.failed.links });
  draw("chart-handoffs", "bar", data.handoffs.labels, data.handoffs.values, { links: data.handoffs.links });
})();
