// "Live Code" (sphinx-thebe 0.3.1 with the vendored thebe 0.9.3): Binder by default, a local Jupyter server on request.
//
// Open any page with `?jupyter=<server URL>&token=<token>` (what `make live` prints) and every page of this tab
// connects to that server instead of mybinder.org; `?jupyter=` alone goes back to Binder. Only servers on this
// machine are accepted: a link must not be able to attach the page to someone else's kernel.
//
// When the server cannot be reached, a note under the launch button says so, within BINDER_SILENCE_MS, and how else to
// run the chapter (`make live`, Colab, the notebook's download); a Binder that answers is left to build as long as it
// takes (see watchLaunches).

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

  // thebe 0.9 reports a failed connection only as an "error" event, which sphinx-thebe does not listen to (its label
  // stays at "launching"), and a hub whose packets are dropped on the way gives no event at all for minutes. A BinderHub
  // that answers streams the phases of its build, each a "status" event "Binder is: <phase> - ...": from then on it
  // is building, however long that takes, and only a failure it reports (or a lost stream) is shown.
  const BINDER_SILENCE_MS = 12_000;  // mybinder.org's first event comes within a few seconds when it is up
  const NOTICE_CLASS = "live-code-notice";

  const pageConfig = () => document.querySelector("script[type='text/x-thebe-config']")?.textContent || "";
  const configured = (key) => new RegExp(`${key}:\\s*"([^"]+)"`).exec(pageConfig())?.[1];

  const element = (tag, attributes = {}, ...children) => {
    const node = Object.assign(document.createElement(tag), attributes);
    node.append(...children);
    return node;
  };
  const code = (text) => element("code", {}, text);
  const link = (href, text) => element("a", {href, target: "_blank", rel: "noopener"}, text);

  // The other ways to run this chapter, with the links the page's own launch and download menus hold.
  const otherWays = () => {
    const repo = configured("repo");
    const colab = [...document.querySelectorAll(".dropdown-launch-buttons a")].find((a) => a.textContent.trim() === "Colab");
    const download = document.querySelector(".dropdown-download-buttons a[href$='.ipynb']");
    const repository = repo ? link(`https://github.com/${repo}#live-code`, "the book's repository") : "the book's repository";
    const ways = [element("li", {}, "on your own machine: in a clone of ", repository, ", ", code("make live"),
                          " serves the book with a local Jupyter server; open the address it prints and press Live Code there")];
    if (colab) ways.push(element("li", {}, link(colab.href, "open this chapter's notebook in Colab"), " (a Google account is needed)"));
    if (download) ways.push(element("li", {}, link(download.href, "download the notebook"), " and open it in Jupyter"));
    return element("ul", {}, ...ways);
  };

  // Put `what` (text and nodes) in the note under the launch button, with the other ways to run the chapter; no
  // argument removes the note.
  const showNotice = (...what) => {
    document.querySelector(`.${NOTICE_CLASS}`)?.remove();
    if (what.length === 0) return;
    const button = document.querySelector(".thebe-launch-button");
    const notice = element("div", {className: NOTICE_CLASS}, element("p", {}, element("strong", {}, ...what)),
                           element("p", {}, "To run this chapter's code:"), otherWays());
    notice.setAttribute("role", "alert");
    if (button) button.insertAdjacentElement("afterend", notice);
    else document.querySelector("article")?.prepend(notice);
  };

  const markFailed = (status) => {
    const button = document.querySelector(".thebe-launch-button");
    if (!button) return;
    button.classList.add("live-code-failed");  // stops sphinx-thebe's spinner (live-code.css)
    const label = button.querySelector(".status");
    if (label) label.textContent = status;
  };

  // Watch the launches of `thebe` (`local`: the local server's settings, or null for Binder); returns what to call
  // at each launch (a press of Live Code calls thebe's bootstrap again).
  const watchLaunches = (thebe, local) => {
    const hub = local ? "" : new URL(configured("binderUrl") || "https://mybinder.org").host;
    let answered = false;  // the BinderHub has sent an event of its build
    let ready = false;
    let silence = null;
    thebe.on("status", (event, data) => {
      if (ready) return;
      ready = data.status === "ready";
      if (!local && (ready || String(data.message).startsWith("Binder is:"))) {
        if (!answered) showNotice();  // the note on its silence, if it came too soon
        answered = true;
        clearTimeout(silence);
      }
    });
    thebe.on("error", (event, data) => {
      if (ready || data.subject !== "server") return;  // a kernel's errors show in the cells
      clearTimeout(silence);
      const message = String(data.message).split("\n")[0];
      if (local) {
        markFailed("unreachable");
        showNotice(`Live Code cannot reach the local Jupyter server at ${local.baseUrl} (${message}): is `,
                   code("make live"), " still running? When restarted, it prints a new address to open.");
      } else if (!answered) {
        markFailed("unreachable");
        showNotice(`Live Code cannot reach the Binder server ${hub}: the connection to it failed before it answered ` +
                   "(no network, or the server is down or blocked on this network).");
      } else {
        markFailed("failed");
        showNotice(`The Binder server ${hub} answered but could not start a kernel: ${message}.`);
      }
    });
    return () => {
      if (ready) return;
      answered = false;
      showNotice();
      document.querySelector(".thebe-launch-button")?.classList.remove("live-code-failed");
      clearTimeout(silence);
      if (local) return;
      silence = setTimeout(() => {
        showNotice(`Live Code has had no answer from the Binder server ${hub} in ${BINDER_SILENCE_MS / 1000} s: it ` +
                   "may be down or blocked on this network. Live Code keeps waiting; this note goes away if it answers.");
      }, BINDER_SILENCE_MS);
    };
  };

  // sphinx-thebe calls `thebelab.bootstrap()` as soon as thebe has loaded, and thebe's bootstrap forces Binder
  // unless told otherwise in its argument: catch thebe as it sets its global, and wrap its bootstrap.
  let thebe;
  Object.defineProperty(window, "thebelab", {
    configurable: true,
    get: () => thebe,
    set(value) {
      const bootstrap = value.bootstrap;
      const launching = watchLaunches(value, server);
      value.bootstrap = (options = {}) => {
        launching();
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
