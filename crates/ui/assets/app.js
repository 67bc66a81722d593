// The milmove-load web UI: live state by Server-Sent Events, tables built with textContent
// (never innerHTML for data), charts as server-drawn SVG, control by POST with the CSRF token.
(function () {
  "use strict";
  const base = document.querySelector('meta[name="base"]').content;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const $ = (id) => document.getElementById(id);
  let last = null;
  let sortKey = null, sortDir = 1;
  let selected = null; // {type, name}
  let chartVersion = -1, chartQuery = "";
  let logSeq = 0;
  let config = null;

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function num(v, digits) {
    if (v === null || v === undefined) return "—";
    return Number(v).toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: 0 });
  }
  function elapsed(s) {
    s = Math.round(s || 0);
    const h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60, sec = s % 60;
    const two = (n) => (n < 10 ? "0" : "") + n;
    return h > 0 ? h + ":" + two(m) + ":" + two(sec) : m + ":" + two(sec);
  }

  async function post(path, body) {
    const r = await fetch(base + path, {
      method: "POST",
      headers: { "X-CSRF-Token": csrf, "Content-Type": "application/x-www-form-urlencoded" },
      body: body || "",
    });
    let msg = "";
    try { const j = await r.clone().json(); msg = j.message || ""; } catch (e) { msg = await r.text(); }
    return { ok: r.ok, status: r.status, message: msg };
  }

  // Tabs.
  function showTab(name) {
    document.querySelectorAll("#tabs a").forEach((a) => a.classList.toggle("active", a.dataset.tab === name));
    document.querySelectorAll("main .tab").forEach((t) => t.classList.toggle("active", t.id === "tab-" + name));
    if (name === "charts") refreshCharts(true);
    if (name === "logs") refreshLogs();
    if (name === "ratio") refreshRatio();
  }
  document.querySelectorAll("#tabs a").forEach((a) => a.addEventListener("click", () => showTab(a.dataset.tab)));
  const activeTab = () => (document.querySelector("#tabs a.active") || {}).dataset.tab;

  // Statistics table.
  document.querySelectorAll("#stats-table th").forEach((th) => th.addEventListener("click", () => {
    const k = th.dataset.k;
    if (sortKey === k) sortDir = -sortDir; else { sortKey = k; sortDir = 1; }
    if (last) renderStats(last);
  }));
  $("type-filter").addEventListener("change", () => last && renderStats(last));

  function statCells(tr, r) {
    const cells = [r.type, r.name, num(r.requests, 0), num(r.failures, 0), num(r.median_ms, 1), num(r.p90_ms, 1),
      num(r.p95_ms, 1), num(r.p99_ms, 1), num(r.p999_ms, 1), num(r.max_ms, 1), num(r.avg_ms, 1), num(r.min_ms, 1),
      num(r.avg_size, 0), num(r.current_rps, 2), num(r.current_fail_per_sec, 2)];
    cells.forEach((c, i) => tr.appendChild(el("td", c, i === 1 ? "name" : "")));
  }

  function renderStats(s) {
    const filter = $("type-filter");
    const types = Array.from(new Set(s.rows.map((r) => r.type))).sort();
    const have = Array.from(filter.options).map((o) => o.value).slice(1);
    if (types.join("|") !== have.join("|")) {
      const keep = filter.value;
      while (filter.options.length > 1) filter.remove(1);
      types.forEach((t) => { const o = el("option", t); o.value = t; filter.appendChild(o); });
      filter.value = types.includes(keep) ? keep : "";
    }
    let rows = s.rows.filter((r) => !filter.value || r.type === filter.value);
    if (sortKey) {
      rows = rows.slice().sort((a, b) => {
        const x = a[sortKey], y = b[sortKey];
        if (typeof x === "string" || typeof y === "string") return sortDir * String(x).localeCompare(String(y));
        return sortDir * ((x === null ? -1 : x) - (y === null ? -1 : y));
      });
    }
    const body = $("stats-body");
    body.replaceChildren();
    rows.forEach((r) => {
      const tr = el("tr");
      tr.dataset.key = r.type + " " + r.name;
      if (selected && selected.type === r.type && selected.name === r.name) tr.classList.add("selected");
      statCells(tr, r);
      tr.addEventListener("click", () => {
        selected = { type: r.type, name: r.name };
        showTab("charts");
      });
      body.appendChild(tr);
    });
    const foot = $("stats-total");
    foot.replaceChildren();
    const tr = el("tr", null, "total");
    statCells(tr, s.total);
    foot.appendChild(tr);
    $("corrected-note").hidden = !s.corrected;
  }

  function renderTable(id, items, cells) {
    const body = $(id);
    body.replaceChildren();
    if (!items.length) {
      const tr = el("tr"); const td = el("td", "None yet.", "empty"); td.colSpan = 8; tr.appendChild(td); body.appendChild(tr);
      return;
    }
    items.forEach((it) => {
      const tr = el("tr");
      cells(it).forEach((c, i) => {
        const td = el("td", null, i === 1 ? "name" : "");
        if (c instanceof Node) td.appendChild(c); else td.textContent = c;
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
  }

  function render(s) {
    last = s;
    $("h-host").textContent = s.host_detail || s.host || "—";
    $("h-host").title = s.host_detail || s.host || "";
    $("h-state").textContent = s.state.toUpperCase();
    $("h-users").textContent = s.users + (s.target !== s.users && s.state !== "stopped" ? " → " + s.target : "");
    $("h-rps").textContent = num(s.total.current_rps, 1);
    $("h-fail").textContent = num(s.total.fail_ratio * 100, 1) + "%";
    $("h-elapsed").textContent = elapsed(s.elapsed_s);
    const th = $("h-thresholds");
    if (!s.thresholds.length) { th.textContent = "none"; th.className = "v"; }
    else { th.textContent = s.thresholds_passed ? "PASS" : "FAIL"; th.className = "v " + (s.thresholds_passed ? "pass" : "fail"); }
    $("h-workers-cell").hidden = (s.workers || []).length === 0;
    $("tab-workers").hidden = (s.workers || []).length === 0;
    $("h-workers").textContent = s.worker_count;
    const active = s.state === "spawning" || s.state === "running";
    $("b-edit").disabled = !active;
    $("b-stop").disabled = !(active || s.state === "stopping");
    $("b-new").disabled = active || s.state === "stopping";
    renderStats(s);
    renderTable("failures-body", s.errors, (e) => [e.method, e.name, e.error, num(e.occurrences, 0)]);
    renderTable("exceptions-body", s.exceptions, (x) => [num(x.count, 0), x.msg, (() => { const p = el("pre", x.traceback); return p; })(), x.nodes]);
    renderTable("thresholds-body", s.thresholds, (t) => [t.expr, t.observed_text, t.limit_text, el("span", t.passed ? "PASS" : "FAIL", "badge " + (t.passed ? "pass" : "fail"))]);
    renderTable("workers-body", s.workers, (w) => [w.id, w.host, w.state, num(w.user_count, 0), num(w.cpu_usage, 1), num(w.memory_usage / 1048576, 1) + " MiB", w.last_heartbeat]);
    $("missing-note").textContent = s.missing_requests ? s.missing_requests + " requests may be missing (lost workers)." : "";
    document.body.dataset.state = s.state;
    document.body.dataset.seq = s.seq;
    if (activeTab() === "charts") refreshCharts(false);
    if (activeTab() === "ratio" && s.run_id !== ratioRun) refreshRatio();
  }

  // Charts: server-drawn SVG, fetched when the timeline changed.
  function percentiles() {
    return Array.from(document.querySelectorAll("#chart-controls input[type=checkbox]:checked")).map((c) => c.value).join(",");
  }
  document.querySelectorAll("#chart-controls input, #series").forEach((i) => i.addEventListener("change", () => refreshCharts(true)));
  $("b-clear-endpoint").addEventListener("click", () => { selected = null; refreshCharts(true); last && renderStats(last); });
  async function loadSvg(id, url) {
    try {
      const r = await fetch(url);
      if (!r.ok) return;
      const text = await r.text();
      // The SVG is drawn by this server, which escapes every text it puts in.
      $(id).innerHTML = text;
    } catch (e) { /* the next tick retries */ }
  }
  function refreshCharts(force) {
    if (!last) return;
    const w = Math.max(400, Math.min(2000, Math.round(($("tab-charts").clientWidth || 1000) - 10)));
    const q = "p=" + encodeURIComponent(percentiles()) + "&series=" + $("series").value + "&w=" + w;
    if (!force && chartVersion === last.seq && chartQuery === q + JSON.stringify(selected)) return;
    chartVersion = last.seq; chartQuery = q + JSON.stringify(selected);
    loadSvg("chart-rps", base + "/charts/rps.svg?w=" + w);
    loadSvg("chart-latency", base + "/charts/latency.svg?" + q);
    loadSvg("chart-users", base + "/charts/users.svg?w=" + w);
    if (selected) {
      const ep = "&endpoint=" + encodeURIComponent(selected.type + " " + selected.name);
      $("chart-endpoint").textContent = "Endpoint: " + selected.type + " " + selected.name;
      $("b-clear-endpoint").hidden = false;
      loadSvg("chart-endpoint-rps", base + "/charts/rps.svg?w=" + w + ep);
      loadSvg("chart-endpoint-latency", base + "/charts/latency.svg?" + q + ep);
    } else {
      $("chart-endpoint").textContent = "";
      $("b-clear-endpoint").hidden = true;
      $("chart-endpoint-rps").replaceChildren();
      $("chart-endpoint-latency").replaceChildren();
    }
  }

  // Current ratio (Locust's /tasks).
  let ratioRun = -1;
  async function refreshRatio() {
    ratioRun = last ? last.run_id : -1;
    const r = await fetch(base + "/tasks");
    if (!r.ok) return;
    const j = await r.json();
    const box = $("ratio");
    box.replaceChildren();
    const tree = (tasks) => {
      const ul = el("ul");
      Object.entries(tasks || {}).forEach(([name, t]) => {
        const li = el("li", (t.ratio * 100).toFixed(1) + "% " + name);
        if (t.tasks) li.appendChild(tree(t.tasks));
        ul.appendChild(li);
      });
      return ul;
    };
    box.appendChild(el("h3", "Per class"));
    Object.entries(j.per_class).forEach(([name, c]) => {
      box.appendChild(el("h4", name + ": " + (c.ratio * 100).toFixed(1) + "% of users"));
      box.appendChild(tree(c.tasks));
    });
    box.appendChild(el("h3", "Total"));
    Object.entries(j.total).forEach(([name, c]) => {
      box.appendChild(el("h4", name + ": " + (c.ratio * 100).toFixed(1) + "%"));
      box.appendChild(tree(c.tasks));
    });
  }

  // Logs.
  async function refreshLogs() {
    const r = await fetch(base + "/api/logs?since=" + logSeq);
    if (!r.ok) return;
    const j = await r.json();
    const pre = $("logs");
    j.lines.forEach((l) => { logSeq = Math.max(logSeq, l.seq); pre.appendChild(document.createTextNode(l.time + " " + l.level + " " + l.message + "\n")); });
    while (pre.childNodes.length > 1000) pre.removeChild(pre.firstChild);
  }
  setInterval(() => { if (activeTab() === "logs") refreshLogs(); }, 2000);

  // Start form.
  function fillForm() {
    if (!config) return;
    const d = config.defaults;
    $("f-users").value = d.user_count;
    $("f-rate").value = d.spawn_rate;
    $("f-host").value = d.host || "";
    $("f-runtime").value = d.run_time || "";
    $("f-tags").value = (d.tags || []).join(",");
    $("f-exclude").value = (d.exclude_tags || []).join(",");
    $("f-thresholds").value = (d.thresholds || []).join("\n");
    $("f-arrival").value = d.arrival_rate || "";
    const box = $("f-classes");
    box.replaceChildren();
    config.classes.forEach((c) => {
      const label = el("label");
      const cb = el("input"); cb.type = "checkbox"; cb.checked = c.weight > 0; cb.value = c.name; cb.name = "user_classes";
      const w = el("input"); w.type = "number"; w.min = "0"; w.value = c.weight; w.name = "weight." + c.name; w.title = "weight";
      label.appendChild(cb); label.appendChild(el("span", c.name)); label.appendChild(w);
      box.appendChild(label);
    });
  }
  fetch(base + "/api/config").then((r) => r.json()).then((c) => { config = c; fillForm(); });

  $("b-new").addEventListener("click", () => { $("start-message").textContent = ""; $("start-dialog").showModal(); });
  $("f-cancel").addEventListener("click", () => $("start-dialog").close());
  $("start-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const data = new URLSearchParams();
    const f = $("start-form");
    ["user_count", "spawn_rate", "host", "run_time", "tags", "exclude_tags", "thresholds", "arrival_rate"].forEach((n) => data.append(n, f.elements[n].value));
    document.querySelectorAll("#f-classes label").forEach((l) => {
      const [cb, w] = l.querySelectorAll("input");
      if (cb.checked) { data.append("user_classes", cb.value); data.append("weight." + cb.value, w.value); }
    });
    $("f-start").disabled = true;
    $("start-message").textContent = "Starting…";
    const r = await post("/swarm", data.toString());
    $("f-start").disabled = false;
    if (r.ok) { $("start-message").textContent = ""; $("start-dialog").close(); }
    else $("start-message").textContent = r.message || ("error " + r.status);
  });

  $("b-edit").addEventListener("click", () => {
    $("e-users").value = last ? last.target : 1;
    $("e-rate").value = last && last.spawn_rate ? last.spawn_rate : 1;
    $("edit-message").textContent = "";
    $("edit-dialog").showModal();
  });
  $("e-cancel").addEventListener("click", () => $("edit-dialog").close());
  $("edit-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const data = new URLSearchParams({ user_count: $("e-users").value, spawn_rate: $("e-rate").value });
    const r = await post("/api/edit", data.toString());
    if (r.ok) $("edit-dialog").close(); else $("edit-message").textContent = r.message || ("error " + r.status);
  });
  $("b-stop").addEventListener("click", () => post("/stop"));
  $("b-reset").addEventListener("click", () => post("/stats/reset"));

  // Live updates.
  function connect() {
    const es = new EventSource(base + "/events");
    es.addEventListener("state", (ev) => render(JSON.parse(ev.data)));
    es.onerror = () => { document.body.dataset.connection = "lost"; };
    es.onopen = () => { document.body.dataset.connection = "ok"; };
  }
  connect();
})();
