/* Borough Insight: the selection, worked out in the browser, so that a click becomes a selection with no trip to
   the server. The state is {dimension: [values]}, normalised exactly as query/selections.py normalises it (sorted
   dimensions, sorted unique text values, no empty lists), and the URL's query string is its one source of truth:
   `?financial_year=2025-26&ward=Belsize`, written as Python's urlencode(quote_via=quote, safe="") writes it, so the
   browser and the server agree on a view's address and cache key. tests/dashboards/test_components.py runs these
   functions in Chromium against the Python ones (the selection_js fixture).

   A chart point names what it selects in its customdata: [value, {dimension: value}], or for a heat-map cell the
   JSON text of {row dimension: value, column dimension: value}, written by the server when it builds the figure
   (dashboards/components/selection.py point_data, cards.heatmap_figure). */
(function () {
  function byCodePoint(a, b) { return a < b ? -1 : (a > b ? 1 : 0); }

  function normalise(state) {
    var result = {};
    Object.keys(state || {}).sort(byCodePoint).forEach(function (dimension) {
      var values = state[dimension];
      if (values === null || values === undefined) { return; }
      if (!Array.isArray(values)) { values = [values]; }
      var seen = Object.create(null);
      values.forEach(function (value) {
        if (value !== null && value !== undefined && String(value) !== "") { seen[String(value)] = true; }
      });
      var cleaned = Object.keys(seen).sort(byCodePoint);
      if (cleaned.length) { result[String(dimension)] = cleaned; }
    });
    return result;
  }

  function has(state, dimension, value) {
    return (state[dimension] || []).indexOf(String(value)) >= 0;
  }

  function withValues(state, dimension, values) {
    var next = Object.assign({}, state);
    next[dimension] = values;
    return normalise(next);
  }

  function toggle(state, dimension, value) {
    var current = normalise(state);
    var values = (current[dimension] || []).slice();
    var at = values.indexOf(String(value));
    if (at >= 0) { values.splice(at, 1); } else { values.push(String(value)); }
    return withValues(current, dimension, values);
  }

  /* A heat-map cell names two values: select both, or unselect both when both are already selected. */
  function toggleTogether(state, pairs) {
    var current = normalise(state);
    var all = pairs.every(function (pair) { return has(current, pair[0], pair[1]); });
    pairs.forEach(function (pair) {
      var values = (current[pair[0]] || []).slice();
      if (all) {
        values = values.filter(function (v) { return v !== String(pair[1]); });
      } else {
        values.push(String(pair[1]));
      }
      current = withValues(current, pair[0], values);
    });
    return current;
  }

  function remove(state, dimension) {
    var current = normalise(state);
    delete current[dimension];
    return current;
  }

  /* Python's quote(safe=""): encodeURIComponent, and also !'()* */
  function quote(text) {
    return encodeURIComponent(text).replace(/[!'()*]/g, function (c) {
      return "%" + c.charCodeAt(0).toString(16).toUpperCase();
    });
  }

  function toQueryString(state) {
    var pairs = [];
    var current = normalise(state);
    Object.keys(current).forEach(function (dimension) {
      current[dimension].forEach(function (value) { pairs.push(quote(dimension) + "=" + quote(value)); });
    });
    return pairs.join("&");
  }

  function searchFromState(state) {
    var text = toQueryString(state);
    return text ? "?" + text : "";
  }

  /* Keys that are not dimensions (another page's parameter, a dimension renamed since the bookmark) are dropped. */
  function fromQueryString(search, dimensions) {
    var grouped = Object.create(null);
    new URLSearchParams((search || "").replace(/^\?/, "")).forEach(function (value, key) {
      (grouped[key] = grouped[key] || []).push(value);
    });
    var state = normalise(grouped);
    if (dimensions) {
      Object.keys(state).forEach(function (key) { if (dimensions.indexOf(key) < 0) { delete state[key]; } });
    }
    return state;
  }

  /* A page's default selection (query/selections.py: removed_defaults, with_defaults, search_for): applied only
     when none of its dimensions is selected or removed; `all=<dimension>` in the URL says a default was removed. */
  var REMOVED_KEY = "all";

  function removedDefaults(search) {
    var seen = Object.create(null);
    new URLSearchParams((search || "").replace(/^\?/, "")).forEach(function (value, key) {
      if (key === REMOVED_KEY && value) { seen[value] = true; }
    });
    return Object.keys(seen).sort(byCodePoint);
  }

  function withDefaults(state, removed, defaults) {
    var current = normalise(state);
    var wanted = normalise(defaults);
    var names = Object.keys(wanted);
    var touched = names.some(function (d) { return d in current || (removed || []).indexOf(d) >= 0; });
    if (!names.length || touched) { return current; }
    return normalise(Object.assign({}, current, wanted));
  }

  function searchFor(state, removed, defaults) {
    var current = normalise(state);
    var names = Object.keys(normalise(defaults));
    var marked = Object.create(null);
    (removed || []).forEach(function (d) { marked[d] = true; });
    if (names.length && !names.some(function (d) { return d in current; })) {
      names.forEach(function (d) { marked[d] = true; });
    }
    var extra = Object.keys(marked).filter(function (d) { return !(d in current); }).sort(byCodePoint)
      .map(function (d) { return quote(REMOVED_KEY) + "=" + quote(d); });
    return [toQueryString(current)].concat(extra).filter(Boolean).join("&");
  }

  /* A click while the page still shows exactly its defaults, on another value of one of their dimensions: that
     value replaces the default and the other defaults are let go (selections.py pick_over_defaults). */
  function pickOverDefaults(state, dimension, value, defaults) {
    var current = normalise(state);
    var wanted = normalise(defaults);
    var names = Object.keys(wanted);
    var untouched = names.length > 0 && names.every(function (d) {
      return (current[d] || []).join("\u0000") === wanted[d].join("\u0000");   // both sorted by normalise
    });
    var same = wanted[dimension] && wanted[dimension].length === 1 && wanted[dimension][0] === String(value);
    if (untouched && wanted[dimension] && !same) {
      var kept = {};
      Object.keys(current).forEach(function (d) { if (!(d in wanted)) { kept[d] = current[d]; } });
      kept[dimension] = [String(value)];
      return normalise(kept);
    }
    return toggle(current, dimension, value);
  }

  /* the defaults of the page at this path ({path: {dimension: [values]}} in the selection config) */
  function pageDefaults(config, pathname) {
    var path = (pathname || "/").replace(/\/+$/, "") || "/";
    return ((config && config.defaults) || {})[path] || {};
  }

  /* The (dimension, value) pairs a click selects: the object at the end of the first point's customdata that has one
     (a ward map's outline draws over the areas but is never clicked). */
  function pointPairs(clickData) {
    var named = null;
    ((clickData && clickData.points) || []).some(function (point) {
      var custom = point && point.customdata;
      var last = Array.isArray(custom) && custom.length ? custom[custom.length - 1] : null;
      if (typeof custom === "string" && custom.charAt(0) === "{") {
        try { last = JSON.parse(custom); } catch (error) { last = null; }  // a heat-map cell: the pick as JSON
      }
      named = last && typeof last === "object" && !Array.isArray(last) ? last : null;
      return named !== null;
    });
    if (!named) { return []; }
    return Object.keys(named).filter(function (dimension) {
      return named[dimension] !== null && named[dimension] !== undefined && named[dimension] !== "";
    }).map(function (dimension) { return [dimension, String(named[dimension])]; });
  }

  /* Qlik's rule for an excluded value (docs/selection-rules.md): it is selected and the selections in the other
     dimensions that exclude it are cleared. The server names them when it draws the list (filter_values_sql's
     clears); this is the one place the rule is applied. */
  function clearOthers(state, clears, dimension) {
    var next = normalise(state);
    (clears || []).forEach(function (other) { if (other !== dimension) { delete next[other]; } });
    return next;
  }

  /* The selection bar's line after a click on an excluded value: "Selecting Apr 2021 cleared Financial year
     2026-27" ("…cleared Financial year 2026-27 and Ward Belsize"); "" when it cleared nothing. `cleared`:
     [{label, values}] as the chips showed them. It describes what nextState did; it applies nothing. */
  function clearedNote(label, cleared) {
    if (!cleared || !cleared.length) { return ""; }
    var parts = cleared.map(function (c) { return c.label + " " + c.values; });
    var listed = parts.length > 1 ? parts.slice(0, -1).join(", ") + " and " + parts[parts.length - 1] : parts[0];
    return "Selecting " + label + " cleared " + listed;
  }

  /* the dimensions a pick on `dimension` took out of the selection (before -> after) */
  function clearedBy(before, after, dimension) {
    return Object.keys(before).filter(function (d) { return d !== dimension && !after[d]; });
  }

  /* Several values of one dimension added at once (a list search's matches): those not selected yet, the first
     as a click would pick it (over the page's defaults), the rest beside it; null when all are selected. */
  function pickMany(state, dimension, values, defaults) {
    var current = normalise(state);
    var fresh = values.map(String).filter(function (v) { return v !== "" && !has(current, dimension, v); });
    if (!fresh.length) { return null; }
    var next = pickOverDefaults(current, dimension, fresh[0], defaults);
    return withValues(next, dimension, (next[dimension] || []).concat(fresh.slice(1)));
  }

  /* The state after one event, or null when it changes nothing. `event` is {pick: {dimension, value, remove, clears}},
     {clear: true} or {click: clickData}; `defaults`: the page's (a click on the default view starts from there). */
  function nextState(state, event, defaults) {
    if (event.clear) { return {}; }
    if (event.pick) {
      var pick = event.pick;
      if (!pick.dimension) { return null; }
      if (pick.remove) { return remove(state, pick.dimension); }
      if (Array.isArray(pick.values)) {   // a list search's Enter: its matches, one pick (filter_lists.js)
        var many = pickMany(state, pick.dimension, pick.values, defaults);
        return many && clearOthers(many, pick.clears, pick.dimension);
      }
      if (pick.value === null || pick.value === undefined) { return null; }
      return clearOthers(pickOverDefaults(state, pick.dimension, pick.value, defaults), pick.clears, pick.dimension);
    }
    if (event.click) {
      var pairs = pointPairs(event.click);
      if (!pairs.length) { return null; }
      return pairs.length === 1 ? pickOverDefaults(state, pairs[0][0], pairs[0][1], defaults)
                                : toggleTogether(state, pairs);
    }
    return null;
  }

  window.biSelection = {
    normalise: normalise, toggle: toggle, toggleTogether: toggleTogether, remove: remove,
    toQueryString: toQueryString, searchFromState: searchFromState, fromQueryString: fromQueryString,
    pointPairs: pointPairs, nextState: nextState, removedDefaults: removedDefaults, withDefaults: withDefaults,
    searchFor: searchFor, pageDefaults: pageDefaults, clearOthers: clearOthers, clearedNote: clearedNote,
    clearedBy: clearedBy, pickMany: pickMany, shown: shown, pickOverDefaults: pickOverDefaults
  };

  function triggeredEvent() {
    var triggered = (window.dash_clientside.callback_context.triggered || [])[0];
    if (!triggered || !triggered.value) { return null; }  // a new component (n_clicks, clickData null): no click
    var id = triggered.prop_id.slice(0, triggered.prop_id.lastIndexOf("."));
    if (id === "bi-pick") {   // a button's pick, or a click on a card's chart (page_view.js)
      return triggered.value.click ? {click: triggered.value.click} : {pick: triggered.value};
    }
    if (id === "selection-clear") { return {clear: true}; }
    if (id.charAt(0) === "{") { return {click: triggered.value}; }
    return null;
  }

  /* what the page at this URL shows: the URL's selection with the page's defaults, and the removed defaults */
  function shown(pathname, search, config) {
    var defaults = pageDefaults(config, pathname);
    var removed = removedDefaults(search);
    var state = withDefaults(fromQueryString(search, config && config.dimensions), removed, defaults);
    return {state: state, removed: removed, defaults: defaults};
  }

  /* what the chips showed for each dimension an excluded click cleared (the line names them as the bar did) */
  function chipsOf(dimensions) {
    return dimensions.map(function (dimension) {
      var chip = document.querySelector('#selection-chips .chip[data-dimension="' + CSS.escape(dimension) + '"]');
      var label = chip && chip.querySelector(".chip-dimension");
      var values = chip && chip.querySelector(".chip-values");
      return {label: label ? label.textContent.replace(/:\s*$/, "") : dimension,
              values: values ? values.textContent : ""};
    });
  }

  /* the note the history entry of an excluded click carries (selection.js biHistory): what it cleared */
  function noteCleared(event, before, after, search) {
    var pick = event.pick;
    if (!pick || !pick.clears || !window.biHistory) { return; }
    var label = pick.label || (pick.values ? pick.values.length + " values" : pick.value);
    window.biHistory.noteNext(search, clearedNote(label, chipsOf(clearedBy(before, after, pick.dimension))));
  }

  /* the URL's view choices, not selections, kept as they are: a card's "Show" (show-<card>=<measure>) and a
     list's order (order-<dimension>=count), both written by assets/page_view.js */
  function shownCharts(search) {
    return (search || "").replace(/^\?/, "").split("&").filter(function (pair) { return /^(show|order)-/.test(pair); })
      .join("&");
  }

  var clientside = window.dash_clientside = window.dash_clientside || {};
  clientside.selection = {
    /* a pick, a chart click or "Clear all" -> the next URL query string (the store and the page follow it) */
    select: function (_pick, _clicks, _clear, search, pathname, config) {
      var noUpdate = window.dash_clientside.no_update;
      var event = triggeredEvent();
      if (!event) { return noUpdate; }
      var view = shown(pathname, search, config);
      // "Clear all" goes back to the page's default selection (none on most pages)
      var next = event.clear ? normalise(view.defaults) : nextState(view.state, event, view.defaults);
      if (next === null) { return noUpdate; }
      var text = searchFor(next, event.clear ? [] : view.removed, view.defaults);
      text = [text, shownCharts(search)].filter(Boolean).join("&");   // a card's "Show", a list's order stay
      text = text ? "?" + text : "";
      if (text === (search || "")) { return noUpdate; }
      noteCleared(event, view.state, next, text);
      return text;
    },
    /* the URL changed (a selection, back or forward, a link): the store follows what the page shows (its query
       string with the page's defaults), unless that is the selection already (a new page, same selection: the
       page asks for its own view); the nav too */
    follow: function (pathname, search, ids, config, current) {
      var view = shown(pathname, search, config);
      var same = current && toQueryString(current) === toQueryString(view.state);
      var store = same ? window.dash_clientside.no_update : view.state;
      // the links carry what the page shows: a default applied here is a selection on the next page too
      var explicit = searchFor(view.state, view.removed, view.defaults);
      return [store].concat(clientside.selection.nav(pathname, explicit ? "?" + explicit : "", ids));
    },
    /* every nav link keeps the selection (it follows to the other pages); the current page's is active */
    nav: function (pathname, search, ids) {
      var current = (pathname || "/").replace(/\/+$/, "") || "/";
      return [
        ids.map(function (id) { return id.path + (search || ""); }),
        ids.map(function (id) { return (id.path.replace(/\/+$/, "") || "/") === current; }),
        "/" + (search || "")
      ];
    }
  };
})();
