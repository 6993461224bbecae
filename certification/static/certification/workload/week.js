/* The week grid's "add a row": a copy of the empty row, numbered, on the last row's date.
 * Without scripts the link reloads the page with more rows. */
(function () {
  "use strict";
  var form = document.querySelector("[data-week-grid]");
  if (!form) { return; }
  var rows = form.querySelector("[data-rows]");
  var template = form.querySelector("[data-row-template]");
  var total = form.querySelector("input[name$='-TOTAL_FORMS']");
  var add = form.querySelector("[data-add-row]");
  var max = parseInt(form.getAttribute("data-max-rows"), 10) || 40;
  add.addEventListener("click", function (event) {
    event.preventDefault();
    var n = parseInt(total.value, 10);
    if (n >= max) { add.hidden = true; return; }
    var html = template.innerHTML.replace(/__prefix__/g, String(n))
      .replace(/__number__/g, String(n + 1));
    var body = document.createElement("tbody");
    body.innerHTML = html.trim();
    var row = body.firstElementChild;
    var last = rows.lastElementChild;
    var lastDate = last && last.querySelector("select[name$='-date']");
    var date = row.querySelector("select[name$='-date']");
    if (lastDate && date) { date.value = lastDate.value; }
    rows.appendChild(row);
    total.value = String(n + 1);
    if (n + 1 >= max) { add.hidden = true; }
    var first = row.querySelector("select[name$='-activity_type']");
    if (first) { first.focus(); }
  });
})();
