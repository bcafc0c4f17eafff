// persona library: search and filters on the index page. Works offline: the index is a script
// (search-index.js) loaded beside this one, never fetched. Text from the library is only ever put
// into the page with textContent, never as HTML.
(function () {
  "use strict";
  var data = window.PERSONA_SEARCH;
  var form = document.getElementById("filters");
  var list = document.getElementById("cards");
  if (!data || !form || !list) return;

  var q = document.getElementById("q");
  var selects = {
    app: document.getElementById("filter-app"),
    category: document.getElementById("filter-category"),
    tag: document.getElementById("filter-tag")
  };
  var status = document.getElementById("results-status");
  var empty = document.getElementById("no-results");
  var labels = {};
  data.fields.forEach(function (f) { labels[f.name] = f.label; });

  function fold(s) {
    return String(s).normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  // Per persona: its card, and each searchable part folded once.
  var entries = [];
  var cards = {};
  Array.prototype.forEach.call(list.querySelectorAll("li.card"), function (li, i) {
    cards[li.getAttribute("data-pid")] = { li: li, order: i };
  });
  data.personas.forEach(function (p) {
    var card = cards[p.pid];
    if (!card) return;
    var parts = [
      { label: "Name", text: p.name, weight: 8 },
      { label: "Pid", text: p.pid, weight: 8 },
      { label: "App", text: p.app_name + " " + p.app, weight: 5 },
      { label: "Category", text: p.category.replace(/-/g, " "), weight: 4 },
      { label: "Tags", text: p.tags.join(" "), weight: 4 }
    ];
    data.fields.forEach(function (f) {
      parts.push({ label: f.label, text: p.text[f.name] || "", weight: 1 });
    });
    parts.forEach(function (part) { part.folded = fold(part.text); });
    entries.push({ p: p, card: card, parts: parts });
  });

  function terms(query) {
    return fold(query).split(/\s+/).filter(function (t) { return t.length > 0; });
  }

  // Score of an entry for the terms: 0 when some term is found nowhere.
  function score(entry, ts) {
    var total = 0;
    for (var i = 0; i < ts.length; i++) {
      var best = 0;
      for (var j = 0; j < entry.parts.length; j++) {
        if (entry.parts[j].folded.indexOf(ts[i]) !== -1) best += entry.parts[j].weight;
      }
      if (best === 0) return 0;
      total += best;
    }
    return total;
  }

  // The first profile field that holds a term, with a window of text around it.
  function snippet(entry, ts) {
    for (var j = 5; j < entry.parts.length; j++) {
      var part = entry.parts[j];
      for (var i = 0; i < ts.length; i++) {
        var at = part.folded.indexOf(ts[i]);
        if (at === -1) continue;
        var start = Math.max(0, at - 60), end = Math.min(part.text.length, at + ts[i].length + 90);
        return { label: part.label, before: (start > 0 ? "…" : "") + part.text.slice(start, at),
                 hit: part.text.slice(at, at + ts[i].length),
                 after: part.text.slice(at + ts[i].length, end) + (end < part.text.length ? "…" : "") };
      }
    }
    return null;
  }

  function showSnippet(li, s) {
    var old = li.querySelector(".card-match");
    if (old) old.parentNode.removeChild(old);
    if (!s) return;
    var p = document.createElement("p");
    p.className = "card-match";
    var label = document.createElement("strong");
    label.textContent = s.label + ": ";
    var mark = document.createElement("mark");
    mark.textContent = s.hit;
    p.appendChild(label);
    p.appendChild(document.createTextNode(s.before));
    p.appendChild(mark);
    p.appendChild(document.createTextNode(s.after));
    var excerpt = li.querySelector(".card-excerpt");
    excerpt.parentNode.insertBefore(p, excerpt.nextSibling);
  }

  function apply(updateUrl) {
    var ts = terms(q.value);
    var want = { app: selects.app.value, category: selects.category.value, tag: selects.tag.value };
    var shown = [];
    entries.forEach(function (e) {
      var ok = (!want.app || e.p.app === want.app) &&
               (!want.category || e.p.category === want.category) &&
               (!want.tag || e.p.tags.indexOf(want.tag) !== -1);
      var s = ok && ts.length ? score(e, ts) : (ok ? 1 : 0);
      e.card.li.hidden = s === 0;
      showSnippet(e.card.li, s && ts.length ? snippet(e, ts) : null);
      if (s) shown.push({ e: e, s: s });
    });
    // Best matches first while searching; the library's order otherwise.
    shown.sort(function (a, b) { return ts.length ? (b.s - a.s) || (a.e.card.order - b.e.card.order) : a.e.card.order - b.e.card.order; });
    shown.forEach(function (x) { list.appendChild(x.e.card.li); });
    var n = shown.length, all = entries.length;
    status.textContent = n === all ? all + (all === 1 ? " persona" : " personas")
                                   : n + " of " + all + " personas";
    empty.hidden = n !== 0;
    if (updateUrl) {
      var params = [];
      if (q.value.trim()) params.push("q=" + encodeURIComponent(q.value.trim()));
      ["app", "category", "tag"].forEach(function (k) {
        if (want[k]) params.push(k + "=" + encodeURIComponent(want[k]));
      });
      try {
        history.replaceState(null, "", location.pathname + (params.length ? "?" + params.join("&") : ""));
      } catch (err) {
        // file:// pages may refuse; the filters work all the same.
      }
    }
  }

  function readUrl() {
    var params = new URLSearchParams(location.search);
    q.value = params.get("q") || "";
    ["app", "category", "tag"].forEach(function (k) {
      var v = params.get(k) || "";
      var ok = Array.prototype.some.call(selects[k].options, function (o) { return o.value === v; });
      selects[k].value = ok ? v : "";
    });
  }

  form.hidden = false;
  form.addEventListener("submit", function (ev) { ev.preventDefault(); apply(true); });
  form.addEventListener("reset", function () { setTimeout(function () { apply(true); }, 0); });
  q.addEventListener("input", function () { apply(true); });
  Object.keys(selects).forEach(function (k) {
    selects[k].addEventListener("change", function () { apply(true); });
  });
  document.addEventListener("keydown", function (ev) {
    var t = ev.target && ev.target.tagName;
    if (ev.key === "/" && t !== "INPUT" && t !== "SELECT" && t !== "TEXTAREA") {
      ev.preventDefault();
      q.focus();
    }
  });
  readUrl();
  apply(false);
})();
