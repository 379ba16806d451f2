/* Borough Insight: server downloads (a budget pack, a table as Excel) fetched with the page staying as it is, and
   said in a status line while they are made ("Preparing the budget monitoring pack (PDF)... 3 s"), then saved under
   the server's file name. A refusal or a failure is the server's own sentence, never a blank page. Links are
   a.report-download with data-report naming what they fetch; without JavaScript they are plain links. */
(function () {
  var STATUS = "download-status";

  function say(text, failed) {
    var status = document.getElementById(STATUS);
    if (!status) { return; }
    status.textContent = text;
    status.className = "download-status" + (text ? " shown" : "") + (failed ? " failed" : "");
  }

  function filenameOf(response, fallback) {
    var match = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") || "");
    return match ? match[1] : fallback;
  }

  function save(blob, filename) {
    var url = URL.createObjectURL(blob);
    var anchor = document.createElement("a");
    anchor.href = url;
    anchor.download = filename;
    document.body.appendChild(anchor);
    anchor.click();
    anchor.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
  }

  function fetchReport(link) {
    var what = link.getAttribute("data-report") || "the file";
    var started = Date.now();
    var seconds = function () { return Math.round((Date.now() - started) / 1000); };
    link.setAttribute("aria-busy", "true");
    say("Preparing " + what + "…");
    var ticking = setInterval(function () { say("Preparing " + what + "… " + seconds() + " s"); }, 1000);
    var done = function () { clearInterval(ticking); link.removeAttribute("aria-busy"); };
    fetch(link.href, {credentials: "same-origin"}).then(function (response) {
      // an ended session is sent to the sign-in page: that page is not the file
      var attached = /attachment/.test(response.headers.get("Content-Disposition") || "");
      if (response.ok && (response.redirected || !attached)) {
        done();
        say("Could not prepare " + what + ": your session has ended. Sign in again (reload the page).", true);
        return null;
      }
      if (!response.ok) {
        var plain = /^text\/plain/.test(response.headers.get("Content-Type") || "");
        return response.text().then(function (text) {
          done();
          say("Could not prepare " + what + ": " + (plain && text ? text : "the server answered " +
              response.status + ". Try again in a minute."), true);
        });
      }
      return response.blob().then(function (blob) {
        done();
        var name = filenameOf(response, "download");
        save(blob, name);
        say("Downloaded " + name + " (" + seconds() + " s).");
      });
    }).catch(function () {
      done();
      say("Could not prepare " + what + ": the server could not be reached. Try again.", true);
    });
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a.report-download") : null;
    if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey) { return; }
    var href = link.getAttribute("href");
    if (!href || href === "#") { event.preventDefault(); return; }   // its address is set with the page's view
    event.preventDefault();
    if (link.getAttribute("aria-busy") === "true") { return; }   // one at a time per link
    fetchReport(link);
  });
})();
