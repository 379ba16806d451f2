/* Borough Insight: a press on any button with data-pick-dimension (a filter-list value, a table row) toggles that
   value, and one with data-pick-remove="true" too (a chip's x) drops the dimension: one delegated listener writes
   {dimension, value, at, remove} to the bi-pick store, and the select callback (selection_state.js) does the
   rest. Buttons, so Enter and Space work as a click does.
   The list is redrawn after a selection: keyboard focus is put back on the same value in the redrawn list. */
(function () {
  function refocus(containerId, dimension, value, old, tries) {
    var container = document.getElementById(containerId);
    var selector = '[data-pick-dimension="' + CSS.escape(dimension) + '"][data-pick-value="' + CSS.escape(value) + '"]';
    var again = container && container.querySelector(selector);
    if (again && again !== old) {
      again.focus({preventScroll: true});
    } else if (tries > 0) {
      window.setTimeout(function () { refocus(containerId, dimension, value, old, tries - 1); }, 100);
    }
  }

  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target.closest("[data-pick-dimension]") : null;
    if (!target || !window.dash_clientside || !window.dash_clientside.set_props) {
      return;
    }
    var dimension = target.getAttribute("data-pick-dimension");
    var value = target.getAttribute("data-pick-value");
    var pick = {dimension: dimension, value: value, at: Date.now()};
    if (target.getAttribute("data-pick-remove") === "true") { pick.remove = true; }
    // an excluded filter value names the other selections that exclude it (docs/selection-rules.md)
    var clears = target.getAttribute("data-pick-clears");
    if (clears) {
      pick.clears = clears.split(",");
      var label = target.querySelector(".filter-label");   // the bar's line names it: "Selecting Apr 2021 cleared …"
      pick.label = (label || target).textContent.trim();
    }
    window.dash_clientside.set_props("bi-pick", {data: pick});
    var container = target.parentElement ? target.parentElement.closest("[id]") : null;
    if (document.activeElement === target && container) {
      refocus(container.id, dimension, value, target, 50);
    }
  });
})();

/* Back and forward in the selection bar are the browser's history. They are disabled where there is no step to
   take within this app: every history entry the app pushes carries its position (biIndex); the furthest
   position is kept for this tab, so Forward is disabled at the newest entry and Back at the first one.
   An entry may also carry a note (biNote): what a click on an excluded value cleared, said in the selection bar
   while that entry is shown, so Back (the entry before) takes the line away with the selection and Forward brings
   both back. The select callback names the note for the address it writes (window.biHistory.noteNext); the
   entry dcc.Location pushes for that address takes it. */
(function () {
  var KEY = "bi-history-max";
  var pending = null;   // {search, note}: the note for the next entry pushed with that query string

  function noteFor(url) {
    var search = new URL(url || "", window.location.href).search;
    var note = pending && pending.search === search ? pending.note : null;
    pending = null;
    return note;
  }

  function position() {
    var state = window.history.state;
    return state && typeof state.biIndex === "number" ? state.biIndex : null;
  }

  function furthest() {
    var stored = parseInt(window.sessionStorage.getItem(KEY) || "0", 10);
    return isNaN(stored) ? 0 : stored;
  }

  function update() {
    var index = position() || 0;
    var props = window.dash_clientside && window.dash_clientside.set_props;
    if (!props || !document.getElementById("selection-back")) {
      window.setTimeout(update, 200);  // the app has not rendered the bar yet
      return;
    }
    props("selection-back", {disabled: index <= 0});
    props("selection-forward", {disabled: index >= furthest()});
  }

  var push = window.history.pushState;
  window.history.pushState = function (state, title, url) {
    var next = (position() || 0) + 1;
    window.sessionStorage.setItem(KEY, String(next));  // a new step drops the entries ahead of it
    var marked = Object.assign({}, state || {}, {biIndex: next});
    var note = noteFor(url);
    if (note) { marked.biNote = note; }
    var result = push.call(window.history, marked, title, url);
    update();
    return result;
  };

  if (position() === null) {
    window.history.replaceState(Object.assign({}, window.history.state || {}, {biIndex: 0}), "");
    window.sessionStorage.setItem(KEY, "0");
  }
  window.addEventListener("popstate", update);
  update();
  window.biHistory = {
    noteNext: function (search, note) { pending = note ? {search: search, note: note} : null; },
    note: function () { return (window.history.state && window.history.state.biNote) || ""; }
  };
})();
