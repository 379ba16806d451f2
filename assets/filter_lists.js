/* Borough Insight: a filter list's search box and keys (docs/selection-rules.md, "Search and keyboard").

   A list is an ARIA multi-select listbox (https://www.w3.org/WAI/ARIA/apg/patterns/listbox/): its values are
   buttons with role="option" and aria-selected, drawn by page_view.js, which calls drawn() after each redraw. One
   value is the list's tab stop (roving tabindex); Up/Down, Home/End and typed first letters move it; Space and
   Enter press the button, so a key toggles a value as a click does (selection.js). Excluded values stay focusable:
   pressing one selects it and clears what excludes it.

   The search box above a list (filters.py filter_list, drawn once, so its text survives the list's redraws)
   hides the values whose label does not contain the text, in the browser: the list already has all its values.
   Enter selects every shown value not already selected, as one pick {dimension, values, clears} (one history
   entry, one request); Escape clears the search. */
(function () {
  var OPTION = '[role="option"]';
  var TYPE_AHEAD_MS = 700;
  var typed = {text: "", at: 0};

  function folded(text) { return String(text || "").toLocaleLowerCase("en-GB").trim(); }

  function labelOf(option) {
    var label = option.querySelector(".filter-label");
    return folded(label ? label.textContent : option.textContent);
  }

  var SEARCH = ".filter-list .filter-search input";   // dcc.Input: its class is on a wrapper

  function searchFor(list) {
    var section = list.closest(".filter-list");
    return section ? section.querySelector(SEARCH) : null;
  }

  function listFor(search) {
    var section = search.closest(".filter-list");
    return section ? section.querySelector(".filter-values") : null;
  }

  function shown(list) {
    return Array.prototype.filter.call(list.querySelectorAll(OPTION), function (o) { return !o.hidden; });
  }

  /* Values whose label contains the text (case-insensitive) are shown, the others hidden. */
  function filter(list, text) {
    var wanted = folded(text);
    Array.prototype.forEach.call(list.querySelectorAll(OPTION), function (option) {
      var hide = wanted !== "" && labelOf(option).indexOf(wanted) < 0;
      if (option.hidden !== hide) { option.hidden = hide; }
    });
    list.classList.toggle("is-searched", wanted !== "");
  }

  /* The one tab stop: the value focused last if still shown, else the first selected, else the first shown. */
  function rove(list, active) {
    var options = shown(list);
    var keep = active && options.indexOf(active) >= 0 ? active : null;
    keep = keep || options.filter(function (o) { return o.getAttribute("aria-selected") === "true"; })[0] || options[0];
    // only what changes: a write of the same value is still a change to the page (a focus after a redraw would
    // touch every option of the list, and the page would not have stopped changing until then)
    Array.prototype.forEach.call(list.querySelectorAll(OPTION), function (o) {
      var stop = o === keep ? "0" : "-1";
      if (o.getAttribute("tabindex") !== stop) { o.setAttribute("tabindex", stop); }
    });
    return keep;
  }

  function moveTo(list, option) {
    if (!option) { return; }
    rove(list, option);
    option.focus();
    list.biActive = option.getAttribute("data-value");
  }

  /* after page_view.js has laid out a list's values: the search still applies, the tab stop stays on its value */
  function drawn(list) {
    var search = searchFor(list);
    filter(list, search ? search.value : "");
    var active = list.biActive ? list.querySelector('[data-value="' + CSS.escape(list.biActive) + '"]') : null;
    rove(list, active);
  }

  /* One pick of every shown value not already selected (real values before named ones); an excluded one brings the selections that exclude it */
  function pickMatches(list) {
    var fresh = shown(list).filter(function (o) { return o.getAttribute("data-state") !== "selected"; });
    // a named value ('@kentish-town') covers real values the search also shows: those, not both, unless only
    // named values match ('last' finds the relative periods alone)
    var real = fresh.filter(function (o) { return (o.getAttribute("data-value") || "").charAt(0) !== "@"; });
    if (real.length) { fresh = real; }
    if (!fresh.length || !window.dash_clientside || !window.dash_clientside.set_props) { return false; }
    var clears = Object.create(null);
    fresh.forEach(function (o) {
      (o.getAttribute("data-pick-clears") || "").split(",").filter(Boolean).forEach(function (d) { clears[d] = true; });
    });
    var pick = {dimension: list.getAttribute("data-dimension"), at: Date.now(),
                values: fresh.map(function (o) { return o.getAttribute("data-pick-value"); })};
    if (Object.keys(clears).length) { pick.clears = Object.keys(clears); }
    window.dash_clientside.set_props("bi-pick", {data: pick});
    return true;
  }

  /* the next shown value whose label starts with what was typed within TYPE_AHEAD_MS, after the focused one */
  function typeAhead(list, current, key) {
    var now = Date.now();
    typed.text = (now - typed.at < TYPE_AHEAD_MS ? typed.text : "") + folded(key);
    typed.at = now;
    var options = shown(list);
    var start = options.indexOf(current);
    var ordered = options.slice(start + 1).concat(options.slice(0, start + 1));
    if (typed.text.length > 1) { ordered = options.slice(start).concat(options.slice(0, start)); }
    return ordered.filter(function (o) { return labelOf(o).indexOf(typed.text) === 0; })[0];
  }

  function onListKey(event, list, option) {
    var options = shown(list);
    var at = options.indexOf(option);
    var next = {ArrowDown: options[at + 1], ArrowUp: options[at - 1], Home: options[0],
                End: options[options.length - 1]}[event.key];
    if (event.key in {ArrowDown: 1, ArrowUp: 1, Home: 1, End: 1}) {
      event.preventDefault();
      if (event.key === "ArrowUp" && at === 0 && searchFor(list)) { searchFor(list).focus(); return; }
      moveTo(list, next);
    } else if (event.key.length === 1 && event.key !== " " && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      moveTo(list, typeAhead(list, option, event.key));
    }
  }

  function onSearchKey(event, search, list) {
    if (event.key === "Enter") {
      event.preventDefault();
      pickMatches(list);
    } else if (event.key === "Escape" && search.value) {
      event.preventDefault();
      // through the value's own setter and an input event, so React's copy of the value (dcc.Input) is emptied too
      Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value").set.call(search, "");
      search.dispatchEvent(new Event("input", {bubbles: true}));
    } else if (event.key === "ArrowDown") {
      event.preventDefault();
      moveTo(list, rove(list, null));
    }
  }

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (!target.closest) { return; }
    var search = target.closest(SEARCH);
    var list = search ? listFor(search) : null;
    if (list) { onSearchKey(event, search, list); return; }
    var option = target.closest(".filter-values " + OPTION);
    if (option) { onListKey(event, option.closest(".filter-values"), option); }
  });

  document.addEventListener("input", function (event) {
    var search = event.target.closest ? event.target.closest(SEARCH) : null;
    var list = search ? listFor(search) : null;
    if (list) { filter(list, search.value); rove(list, null); }
  });

  // a click (or Space/Enter) on a value makes it the list's tab stop, so the redrawn list keeps focus there
  document.addEventListener("focusin", function (event) {
    var option = event.target.closest ? event.target.closest(".filter-values " + OPTION) : null;
    if (option) { var list = option.closest(".filter-values"); list.biActive = option.getAttribute("data-value"); rove(list, option); }
  });

  window.biFilterLists = {drawn: drawn, filter: filter};
})();
