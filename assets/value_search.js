/* Borough Insight: the selection bar's search across a page's fields (dashboards/components/value_search.py).
   The server answers the typed text with the matching values as plain data, grouped by field; this lays them out
   as buttons with the same data-pick-* attributes as a filter value, so choosing one is the same pick
   (assets/selection.js; an excluded one clears what excludes it). Text and attributes only, never HTML. Choosing
   a value closes the results and keeps the text; Down moves into the results, Up and Down between them, Escape
   closes them (and, in the box, empties it). */
(function () {
  var WORDS = {selected: " (selected)", possible: "", excluded: " (excluded)"};

  function el(tag, props, text) {
    var node = document.createElement(tag);
    Object.keys(props).forEach(function (key) {
      if (props[key] !== null && props[key] !== undefined && props[key] !== "") { node.setAttribute(key, props[key]); }
    });
    if (text) { node.textContent = text; }
    return node;
  }

  function results() { return document.getElementById("value-search-results"); }
  function input() { return document.getElementById("value-search-input"); }

  function valueButton(dimension, v) {
    var button = el("button", {type: "button", "class": "filter-value state-" + v.state, title: v.title,
                               "data-pick-dimension": dimension, "data-pick-value": v.value,
                               "data-pick-clears": v.clears, "data-state": v.state, "data-value": v.value});
    button.appendChild(el("span", {"class": "filter-label"}, v.label));
    if (WORDS[v.state]) { button.appendChild(el("span", {"class": "visually-hidden"}, WORDS[v.state])); }
    return button;
  }

  function lay(answer) {
    var place = results();
    if (!place) { return; }
    var nodes = [];
    var count = 0;
    (answer.groups || []).forEach(function (group) {
      var id = "value-search-group-" + group.dimension;
      var section = el("div", {"class": "value-search-field", role: "group", "aria-labelledby": id,
                               "data-dimension": group.dimension});
      section.appendChild(el("p", {"class": "value-search-group", id: id}, group.label));
      group.values.forEach(function (v) { section.appendChild(valueButton(group.dimension, v)); count += 1; });
      nodes.push(section);
    });
    if (answer.note) { nodes.push(el("p", {"class": "value-search-note", role: "status"}, answer.note)); }
    if (count) {
      nodes.unshift(el("p", {"class": "visually-hidden", role: "status"},
                       count + (count === 1 ? " value" : " values") + " in " + answer.groups.length +
                       (answer.groups.length === 1 ? " field" : " fields")));
    }
    place.replaceChildren.apply(place, nodes);
    place.hidden = nodes.length === 0;
  }

  function close() { var place = results(); if (place) { place.hidden = true; } }

  function buttons() { return Array.prototype.slice.call(results().querySelectorAll("[data-pick-dimension]")); }

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (!target.closest || !target.closest(".value-search")) { return; }
    var all = results() ? buttons() : [];
    var at = all.indexOf(target);
    if (event.key === "Escape") {
      event.preventDefault();
      if (target === input() && results().hidden && target.value) {
        Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value").set.call(target, "");
        target.dispatchEvent(new Event("input", {bubbles: true}));
      }
      close();
      input().focus();
    } else if (event.key === "ArrowDown" && all.length) {
      event.preventDefault();
      results().hidden = false;
      all[Math.min(at + 1, all.length - 1)].focus();
    } else if (event.key === "ArrowUp" && at >= 0) {
      event.preventDefault();
      (at === 0 ? input() : all[at - 1]).focus();
    }
  });

  // a value chosen (selection.js has made the pick): the results close, the text stays for another choice
  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target : null;
    if (!target) { return; }
    var inside = target.closest(".value-search");
    if (inside && target.closest("#value-search-results [data-pick-dimension]")) {
      window.setTimeout(function () { close(); input().focus(); }, 0);
    } else if (!inside) {
      close();
    }
  });

  // coming back to the box from elsewhere shows its results again (not when a choice just put the focus there)
  document.addEventListener("focusin", function (event) {
    var place = results();
    var from = event.relatedTarget && event.relatedTarget.closest ? event.relatedTarget.closest(".value-search") : null;
    if (place && event.target === input() && !from && place.childNodes.length) { place.hidden = false; }
  });

  var clientside = window.dash_clientside = window.dash_clientside || {};
  clientside.valueSearch = {
    render: function (answer) {
      if (answer) { lay(answer); }
      return window.dash_clientside.no_update;
    }
  };
})();
