// The reader's in-browser Python (Pyodide 0.27.7), in a Web Worker so that the page stays usable while it boots
// and while an experiment runs. Started by browser-kernel.js; see book_assets/browser_kernel.py for the whole story.
//
// Messages in:  {type: "start", pyodide: URL of the folder with pyodide.js, bundle: URL of book.zip, chapter}
//               {type: "draw", id, chapter, controls: [{label, value, index}]}
// Messages out: {type: "progress", text}   while booting
//               {type: "ready", versions, seconds: {boot, packages, code}}
//               {type: "failed", text}      the kernel cannot run here (the page says so)
//               {type: "drawn", id, reply}  browser_kernel.draw's reply, parsed, with `python_ms`

const PACKAGES = ["numpy", "scipy", "pandas"];
const MODULES = { numpy: "numpy", scipy: "scipy.special", pandas: "pandas" };
let pyodide = null;
let draw = null;

function progress(text) {
  postMessage({ type: "progress", text });
}

async function start({ pyodide: base, bundle, chapter }) {
  const times = {};
  let began = performance.now();
  progress("starting Python in your browser: loading the interpreter (about 10 MB)...");
  importScripts(base + "pyodide.js");
  pyodide = await loadPyodide({ indexURL: base, lockFileURL: base + "pyodide-lock.json", packageBaseUrl: base });
  times.boot = (performance.now() - began) / 1000;

  began = performance.now();
  progress(`starting Python in your browser: loading ${PACKAGES.join(", ")} (about 28 MB)...`);
  // one call: the packages and their dependencies download and unpack side by side
  await pyodide.loadPackage(PACKAGES, {
    messageCallback: (message) => message.startsWith("Loading ") &&
      progress(`starting Python in your browser: ${message.replace("Loading", "loading")}...`),
    errorCallback: (message) => console.warn(message),
  });
  for (const name of PACKAGES) {
    // a failed loadPackage only logs: importing the module is what tells whether it loaded
    try {
      pyodide.pyimport(MODULES[name]);
    } catch (error) {
      throw new Error(`${name} did not load (${String(error).split("\n").slice(-2).join(" ")})`);
    }
  }
  times.packages = (performance.now() - began) / 1000;

  began = performance.now();
  progress("starting Python in your browser: loading the book's code...");
  const reply = await fetch(bundle);
  if (!reply.ok) throw new Error(`the book's code (${bundle}) did not load: HTTP ${reply.status}`);
  pyodide.unpackArchive(await reply.arrayBuffer(), "zip", { extractDir: "/home/pyodide/book" });
  pyodide.runPython("import sys; sys.path.insert(0, '/home/pyodide/book')");
  const kernel = pyodide.pyimport("browser_kernel");
  const templates = pyodide.FS.readFile("/home/pyodide/book/prebuilt_templates.json", { encoding: "utf8" });
  const versions = kernel.start(templates);
  progress("starting Python in your browser: importing this chapter's experiment...");
  kernel.prepare(chapter);
  draw = kernel.draw;
  times.code = (performance.now() - began) / 1000;
  postMessage({ type: "ready", versions, seconds: times });
}

onmessage = async ({ data }) => {
  if (data.type === "start") {
    try {
      if (typeof WebAssembly !== "object") throw new Error("this browser has no WebAssembly");
      await start(data);
    } catch (error) {
      postMessage({ type: "failed", text: String(error && error.message ? error.message : error) });
    }
  } else if (data.type === "draw") {
    const began = performance.now();
    let reply;
    try {
      reply = JSON.parse(draw(data.chapter, JSON.stringify(data.controls)));
    } catch (error) {
      reply = { fault: String(error), traceback: String(error) };
    }
    reply.python_ms = performance.now() - began;
    postMessage({ type: "drawn", id: data.id, reply });
  }
};
