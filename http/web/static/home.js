// Follows an analysis on its page: the job's events stream (same origin, the
// session cookie authenticates it) updates the status, the progress and each
// stage, and shows the report link once the job completed. Without script
// the page refreshes itself instead.
(function () {
  "use strict";
  var job = document.getElementById("job");
  if (!job || !job.dataset.events || !window.EventSource) {
    return;
  }
  var terminal = { completed: true, failed: true, cancelled: true };

  function setStatus(el, status) {
    el.textContent = status;
    el.className = "status status-" + status;
  }

  function show(j) {
    setStatus(document.getElementById("job-status"), j.status);
    document.getElementById("job-progress").value = j.progress;
    (j.stages || []).forEach(function (st) {
      var row = document.querySelector('[data-stage="' + st.name + '"] .status');
      if (row) {
        setStatus(row, st.status);
      }
    });
    var err = document.getElementById("job-error");
    err.textContent = j.error_message || "";
    err.hidden = !j.error_message;
    document.getElementById("report").hidden = j.status !== "completed";
  }

  var events = new EventSource(job.dataset.events);
  events.addEventListener("job", function (e) {
    var j = JSON.parse(e.data);
    show(j);
    if (terminal[j.status]) {
      events.close(); // the server ends the stream; do not reconnect
    }
  });
})();
