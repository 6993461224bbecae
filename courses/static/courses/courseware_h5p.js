/* Inside the sandboxed frame: plays an H5P package with h5p-standalone and passes its xAPI
 * statements to the lesson page (window.parent, same origin), which commits them. */
(function () {
  "use strict";
  var el = document.getElementById("h5p-container");
  var path = el.getAttribute("data-h5p-path");
  new H5PStandalone.H5P(el, {
    h5pJsonPath: path,
    frameJs: el.getAttribute("data-frame-js"),
    frameCss: el.getAttribute("data-frame-css"),
    frame: false, copyright: false, export: false, embed: false, icon: false
  }).then(function () {
    window.H5P.externalDispatcher.on("xAPI", function (event) {
      var statement = event.data && event.data.statement;
      if (statement) {
        window.parent.postMessage({courseware: "xapi", statement: statement}, window.location.origin);
      }
    });
    window.parent.postMessage({courseware: "ready"}, window.location.origin);
  });
})();
