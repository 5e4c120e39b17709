/* Refreshes the queue table every 30 seconds without a full reload.
   The page works without this script. Changes are announced politely (aria-live) and only when
   something changed; the refresh pauses while the tab is hidden or focus is inside the table,
   so a keyboard or screen-reader user never loses their place. */
(function () {
  "use strict";
  var region = document.getElementById("queue-region");
  var live = document.getElementById("queue-live");
  if (!region || !live || !window.fetch) { return; }
  var url = region.getAttribute("data-refresh-url");
  var INTERVAL = 30000;

  function total(root) {
    var counts = root.querySelector("[data-total]");
    return counts ? counts.getAttribute("data-total") : "0";
  }

  function signature(root) {
    var refs = Array.prototype.map.call(root.querySelectorAll("[data-reference]"),
      function (row) { return row.getAttribute("data-reference"); });
    return total(root) + "|" + refs.join(",");
  }

  function refresh() {
    if (document.hidden || region.contains(document.activeElement)) { return; }
    fetch(url, { credentials: "same-origin", headers: { "X-Auto-Refresh": "1" } })
      .then(function (response) {
        if (response.redirected || !response.ok) { throw new Error("stale session"); }
        return response.text();
      })
      .then(function (html) {
        if (html.trim() === region.innerHTML.trim()) { return; }
        var before = total(region), oldSignature = signature(region);
        region.innerHTML = html;
        var after = total(region);
        if (signature(region) === oldSignature) { return; }
        live.textContent = "Queue updated: " + after + " case" + (after === "1" ? "" : "s") +
          " waiting" + (after !== before ? " (was " + before + ")" : "") + ".";
      })
      .catch(function () { /* keep the current table; the next full load will sign in again */ });
  }
  window.setInterval(refresh, INTERVAL);
})();
