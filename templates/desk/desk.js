(function () {
  "use strict";
  // Upload: drop a file on the zone, or pick one; too large a file is refused before sending.
  var form = document.getElementById("upload");
  if (form) {
    var input = document.getElementById("file");
    var drop = document.getElementById("drop");
    var note = document.getElementById("upload-note");
    var limit = parseInt(form.getAttribute("data-limit"), 10);
    var fits = function () {
      var file = input.files && input.files[0];
      if (file && file.size > limit) {
        note.textContent = file.name + " is larger than the desk's limit of " +
          Math.floor(limit / 1048576) + " MB. Split the batch and upload the parts.";
        note.hidden = false;
        return false;
      }
      note.hidden = true;
      return true;
    };
    input.addEventListener("change", fits);
    form.addEventListener("submit", function (event) { if (!fits()) { event.preventDefault(); } });
    ["dragenter", "dragover"].forEach(function (name) {
      drop.addEventListener(name, function (event) { event.preventDefault(); drop.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (name) {
      drop.addEventListener(name, function () { drop.classList.remove("over"); });
    });
    drop.addEventListener("drop", function (event) {
      event.preventDefault();
      if (event.dataTransfer && event.dataTransfer.files.length) {
        input.files = event.dataTransfer.files;
        if (fits()) { form.submit(); }
      }
    });
  }
  // Batch list: progress bars follow the background scrub; the page reloads when one ends.
  var table = document.getElementById("batches");
  if (table && table.querySelector("tr[data-status=queued], tr[data-status=scrubbing]")) {
    var poll = function () {
      fetch("/batches/status.json", {credentials: "same-origin"}).then(function (r) { return r.json(); })
        .then(function (rows) {
          var reload = false;
          rows.forEach(function (row) {
            var tr = table.querySelector('tr[data-batch="' + row.id + '"]');
            if (!tr) { reload = true; return; }
            var bar = tr.querySelector("progress");
            if (bar) { bar.value = row.progress; }
            var st = tr.querySelector(".st");
            if (st) { st.textContent = row.status; }
            var was = tr.getAttribute("data-status");
            if ((was === "queued" || was === "scrubbing") && row.status !== "queued" && row.status !== "scrubbing") {
              reload = true;
            }
          });
          if (reload) { window.location.reload(); } else { window.setTimeout(poll, 500); }
        }).catch(function () { window.setTimeout(poll, 2000); });
    };
    window.setTimeout(poll, 300);
  }
  // Claim page: a typed code is checked as you type against the code set of the claim's dates.
  Array.prototype.forEach.call(document.querySelectorAll(".code-input"), function (field) {
    var out = field.closest("form").querySelector(".check");
    var timer = null;
    var seq = 0;
    field.addEventListener("input", function () {
      Array.prototype.forEach.call(field.closest("form").querySelectorAll("input[name=choice]"), function (r) { r.checked = false; });
      window.clearTimeout(timer);
      var value = field.value.trim();
      if (!value) { out.textContent = ""; out.className = "check muted"; return; }
      timer = window.setTimeout(function () {
        var mine = ++seq;
        var url = field.getAttribute("data-check") + "?code=" + encodeURIComponent(value) +
          "&replacing=" + encodeURIComponent(field.getAttribute("data-replacing") || "");
        fetch(url, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (c) {
          if (mine !== seq) { return; }
          var text = c.shown + (c.title ? " " + c.title : "") + " (" + c.release + ")";
          if (c.ok) {
            out.textContent = "\u2713 " + text + ": billable, no conflict with the claim's other codes";
            out.className = "check ok";
          } else {
            out.textContent = "\u2717 " + (c.title ? text + ": " : "") + c.problems.join("; ") +
              (c.more_specific.length ? ". More specific: " + c.more_specific.join(", ") : "");
            out.className = "check bad";
          }
        });
      }, 200);
    });
  });
  var print = document.getElementById("print");
  if (print) { print.addEventListener("click", function () { window.print(); }); }
}());
