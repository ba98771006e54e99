// "Run this panel in your browser": the chapter's live panel, re-run by Python in the reader's own browser.
//
// The page shows the panel from its saved widget state (the html-manager of @jupyter-widgets, loaded before this
// file). This script keeps hold of that widget manager, and puts a button by the panel. Pressed, it starts Pyodide
// in a Web Worker (browser-kernel-worker.js) with the book's own code, and from then on every change to one of the
// panel's own controls sends their values to the worker, which runs the chapter's `chart(**settings)`
// (book_assets/browser_kernel.py's `draw`); the chart that comes back is drawn in the panel's output area, in place
// of the saved one. One set of controls, inline. The static charts of the page are left alone throughout.
//
// `window.bookBrowserKernel` holds the state, for the book's browser tests and benchmarks: {state, lastReply,
// timings, draws, found (what this start found kept by an earlier one), kept (what it kept for the next)}.
(() => {
  const script = document.currentScript;
  const config = JSON.parse(script.dataset.config);
  const here = (path) => new URL(path, script.src).href;
  const kernel = { state: "idle", lastReply: null, timings: {}, draws: 0, config };
  window.bookBrowserKernel = kernel;

  // What the reader is told to expect, measured on 2 cores (benchmarks/browser_kernel.py and the browser tests):
  // the first start 10 s on a quiet machine, 2-3 times that on a busy one; a later start, from the copy this browser
  // keeps (browser-kernel-worker.js), about 4 s.
  const ESTIMATE = { first: "about 10 to 30 s, depending on your computer, and about 40 MB to download",
                     kept: "about 5 s: this browser keeps a copy from an earlier start" };
  async function keptBefore() {
    try {
      const keys = await (await caches.open("book-browser-kernel")).keys();
      return keys.some((request) => request.url.includes("/browser-kernel-kept/packages-"));
    } catch (error) {
      return false; // no Cache Storage here (a file:// page, say): nothing is kept
    }
  }
  const ELSEWHERE = "Binder, or <code>make live</code> on your machine (see the page's launch buttons)";

  // --- the panels on the page, as the widget manager displays them ------------------------------------------------
  const panels = [];

  function isPanel(model) {
    // widgets.panel.Panel: a VBox of [title, grid of controls, ..., message, output, below]
    const children = model.get("children") || [];
    return model.get("_model_name") === "VBoxModel" && children.length >= 5 &&
      children[1].get("_model_name") === "GridBoxModel" &&
      children[children.length - 2].get("_model_name") === "OutputModel";
  }

  function watchWidgetManager() {
    if (typeof window.require !== "function") return;
    window.require(["@jupyter-widgets/html-manager"], (htmlManager) => {
      const prototype = htmlManager.HTMLManager.prototype;
      const display = prototype.display_view;
      prototype.display_view = function (view, element, ...rest) {
        const shown = display.call(this, view, element, ...rest);
        Promise.resolve(shown).then(() => {
          if (isPanel(view.model)) addPanel(view.model, element);
        });
        return shown;
      };
    });
  }

  // --- the bar by each panel ------------------------------------------------------------------------------------
  function addPanel(model, element) {
    const children = model.get("children");
    const panel = {
      model,
      element,
      controls: children[1].get("children"),
      message: children[children.length - 3],
      output: children[children.length - 2],
      below: children[children.length - 1],
      chart: null,
      embedded: null,
    };
    panels.push(panel);
    const bar = document.createElement("div");
    bar.className = "browser-kernel";
    bar.setAttribute("role", "region");
    bar.setAttribute("aria-label", "Python in your browser");
    const status = document.createElement("p");
    status.className = "browser-kernel-status";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    panel.status = status;
    if (config.needs) {
      status.innerHTML = `This panel's experiment needs ${config.needs}, which the Python in your browser cannot ` +
        `load: to move its controls, run this chapter in a Python kernel with ${config.needs}: ${ELSEWHERE}.`;
      bar.append(status);
    } else {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "browser-kernel-start";
      button.textContent = "Run this panel in your browser";
      panel.button = button;
      if (config.available) {
        const expect = (estimate) => `No server needed: Python starts in this page (${estimate}). The page ` +
          "stays usable meanwhile.";
        status.textContent = expect(ESTIMATE.first);
        keptBefore().then((kept) => {
          if (kept && kernel.state === "idle") status.textContent = expect(ESTIMATE.kept);
        });
        button.addEventListener("click", () => startKernel(panel));
      } else {
        button.disabled = true;
        status.innerHTML = "This build of the book has no Python for your browser (its Pyodide files were not " +
          `fetched). For a live panel: ${ELSEWHERE}.`;
      }
      bar.append(button, status);
    }
    element.before(bar);
  }

  // --- the worker -------------------------------------------------------------------------------------------------
  let worker = null;
  let pending = new Map(); // draw id -> panel
  let nextId = 0;

  function say(text, failed = false) {
    for (const panel of panels) {
      if (!panel.status) continue;
      panel.status.textContent = text;
      panel.status.classList.toggle("browser-kernel-failed", failed);
    }
  }

  function fail(text) {
    kernel.state = "failed";
    say(`Python could not start in your browser: ${text}. The charts on this page still work; for a live ` +
      "panel, use Binder or `make live`.", true);
    for (const panel of panels) if (panel.button) panel.button.disabled = false;
    if (worker) worker.terminate();
    worker = null;
  }

  function startKernel(panel) {
    if (kernel.state === "starting" || kernel.state === "live") return;
    if (typeof WebAssembly !== "object" || typeof Worker !== "function") {
      fail("this browser has no WebAssembly or no Web Workers");
      return;
    }
    kernel.state = "starting";
    kernel.timings.pressed = performance.now();
    for (const p of panels) if (p.button) p.button.disabled = true;
    say("starting Python in your browser...");
    try {
      worker = new Worker(here("browser-kernel-worker.js"));
    } catch (error) {
      fail(String(error));
      return;
    }
    worker.onerror = (event) => fail(event.message || "the worker stopped");
    worker.onmessage = ({ data }) => {
      if (data.type === "progress") say(data.text);
      else if (data.type === "failed") fail(data.text);
      else if (data.type === "ready") live(data);
      else if (data.type === "drawn") drawn(data);
      else if (data.type === "kept") {
        kernel.kept = data;
        if (data.bytes) {
          kernel.keptNote = ` This browser now keeps a copy of Python's files for the next start ` +
            `(${Math.round(data.bytes / 1e6)} MB; clearing this site's data removes it).`;
          sayLive();
        }
      }
    };
    worker.postMessage({ type: "start", pyodide: here("pyodide/"), bundle: here("browser-kernel/book.zip"),
                         chapter: config.chapter });
  }

  function live(ready) {
    kernel.state = "live";
    kernel.versions = ready.versions;
    kernel.timings.ready = performance.now();
    kernel.timings.worker = ready.seconds;
    kernel.found = ready.kept; // what this start found kept by an earlier one (a snapshot, compiled files)
    for (const panel of panels) {
      if (panel.button) panel.button.hidden = true;
      for (const control of panel.controls) {
        control.on("change:value change:index", () => redraw(panel));
      }
      redraw(panel);
    }
  }

  // --- a redraw: the controls' values to the worker, its chart into the panel -----------------------------------
  function controlValues(panel) {
    return panel.controls.map((control) => ({
      label: control.get("description"),
      value: control.get("value") ?? null,
      index: control.get("index") ?? null,
    }));
  }

  function redraw(panel) {
    if (panel.busy) {
      panel.again = true; // only the latest settings are worth running
      return;
    }
    panel.busy = true;
    panel.again = false;
    const id = nextId++;
    pending.set(id, { panel, sent: performance.now() });
    worker.postMessage({ type: "draw", id, chapter: config.chapter, controls: controlValues(panel) });
  }

  function escape(text) {
    const span = document.createElement("span");
    span.textContent = text;
    return span.innerHTML;
  }

  async function drawn({ id, reply }) {
    const { panel, sent } = pending.get(id);
    pending.delete(id);
    kernel.lastReply = reply;
    if (reply.shown) {
      for (const control of panel.controls) {
        const label = control.get("description");
        if (label in reply.shown) control.get("layout").set("display", reply.shown[label] ? null : "none");
      }
    }
    if (reply.spec) {
      await show(panel, reply.spec);
      panel.message.set("value", "");
      panel.below.set("value", reply.below || "");
    } else if (reply.message) {
      panel.message.set("value", `<span role="alert" style="color:#D55E00">${escape(reply.message)}</span>`);
    } else {
      console.error(`The in-browser panel could not draw its chart:\n${reply.traceback || reply.fault}`);
      panel.message.set("value", `<span role="alert" style="color:#D55E00">Something went wrong drawing this ` +
        `chart: ${escape(reply.fault)}. The last good chart is kept.</span>`);
    }
    const ms = performance.now() - sent;
    kernel.draws += 1;
    kernel.timings.lastDraw = { total_ms: ms, python_ms: reply.python_ms, engine_ms: reply.seconds * 1000 };
    if (kernel.draws === 1) kernel.timings.firstChart = performance.now();
    kernel.lastMs = ms;
    sayLive();
    panel.busy = false;
    if (panel.again) redraw(panel);
  }

  function sayLive() {
    if (kernel.state !== "live" || kernel.lastMs === undefined) return;
    say(`Live: ${kernel.versions}, in your browser; every change to the panel re-runs the experiment here ` +
      `(last redraw ${Math.round(kernel.lastMs)} ms).${kernel.keptNote || ""}`);
  }

  // One way to put a chart on the page, the same as the book's other charts (sized to the column).
  function embed(element, spec) {
    const bookEmbed = window.bookCharts?.embed;
    return bookEmbed ? bookEmbed(element, spec) : window.vegaEmbed(element, spec, { actions: false });
  }

  async function show(panel, spec) {
    if (!panel.chart) {
      const views = Object.values(panel.output.views || {});
      const area = views.length ? (await views[0]).el : panel.element;
      for (const child of area.children) child.hidden = true; // the saved chart, replaced by the live one
      panel.chart = document.createElement("div");
      panel.chart.className = "browser-kernel-chart";
      area.append(panel.chart);
    }
    panel.embedded?.finalize?.(); // the previous chart's Vega view, which would keep its listeners otherwise
    panel.embedded = await embed(panel.chart, spec);
  }

  watchWidgetManager();
})();
