// The reader's in-browser Python (Pyodide 0.27.7), in a Web Worker so that the page stays usable while it boots
// and while an experiment runs. Started by browser-kernel.js; see book_assets/browser_kernel.py for the whole story.
//
// Messages in:  {type: "start", pyodide: URL of the folder with pyodide.js, bundle: URL of book.zip, chapter}
//               {type: "draw", id, chapter, controls: [{label, value, index}]}
// Messages out: {type: "progress", text}   while booting
//               {type: "ready", versions, seconds: {boot, install, packages, code}, kept}  live; `kept`: what this
//                                           start found kept by an earlier one {snapshot, packages, stdlib, book}
//               {type: "failed", text}      the kernel cannot run here (the page says so)
//               {type: "drawn", id, reply}  browser_kernel.draw's reply, parsed, with `python_ms`
//               {type: "kept", snapshot, packages, stdlib, book, bytes, seconds}  what this start stored for the next
//                                           (after its first chart; zeros where nothing new was worth storing)
//
// What the browser keeps (this site's own Cache Storage; a start works the same without it, only slower), made here in
// the reader's browser, after the first chart, from the verified files the site ships:
// - a memory snapshot of the interpreter just after it booted (Pyodide's own makeMemorySnapshot): the next start
//   restores it instead of booting Python again;
// - the installed packages (site-packages and the shared libraries Pyodide put in /usr/lib) as one uncompressed pack,
//   with the bytecode the imports wrote: the next start writes the files back and loads their WebAssembly libraries
//   itself instead of fetching, checking and unzipping the wheels again (loadPackage);
// - the standard library's bytecode (Python cannot cache what it compiles from the zip the standard library is in:
//   book_assets/kept_bytecode.py) and the UTC time zone's file (browser_kernel.keep_utc_zone), with the packages;
// - the book's own bytecode.
// Each .pyc is a checked-hash one (browser_kernel.files_to_keep): Python compiles afresh where a source changed.
// The keys hold digests of the Pyodide lock (and of the book's code), so another release of Pyodide or another build
// of the book never uses what an older one kept; what is not current is deleted.
const PACKAGES = ["numpy", "scipy", "pandas"];
const MODULES = { numpy: "numpy", scipy: "scipy.special", pandas: "pandas" };
const CACHE = "book-browser-kernel";
const SITE_PACKAGES = "/lib/python3.12/site-packages";
const BOOK = "/home/pyodide/book";
const STDLIB_ZIP = "/lib/python312.zip"; // the standard library's source, whose bytecode Python cannot cache
const KEPT = "/home/pyodide/kept"; // what a start keeps beside the packages: the standard library's bytecode
const STDLIB_KEPT = `${KEPT}/stdlib.marshal`; // (book_assets/kept_bytecode.py)
const ZONES = "/usr/share/zoneinfo"; // where dateutil looks for a time zone's file first
const SNAPSHOT_DIGEST = "x-sha256"; // the header that holds a kept snapshot's digest
let pyodide = null;
let draw = null;
let keep = null; // what to store after the first chart, and what is kept already: {cache, keys, snapshot, ...}

function progress(text) {
  postMessage({ type: "progress", text });
}

async function bytes(url, what) {
  const reply = await fetch(url);
  if (!reply.ok) throw new Error(`${what} (${url}) did not load: HTTP ${reply.status}`);
  return new Uint8Array(await reply.arrayBuffer());
}

async function digest(...parts) {
  let all = parts[0];
  if (parts.length > 1) {
    all = new Uint8Array(parts.reduce((size, part) => size + part.length, 0));
    parts.reduce((at, part) => (all.set(part, at), at + part.length), 0);
  }
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", all));
  return [...hash].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

async function openCache() {
  try {
    return await caches.open(CACHE); // absent on file:// pages and in some private windows: then nothing is kept
  } catch (error) {
    return null;
  }
}

async function kept(cache, key) {
  try {
    const reply = cache && await cache.match(key);
    return reply ? new Uint8Array(await reply.arrayBuffer()) : null;
  } catch (error) {
    return null;
  }
}

// The kept snapshot, if its bytes are the ones kept: Pyodide does not return from a damaged one (its WebAssembly
// fails to instantiate and the promise never settles), so each is kept with its SHA-256 and checked before use.
async function keptSnapshot(cache, key) {
  try {
    const reply = cache && await cache.match(key);
    if (!reply) return null;
    const snapshot = new Uint8Array(await reply.arrayBuffer());
    if (reply.headers.get(SNAPSHOT_DIGEST) === await digest(snapshot)) return snapshot;
    console.warn("The Python snapshot this browser kept is damaged; starting afresh.");
    await cache.delete(key);
  } catch (error) {
    console.warn(`The Python snapshot this browser kept could not be read (${error}); starting afresh.`);
  }
  return null;
}

async function boot(base, cache, snapshotKey, found) {
  const options = { indexURL: base, lockFileURL: base + "pyodide-lock.json", packageBaseUrl: base };
  const snapshot = await keptSnapshot(cache, snapshotKey);
  if (snapshot) {
    progress("starting Python in your browser: restoring the interpreter this browser kept...");
    try {
      const restored = await loadPyodide({ ...options, _loadSnapshot: snapshot });
      found.snapshot = true;
      return restored;
    } catch (error) {
      // a snapshot from another build of Pyodide, or damaged: boot afresh, and keep a new one
      console.warn(`The kept Python snapshot could not be used (${error}); starting afresh.`);
      await cache.delete(snapshotKey).catch(() => {});
    }
  }
  progress("starting Python in your browser: loading the interpreter (about 10 MB)...");
  const fresh = await loadPyodide({ ...options, _makeSnapshot: Boolean(cache) });
  if (cache) keep.snapshot = fresh.makeMemorySnapshot(); // before any package: what a snapshot may hold
  return fresh;
}

// --- a pack: [4 bytes: the index's length][the index, JSON: {files: [[path, size], ...], ...}][the files' bytes] ---
function parsePack(pack) {
  const length = new DataView(pack.buffer, pack.byteOffset, pack.byteLength).getUint32(0, true);
  const index = JSON.parse(new TextDecoder().decode(pack.subarray(4, 4 + length)));
  const size = index.files.reduce((sum, [, bytes]) => sum + bytes, 4 + length);
  if (size !== pack.length) throw new Error(`a pack of ${pack.length} bytes that lists ${size}`);
  return { index, at: 4 + length };
}

function unpack(pack, { index, at }) {
  const made = new Set();
  for (const [path, size] of index.files) {
    const folder = path.slice(0, path.lastIndexOf("/"));
    if (!made.has(folder)) {
      pyodide.FS.mkdirTree(folder);
      made.add(folder);
    }
    pyodide.FS.writeFile(path, pack.subarray(at, at + size), { canOwn: true }); // no copy: the pack is ours
    at += size;
  }
  return index;
}

// A kept pack, checked before anything is written: a damaged one is deleted and `null` returned (started afresh).
async function keptPack(cache, key) {
  const pack = await kept(cache, key);
  if (!pack) return null;
  try {
    return unpack.bind(null, pack, parsePack(pack));
  } catch (error) {
    console.warn(`A copy this browser kept (${key}) is damaged (${error}); starting without it.`);
    await cache.delete(key).catch(() => {});
    return null;
  }
}

async function writePack(index, key) {
  const head = new TextEncoder().encode(JSON.stringify(index));
  const length = new Uint8Array(4);
  new DataView(length.buffer).setUint32(0, head.length, true);
  const parts = [length, head];
  for (const [number, [path]] of index.files.entries()) {
    parts.push(pyodide.FS.readFile(path));
    if (number % 200 === 199) await new Promise((resume) => setTimeout(resume)); // a redraw may come in between
  }
  const blob = new Blob(parts);
  await keep.cache.put(key, new Response(blob));
  return blob.size;
}

// The packages as a kept pack installed them: files, then their WebAssembly libraries, loaded as loadPackage would
// (the shared ones first, globally; each package's own with its `.libs` folder to search).
async function installPackages(cache, key, found) {
  const install = await keptPack(cache, key);
  if (install) {
    progress("starting Python in your browser: installing numpy, scipy and pandas from this browser's copy...");
    try {
      const index = install();
      for (const library of index.shared) await pyodide._api.loadDynlib(library, true);
      for (const library of index.own) {
        const folder = library.slice(SITE_PACKAGES.length + 1).split("/")[0];
        await pyodide._api.loadDynlib(library, false, [`${SITE_PACKAGES}/${folder}.libs`]);
      }
      found.packages = keep.packagesCompiled = index.compiled;
      keep.stdlibKept = index.stdlib || 0;
      return;
    } catch (error) {
      // half-installed: this start fails (the page says so), and the next press starts without the copy
      await cache.delete(key).catch(() => {});
      throw new Error(`the copy of the packages this browser kept did not load (${error}); press again`);
    }
  }
  progress(`starting Python in your browser: loading ${PACKAGES.join(", ")} (about 28 MB)...`);
  // one call: the packages and their dependencies download and unpack side by side
  await pyodide.loadPackage(PACKAGES, {
    messageCallback: (message) => message.startsWith("Loading ") &&
      progress(`starting Python in your browser: ${message.replace("Loading", "loading")}...`),
    errorCallback: (message) => console.warn(message),
  });
}

async function start({ pyodide: base, bundle, chapter }) {
  const times = {};
  const found = { snapshot: false, packages: 0, book: 0, stdlib: 0 };
  let began = performance.now();
  progress("starting Python in your browser...");
  importScripts(base + "pyodide.js");
  const [lock, code] = await Promise.all([bytes(base + "pyodide-lock.json", "Pyodide's lock file"),
                                          bytes(bundle, "the book's code")]);
  const cache = await openCache();
  const key = (name) => new URL(`browser-kernel-kept/${name}`, location.href).href;
  const core = (await digest(lock)).slice(0, 24);
  // the packages change with the lock, the book's bytecode with its code: a new build of the book keeps the rest
  keep = { cache, snapshot: null, keys: { snapshot: key(`snapshot-${core}`), packages: key(`packages-${core}`),
                                          book: key(`book-${(await digest(lock, code)).slice(0, 24)}`) } };
  pyodide = await boot(base, cache, keep.keys.snapshot, found);
  pyodide.runPython("import sys; sys.dont_write_bytecode = False"); // the imports write the bytecode kept
  times.boot = (performance.now() - began) / 1000;

  began = performance.now();
  await installPackages(cache, keep.keys.packages, found);
  times.install = (performance.now() - began) / 1000;
  pyodide.unpackArchive(code, "zip", { extractDir: BOOK });
  const unpackBook = await keptPack(cache, keep.keys.book);
  if (unpackBook) keep.bookCompiled = found.book = unpackBook().compiled;
  pyodide.runPython(`import sys; sys.path.insert(0, '${BOOK}')`);
  if (pyodide.FS.analyzePath(STDLIB_KEPT).exists) {
    found.stdlib = pyodide.pyimport("kept_bytecode").use(STDLIB_KEPT, STDLIB_ZIP);
  }
  progress(`starting Python in your browser: importing ${PACKAGES.join(", ")}...`);
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
  progress("starting Python in your browser: importing the book's code and this chapter's experiment...");
  const kernel = pyodide.pyimport("browser_kernel");
  const templates = pyodide.FS.readFile(`${BOOK}/prebuilt_templates.json`, { encoding: "utf8" });
  const versions = kernel.start(templates);
  kernel.prepare(chapter);
  draw = kernel.draw;
  keep.list = (roots, compiledOnly) => JSON.parse(kernel.files_to_keep(roots, compiledOnly));
  keep.keepZone = kernel.keep_utc_zone;
  times.code = (performance.now() - began) / 1000;
  postMessage({ type: "ready", versions, seconds: times, kept: found });
}

// After the first chart: keep what the next start can use (a failure here costs the next start its speed only).
async function keepForNextTime() {
  const { cache, snapshot, keys } = keep;
  const began = performance.now();
  const stored = { type: "kept", snapshot: false, packages: 0, stdlib: 0, book: 0, bytes: 0 };
  if (cache) {
    try {
      if (snapshot) {
        const headers = { [SNAPSHOT_DIGEST]: await digest(snapshot) };
        await cache.put(keys.snapshot, new Response(snapshot, { headers }));
        stored.bytes += snapshot.length;
        keep.snapshot = null;
        stored.snapshot = true;
      }
      // anew only when the imports compiled more than the kept copy holds (another chapter's modules, say)
      pyodide.FS.mkdirTree(KEPT);
      const stdlib = pyodide.pyimport("kept_bytecode").keep(STDLIB_KEPT, STDLIB_ZIP, keep.stdlibKept || 0);
      const zone = keep.keepZone(ZONES);
      const packages = keep.list([SITE_PACKAGES, "/usr/lib", KEPT, ZONES], false);
      packages.compiled += stdlib; // the modules compiled from the packages' source and from the standard library's
      if (packages.compiled > (keep.packagesCompiled || 0) || zone) {
        const libraries = packages.files.map(([path]) => path).filter((path) => path.endsWith(".so"));
        packages.shared = libraries.filter((path) => path.startsWith("/usr/lib/"));
        packages.own = libraries.filter((path) => !path.startsWith("/usr/lib/"));
        packages.stdlib = stdlib;
        stored.bytes += await writePack(packages, keys.packages);
        keep.packagesCompiled = stored.packages = packages.compiled;
        keep.stdlibKept = stored.stdlib = stdlib;
      }
      const book = keep.list([BOOK], true);
      if (book.compiled > (keep.bookCompiled || 0)) {
        stored.bytes += await writePack(book, keys.book);
        keep.bookCompiled = stored.book = book.compiled;
      }
      const current = new Set(Object.values(keys)); // what older builds of the book or of Pyodide left
      for (const request of await cache.keys()) if (!current.has(request.url)) await cache.delete(request);
    } catch (error) {
      console.warn(`Could not keep Python's files for the next start: ${error}`);
    }
  }
  stored.seconds = (performance.now() - began) / 1000;
  postMessage(stored);
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
    if (keep && !keep.done) {
      keep.done = true;
      setTimeout(keepForNextTime, 0); // after the first chart is on its way
    }
  }
};
