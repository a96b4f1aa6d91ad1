/* The player of an autograd_lite walkthrough page (autograd_lite/walkthrough.py).
 *
 * It does no mathematics: every number and sentence it shows comes from the record Python wrote
 * into the page as JSON (the element PREFIX-data). The state at moment k is computed from
 * that record alone (never by undoing what was shown before), so going back or scrubbing shows
 * exactly what stepping there does. User text reaches the page only through textContent.
 *
 * Called as (function (prefix, standalone) {...})("wt1234abcd", true): every element it touches has
 * an id starting with the prefix or lies inside the element with that id, so several walkthroughs
 * in one notebook do not meet. Only a standalone page listens to the whole document's keys and to
 * the address (#step=N).
 */
(function (P, standalone) {
  "use strict";
  var root = document.getElementById(P);
  if (!root || root.getAttribute("data-ready")) { return; }
  root.setAttribute("data-ready", "1");
  var R = JSON.parse(document.getElementById(P + "-data").textContent);
  var SVGNS = "http://www.w3.org/2000/svg";
  function $(name) { return document.getElementById(P + "-" + name); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  var nodes = R.nodes, F = R.forward.length, B = R.backward.length;
  var gran = R.granularity, k = 0, timer = null, exact = false, selected = null;
  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  root.classList.toggle("wt-reduced", !!reduceMotion);

  function num(pair) { return exact ? pair[0] : pair[1]; }
  function stepAt(pos) { return pos <= F ? R.forward[pos - 1] : R.backward[pos - F - 1]; }

  // ---- the graph picture: find each node's and edge's <g> by its <title> (draw()'s DOT ids) ----
  var svgNodes = {}, svgOps = {}, svgEdges = {};
  var graph = $("graph").querySelector("svg");
  // A value is drawn as a row of table cells, whose texts Graphviz anchors at their start: anchor
  // each at its cell's middle instead, so that a text written below ("▶ v1", "grad 0.5 ✓") grows
  // both ways and stays over its cell.
  function centreInCell(text) {
    var cell = text.previousElementSibling;
    if (!cell || cell.tagName !== "polygon" || text.getAttribute("text-anchor") !== "start") { return; }
    var xs = cell.getAttribute("points").trim().split(/\s+/).map(function (p) { return parseFloat(p); });
    text.setAttribute("x", String((Math.min.apply(null, xs) + Math.max.apply(null, xs)) / 2));
    text.setAttribute("text-anchor", "middle");
  }
  if (graph) {
    Array.prototype.forEach.call(graph.querySelectorAll("g.node"), function (g) {
      var t = g.querySelector("title");
      var m = t && /^n(\d+)(_op)?$/.exec(t.textContent);
      if (!m || !nodes[+m[1]]) { return; }
      var i = +m[1], n = nodes[i];
      g.setAttribute("data-node", String(i));
      if (m[2]) {
        svgOps[i] = g;
        t.textContent = n.name + " = " + n.op;
      } else {
        var texts = g.querySelectorAll("text");
        // a value's box: name | data | grad, as draw() writes it; anything else keeps its text
        if (texts.length === 3) { Array.prototype.forEach.call(texts, centreInCell); }
        svgNodes[i] = {g: g, texts: texts.length === 3 ? texts : null};
        t.textContent = n.name;
      }
    });
    Array.prototype.forEach.call(graph.querySelectorAll("g.edge"), function (g) {
      var t = g.querySelector("title");
      if (!t) { return; }
      (svgEdges[t.textContent] = svgEdges[t.textContent] || []).push(g);
    });
  }

  // The edges a node step runs along: operand -> operation (one per operand, a repeated operand's
  // edges in turn), and the operation -> its node. Each gets its local derivative written on it.
  function edgesOf(pos) {
    var s = stepAt(pos), i = s.node, seen = {}, out = [];
    nodes[i].parents.forEach(function (p, o) {
      var key = "n" + p + "->n" + i + "_op", list = svgEdges[key] || [];
      var g = list[seen[key] = (seen[key] === undefined ? 0 : seen[key] + 1)];
      if (g) { out.push({g: g, operand: o}); }
    });
    var own = (svgEdges["n" + i + "_op->n" + i] || [])[0];
    if (own) { out.push({g: own, operand: -1}); }
    return out;
  }
  var edgeLabels = {};  // backward position -> [{text element, operand record}]
  function labelFor(g) {
    var path = g.querySelector("path");
    if (!path || !path.getTotalLength) { return null; }
    var point;
    try { point = path.getPointAtLength(path.getTotalLength() / 2); } catch (err) { return null; }
    var t = document.createElementNS(SVGNS, "text");
    t.setAttribute("class", "wt-edge-label");
    t.setAttribute("x", String(point.x));
    t.setAttribute("y", String(point.y - 3));
    t.setAttribute("text-anchor", "middle");
    g.appendChild(t);
    return t;
  }
  if (graph) {
    for (var pos = F + 1; pos <= F + B; pos++) {
      edgeLabels[pos] = edgesOf(pos).filter(function (e) { return e.operand >= 0; }).map(function (e) {
        return {t: labelFor(e.g), operand: stepAt(pos).operands[e.operand]};
      }).filter(function (e) { return e.t; });
    }
  }

  // ---- the network view ----
  var net = R.network || null, netNeurons = {}, netEdges = [], nodesOfNeuron = {};
  if (net) {
    net.neurons.forEach(function (n, q) { netNeurons[q] = root.querySelector('[data-neuron="' + q + '"]'); });
    netEdges = Array.prototype.slice.call(root.querySelectorAll("line.wt-net-edge"));
    Object.keys(net.of_node).forEach(function (i) {
      var q = net.of_node[i];
      (nodesOfNeuron[q] = nodesOfNeuron[q] || []).push(+i);
    });
  }

  // ---- the state at a moment, from the record alone ----
  function moments() { return R.moments[gran]; }
  function stateAt(kk) {
    var M = moments(), m = kk > 0 ? M[kk - 1] : null, pos = m ? m.end : 0;
    var finished = kk === M.length && B > 0 && pos === F + B;
    var b = Math.max(0, pos - F), cur = {}, operands = {}, positions = [];
    if (m) { for (var p = m.start; p <= m.end; p++) { positions.push(p); } }
    if (!finished) {
      positions.forEach(function (p) {
        var s = stepAt(p);
        cur[s.node] = true;
        nodes[s.node].parents.forEach(function (q) { operands[q] = true; });
      });
    }
    var grads = null;
    if (b > 0) {
      grads = nodes.map(function (n) { return n.initial_grad; });
      for (var s = 0; s < b; s++) { R.backward[s].after.forEach(function (a) { grads[a[0]] = a[1]; }); }
    }
    return {m: m, pos: pos, b: b, finished: finished, cur: cur, operands: operands, positions: positions,
            grads: grads};
  }
  function nodeState(i, S) {
    var n = nodes[i];
    if (S.cur[i]) { return "current"; }
    var words = [];
    if (S.operands[i]) { words.push("operand"); }
    if (S.b === 0) {
      words.push(n.leaf ? "given" : (n.forward <= S.pos ? "computed" : "not computed yet"));
    } else {
      words.push(S.finished || n.final_at <= S.b ? "grad final" : "grad waiting");
    }
    return words.join(", ");
  }
  function shownData(i, S) { return nodes[i].forward <= S.pos ? num(nodes[i].data) : "?"; }
  function shownGrad(i, S) { return S.grads ? num(S.grads[i]) : "–"; }
  function isFinal(i, S) { return S.b > 0 && (S.finished || nodes[i].final_at <= S.b); }

  // ---- drawing a moment ----
  function render() {
    var M = moments(), n = M.length, S = stateAt(k);
    var phase = $("phase"), m = S.m;
    phase.className = "wt-phase " + (S.finished ? "finished" : m ? m.phase : "start");
    phase.textContent = S.finished ? "Backward pass: finished" : m ? (m.phase === "forward" ? "Forward pass"
      : "Backward pass") : "Start";
    $("count").textContent = "step " + k + " of " + n + (m ? " · " + m.title : "");
    $("live").textContent = m ? m.sentence : R.start_sentence;
    var scrub = $("scrub");
    scrub.max = String(n);
    scrub.value = String(k);
    scrub.setAttribute("aria-valuetext", "step " + k + " of " + n);
    $("back").disabled = $("home").disabled = k === 0;
    $("step").disabled = $("end").disabled = k === n;
    $("play").disabled = n === 0;
    renderSteps(S);
    renderValues(S);
    renderGraph(S);
    renderNetwork(S);
    renderSelection(S);
    if (standalone) { writeHash(); }
  }

  function renderSteps(S) {
    var box = $("steps");
    box.textContent = "";
    if (!S.m) {
      box.appendChild(el("p", "wt-hint", R.start_sentence));
      return;
    }
    if (S.finished) { box.appendChild(el("p", "wt-done", "Finished: every gradient is final. The last step was:")); }
    S.positions.forEach(function (pos) {
      var s = stepAt(pos), block = el("div", "wt-step");
      block.setAttribute("data-pos", String(pos));
      block.appendChild(el("pre", "wt-lines", s.lines.join("\n")));
      if (pos > F) {
        var table = el("table", "wt-table wt-ops"), head = el("tr");
        ["operand", "local derivative", "contribution", "grad before → after"].forEach(function (h) {
          var th = el("th", "", h);
          th.scope = "col";
          head.appendChild(th);
        });
        table.appendChild(el("thead")).appendChild(head);
        var body = table.appendChild(el("tbody"));
        s.operands.forEach(function (o) {
          if (o.const) { return; }
          var tr = el("tr");
          tr.appendChild(el("td", "", nodes[o.node].name));
          tr.appendChild(el("td", "", o.local_text + " = " + num(o.local)));
          tr.appendChild(el("td", "", num(s.grad) + " × " + num(o.local) + " = " + num(o.contribution)));
          tr.appendChild(el("td", "", num(o.before) + " → " + num(o.after)));
          body.appendChild(tr);
        });
        block.appendChild(table);
      }
      box.appendChild(block);
    });
  }

  var valueRows = null;
  function renderValues(S) {
    var body = $("values").querySelector("tbody");
    if (!valueRows) {
      valueRows = {};
      for (var i = nodes.length - 1; i >= 0; i--) {
        if (nodes[i].const) { continue; }
        var tr = el("tr");
        tr.setAttribute("data-node", String(i));
        for (var c = 0; c < 4; c++) { tr.appendChild(el("td")); }
        body.appendChild(tr);
        valueRows[i] = tr;
      }
    }
    Object.keys(valueRows).forEach(function (key) {
      var i = +key, cells = valueRows[i].children, state = nodeState(i, S);
      cells[0].textContent = (S.cur[i] ? "▶ " : "") + nodes[i].name;
      cells[1].textContent = shownData(i, S);
      cells[2].textContent = shownGrad(i, S) + (isFinal(i, S) ? " ✓" : "");
      cells[2].setAttribute("data-exact", S.grads ? S.grads[i][0] : "");
      cells[3].textContent = state;
      valueRows[i].className = classesOf(i, S).join(" ");
    });
  }

  function classesOf(i, S) {
    var c = [];
    if (S.cur[i]) { c.push("wt-current"); }
    if (S.operands[i]) { c.push("wt-operand"); }
    if (isFinal(i, S)) { c.push("wt-final"); } else if (nodes[i].forward <= S.pos) { c.push("wt-computed"); }
    else { c.push("wt-pending"); }
    if (isSelected(i)) { c.push("wt-selected"); }
    return c;
  }
  function setClasses(elem, base, classes) { elem.setAttribute("class", base + " " + classes.join(" ")); }

  function renderGraph(S) {
    if (!graph) { return; }
    Object.keys(svgNodes).forEach(function (key) {
      var i = +key, entry = svgNodes[i];
      setClasses(entry.g, "node", classesOf(i, S));
      if (entry.texts) {
        entry.texts[0].textContent = (S.cur[i] ? "▶ " : "") + nodes[i].name;
        entry.texts[1].textContent = "data " + shownData(i, S);
        entry.texts[2].textContent = "grad " + shownGrad(i, S) + (isFinal(i, S) ? " ✓" : "");
      }
    });
    Object.keys(svgOps).forEach(function (key) {
      var i = +key;
      setClasses(svgOps[i], "node", S.cur[i] ? ["wt-current"] : nodes[i].forward <= S.pos ? ["wt-computed"]
        : ["wt-pending"]);
    });
    Object.keys(svgEdges).forEach(function (key) {
      svgEdges[key].forEach(function (g) { g.setAttribute("class", "edge"); });
    });
    for (var pos = F + 1; pos <= F + B; pos++) {
      edgeLabels[pos].forEach(function (e) {
        e.t.textContent = pos <= S.pos ? num(e.operand.local) : "";
      });
      if (pos <= S.pos) { edgesOf(pos).forEach(function (e) { e.g.setAttribute("class", "edge wt-edge-done"); }); }
    }
    S.positions.forEach(function (pos) {
      if (S.finished) { return; }
      edgesOf(pos).forEach(function (e) { e.g.setAttribute("class", "edge wt-edge-current"); });
    });
  }

  function renderNetwork(S) {
    if (!net) { return; }
    net.neurons.forEach(function (n, q) {
      var g = netNeurons[q];
      if (!g) { return; }
      var c = [], a = n.a, z = n.z;
      var any = function (set) { return n.nodes.some(function (i) { return set[i]; }); };
      if (any(S.cur)) { c.push("wt-current"); }
      if (any(S.operands)) { c.push("wt-operand"); }
      var deltaShown = z !== null && S.b > 0 && (S.finished || nodes[z].final_at <= S.b);
      if (deltaShown || (n.loss && S.b > 0)) { c.push("wt-final"); } else if (nodes[a].forward <= S.pos) { c.push("wt-computed"); }
      else { c.push("wt-pending"); }
      if (selected && selected.neuron === q) { c.push("wt-selected"); }
      setClasses(g, "wt-neuron", c);
      var texts = g.querySelectorAll("text");
      var called = (any(S.cur) ? "▶ " : "") + (n.loss ? nodes[a].name : "a");
      texts[1].textContent = called + " " + (nodes[a].forward <= S.pos ? num(nodes[a].data) : "?");
      texts[2].textContent = deltaShown ? "δ " + num(S.grads[z]) + " ✓" : "";
    });
    netEdges.forEach(function (line) {
      var to = +line.getAttribute("data-to"), from = +line.getAttribute("data-from");
      var z = net.neurons[to].z, hot = !S.finished && z !== null && !!S.cur[z];
      var sel = selected && (selected.neuron === to || selected.neuron === from);
      line.setAttribute("class", "wt-net-edge" + (hot ? " wt-edge-current" : "") + (sel ? " wt-edge-selected" : ""));
    });
  }

  // ---- selection, linking the two views ----
  function isSelected(i) {
    if (!selected) { return false; }
    if (selected.node !== undefined) { return selected.node === i; }
    return net && net.of_node[String(i)] === selected.neuron;
  }
  function select(what) {
    selected = what && selected && what.node === selected.node && what.neuron === selected.neuron ? null : what;
    render();
  }
  function renderSelection(S) {
    var box = $("selected");
    if (!selected) { box.hidden = true; box.textContent = ""; return; }
    box.hidden = false;
    if (selected.node !== undefined) {
      var i = selected.node;
      box.textContent = "Selected: " + nodes[i].name + " (data " + shownData(i, S) + ", grad " + shownGrad(i, S) +
        "; " + nodeState(i, S) + ")";
    } else {
      var n = net.neurons[selected.neuron], count = (nodesOfNeuron[selected.neuron] || []).length;
      box.textContent = "Selected: " + n.title + " (" + count + " node" + (count === 1 ? "" : "s") +
        " in the graph; a = " + shownData(n.a, S) + (n.z !== null ? ", delta = " + shownGrad(n.z, S) : "") + ")";
    }
  }
  Object.keys(svgNodes).forEach(function (key) {
    svgNodes[key].g.addEventListener("click", function () {
      var q = net ? net.of_node[key] : undefined;
      select(q !== undefined ? {neuron: q} : {node: +key});
    });
  });
  Object.keys(netNeurons).forEach(function (q) {
    var g = netNeurons[q];
    if (!g) { return; }
    g.addEventListener("click", function () { select({neuron: +q}); });
    g.addEventListener("keydown", function (e) {
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); e.stopPropagation(); select({neuron: +q}); }
    });
  });

  // ---- moving ----
  function go(target) {
    var n = moments().length;
    k = Math.max(0, Math.min(n, target | 0));
    render();
  }
  function stop() {
    if (timer !== null) { clearTimeout(timer); timer = null; }
    $("play").textContent = "▶ Play";
    $("play").setAttribute("aria-label", "play (Space)");
    $("play").setAttribute("aria-pressed", "false");
  }
  function tick() {
    if (k >= moments().length) { stop(); return; }
    go(k + 1);
    timer = k >= moments().length ? null : setTimeout(tick, +$("speed").value);
    if (timer === null) { stop(); }
  }
  function play() {
    if (timer !== null) { stop(); return; }
    if (k >= moments().length) { go(0); }
    $("play").textContent = "|| Pause";
    $("play").setAttribute("aria-label", "pause (Space)");
    $("play").setAttribute("aria-pressed", "true");
    timer = setTimeout(tick, +$("speed").value);
  }
  $("home").addEventListener("click", function () { stop(); go(0); });
  $("back").addEventListener("click", function () { stop(); go(k - 1); });
  $("step").addEventListener("click", function () { stop(); go(k + 1); });
  $("end").addEventListener("click", function () { stop(); go(moments().length); });
  $("play").addEventListener("click", play);
  $("scrub").addEventListener("input", function () { stop(); go(+$("scrub").value); });
  $("exact").addEventListener("change", function () { exact = $("exact").checked; render(); });
  $("gran").addEventListener("change", function () {
    // stay at the same place of the pass: the first moment of the new stepping that reaches it
    var pos = stateAt(k).pos, M;
    gran = $("gran").value;
    M = moments();
    var target = 0;
    while (target < M.length && pos > 0 && M[target].end < pos) { target++; }
    go(pos === 0 ? 0 : target + 1);
  });
  function onKey(e) {
    if (e.altKey || e.ctrlKey || e.metaKey || e.defaultPrevented) { return; }
    var tag = e.target && e.target.tagName ? e.target.tagName.toLowerCase() : "";
    if (tag === "input" || tag === "select" || tag === "textarea") { return; }
    // a focused button or the transcript's summary acts on Space and Enter itself
    if ((tag === "button" || tag === "summary") && (e.key === " " || e.key === "Enter")) { return; }
    var actions = {
      ArrowRight: function () { stop(); go(k + 1); }, ArrowLeft: function () { stop(); go(k - 1); },
      Home: function () { stop(); go(0); }, End: function () { stop(); go(moments().length); }, " ": play
    };
    if (actions[e.key]) { e.preventDefault(); actions[e.key](); }
  }
  (standalone ? document : root).addEventListener("keydown", onKey);

  // ---- the address: #step=N (and &by=neuron when not stepping by the page's first choice) ----
  function readHash() {
    var h = window.location.hash, by = /[#&]by=([\w ]+)/.exec(h), step = /[#&]step=(\d+)/.exec(h);
    if (by && R.moments[by[1]]) { gran = by[1]; $("gran").value = gran; }
    if (step) { go(+step[1]); return true; }
    return false;
  }
  function writeHash() {
    var h = "#step=" + k + (gran !== R.granularity ? "&by=" + encodeURIComponent(gran) : "");
    if (window.location.hash === h) { return; }
    try { window.history.replaceState(null, "", h); } catch (err) { window.location.hash = h; }
  }
  if (standalone) {
    window.addEventListener("hashchange", function () { stop(); readHash(); });
  }

  // ---- start: show the player, fold the transcript away ----
  $("controls").hidden = false;
  $("panel").hidden = false;
  $("values-box").hidden = false;
  $("transcript").open = false;
  if (!(standalone && readHash())) { go(0); }
  root.setAttribute("data-ready", "2");
})
