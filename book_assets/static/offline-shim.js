// Loaded only on pages with widget output, between require.js and embed-amd.js (see
// nb_ipywidgets_js in _config.yml), so `define` exists and the widget manager has not started.

// Altair's output asks AMD for vega-embed whenever require.js is on the page: hand it the
// globals of the UMD builds, which load before require.js (VEGA_DEBUG is set by offline_book.py).
define("vega", [], () => window.vega);
define("vega-lite", [], () => window.vegaLite);
define("vega-embed", [], () => window.vegaEmbed);

// The widget manager's AMD modules (defined inside embed-amd.js) fetch their FontAwesome fonts from
// the folder of their module URL, by default relative to the page (chapters/@jupyter-widgets/...):
// point those URLs into the vendored dist/ folder, which holds the fonts.
{
  const dist = new URL("npm/@jupyter-widgets/html-manager/dist/", document.currentScript.src).href;
  requirejs.config({
    paths: {
      "@jupyter-widgets/base": dist + "base",
      "@jupyter-widgets/controls": dist + "controls",
      "@jupyter-widgets/html-manager": dist + "html-manager",
      "@jupyter-widgets/html-manager/dist/libembed-amd": dist + "libembed-amd",
    },
  });
}

// The widget controls typeset their labels with MathJax 2's `MathJax.Hub.Queue`, which MathJax 3
// lacks (the page would log "Cannot read properties of undefined (reading 'Queue')").
// `window.MathJax` is still the config object here; MathJax 3 replaces it when it starts.
if (window.MathJax) {
  MathJax.startup = Object.assign(MathJax.startup || {}, {
    ready() {
      MathJax.startup.defaultReady();
      MathJax.Hub = {
        Queue: (...jobs) => jobs.forEach(([command, , el]) => command === "Typeset" && MathJax.typesetPromise([el])),
      };
    },
  });
}
