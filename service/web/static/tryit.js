// The try-it page: read the chosen sample (or the dropped file), post it to $localize-root,
// and open the stored result as a page. No inline script: the page's CSP allows only files
// from this service. Nothing from the exam goes into a URL: only the result id does.
"use strict";
(function () {
  var form = document.getElementById("tryit");
  var fileInput = document.getElementById("file");
  var drop = document.getElementById("drop");
  var statusBox = document.getElementById("status");
  var fileName = document.getElementById("file-name");
  var dropped = null;

  function say(text, kind) {
    statusBox.textContent = text;
    statusBox.className = "status " + (kind || "");
  }

  function chooseFile(file) {
    dropped = file;
    fileName.textContent = file ? "Chosen: " + file.name : "";
    document.getElementById("sample-file").checked = Boolean(file);
  }

  fileInput.addEventListener("change", function () { chooseFile(fileInput.files[0] || null); });
  ["dragenter", "dragover"].forEach(function (name) {
    drop.addEventListener(name, function (event) {
      event.preventDefault();
      drop.classList.add("over");
    });
  });
  ["dragleave", "drop"].forEach(function (name) {
    drop.addEventListener(name, function () { drop.classList.remove("over"); });
  });
  drop.addEventListener("drop", function (event) {
    event.preventDefault();
    if (event.dataTransfer && event.dataTransfer.files.length) {
      chooseFile(event.dataTransfer.files[0]);
    }
  });

  function body() {
    var chosen = form.querySelector("input[name=sample]:checked");
    if (chosen && chosen.value) {
      return fetch("/samples/" + encodeURIComponent(chosen.value) + ".json")
        .then(function (r) {
          if (!r.ok) { throw new Error("the sample could not be read (" + r.status + ")"); }
          return r.text();
        });
    }
    if (!dropped) { return Promise.reject(new Error("choose a sample or a file first")); }
    return dropped.text();
  }

  function problem(outcome) {
    var issues = (outcome && outcome.issue) || [];
    return issues.map(function (issue) {
      var where = (issue.expression || []).join(", ");
      return (issue.diagnostics || issue.code) + (where ? " (at " + where + ")" : "");
    }).join("; ");
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    say("Posting…", "busy");
    body().then(function (text) {
      return fetch("/fhir/ClinicalImpression/$localize-root", {
        method: "POST",
        headers: {"Content-Type": "application/fhir+json", "Accept": "application/fhir+json"},
        body: text
      });
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (answer) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status + ": " + (problem(answer) || "the service refused the exam"));
        }
        if (!answer || !answer.id) {
          say("Done, but this server keeps no results (storage is off): " + (answer && answer.summary), "ok");
          return;
        }
        say("Done: opening the result…", "ok");
        window.location.assign("/fhir/ClinicalImpression/" + encodeURIComponent(answer.id) + "?_format=html");
      });
    }).catch(function (error) {
      say("Not posted: " + error.message, "error");
    });
  });
})();
