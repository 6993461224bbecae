/* Plays a courseware lesson. SCORM: scorm-again's run-time is put on this window (window.API for
 * SCORM 1.2, window.API_1484_11 for SCORM 2004), loaded with the learner's saved state, before the
 * package's frame is given its address; the package's commits go to the server, which keeps them
 * and decides what is credited. H5P: the player frame passes the package's xAPI statements here,
 * and they are committed in SCORM 2004's words. Without a commit address (a preview, or before
 * enrolling) the package plays and nothing is recorded. */
(function () {
  "use strict";
  var box = document.querySelector("[data-courseware]");
  var config = document.getElementById("courseware-config");
  if (!box || !config) { return; }
  var cfg = JSON.parse(config.textContent);
  var frame = box.querySelector("iframe");
  var csrf = box.getAttribute("data-csrf");
  var statusEl = document.querySelector("[data-courseware-status]");
  var timeEl = document.querySelector("[data-courseware-time]");

  function show(data) {
    if (!data) { return; }
    if (data.completed && statusEl) { statusEl.textContent = box.getAttribute("data-done-label") + " ✓"; }
    if (timeEl && typeof data.credited_seconds === "number") {
      timeEl.textContent = String(Math.round(data.credited_seconds / 60));
    }
  }

  function responseHandler(xhr) {
    var ok = xhr && xhr.status >= 200 && xhr.status < 300;
    if (ok) { try { show(JSON.parse(xhr.responseText)); } catch (e) { /* not ours to break */ } }
    return {result: ok ? "true" : "false", errorCode: ok ? 0 : 101};
  }

  var settings = {
    lmsCommitUrl: cfg.commit_url || false,
    autocommit: true,
    autocommitSeconds: 15,
    dataCommitFormat: "json",
    xhrHeaders: {"X-CSRFToken": csrf},
    xhrResponseHandler: responseHandler,
    logLevel: 4
  };

  if (cfg.kind === "scorm12") {
    window.API = new window.Scorm12API(settings);
    window.API.loadFromJSON(cfg.state || {}, "");
  } else if (cfg.kind === "scorm2004") {
    window.API_1484_11 = new window.Scorm2004API(settings);
    window.API_1484_11.loadFromJSON(cfg.state || {}, "");
  } else if (cfg.kind === "h5p") {
    var opened = Date.now();
    var state = {completion_status: cfg.state.completion_status || "incomplete",
                 success_status: cfg.state.success_status || "unknown", score: {}};
    var commit = function () {
      if (!cfg.commit_url) { return; }
      state.session_time = "PT" + Math.round((Date.now() - opened) / 1000) + "S";
      fetch(cfg.commit_url, {
        method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-CSRFToken": csrf},
        body: JSON.stringify({cmi: state})
      }).then(function (r) { return r.ok ? r.json() : null; }).then(show).catch(function () {});
    };
    window.addEventListener("message", function (event) {
      if (event.origin !== window.location.origin || event.source !== frame.contentWindow) { return; }
      var msg = event.data || {};
      if (msg.courseware !== "xapi" || !msg.statement) { return; }
      var s = msg.statement;
      var objectId = (s.object && s.object.id) || "";
      var result = s.result;
      if (!result || objectId.indexOf("subContentId") !== -1) { return; } // a part, not the whole
      if (result.completion === true) { state.completion_status = "completed"; }
      if (result.success === true) { state.success_status = "passed"; }
      else if (result.success === false && state.success_status !== "passed") { state.success_status = "failed"; }
      if (result.score) { state.score = {raw: result.score.raw, scaled: result.score.scaled}; }
      commit();
    });
    window.setInterval(function () { if (document.visibilityState === "visible") { commit(); } }, 30000);
    window.addEventListener("pagehide", commit);
  }
  frame.src = cfg.frame_url;
})();
