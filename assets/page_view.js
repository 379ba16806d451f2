/* Borough Insight: lays out a page's view (dashboards/components/page_view.py) in the layout drawn once.

   The server sends every KPI tile, filter list and chart card of the page as plain data in one response; this
   makes their elements with the DOM (textContent and setAttribute only: no text is ever parsed as HTML) inside
   containers that Dash drew empty and never redraws, and draws each card's figure with plotly.js. So the Dash
   renderer has a few fixed components to track instead of one per filter value and table cell, which is what made
   a selection slow in the browser.

   Charts are drawn here rather than through dcc.Graph: a figure handed to a dcc.Graph is a prop the renderer
   tracks, every graph of the page re-renders while the callback that feeds them runs (its loading state), and each
   redraw is followed by a resize that settles only 100 ms later. Here a chart the selection did not change is not
   touched at all, and a click on a chart goes to the select callback as a pick ({click}), as a button's does.

   Tables sort here, with no request: a press on a column heading sorts by it (numbers largest first, names A-Z),
   again flips it; the sort is kept for the card while the page is open. "View as table" is made when opened. */
(function () {
  var sorts = Object.create(null);    // card id -> {col, desc}
  var tables = Object.create(null);   // card id -> the table data of its latest view

  function el(tag, props, children) {
    var node = document.createElement(tag);
    Object.keys(props || {}).forEach(function (key) {
      var value = props[key];
      if (value === null || value === undefined || value === false) { return; }
      if (key === "text") { node.textContent = value; } else if (key === "className") { node.className = value; } else {
        node.setAttribute(key, value === true ? "" : String(value));
      }
    });
    (children || []).forEach(function (child) {
      if (child !== null && child !== undefined) {
        node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
      }
    });
    return node;
  }

  function put(id, nodes) {
    var container = document.getElementById(id);
    if (container) { container.replaceChildren.apply(container, nodes.filter(Boolean)); }
    return container;
  }

  function show(id, visible) {
    var node = document.getElementById(id);
    if (node) { node.hidden = !visible; }
  }

  /* The wrapper keeps the figure's height while plotly.js loads or redraws, so the page does not jump. */
  function fitGraph(id, figure) {
    var wrapper = document.getElementById(id);
    var height = figure && figure.layout && figure.layout.height;
    if (wrapper) { wrapper.style.height = height ? height + "px" : ""; }
  }

  function errorMessage(text) {
    return el("p", {className: "error-message", role: "alert", text: text});
  }

  function pickButton(dimension, value, label, selected) {
    return el("button", {className: "row-pick", type: "button", title: "Select " + label,
                         "data-pick-dimension": dimension, "data-pick-value": value,
                         "aria-pressed": selected ? "true" : "false", text: label});
  }

  /* ---- the selection bar ---- */
  function chips(view) {
    if (view.error) { put("selection-chips", [errorMessage(view.error)]); return; }
    var items = view.chips.map(function (chip) {
      var parts = [el("span", {className: "chip-dimension", text: chip.label + ": "}),
                   el("span", {className: "chip-values", text: chip.values})];
      if (!chip.applicable) { parts.push(el("span", {className: "chip-na", text: " (not applicable here)"})); }
      if (chip["default"]) { parts.push(el("span", {className: "chip-default", text: " (default)"})); }
      parts.push(el("button", {className: "chip-remove", type: "button", title: "Remove the " + chip.label + " selection",
                               "data-pick-dimension": chip.dimension, "data-pick-value": "", "data-pick-remove": "true",
                               "aria-label": "Remove " + chip.label + ": " + chip.values, text: "×"}));
      return el("span", {className: "chip" + (chip.applicable ? "" : " chip-not-applicable"),
                         "data-dimension": chip.dimension, "data-applicable": chip.applicable ? "true" : "false"},
                parts);
    });
    if (!items.length) { items.push(el("span", {className: "selection-none", text: view.none})); }
    if (view.default_note) {
      items.push(el("span", {className: "selection-default-note", id: "selection-default-note",
                             text: view.default_note}));
    }
    if (view.path) {
      items.push(el("span", {className: "selection-path", id: "selection-path"}, ["Drill path: ", view.path]));
    }
    put("selection-chips", items);
    clearedLine();
  }

  /* What the click that made this history entry cleared (selection.js keeps it on the entry), or nothing: drawn
     with the chips, so Back takes the line away with the selection it describes. */
  function clearedLine() {
    var line = document.getElementById("selection-cleared");
    var note = window.biHistory ? window.biHistory.note() : "";
    if (line && line.textContent !== note) { line.textContent = note; }
  }

  /* ---- server downloads: their addresses carry the selection shown ---- */
  function links(hrefs) {
    Object.keys(hrefs).forEach(function (id) {
      var link = document.getElementById(id);
      if (link) { link.setAttribute("href", hrefs[id]); }
    });
  }

  /* ---- KPI tiles ---- */
  function tile(view) {
    var body = view.id + "-body";
    if (view.error) { put(body, [errorMessage(view.error)]); return; }
    // no rows at all: the words, no figure and no status (a 0 "On target" would be read as good news)
    put(body, [
      el("h3", {className: "kpi-label", text: view.label}),
      el("p", {className: "kpi-value" + (view.no_data ? " kpi-no-data" : ""), id: view.id + "-value",
               text: view.value}),
      view.based_on ? el("p", {className: "kpi-base small" + (view.based_on.few ? " base-few" : ""),
                               "data-base": view.based_on.n, text: view.based_on.text}) : null,
      el("p", {className: "kpi-status"}, [
        view.no_data ? null : el("span", {className: "rag rag-" + view.rag, "data-rag": view.rag, text: view.status}),
        el("span", {className: "kpi-target", text: view.target})]),
      el("p", {className: "kpi-direction", text: view.direction}),
      view.spark ? el("img", {className: "kpi-spark", src: view.spark.src, alt: view.spark.alt,
                              title: view.spark.alt}) : null,
      view.not_applicable ? el("p", {className: "not-applicable small", text: view.not_applicable}) : null
    ]);
  }

  /* ---- filter lists ---- */
  /* A list's order (docs/selection-rules.md): selected, then possible, then excluded, each by name (the server's
     order, the default) or, with order-<dimension>=count in the URL, by count, largest first (excluded values have
     none: by name). Named values stay first. Sorted here: the list has its counts, so no request. */
  var ORDER_KEY = "order-";
  var STATE_RANK = {selected: 0, possible: 1, excluded: 2};
  var drawnLists = {};   // each list's last view, to redraw it in another order

  function listOrder(dimension, search) {
    var params = new URLSearchParams(search === undefined ? location.search : search);
    return params.get(ORDER_KEY + dimension) === "count" ? "count" : "name";
  }

  function orderedValues(values, by) {
    if (by !== "count") { return values; }
    function key(v) { return v.named ? [0, 0, 0] : [1, STATE_RANK[v.state], -(v.n || 0)]; }
    return values.map(function (v, i) { return {v: v, key: key(v).concat([i])}; }).sort(function (a, b) {
      for (var k = 0; k < a.key.length; k++) { if (a.key[k] !== b.key[k]) { return a.key[k] - b.key[k]; } }
      return 0;
    }).map(function (entry) { return entry.v; });
  }

  function showOrder(list, by) {
    var section = list.closest(".filter-list");
    var control = section && section.querySelector("button[data-order-key]");
    if (control) { control.setAttribute("aria-pressed", by === "count" ? "true" : "false"); }
  }

  /* every list drawn again in the order the URL (or `search`, about to be the URL) names */
  function redrawLists(search) {
    Object.keys(drawnLists).forEach(function (id) {
      if (document.getElementById(id)) { filterList(drawnLists[id], search); }
    });
  }

  function filterList(view, search) {
    if (view.error) { put(view.id, [errorMessage(view.error)]); return; }
    drawnLists[view.id] = view;
    var by = listOrder(view.dimension, search);
    var buttons = orderedValues(view.values, by).map(function (v) {
      // an option of the list's listbox (filter_lists.js: its keys, its search, its one tab stop)
      return el("button", {className: "filter-value state-" + v.state, type: "button", title: v.title,
                           role: "option", tabindex: "-1", "aria-selected": v.state === "selected" ? "true" : "false",
                           "data-pick-dimension": view.dimension, "data-pick-value": v.pick || v.value,
                           "data-pick-clears": v.clears || null, "data-state": v.state, "data-value": v.value},
                [el("span", {className: "filter-label", text: v.label}),
                 v.state === "excluded" ? el("span", {className: "visually-hidden", text: " (excluded)"})
                                        : el("span", {className: "filter-count", text: v.count})]);
    });
    if (!buttons.length) { buttons.push(el("p", {className: "small", text: "No values."})); }
    if (view.truncated) { buttons.push(el("p", {className: "small", text: "Only the first values are listed."})); }
    var list = put(view.id, buttons);
    if (list) { showOrder(list, by); }
    if (list && window.biFilterLists) { window.biFilterLists.drawn(list); }
  }

  /* ---- tables ---- */
  /* a share's or an average's n beside it ("n=8"), marked "few" under the layer's small_base */
  function baseNode(base) {
    if (!base) { return null; }
    return el("span", {className: "cell-base small" + (base.few ? " base-few" : ""), title: base.text,
                       "data-base": base.n, text: " (n=" + base.n.toLocaleString("en-GB") + (base.few ? ", few)" : ")")});
  }

  function cellNodes(cell) {
    if (!cell.rag) { return [cell.text, baseNode(cell.base)]; }
    // the word, not colour alone, says the status (WCAG 1.4.1)
    return [cell.text, baseNode(cell.base), " ",
            el("span", {className: "rag rag-" + cell.rag, "data-rag": cell.rag, text: cell.rag_text})];
  }

  function compare(a, b) {
    if (typeof a === "number" && typeof b === "number") { return a - b; }
    a = String(a); b = String(b);
    return a < b ? -1 : (a > b ? 1 : 0);
  }

  /* Rows by a column: present values in order (reversed when descending), empty ones last, ties as they came. */
  function sortedRows(table, sort) {
    var at = table.columns.findIndex(function (c) { return c.key === sort.col; });
    if (at < 0) { return table.rows.slice(); }
    var present = table.rows.filter(function (r) { return r.cells[at].sort !== null && r.cells[at].sort !== undefined; });
    var missing = table.rows.filter(function (r) { return r.cells[at].sort === null || r.cells[at].sort === undefined; });
    present.sort(function (x, y) {
      var order = compare(x.cells[at].sort, y.cells[at].sort);
      return sort.desc ? -order : order;
    });
    return present.concat(missing);
  }

  function nextSort(sort, col) {
    if (sort && sort.col === col) { return {col: col, desc: !sort.desc}; }
    return {col: col, desc: col !== "label"};
  }

  function bodyRow(table, row) {
    return el("tr", {className: row.selected ? "table-active" : null}, table.columns.map(function (column, i) {
      var cell = row.cells[i];
      if (column.key === "label") {
        return el("th", {scope: "row"}, [pickButton(table.dimension, row.value, cell.text, row.selected)]);
      }
      return el("td", {className: column.numeric ? "text-end" : null}, cellNodes(cell));
    }));
  }

  function sortableTable(cardId, title) {
    var table = tables[cardId];
    var sort = sorts[cardId] || table.sort;
    var head = table.columns.map(function (column) {
      var direction = sort.col === column.key ? (sort.desc ? "descending" : "ascending") : "none";
      var arrow = {ascending: " ▲", descending: " ▼", none: ""}[direction];
      return el("th", {scope: "col", className: column.key === "label" ? null : "text-end", "aria-sort": direction},
                [el("button", {className: "sort-button", type: "button", title: "Sort by " + column.heading,
                               "data-sort-card": cardId, "data-sort-col": column.key, text: column.heading + arrow})]);
    });
    var rows = sortedRows(table, sort).map(function (row) { return bodyRow(table, row); });
    var node = el("table", {className: "table table-sm caption-top mb-1", id: cardId + "-rows"}, [
      el("caption", {text: title + " (select a column heading to sort)"}),
      el("thead", {}, [el("tr", {}, head)]), el("tbody", {}, rows)]);
    return el("div", {className: "table-responsive sortable-table", tabindex: "0", role: "region",
                      "aria-label": title}, [node]);
  }

  function plainTable(table) {
    var head = table.columns.map(function (column) {
      return el("th", {scope: "col", className: column.numeric ? "text-end" : null, text: column.heading});
    });
    return el("table", {className: "table table-sm caption-top mb-1"}, [
      el("caption", {text: table.caption}), el("thead", {}, [el("tr", {}, head)]),
      el("tbody", {}, table.rows.map(function (row) { return bodyRow(table, row); }))]);
  }

  /* "View as table": made when its details element is open, for the latest view. */
  function fillTableView(cardId) {
    var details = document.querySelector("#" + CSS.escape(cardId) + "-table details");
    if (!details || !details.open) { return; }
    var table = tables[cardId];
    put(cardId + "-table-body", [table ? plainTable(table)
                                       : el("p", {className: "small", text: "Nothing to show."})]);
  }

  /* ---- chart cards ---- */
  /* The places after a card's graph, made once so that an open "View as table" stays open across selections:
     the sortable table, the details element, the attribution and the CSV link. */
  function afterParts(id) {
    var after = document.getElementById(id + "-after");
    if (after && !after.firstChild) {
      after.appendChild(el("div", {id: id + "-rows-region"}));
      after.appendChild(el("div", {className: "chart-table", id: id + "-table", hidden: true}, [
        el("details", {}, [el("summary", {text: "View as table"}), el("div", {id: id + "-table-body"})])]));
      after.appendChild(el("div", {id: id + "-csv"}));
    }
  }

  function card(view) {
    var id = view.id;
    var failed = Boolean(view.error);
    tables[id] = failed ? null : view.table;
    afterParts(id);
    var before = failed ? [errorMessage(view.error)] : view.notes.map(function (note) {
      return el("p", {className: note["class"], "data-level": note.level, text: note.text});
    });
    if (!failed && view.message) {
      before.push(el("p", {className: view.message["class"], id: view.message.id, text: view.message.text}));
    }
    put(id + "-before", before);
    var choice = document.getElementById(id + "-show");
    if (choice && view.show) { choice.value = view.show; }   // back, forward and a shared link show their choice
    show(id + "-graph", !failed && Boolean(view.figure));
    fitGraph(id + "-graph", failed ? null : view.figure);
    show(id + "-table", !failed && Boolean(view.table) && !view.sortable);
    put(id + "-rows-region", !failed && view.sortable && view.table ? [sortableTable(id, view.table.caption)] : []);
    put(id + "-csv", failed || !view.csv ? [] : [
      view.attribution ? el("p", {className: "small text-body-secondary", text: view.attribution}) : null,
      el("a", {className: "csv-link small", href: view.csv.href, download: view.csv.download, id: view.csv.id,
               "aria-label": view.csv.label, text: "Download CSV"}),
      view.xlsx ? el("a", {className: "report-download xlsx-link small", href: view.xlsx.href, id: view.xlsx.id,
                           "aria-label": view.xlsx.label, "data-report": view.xlsx.report, text: "Download XLSX"})
                : null]);
    fillTableView(id);
  }

  /* ---- charts, drawn with plotly.js ---- */
  var plotlyLoading = null;

  /* plotly.js as dcc.Graph loads it (the same file, so one download for both): on the first chart, not before,
     so a page without charts never pays for it */
  function plotly() {
    if (window.Plotly) { return Promise.resolve(window.Plotly); }
    if (!plotlyLoading) {
      plotlyLoading = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = window._dashPlotlyJSURL || "/_dash-component-suites/plotly/package_data/plotly.min.js";
        script.async = true;
        script.onload = function () { resolve(window.Plotly); };
        script.onerror = function () { plotlyLoading = null; reject(new Error("plotly.js did not load")); };
        document.head.appendChild(script);
      });
    }
    return plotlyLoading;
  }

  /* what a click on a chart's mark selects, in the shape dcc.Graph gives clickData (selection_state.js reads the
     points' customdata) */
  function clickPick(event) {
    var points = (event.points || []).map(function (point) {
      return {customdata: point.customdata, x: point.x, y: point.y, label: point.label, location: point.location};
    });
    return {click: {points: points}, at: Date.now()};
  }

  var resizing = typeof ResizeObserver === "undefined" ? null : new ResizeObserver(function (entries) {
    entries.forEach(function (entry) {
      var gd = entry.target.querySelector(".js-plotly-plot");
      var width = Math.round(entry.contentRect.width);
      if (!gd || !width || gd.biWidth === width || !window.Plotly) { return; }
      gd.biWidth = width;
      window.Plotly.Plots.resize(gd).catch(function () { return null; });
    });
  });
  var observed = [];

  /* charts of a page left behind: stop watching them and let plotly.js drop what it keeps for them */
  function forgetDetached() {
    observed = observed.filter(function (wrapper) {
      if (wrapper.isConnected) { return true; }
      if (resizing) { resizing.unobserve(wrapper); }
      if (nearing) { nearing.unobserve(wrapper); }
      var gd = wrapper.querySelector(".js-plotly-plot");
      if (gd && window.Plotly) { window.Plotly.purge(gd); }
      return false;
    });
  }

  /* A chart is drawn when it is in view or near it (NEAR_PX above or below the window); one further away waits,
     marked data-draw="waiting", until a scroll brings it near, or the page is printed. On a page of eight charts a
     selection then redraws the two or three a user is looking at, not all eight (plotly.js takes 20 to 50 ms a
     chart, which was most of a click's time). */
  var NEAR_PX = 400;
  var nearing = typeof IntersectionObserver === "undefined" ? null : new IntersectionObserver(function (entries) {
    entries.forEach(function (entry) {
      if (entry.isIntersecting) { drawWaiting(entry.target.querySelector(".chart-graph")); }
    });
  }, {rootMargin: NEAR_PX + "px 0px"});

  function isNear(wrapper) {
    var box = wrapper.getBoundingClientRect();
    return !nearing || (box.bottom > -NEAR_PX && box.top < window.innerHeight + NEAR_PX);
  }

  function drawWaiting(gd) {
    if (!gd || !gd.biWaiting) { return; }
    var waiting = gd.biWaiting;
    gd.biWaiting = null;
    gd.removeAttribute("data-draw");
    plot(waiting.id, gd, waiting.text);
  }

  window.addEventListener("beforeprint", function () {
    Array.prototype.forEach.call(document.querySelectorAll('.chart-graph[data-draw="waiting"]'), drawWaiting);
  });

  /* Draws the card's figure (now or when it nears the view) unless this very element already shows it. */
  function draw(id, figure) {
    var gd = document.getElementById(id + "-plot");
    var wrapper = document.getElementById(id + "-graph");
    if (!gd || !wrapper || !figure) { return; }
    var text = JSON.stringify(figure);
    if (gd.biFigure === text) { gd.biWaiting = null; gd.removeAttribute("data-draw"); return; }
    if (observed.indexOf(wrapper) < 0) {
      observed.push(wrapper);
      if (resizing) { resizing.observe(wrapper); }
      if (nearing) { nearing.observe(wrapper); }
    }
    if (isNear(wrapper)) {
      gd.biWaiting = null;
      gd.removeAttribute("data-draw");
      plot(id, gd, text);
    } else {
      gd.biWaiting = {id: id, text: text};
      gd.setAttribute("data-draw", "waiting");
    }
  }

  /* The figure is drawn from a copy: plotly.js keeps and changes what it is given, and the view is Dash's. */
  function plot(id, gd, text) {
    gd.biFigure = text;
    var config = JSON.parse(gd.getAttribute("data-plot-config") || "{}");
    plotly().then(function (Plotly) {
      if (gd.biFigure !== text || !gd.isConnected) { return null; }   // a newer view came meanwhile
      var copy = JSON.parse(text);
      return Plotly.react(gd, copy.data, copy.layout, config).then(function () {
        gd.biWidth = Math.round(gd.parentElement.getBoundingClientRect().width);
        if (!gd.biClicks) {
          gd.biClicks = true;
          gd.on("plotly_click", function (event) {
            window.dash_clientside.set_props("bi-pick", {data: clickPick(event)});
          });
        }
      });
    }).catch(function () {
      gd.biFigure = null;
      put(id + "-before", [errorMessage("This chart could not be drawn. Its table is below; reload to try again.")]);
      show(id + "-table", Boolean(tables[id]));
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-sort-card]") : null;
    if (!button) { return; }
    var cardId = button.getAttribute("data-sort-card");
    var col = button.getAttribute("data-sort-col");
    var table = tables[cardId];
    if (!table) { return; }
    sorts[cardId] = nextSort(sorts[cardId] || table.sort, col);
    var region = put(cardId + "-rows-region", [sortableTable(cardId, table.caption)]);
    var again = region && region.querySelector('[data-sort-col="' + CSS.escape(col) + '"]');
    if (again) { again.focus({preventScroll: true}); }
  });

  /* A CSV is saved from data the page already has, so no request carries it: tell the server what was saved, for
     the audit log (access/login.py, /audit/downloaded). A beacon outlives the click and never delays it. */
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a.csv-link[download]") : null;
    if (!link || !navigator.sendBeacon) { return; }
    var what = {filename: link.getAttribute("download"), path: location.pathname, search: location.search};
    navigator.sendBeacon("/audit/downloaded", new Blob([JSON.stringify(what)], {type: "application/json"}));
  });

  // a details element's toggle does not bubble: listen on the way down
  document.addEventListener("toggle", function (event) {
    var wrapper = event.target.closest ? event.target.closest(".chart-table[id]") : null;
    if (wrapper && event.target.open) { fillTableView(wrapper.id.replace(/-table$/, "")); }
  }, true);

  /* A card's "Show" choice goes into the URL (show-<card>=<measure>; the first, the card's own, is no key), as a
     history entry: the choice's store follows the URL (shows, below), so reload, a shared link, back and forward
     keep it, and the one page view request answers it. */
  document.addEventListener("change", function (event) {
    var choice = event.target.closest ? event.target.closest("select[data-show-key]") : null;
    if (!choice || !window.dash_clientside.set_props) { return; }
    writeParam(choice.getAttribute("data-show-key"), choice.selectedIndex > 0 ? choice.value : null);
  });

  /* A view choice that is not a selection into the URL (a history entry): `key`=`value`, or no key for null; the
     query string written, which the URL is about to be. */
  function writeParam(key, value) {
    var params = new URLSearchParams(location.search);
    if (value) { params.set(key, value); } else { params["delete"](key); }
    var text = params.toString().replace(/\+/g, "%20");
    var search = text ? "?" + text : "";
    window.dash_clientside.set_props("bi-url", {search: search});
    return search;
  }

  /* A list's "Sort by count" (filters.filter_list): order-<dimension>=count into the URL, and the list redrawn in
     that order at once; Back and Forward redraw the lists in the order of the entry they come to. */
  document.addEventListener("click", function (event) {
    var control = event.target.closest ? event.target.closest("button[data-order-key]") : null;
    if (!control || !window.dash_clientside.set_props) { return; }
    var key = control.getAttribute("data-order-key");
    var byCount = new URLSearchParams(location.search).get(key) === "count";
    redrawLists(writeParam(key, byCount ? null : "count"));
  });
  window.addEventListener("popstate", function () { redrawLists(); });

  /* A sign of work: while the page's view is asked for (its one request), every tile and card is marked
     aria-busy="true" and .is-updating, but only once the answer has taken over BUSY_MS (a quick answer shows no
     flicker); the marks go when the view is laid out, or the request ends without one. The request is seen where
     it starts, in fetch, which the Dash renderer sends it through. */
  var BUSY_MS = 300;
  var asking = 0;
  var busyTimer = null;

  function markBusy(on) {
    Array.prototype.forEach.call(document.querySelectorAll(".kpi-tile, .chart-card"), function (node) {
      if (on) { node.setAttribute("aria-busy", "true"); } else { node.removeAttribute("aria-busy"); }
      node.classList.toggle("is-updating", on);
    });
  }

  function doneAsking() {
    asking = Math.max(0, asking - 1);
    if (asking) { return; }
    clearTimeout(busyTimer);
    busyTimer = null;
    markBusy(false);
  }

  function isViewRequest(input, init) {
    var url = typeof input === "string" ? input : (input && input.url) || "";
    var body = init && typeof init.body === "string" ? init.body : "";
    return url.indexOf("_dash-update-component") >= 0 && body.indexOf(VIEW_TYPE) >= 0;
  }

  var VIEW_TYPE = "bi-page-view";   // dashboards/components/page_view.py VIEW
  if (window.fetch) {
    var sendRequest = window.fetch;
    window.fetch = function (input, init) {
      var answer = sendRequest.apply(this, arguments);
      if (!isViewRequest(input, init)) { return answer; }
      asking += 1;
      if (!busyTimer) {
        busyTimer = setTimeout(function () { busyTimer = null; if (asking) { markBusy(true); } }, BUSY_MS);
      }
      answer.then(doneAsking, doneAsking);
      return answer;
    };
  }

  var clientside = window.dash_clientside = window.dash_clientside || {};
  clientside.pageView = {
    /* the URL -> each card's "Show" choice store (the measure its show-<card> names, or null); unchanged ones
       are not updated, so a selection asks for the view once (through the selection store) */
    shows: function (search, ids, current) {
      var params = new URLSearchParams((search || "").replace(/^\?/, ""));
      var next = (ids || []).map(function (id) { return params.get("show-" + id.card) || null; });
      var same = next.every(function (value, i) { return value === ((current || [])[i] || null); });
      return same ? window.dash_clientside.no_update : next;
    },
    /* views: the page's view store (a list of one) -> nothing for the selection bar's class (never changed) */
    render: function (views) {
      var noUpdate = window.dash_clientside.no_update;
      var view = views && views[0];
      if (!view) { return noUpdate; }
      forgetDetached();
      markBusy(false);
      chips(view.chips);
      view.tiles.forEach(tile);
      view.filters.forEach(function (list) { filterList(list); });   // in the URL's order
      view.cards.forEach(card);
      view.cards.forEach(function (c) { if (!c.error) { draw(c.id, c.figure); } });
      links(view.links || {});
      return noUpdate;
    }
  };
  window.biPageView = {sortedRows: sortedRows, nextSort: nextSort, orderedValues: orderedValues};
})();
