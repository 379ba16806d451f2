/* Borough Insight: a press on any button with data-pick-dimension (a filter-list value, a table row) toggles that
   value: one delegated listener writes {dimension, value, at} to the bi-pick store, and the app's select callback
   does the rest (dashboards/components/selection.py). Buttons, so Enter and Space work as a click does.
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
    window.dash_clientside.set_props("bi-pick", {data: {dimension: dimension, value: value, at: Date.now()}});
    var container = target.parentElement ? target.parentElement.closest("[id]") : null;
    if (document.activeElement === target && container) {
      refocus(container.id, dimension, value, target, 50);
    }
  });
})();
