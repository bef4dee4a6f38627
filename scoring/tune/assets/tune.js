/* jixiao tune: the live tuning page (docs/tune.md). Every change sends the overrides
   (KEY=VALUE, the grammar of `jixiao whatif --set`) to this server, which checks them
   like a ruleset file and re-scores the parsed rows; nothing is computed here but the
   tables' layout. Every request sends the token (from the page's meta tag) as a header. */
(function () {
  "use strict";
  var S = { controls: null, base: {}, values: {}, seq: 0, inflight: false, pending: false,
            absorb: null, grades: null, view: null, last: null };
  var body = document.body;

  function $(id) { return document.getElementById(id); }
  function el(tag, attrs, kids) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") e.textContent = attrs[k];
      else if (k === "dataset") Object.assign(e.dataset, attrs[k]);
      else e.setAttribute(k, attrs[k]);
    });
    (kids || []).forEach(function (c) { e.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return e;
  }
  var TOKEN = document.querySelector('meta[name="jixiao-token"]').content;
  function post(path, data) {
    return fetch(path, { method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-Jixiao-Token": TOKEN },
      body: JSON.stringify(data) })
      .then(function (r) { return r.json().then(function (j) { return { status: r.status, body: j }; }); });
  }
  function fmt(v, places) {
    if (v === null || v === undefined) return "";
    if (typeof v === "number") return places === undefined ? String(v) : v.toFixed(places);
    return String(v);
  }
  function yamlValue(v) {
    if (typeof v === "boolean" || typeof v === "number") return String(v);
    return JSON.stringify(String(v));
  }
  function num(v) { return Math.round(v * 1e6) / 1e6; }

  /* --- the overrides ------------------------------------------------------------ */

  function sets() {
    return Object.keys(S.values).filter(function (k) { return S.values[k] !== S.base[k]; })
      .map(function (k) { return k + "=" + yamlValue(S.values[k]); });
  }
  function setValue(key, value) { S.values[key] = value; var i = $("in-" + key); if (i && i.value !== String(value)) i.value = value; var r = $("rg-" + key); if (r) r.value = value; }

  function clearErrors() {
    document.querySelectorAll(".err").forEach(function (e) { e.textContent = ""; });
    $("errors").textContent = "";
  }
  function showErrors(errors) {
    errors.forEach(function (e) {
      var placed = false;
      (e.sets || []).forEach(function (s) {
        var key = s.split("=")[0];
        var span = document.querySelector('.err[data-key="' + CSS.escape(key) + '"]');
        if (span) { span.textContent = e.message; placed = true; }
      });
      if (!placed) $("errors").appendChild(el("div", { text: e.message }));
    });
  }

  /* --- controls ------------------------------------------------------------------ */

  function numberControl(parent, c, opts) {
    opts = opts || {};
    S.base[c.key] = c.value; S.values[c.key] = c.value;
    var row = el("div", { "class": "control" });
    row.appendChild(el("label", { "for": "in-" + c.key, title: c.key, text: c.label }));
    if (opts.range) {
      var r = el("input", { type: "range", id: "rg-" + c.key, min: opts.min, max: opts.max, step: opts.step, value: c.value,
        "aria-label": c.key, dataset: { key: c.key } });
      r.addEventListener("input", function () { opts.change(Number(r.value)); });
      row.appendChild(r);
    } else row.appendChild(el("span"));
    var input;
    if (typeof c.value === "boolean") {
      input = el("input", { type: "checkbox", id: "in-" + c.key, dataset: { key: c.key } });
      input.checked = c.value;
      input.addEventListener("change", function () { S.values[c.key] = input.checked; schedule(); });
    } else {
      input = el("input", { type: "number", id: "in-" + c.key, step: opts.step || "any", value: c.value, dataset: { key: c.key } });
      input.addEventListener("change", function () {
        if (input.value === "") return;
        (opts.change || function (v) { S.values[c.key] = v; schedule(); })(Number(input.value));
      });
    }
    row.appendChild(input);
    row.appendChild(el("span", { "class": "err", dataset: { key: c.key } }));
    parent.appendChild(row);
  }

  function moveWeight(key, value) {
    var absorb = S.absorb, old = S.values[key];
    setValue(key, num(value));
    var span = document.querySelector('.err[data-key="' + CSS.escape(key) + '"]');
    if (span) span.textContent = "";
    if (absorb && absorb !== key) {
      var moved = num(S.values[absorb] - (value - old));
      if (moved < 0) {
        setValue(key, old);
        if (span) span.textContent = "吸收项 " + absorb + " 将为负（would go negative）";
        return;
      }
      setValue(absorb, moved);
    }
    showTotal();
    schedule();
  }
  function showTotal() {
    var c = S.controls, total = 0;
    c.weights.forEach(function (w) { total += S.values[w.key]; });
    var t = $("weights-total");
    t.textContent = "合计 total " + num(total) + " / " + c.scale;
    t.className = "total" + (Math.abs(total - c.scale) > 1e-9 ? " bad" : "");
  }

  function drawControls(c) {
    var box = $("controls");
    box.appendChild(el("h2", { text: "控制项" }, [el("span", { "class": "en", text: "Controls" })]));
    box.appendChild(el("p", { "class": "note", text: c.projects.toLocaleString() + " 个项目 · " +
      c.indicators.toLocaleString() + " 行指标 · 拒收 " + c.rejects + " 行（只读取、解析一次）" }));
    box.appendChild(el("h3", { text: "一级指标权重 Level-1 weights" }));
    var sel = el("select", { id: "absorb", "aria-label": "absorbing key" });
    sel.appendChild(el("option", { value: "", text: "（不吸收 none）" }));
    c.weights.forEach(function (w) { sel.appendChild(el("option", { value: w.key, text: w.label })); });
    S.absorb = c.absorb ? "weights." + c.absorb : null;
    sel.value = S.absorb || "";
    sel.addEventListener("change", function () { S.absorb = sel.value || null; });
    box.appendChild(el("div", { "class": "control" }, [el("label", { "for": "absorb", text: "吸收项 absorb" }), sel]));
    c.weights.forEach(function (w) {
      numberControl(box, w, { range: true, min: 0, max: c.scale, step: 0.5,
        change: function (v) { moveWeight(w.key, v); } });
    });
    box.appendChild(el("div", { id: "weights-total", "class": "total" }));
    if (c.level2.length) {
      box.appendChild(el("h3", { text: "二级指标权重 Level-2 weights" }));
      c.level2.forEach(function (g) {
        box.appendChild(el("div", { "class": "note", text: g.label }));
        g.items.forEach(function (w) { numberControl(box, w, { step: 0.5 }); });
      });
    }
    box.appendChild(el("h3", { text: "定性档次默认得分率 Tier defaults" }));
    c.tiers.forEach(function (t) { numberControl(box, t, { step: 0.05 }); });
    box.appendChild(el("h3", { text: "等级下限 Grade bands (min)" }));
    c.grades.forEach(function (g, i) {
      if (i === c.grades.length - 1) return;
      numberControl(box, { key: g.key, label: g.name + " ≥", value: g.min }, { step: 0.5 });
    });
    box.appendChild(el("h3", { text: "预算执行率规则 Budget execution" }));
    var b = c.budget;
    S.base[b.key] = b.expr; S.values[b.key] = b.expr;
    if (b.cap !== null) {
      numberControl(box, { key: "budget.cap", label: "上限 cap", value: b.cap }, { step: 0.05,
        change: function (v) {
          S.values[b.key] = b.expr.replace(/clip\(\s*rate\s*,\s*0\s*,\s*[0-9]+(?:\.[0-9]+)?\s*\)/, "clip(rate, 0, " + v + ")");
          if (S.values[b.key] === b.expr.replace(/clip\(\s*rate\s*,\s*0\s*,\s*[0-9]+(?:\.[0-9]+)?\s*\)/, "clip(rate, 0, " + b.cap + ")")) S.values[b.key] = b.expr;
          $("in-" + b.key).value = S.values[b.key]; schedule(); } });
      delete S.values["budget.cap"]; delete S.base["budget.cap"];
    }
    var row = el("div", { "class": "control" });
    var expr = el("input", { type: "text", id: "in-" + b.key, value: b.expr, "aria-label": b.key, dataset: { key: b.key } });
    expr.addEventListener("change", function () { S.values[b.key] = expr.value; schedule(); });
    row.appendChild(expr);
    row.appendChild(el("span", { "class": "err", dataset: { key: b.key } }));
    box.appendChild(row);
    box.appendChild(el("h3", { text: "参数（标记使用） Params" }));
    c.params.forEach(function (p) {
      numberControl(box, { key: p.key, label: p.label + (p.used_by.length ? " · " + p.used_by.join(",") : ""), value: p.value }, {});
    });
    var save = el("div", { "class": "save" });
    save.appendChild(el("h3", { text: "另存为规则集 Save as ruleset" }));
    var name = el("input", { type: "text", id: "save-name", value: c.ruleset.id + "-tuned", "aria-label": "ruleset name" });
    var button = el("button", { type: "button", id: "save-button", text: "保存 Save" });
    var reset = el("button", { type: "button", id: "reset-button", text: "重置 Reset" });
    save.appendChild(name); save.appendChild(button); save.appendChild(reset);
    save.appendChild(el("p", { "class": "note", text: "写入 " + c.out_dir + "/<名称>.yaml" }));
    save.appendChild(el("pre", { id: "save-result" }));
    box.appendChild(save);
    button.addEventListener("click", function () {
      post("/api/save", { set: sets(), name: name.value }).then(function (r) {
        if (r.status === 200) { $("save-result").textContent = "已保存 saved: " + r.body.path + "\n\n" + r.body.yaml; }
        else { $("save-result").textContent = r.body.errors.map(function (e) { return e.message; }).join("\n"); }
      });
    });
    reset.addEventListener("click", function () {
      Object.keys(S.base).forEach(function (k) { setValue(k, S.base[k]); });
      document.querySelectorAll("#controls input[type=checkbox]").forEach(function (i) { i.checked = S.base[i.dataset.key]; });
      if ($("in-budget.cap")) $("in-budget.cap").value = c.budget.cap;
      showTotal(); schedule();
    });
    showTotal();
  }

  /* --- scoring round trips -------------------------------------------------------- */

  function schedule() {
    if (S.inflight) { S.pending = true; return; }
    send();
  }
  function send() {
    var seq = ++S.seq, started = performance.now();
    S.inflight = true; body.dataset.state = "busy";
    $("status").textContent = "计算中… scoring";
    post("/api/score", { set: sets() }).then(function (r) {
      clearErrors();
      if (r.status === 200) {
        var answered = performance.now();
        S.last = r.body;
        return render(r.body).then(function () {
          body.dataset.renderMs = (performance.now() - answered).toFixed(1);
          body.dataset.serverMs = String(r.body.server_ms);
          return r;
        });
      }
      showErrors(r.body.errors || [{ message: "HTTP " + r.status }]);
      return r;
    }).then(function (r) {
      var ms = performance.now() - started;
      body.dataset.ms = ms.toFixed(1);
      $("status").textContent = r.status === 200
        ? "已更新 updated in " + ms.toFixed(0) + " ms（服务器 server " + r.body.server_ms + " ms" + (r.body.reused_rows ? "，复用指标行得分 row sums reused" : "") + "）"
        : "未更新：规则无效 not applied: the ruleset is refused";
      finish(seq, r.status === 200 ? "ready" : "error");
    }, function (e) {
      $("errors").appendChild(el("div", { text: "请求失败 request failed: " + e }));
      finish(seq, "error");
    });
  }
  function finish(seq, state) {
    S.inflight = false;
    body.dataset.seq = String(seq);
    if (S.pending) { S.pending = false; send(); return; }
    body.dataset.state = state;
  }

  /* --- views ------------------------------------------------------------------------ */

  function render(d) {
    drawCounts(d);
    drawMatrix(d);
    drawTable($("departments"), d.departments, [
      ["department", "部门 department"], ["n_projects", "项目数", 0], ["base_mean_total", "基准均分", 2],
      ["candidate_mean_total", "候选均分", 2], ["mean_delta", "均分变化 Δ", 2], ["n_changed_grade", "等级变化", 0],
      ["n_up", "升 up", 0], ["n_down", "降 down", 0]]);
    $("changed-note").textContent = d.changed.n + " 个项目等级变化 projects change grade" +
      (d.changed.n > d.changed.rows.length ? "（显示变化最大的 " + d.changed.rows.length + " 个 showing the largest moves）" : "") +
      "；点击项目编号查看候选规则下的得分说明 click an id for its explanation.";
    drawTable($("changed"), d.changed.rows, [
      ["project_id", "项目编号 id", "link"], ["project_name", "项目名称"], ["department", "部门"],
      ["base_total", "基准得分", 2], ["candidate_total", "候选得分", 2], ["delta", "变化 Δ", 2],
      ["base_grade", "基准等级"], ["candidate_grade", "候选等级"]]);
    $("near-note").textContent = d.near.n + " 行：候选规则下距等级界限 " + d.near.margin + " 分以内 rows within the margin of a boundary" +
      (d.near.n > d.near.rows.length ? "（显示前 " + d.near.rows.length + " 行 first rows shown）" : "");
    drawTable($("near"), d.near.rows, [
      ["project_id", "项目编号 id", "link"], ["project_name", "项目名称"], ["department", "部门"], ["total", "得分", 2],
      ["grade", "等级"], ["boundary", "界限", 2], ["distance", "距离", 2], ["grade_below", "下一等级"], ["grade_above", "上一等级"]]);
    return drawChart(d);
  }

  function drawCounts(d) {
    var t = $("counts");
    t.tHead.textContent = ""; t.tBodies[0].textContent = "";
    t.tHead.appendChild(el("tr", {}, [el("th", { text: "等级 grade" }), el("th", { text: "基准 base" }),
      el("th", { text: "候选 candidate" }), el("th", { text: "变化 Δ" })]));
    d.grades.forEach(function (g) {
      var b = d.counts.base[g] || 0, c = d.counts.candidate[g] || 0, delta = c - b;
      t.tBodies[0].appendChild(el("tr", { dataset: { grade: g } }, [el("th", { text: g }),
        el("td", { "class": "num", dataset: { side: "base", v: String(b) }, text: String(b) }),
        el("td", { "class": "num", dataset: { side: "candidate", v: String(c) }, text: String(c) }),
        el("td", { "class": "num " + (delta > 0 ? "up" : delta < 0 ? "down" : ""), text: (delta > 0 ? "+" : "") + delta })]));
    });
  }

  function drawMatrix(d) {
    var t = $("migration"), max = 0;
    t.textContent = "";
    d.migration.forEach(function (r) { if (r[0] !== r[1]) max = Math.max(max, r[2]); });
    var head = el("tr", {}, [el("th", { text: "基准 ↓ / 候选 →" })]);
    d.grades.forEach(function (g) { head.appendChild(el("th", { text: g })); });
    t.appendChild(el("thead", {}, [head]));
    var tb = el("tbody");
    d.grades.forEach(function (b) {
      var tr = el("tr", {}, [el("th", { text: b })]);
      d.grades.forEach(function (c) {
        var n = 0;
        d.migration.forEach(function (r) { if (r[0] === b && r[1] === c) n = r[2]; });
        var td = el("td", { dataset: { base: b, candidate: c, v: String(n) }, text: String(n) });
        if (b === c) td.style.fontWeight = "bold";
        else if (n > 0) td.style.background = "rgba(26,79,139," + (0.15 + 0.6 * n / max).toFixed(2) + ")";
        tr.appendChild(td);
      });
      tb.appendChild(tr);
    });
    t.appendChild(tb);
  }

  function esc(v) {
    return String(v).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function drawTable(t, rows, cols) {
    /* One string per body (escaped), not a node per cell: a thousand rows redraw in a
       few milliseconds. Clicks on ids are delegated to the table. */
    t.textContent = "";
    var head = el("tr");
    cols.forEach(function (c) {
      var numeric = typeof c[2] === "number";
      var th = el("th", { "aria-sort": "none", dataset: { col: c[0], type: numeric ? "num" : "text" } });
      var b = el("button", { type: "button", text: c[1] });
      b.addEventListener("click", function () { jixiaoSortTable(t, th); });
      th.appendChild(b); head.appendChild(th);
    });
    t.appendChild(el("thead", {}, [head]));
    var html = rows.map(function (r) {
      return "<tr>" + cols.map(function (c) {
        var v = r[c[0]], numeric = typeof c[2] === "number";
        var raw = v === null || v === undefined ? "" : String(v);
        var shown = numeric ? fmt(v, c[2] === 0 ? undefined : c[2]) : fmt(v);
        if (c[2] === "link") shown = '<button type="button" class="link" data-id="' + esc(raw) + '">' + esc(raw) + "</button>";
        else shown = esc(shown);
        return '<td class="' + (numeric ? "num" : "") + '" data-v="' + esc(raw) + '">' + shown + "</td>";
      }).join("") + "</tr>";
    }).join("");
    var tb = el("tbody");
    tb.innerHTML = html;
    t.appendChild(tb);
    if (!t.dataset.delegated) {
      t.dataset.delegated = "1";
      t.addEventListener("click", function (e) {
        var b = e.target.closest("button.link");
        if (b) explain(b.dataset.id);
      });
    }
  }

  function chartValues(d) {
    var out = [];
    d.grades.forEach(function (g) {
      out.push({ grade: g, side: "基准 base", n: d.counts.base[g] || 0 });
      out.push({ grade: g, side: "候选 candidate", n: d.counts.candidate[g] || 0 });
    });
    return out;
  }
  function drawChart(d) {
    var values = chartValues(d), key = d.grades.join("|");
    if (S.view && S.grades === key) {
      return S.view.data("table", values).runAsync();
    }
    S.grades = key;
    var spec = {
      $schema: "https://vega.github.io/schema/vega-lite/v5.json",
      width: 520, height: 220, data: { name: "table", values: values },
      mark: { type: "bar", tooltip: true },
      encoding: {
        x: { field: "grade", type: "nominal", sort: d.grades, title: "等级 grade", axis: { labelAngle: 0 } },
        xOffset: { field: "side", sort: ["基准 base", "候选 candidate"] },
        y: { field: "n", type: "quantitative", title: "项目数 projects" },
        color: { field: "side", type: "nominal", sort: ["基准 base", "候选 candidate"], title: null,
          scale: { range: ["#9fb7d4", "#1a4f8b"] } }
      },
      config: { font: "Noto Sans CJK SC, WenQuanYi Micro Hei, sans-serif" }
    };
    return vegaEmbed($("chart-grades"), spec, { renderer: "svg", actions: false, defaultStyle: false })
      .then(function (res) { S.view = res.view; });
  }

  function explain(id) {
    $("s-explain").hidden = false;
    $("explain-text").textContent = "…";
    post("/api/explain", { set: sets(), project_id: id }).then(function (r) {
      $("explain-text").textContent = r.status === 200 ? r.body.text : r.body.errors.map(function (e) { return e.message; }).join("\n");
      $("s-explain").scrollIntoView();
    });
  }

  $("flags-button").addEventListener("click", function () {
    var t = $("flags");
    t.textContent = "计算中… counting";
    post("/api/flags", { set: sets() }).then(function (r) {
      t.textContent = "";
      if (r.status !== 200) { showErrors(r.body.errors); return; }
      t.appendChild(el("thead", {}, [el("tr", {}, [el("th", { text: "标记 flag" }), el("th", { text: "基准 base" }),
        el("th", { text: "候选 candidate" })])]));
      var tb = el("tbody");
      r.body.flags.forEach(function (f) {
        tb.appendChild(el("tr", { dataset: { flag: f[0] } }, [el("td", { text: f[0] }),
          el("td", { "class": "num", text: String(f[1]) }), el("td", { "class": "num", text: String(f[2]) })]));
      });
      t.appendChild(tb);
    });
  });

  fetch("/api/controls", { credentials: "same-origin", headers: { "X-Jixiao-Token": TOKEN } }).then(function (r) { return r.json(); }).then(function (c) {
    S.controls = c;
    drawControls(c);
    send();
  });
})();
