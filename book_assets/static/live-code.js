// "Live Code" (sphinx-thebe 0.3.1 with the vendored thebe 0.9.3): Binder by default, a local Jupyter server on request.
//
// Open any page with `?jupyter=<server URL>&token=<token>` (what `make live` prints) and every page of this tab
// connects to that server instead of mybinder.org; `?jupyter=` alone goes back to Binder. Only servers on this
// machine are accepted: a link must not be able to attach the page to someone else's kernel.

{
  const STORAGE_KEY = "live-code-server";
  const LOOPBACK = ["127.0.0.1", "localhost", "[::1]"];
  const here = document.currentScript.src;

  const localServer = () => {
    const query = new URLSearchParams(location.search);
    if (query.has("jupyter")) {
      const url = query.get("jupyter");
      if (!url) {
        sessionStorage.removeItem(STORAGE_KEY);
      } else if (LOOPBACK.includes(new URL(url, location.href).hostname)) {
        sessionStorage.setItem(STORAGE_KEY, JSON.stringify({baseUrl: url, token: query.get("token") || ""}));
      } else {
        console.warn(`Live Code: ignoring ${url}, which is not a server on this machine`);
      }
      // Keep the token out of the address bar, bookmarks and screenshots; the session remembers it.
      query.delete("jupyter");
      query.delete("token");
      history.replaceState(history.state, "", location.pathname + (query.toString() ? `?${query}` : "") + location.hash);
    }
    const saved = sessionStorage.getItem(STORAGE_KEY);
    return saved && JSON.parse(saved);
  };
  const server = localServer();

  // thebe fetches require.js from a CDN before it renders a widget: serve the vendored copy instead.
  const THEBE_REQUIREJS = "https://cdnjs.cloudflare.com/ajax/libs/require.js/2.3.6/require.min.js";
  const requirejs = new URL("npm/requirejs/require.js", here).href;
  const fetch = window.fetch;
  window.fetch = (resource, options) => fetch(resource === THEBE_REQUIREJS ? requirejs : resource, options);

  // sphinx-thebe calls `thebelab.bootstrap()` as soon as thebe has loaded, and thebe's bootstrap forces Binder
  // unless told otherwise in its argument: catch thebe as it sets its global, and wrap its bootstrap.
  let thebe;
  Object.defineProperty(window, "thebelab", {
    configurable: true,
    get: () => thebe,
    set(value) {
      const bootstrap = value.bootstrap;
      value.bootstrap = (options = {}) => {
        // sphinx-thebe moves the launch button from class `thebe-status-<old>` to `thebe-status-<new>` on every
        // status, starting from "undefined": without that first class it never gets one, and its spinner never stops.
        document.querySelectorAll(".thebe-launch-button").forEach((button) => button.classList.add("thebe-status-undefined"));
        // thebe 0.9 pairs the n-th code cell with the n-th output on the page, so a cell with no stored output (an
        // import cell) would send every later cell's results into the next cell's output: give each one a place.
        document.querySelectorAll("[data-executable]").forEach((source) => {
          if (!source.nextElementSibling?.matches("[data-output]")) {
            const output = document.createElement("div");
            output.setAttribute("data-output", "");
            source.insertAdjacentElement("afterend", output);
          }
        });
        if (!server) return bootstrap(options);
        // sphinx-thebe labels every status "Launching from mybinder.org"; this handler runs after its own.
        value.on("status", () => {
          const label = document.querySelector(".thebe-launch-button .launch_msg");
          if (label) label.textContent = "Local Jupyter server: ";
        });
        return bootstrap({...options, useBinder: false, requestKernel: true, serverSettings: server, mathjaxUrl: ""});
      };
      thebe = value;
    },
  });
}
