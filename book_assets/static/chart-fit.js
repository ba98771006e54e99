// Every chart sized to the column it sits in, from a 390 px phone to a wide screen.
//
// Vega-Lite sizes a single view to its container (`width: "container"`) but not the panels of a concatenated chart,
// and most of the book's charts are two or three panels side by side. So every chart goes through this wrapper of
// vegaEmbed (Altair's output calls the global `vegaEmbed`, directly or through require.js: see offline-shim.js):
// - it sets each panel's width so that the whole chart, axes, titles and legends included, fills the column;
// - when side-by-side panels would be narrower than MIN_PANEL, it stacks them (hconcat becomes vconcat), so a phone
//   shows one panel under the other instead of a second panel off-screen;
// - the room axes, titles and legends take is measured on the rendered chart, not guessed: the chart is drawn, its
//   drawing's width compared with the column, and the panels' width corrected (once or twice: that room barely
//   depends on the panels' width); titles longer than their panel are broken into lines;
// - the correction runs again whenever a bound slider or menu changes the chart (wider tick labels, another legend)
//   and whenever the column's width changes (a rotated phone, a resized window, a chart shown after being hidden).
//   It sets the panels' width signals in place, so the controls keep their values and the keyboard focus; the chart
//   is drawn afresh only to switch between side by side and stacked.
// `window.bookCharts.embed(element, spec, options)` is the same fitting for the book's own scripts (the in-browser
// kernel's redraws). Loaded after vega-embed's UMD build and before any chart (html_js_files, _config.yml).

{
  const vegaEmbed = window.vegaEmbed;
  const MIN_PANEL = 220; // px of plotting area: below this, ticks and titles crowd
  const MAX_PANEL = 560; // px: wider than this a 200 px tall panel is a thin strip; the column keeps its margin
  const ROOM_GUESS = 80; // px of a panel's axes and padding, for the first drawing (then measured)
  const SPACING = 20; // px between concatenated panels (Vega-Lite's default)
  const views = new Map(); // element -> {spec, options, result, stacked, width, across, signals, settling}

  const isNumberOrUnset = (width) => width === undefined || typeof width === "number" || width === "container";

  // The panels whose width the fitting sets, and how many sit side by side.
  const faceted = (spec) => spec.facet || spec.repeat || spec.encoding?.column || spec.encoding?.row || spec.encoding?.facet;
  const nested = (panels) => panels.some((panel) => panel.hconcat || panel.vconcat || panel.concat || faceted(panel));
  const layout = (spec) => {
    // concatenations of concatenations are laid out as their author made them, and scaled down if they must be
    const inner = spec.hconcat || spec.vconcat || spec.concat;
    if (Array.isArray(inner) && nested(inner)) return {panels: [], across: 0, kind: "other"};
    if (Array.isArray(spec.hconcat)) return {panels: spec.hconcat, across: spec.hconcat.length, kind: "hconcat"};
    if (Array.isArray(spec.vconcat)) return {panels: spec.vconcat, across: 1, kind: "vconcat"};
    if (Array.isArray(spec.concat)) {
      return {panels: spec.concat, across: Math.min(spec.columns || spec.concat.length, spec.concat.length), kind: "concat"};
    }
    if (faceted(spec)) return {panels: [], across: 0, kind: "other"}; // a grid of small multiples: scaled if need be
    return {panels: [spec], across: 1, kind: "single"};
  };

  // A title's text broken into lines no wider than `width` px (a title longer than its panel would stick out of the
  // chart, or widen it, at narrow widths), measured in the chart's title font.
  const measure = document.createElement("canvas").getContext("2d");
  const wrapped = (title, width, config) => {
    const text = typeof title === "string" ? title : title?.text;
    if (typeof text !== "string") return title; // already in lines, or no title
    const style = {...(config?.title || {}), ...(typeof title === "object" ? title : {})};
    measure.font = `${style.fontWeight || "bold"} ${style.fontSize || 13}px ${style.font || config?.font || "sans-serif"}`;
    const lines = [];
    for (const word of text.split(" ")) {
      const last = lines.length ? `${lines[lines.length - 1]} ${word}` : word;
      if (lines.length && measure.measureText(last).width <= width) lines[lines.length - 1] = last;
      else lines.push(word);
    }
    if (lines.length < 2) return title;
    return typeof title === "string" ? lines : {...title, text: lines};
  };

  // A copy of `spec` laid out `stacked` or not, each resizable panel `width` px wide.
  const sized = (spec, width, stacked) => {
    const copy = {...spec};
    const {kind} = layout(spec);
    if (stacked && kind === "hconcat") {
      copy.vconcat = spec.hconcat;
      delete copy.hconcat;
    }
    if (stacked && kind === "concat") copy.columns = 1;
    const {panels} = layout(copy);
    const resized = panels.map((panel) => {
      const fits = isNumberOrUnset(panel.width) ? {...panel, width: Math.floor(width)} : {...panel};
      if (fits.title) fits.title = wrapped(fits.title, typeof fits.width === "number" ? fits.width + ROOM_GUESS / 2 : width, spec.config);
      return fits;
    });
    if (kind === "single") return resized[0];
    if (copy.title) copy.title = wrapped(copy.title, stacked ? width : width * layout(spec).across, spec.config);
    copy[layout(copy).kind] = resized;
    return copy;
  };

  // The width a chart may take: its output box's content width.
  const room = (element) => {
    const box = element.parentElement;
    if (!box) return 0;
    const style = getComputedStyle(box);
    return box.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  };

  const drawnWidth = (result) => {
    const drawing = result.view.container()?.querySelector("svg.marks, canvas.marks");
    return drawing ? drawing.getBoundingClientRect().width : 0;
  };

  // Keep a redrawn chart's bound controls where the reader left them.
  const withCurrentValues = (spec, result) => {
    if (!result || !Array.isArray(spec.params)) return spec;
    const params = spec.params.map((param) => {
      if (!param.bind || param.select) return param;
      try {
        return {...param, value: result.view.signal(param.name)};
      } catch (error) {
        return param;
      }
    });
    return {...spec, params};
  };

  // The signals holding the widths of a chart's resizable panels, read from the Vega specification Vega-Lite
  // compiled: "width" for a single view (and for stacked panels, which share it), "concat_<i>_width" for panels side
  // by side. Panels sized some other way (by a step per category) are left alone.
  const widthSignals = (spec, result) => {
    const {kind, panels} = layout(spec);
    if (kind === "single") return isNumberOrUnset(spec.width) ? ["width"] : [];
    const names = new Set();
    for (const mark of result.vgSpec?.marks || []) {
      const index = /^concat_(\d+)_group$/.exec(mark.name || "")?.[1];
      const signal = mark.encode?.update?.width?.signal;
      if (index !== undefined && signal && isNumberOrUnset(panels[Number(index)]?.width)) names.add(signal);
    }
    return [...names];
  };

  const draw = async (element, spec, options, previous) => {
    if (previous) previous.finalize();
    return vegaEmbed(element, spec, options);
  };

  // Correct the panels' width in place (through their width signals, so the bound controls keep their focus and
  // state) until the drawing fills its column. Returns "restack" when the chart should change between side by side
  // and stacked instead.
  // A chart whose size Vega-Lite fixes by other means (a grid of images with a step per cell, a facet) is scaled
  // down as a picture when it is wider than its column (its SVG has a viewBox), rather than cut.
  const scaleToFit = (element, result) => {
    const drawing = result.view.container()?.querySelector("svg.marks, canvas.marks");
    if (!drawing) return;
    drawing.style.maxWidth = "100%";
    drawing.style.height = "auto";
  };

  const correct = async (element, mayRestack = true) => {
    const state = views.get(element);
    if (!state?.signals.length) {
      if (state?.result) scaleToFit(element, state.result);
      return "fits";
    }
    const view = state.result.view;
    for (let pass = 0; pass < 4; pass += 1) {
      // Vega recomputes the room its axes and legends need (autosize "pad") only when asked: without this, wider
      // tick labels after a control change would stick out of the drawing
      view.resize();
      await view.runAsync();
      const available = room(element);
      const drawn = drawnWidth(state.result);
      if (!available || !drawn) return "fits"; // hidden: the resize observer comes back when it is shown
      const perRow = state.stacked ? 1 : state.across;
      // (aiming 2 px inside the column: the panels' widths are whole pixels, the drawing's need not be)
      const next = Math.min(MAX_PANEL, state.width + (available - 2 - drawn) / perRow);
      // side by side while each panel keeps MIN_PANEL (less 10 px of slack), stacked otherwise. Only that way: a
      // stacked chart goes back side by side when its column widens (drawn afresh), never on a guess from its
      // stacked measurements, which would make a chart at the threshold flap between the two layouts.
      if (mayRestack && state.across > 1 && !state.stacked && next < MIN_PANEL - 10) return "restack";
      if (Math.abs(next - state.width) < 2 && drawn <= available) return "fits";
      state.width = Math.floor(Math.max(120, next)); // a floor, so that a pathological label cannot shrink a panel to nothing
      for (const name of state.signals) {
        try {
          view.signal(name, Math.floor(state.width));
        } catch (error) {
          // a panel Vega-Lite sized some other way
        }
      }
    }
    return "fits";
  };

  // Draw the chart afresh, laid out side by side or stacked for the room it has, then correct its width.
  const fit = async (element, spec, options) => {
    const previous = views.get(element);
    const available = room(element);
    const {across, kind} = layout(spec);
    if (!available || !across || kind === "other") {
      // a chart drawn before it is on screen (a widget panel's output is drawn before it is attached to the page)
      // is laid out when the resize observer sees it get a width
      const result = await draw(element, spec, options, previous?.result);
      views.set(element, {spec, options, result, signals: [], across: 0, unplaced: !available && across > 0});
      scaleToFit(element, result);
      return result;
    }
    const current = withCurrentValues(spec, previous?.result);
    let stacked = previous?.restacking ? true
      : across > 1 && (available - SPACING * (across - 1)) / across - ROOM_GUESS < MIN_PANEL;
    // At most two drawings: the first guess, and stacked if the first, measured, leaves its panels too narrow.
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const perRow = stacked ? 1 : across;
      const width = Math.min(MAX_PANEL, (available - SPACING * (perRow - 1)) / perRow - ROOM_GUESS);
      const laidOut = sized(current, width, stacked);
      const result = await draw(element, laidOut, options, views.get(element)?.result);
      views.set(element, {spec, options, result, stacked, width, across, signals: widthSignals(laidOut, result),
                          room: available});
      listen(element, result, spec);
      if (!views.get(element).signals.length) scaleToFit(element, result);
      if (stacked) {
        await correct(element, false);
        break;
      }
      const outcome = await correct(element);
      if (outcome !== "restack" && drawnWidth(views.get(element).result) <= room(element) + 1) break;
      stacked = true; // too narrow side by side, or still wider than its column: one panel under the other
    }
    return views.get(element).result;
  };

  // After a bound control changes the chart (wider tick labels, a longer legend), correct its width again.
  const listen = (element, result, spec) => {
    for (const param of spec.params || []) {
      if (!param.bind || param.select) continue;
      result.view.addSignalListener(param.name, () => settle(element));
    }
  };
  // What a change needs: a new column width is laid out afresh (titles wrapped anew, side by side or stacked), a
  // changed chart in the same column has its width corrected in place.
  const settle = (element) => {
    const state = views.get(element);
    if (!state) return Promise.resolve();
    const next = () => {
      if (views.get(element) !== state) return "fits"; // drawn afresh meanwhile
      const available = room(element);
      if (state.unplaced) return available ? "redraw" : "fits";
      if (available && state.room !== undefined && Math.abs(available - state.room) >= 8) return "redraw";
      return correct(element);
    };
    state.settling = (state.settling || Promise.resolve())
      .then(() => new Promise((resolve) => setTimeout(resolve, 0))) // after the run that changed the signal
      .then(next)
      .then((outcome) => (outcome === "redraw" ? fit(element, state.spec, state.options) : outcome === "restack" ? refit(element) : undefined))
      .catch((error) => console.warn("chart-fit:", error));
    return state.settling;
  };
  const refit = async (element) => {
    const state = views.get(element);
    state.restacking = true; // side by side has become too narrow (a control widened the labels): stack
    return fit(element, state.spec, state.options);
  };

  const embed = async (element, spec, options = {}) => {
    const target = typeof element === "string" ? document.querySelector(element) : element;
    if (!target || typeof spec !== "object") return vegaEmbed(element, spec, options); // a URL, or no element
    for (const old of views.keys()) if (!old.isConnected) views.delete(old); // a redrawn panel's old chart
    views.delete(target); // a new chart in this place: laid out afresh
    try {
      return await fit(target, spec, options);
    } catch (error) {
      console.warn("chart-fit: drawing the chart at its own size", error);
      const result = await draw(target, spec, options, views.get(target)?.result);
      views.set(target, {spec, options, result, signals: [], across: 0});
      return result;
    } finally {
      watch(target);
    }
  };

  // When the column's width changes (a rotated phone, a resized window, a chart drawn while hidden and now shown).
  const watched = new WeakSet();
  const columnWatcher = new ResizeObserver((entries) => {
    for (const entry of entries) {
      const element = [...entry.target.children].find((child) => views.has(child));
      if (element) settle(element);
    }
  });
  const watch = (element) => {
    if (element.parentElement && !watched.has(element.parentElement)) {
      watched.add(element.parentElement);
      columnWatcher.observe(element.parentElement);
    }
  };

  if (vegaEmbed) {
    const wrapped = (element, spec, options) => embed(element, spec, options);
    Object.assign(wrapped, vegaEmbed); // vegaEmbed.vega, .vegaLite, .version, .container...
    window.vegaEmbed = wrapped;
    // `views()`: every chart drawn so far, with its Vega view (the browser tests read the scenegraph through it)
    window.bookCharts = {
      embed,
      MIN_PANEL,
      views: () => [...views].filter(([element]) => element.isConnected).map(([element, state]) => ({element, view: state.result.view, stacked: state.stacked, width: state.width,
                                                                signals: state.signals})),
      // a promise that the chart in `element` has finished correcting its width after its last change
      settled: (element) => views.get(element)?.settling ?? Promise.resolve(),
      // the same for every chart on the page (after a change of the window's width, say)
      allSettled: () => Promise.all([...views.values()].map((state) => state.settling ?? Promise.resolve())),
      // whether some chart on screen is still laid out for another column width (its resize is yet to come)
      stale: () => [...views].some(([element, state]) => element.isConnected && state.room !== undefined &&
                                                        room(element) > 0 && Math.abs(room(element) - state.room) >= 8),
    };
  }
}
