"""What test_fit.py looks for on a page, as JavaScript run in it: charts and outputs wider than the text column, and,
for every chart in every state of its bound controls, text outside the chart's drawing (or the column), text cut short
with an ellipsis, marks that run past their plot (an axis domain shorter than the data), legend entries with no marks
drawn, empty legends and legend labels drawn over each other.

Charts are reached through `window.bookCharts.views()` (book_assets/static/chart-fit.js), which gives each chart's
Vega view: the scenegraph says which marks each panel draws and with what colours, independently of how the SVG is
grouped. Every check returns a list of sentences, empty when all is well.
"""

# Shared JS helpers, prefixed to each script below.
_COMMON = r"""
const column = () => document.querySelector("article.bd-article").getBoundingClientRect();
const shown = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden";
const describe = (el) => {
  const title = el.querySelector(".role-title-text text")?.textContent
             || el.closest(".cell")?.querySelector(".cell_input pre")?.textContent?.split("\n")[0] || "";
  return title.trim().slice(0, 60);
};
const drawingOf = (chart) => chart.querySelector("svg.marks, canvas.marks");
"""

# Charts wider than the column (or than the output box that holds them), outputs that scroll or are cut, and cells
# whose output is split into several boxes.
LAYOUT = _COMMON + r"""
() => {
  const problems = {charts: [], outputs: [], split: []};
  const col = column();
  document.querySelectorAll(".vega-embed").forEach((chart, i) => {
    const drawing = drawingOf(chart);
    if (!drawing || !shown(chart)) return;
    const r = drawing.getBoundingClientRect();
    const box = chart.parentElement.getBoundingClientRect();
    if (r.right > col.right + 1 || r.left < col.left - 1 || r.right > box.right + 1) {
      problems.charts.push(`chart ${i} (${describe(chart)}) is ${Math.round(r.width)} px wide; the column is ` +
                           `${Math.round(Math.min(col.right, box.right) - Math.max(col.left, box.left))} px`);
    }
  });
  const outputs = [...document.querySelectorAll(
    "div.cell_output > div.output, div.cell_output pre, div.cell_output table, article div.math, " +
    "article mjx-container[display='true'], article .results-table")];
  for (const el of outputs) {
    if (!shown(el) || el.closest(".vega-embed")) continue;
    const r = el.getBoundingClientRect();
    const cut = r.right > col.right + 1;
    const scrolls = el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== "visible";
    const inner = el.matches("mjx-container") && el.firstElementChild &&
                  el.firstElementChild.getBoundingClientRect().width > r.width + 1;
    if (cut || scrolls || inner) {
      const text = (el.textContent || "").trim().replace(/\s+/g, " ").slice(0, 50);
      problems.outputs.push(`${el.tagName.toLowerCase()}.${[...el.classList].slice(0, 3).join(".")} ` +
        `"${text}": ${cut ? "cut at the column's edge" : "scrolls"} (${el.scrollWidth} px of content in ` +
        `${Math.round(Math.min(r.width, col.right - r.left))} px)`);
    }
  }
  document.querySelectorAll("div.cell_output").forEach((cell) => {
    const boxes = [...cell.children].filter((c) => c.matches("div.output") && shown(c));
    const streams = boxes.filter((b) => b.matches(".stream, .stderr"));
    if (streams.length > 1) {
      const source = cell.closest(".cell")?.querySelector(".cell_input pre")?.textContent?.split("\n")[0] || "";
      problems.split.push(`a cell's printed output is in ${streams.length} boxes (${source.trim().slice(0, 50)})`);
    }
  });
  return problems;
}
"""

# The problems of chart `index` (in document order of `.vega-embed`) as it is drawn now.
CHART = _COMMON + r"""
(index) => {
  const chart = document.querySelectorAll(".vega-embed")[index];
  const found = [];
  const drawing = chart && drawingOf(chart);
  if (!drawing || !shown(chart)) return found;
  const col = column();
  const area = drawing.getBoundingClientRect();
  const entry = window.bookCharts?.views().find((v) => v.element === chart);
  if (!entry) return found.concat(["the chart was not drawn through chart-fit.js (window.bookCharts)"]);
  // the texts the chart asked for, whole: a drawn text ending in "…" that is not one of them was cut short by Vega
  // (at an axis's or legend's label limit); an excerpt that the data themselves end with an ellipsis is not
  const asked = new Set();
  const collect = (node) => {  // marks and items alike: each has its children in `items`
    if (node.text !== undefined) asked.add((Array.isArray(node.text) ? node.text.join("") : String(node.text)).replace(/\n/g, "").trim());
    (node.items || []).forEach(collect);
  };
  collect(entry.view.scenegraph().root);
  // text outside the drawing or the column, or cut short by Vega with an ellipsis
  for (const text of drawing.querySelectorAll("text")) {
    const content = text.textContent.trim();
    const style = getComputedStyle(text);
    if (!content || Number(style.opacity) === 0 || Number(style.fillOpacity) === 0 || !shown(text)) continue;
    const r = text.getBoundingClientRect();
    if (r.width === 0) continue;
    if (r.left < area.left - 1 || r.right > area.right + 1 || r.top < area.top - 1 || r.bottom > area.bottom + 1) {
      found.push(`text "${content.slice(0, 40)}" lies outside the chart's drawing`);
    } else if (r.right > col.right + 1 || r.left < col.left - 1) {
      found.push(`text "${content.slice(0, 40)}" lies outside the text column (cut)`);
    }
    if (content.endsWith("…") && !asked.has(content)) found.push(`text "${content.slice(0, 40)}" is cut short`);
  }
  // walk the scenegraph: data marks per plot, and legends
  const key = (c) => (c && c !== "transparent" && c !== "none" ? String(c).toLowerCase() : null);
  const dash = (d) => (Array.isArray(d) && d.length && !(d.length === 2 && d[1] === 0) ? d.join(",") : "solid");
  const marks = [];  // {colours:Set, dashes:Set}
  const legends = [];
  const visit = (group, plot) => {
    for (const mark of group.items || []) {
      if (mark.marktype === "group") {
        for (const item of mark.items || []) {
          if (mark.role === "legend") legends.push(item);
          else if (!["axis", "title"].includes(mark.role)) {
            visit(item, item.width > 0 && item.height > 0 && mark.role === "scope" ? item : plot);
          }
        }
        continue;
      }
      if (mark.role !== "mark") continue;
      const drawn = (mark.items || []).filter((it) => (it.opacity ?? 1) > 0);
      if (!drawn.length) continue;
      const colours = new Set(), dashes = new Set();
      for (const it of drawn) {
        if ((it.opacity ?? 1) === 0) continue;
        [key(it.stroke), key(it.fill)].forEach((c) => c && colours.add(c));
        dashes.add(dash(it.strokeDash));
      }
      marks.push({colours, dashes});
      // marks beyond their plot: the axis domain stops short of the data. Measured on the marks' positions (a
      // line's points, a bar's corners), not their bounds, which include stroke widths and line joins. Marks the
      // chart clips to its plot on purpose (a scatter on a fixed square, to compare generations) are not counted.
      if (plot && mark.marktype !== "text" && !mark.clip) {
        const xs = [], ys = [];
        for (const it of drawn) {
          xs.push(it.x, it.x2 ?? (it.width != null ? it.x + it.width : it.x));
          ys.push(it.y, it.y2 ?? (it.height != null ? it.y + it.height : it.y));
        }
        const [x1, x2] = [Math.min(...xs.filter(isFinite)), Math.max(...xs.filter(isFinite))];
        const [y1, y2] = [Math.min(...ys.filter(isFinite)), Math.max(...ys.filter(isFinite))];
        if (x1 < -1.5 || x2 > plot.width + 1.5 || y1 < -1.5 || y2 > plot.height + 1.5) {
          found.push(`${mark.marktype} marks run past their plot (x ${Math.round(x1)}..${Math.round(x2)} in ` +
                     `0..${Math.round(plot.width)}, y ${Math.round(y1)}..${Math.round(y2)} in 0..${Math.round(plot.height)})`);
        }
      }
    }
  };
  const root = entry.view.scenegraph().root.items[0];
  visit(root, root.width > 0 && root.height > 0 ? root : null);  // a single view's root is its plot
  const inside = (node, role) => {
    const out = [];
    const walk = (n) => { for (const m of n.items || []) {
      if (m.role === role) out.push(...(m.items || []));
      (m.items || []).forEach(walk);
    } };
    walk(node);
    return out;
  };
  for (const legend of legends) {
    if (inside(legend, "legend-gradient").length) continue;
    const entries = inside(legend, "legend-entry");
    if (!entries.length) { found.push("an empty legend"); continue; }
    for (const e of entries) {
      const label = inside(e, "legend-label")[0]?.text ?? "";
      const symbol = inside(e, "legend-symbol")[0] || {};
      const colour = key(symbol.stroke) || key(symbol.fill);
      const style = dash(symbol.strokeDash);
      const match = marks.some((m) => (!colour || m.colours.has(colour)) && (style === "solid" || m.dashes.has(style)));
      if (!match) found.push(`legend entry "${label}" has no marks drawn`);
    }
  }
  // legend labels drawn over each other
  const labels = [...drawing.querySelectorAll(".role-legend-label text")].filter(shown).map((t) => [t.textContent, t.getBoundingClientRect()]);
  for (let i = 0; i < labels.length; i += 1) {
    for (let j = i + 1; j < labels.length; j += 1) {
      const [a, ra] = labels[i], [b, rb] = labels[j];
      const w = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left), h = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
      if (w > 1 && h > 1) found.push(`legend labels "${a}" and "${b}" overlap`);
    }
  }
  return [...new Set(found)];
}
"""

# The bound controls of chart `index`, each as {name, kind, values}: a radio group's and a menu's every option, a
# slider's ends and middle (on its step).
CONTROLS = r"""
(index) => {
  const chart = document.querySelectorAll(".vega-embed")[index];
  return [...chart.querySelectorAll(".vega-bind")].map((bind, position) => {
    const name = bind.querySelector(".vega-bind-name")?.textContent.trim() || `control ${position}`;
    const select = bind.querySelector("select");
    const radios = [...bind.querySelectorAll("input[type=radio]")];
    const range = bind.querySelector("input[type=range]");
    if (select) return {position, name, kind: "select", values: [...select.options].map((o) => o.value), now: select.value};
    if (radios.length) return {position, name, kind: "radio", values: radios.map((r) => r.value),
                               now: radios.find((r) => r.checked)?.value};
    if (range) {
      const [low, high, step] = [Number(range.min), Number(range.max), Number(range.step) || 1];
      const middle = low + Math.round((high - low) / 2 / step) * step;
      return {position, name, kind: "range", values: [...new Set([low, middle, high])].map(String), now: range.value};
    }
    return {position, name, kind: "other", values: [], now: null};
  });
}
"""

# Set control `position` of chart `index` to `value` as a reader would, and wait until Vega has redrawn.
SET_CONTROL = r"""
async ([index, position, value]) => {
  const chart = document.querySelectorAll(".vega-embed")[index];
  const bind = chart.querySelectorAll(".vega-bind")[position];
  const input = bind.querySelector("select, input[type=range]") ||
                [...bind.querySelectorAll("input[type=radio]")].find((r) => r.value === value);
  if (input.type === "radio") input.checked = true; else input.value = value;
  input.dispatchEvent(new Event("input", {bubbles: true}));
  input.dispatchEvent(new Event("change", {bubbles: true}));
  const entry = window.bookCharts?.views().find((v) => v.element === chart);
  if (entry) await entry.view.runAsync();
  await window.bookCharts?.settled(chart);  // chart-fit.js has corrected the panels' width for the new state
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
}
"""

CHART_COUNT = "() => document.querySelectorAll('.vega-embed').length"
