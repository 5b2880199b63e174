"use strict";
(function () {
  var table = document.getElementById("control-table");
  if (table) {
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var fields = ["framework", "domain", "outcome", "owner"];
    var search = document.getElementById("f-search");
    var shown = document.getElementById("shown");
    var apply = function () {
      var wanted = {};
      fields.forEach(function (f) { wanted[f] = document.getElementById("f-" + f).value; });
      var q = search.value.trim().toLowerCase();
      var n = 0;
      rows.forEach(function (row) {
        var ok = fields.every(function (f) { return !wanted[f] || row.dataset[f] === wanted[f]; })
          && (!q || row.textContent.toLowerCase().indexOf(q) !== -1);
        row.hidden = !ok;
        if (ok) { n += 1; }
      });
      shown.textContent = n + " of " + rows.length + " shown";
    };
    fields.forEach(function (f) { document.getElementById("f-" + f).addEventListener("change", apply); });
    search.addEventListener("input", apply);
    document.getElementById("f-reset").addEventListener("click", function () {
      fields.forEach(function (f) { document.getElementById("f-" + f).value = ""; });
      search.value = "";
      apply();
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-goto-domain]"), function (a) {
      a.addEventListener("click", function () {
        document.getElementById("f-framework").value = "iso42001";
        document.getElementById("f-domain").value = a.dataset.gotoDomain;
        apply();
      });
    });
    apply();
  }
  // A link to a control's detail opens it.
  var open = function () {
    var id;
    try { id = decodeURIComponent(location.hash.slice(1)); } catch (e) { return; }
    var el = id && document.getElementById(id);
    if (el && el.tagName === "DETAILS") { el.open = true; }
  };
  window.addEventListener("hashchange", open);
  open();
  // Printing shows every detail.
  window.addEventListener("beforeprint", function () {
    Array.prototype.forEach.call(document.querySelectorAll("details"), function (d) { d.open = true; });
  });
}());
