/* A checked-in teacher's live page beats every minute while it is open and visible; the server
 * counts the time between beats (no faster than its own clock) as time present. */
(function () {
  "use strict";
  var el = document.querySelector("[data-beat-url]");
  if (!el) { return; }
  var url = el.getAttribute("data-beat-url");
  var token = el.getAttribute("data-csrf");
  var every = 1000 * parseInt(el.getAttribute("data-beat-seconds") || "60", 10);
  var minutes = el.querySelector("[data-beat-minutes]");

  function beat() {
    if (document.visibilityState === "hidden") { return; }
    fetch(url, {method: "POST", credentials: "same-origin", headers: {"X-CSRFToken": token}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data && minutes) { minutes.textContent = data.minutes_present; } })
      .catch(function () {});
  }

  beat();
  window.setInterval(beat, every);
  document.addEventListener("visibilitychange", beat);
})();
