// The imports page: while an upload's check or import waits or runs in the background (reports/tasks.py), fetch
// its page again every two seconds and swap in the new state of its section, until it has ended. Only that
// section changes: the rest of the page, a form half filled in, stays as it is.
(function () {
  "use strict";
  var DELAY = 2000;

  function follow() {
    var section = document.getElementById("import-run");
    var url = section && section.getAttribute("data-refresh-url");
    if (!url) {
      return;
    }
    window.setTimeout(function () {
      fetch(url, { credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) {
            throw new Error("HTTP " + response.status);
          }
          return response.text();
        })
        .then(function (html) {
          var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("import-run");
          if (fresh) {  // signed out meanwhile: the sign-in page has no such section, and following stops
            section.replaceWith(fresh);
            follow();
          }
        })
        .catch(follow);  // the server restarting, say: try again
    }, DELAY);
  }

  follow();
})();
