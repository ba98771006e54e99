"""Sphinx extension: make the book's pages load nothing from other hosts, without console errors."""

import json
import re

from docutils import nodes

THEBE_CDN_URL = "https://unpkg.com/thebe@0.8.2/lib/index.js"  # hard-coded in sphinx-thebe 0.3.1
THEBE_LOCAL = "_static/npm/thebe/lib/index.js"


def _add_vega_debug(app):
    # Altair's HTML output skips fetching a library from its CDN when the page's global
    # VEGA_DEBUG already holds the version altair asks for; take them from altair itself so
    # they can never drift (the vendored files are checked against them by vendor_assets.py).
    import altair as alt

    versions = {
        "vega_version": alt.VEGA_VERSION,
        "vegalite_version": alt.VEGALITE_VERSION,
        "vegaembed_version": alt.VEGAEMBED_VERSION,
    }
    app.add_js_file(None, body=f"window.VEGA_DEBUG = {json.dumps(versions)};", priority=100)


def _fix_scripts(app, pagename, templatename, context, doctree):
    """Drop duplicate inline scripts and point sphinx-thebe at the vendored thebe.

    Sphinx 7.4 emits every inline script added after the builder's init twice (it re-adds
    them with filename '' where the first copy has None, so they do not compare equal); the
    second copy of sphinx-thebe's `const THEBE_JS_URL = ...` is a SyntaxError in the browser.
    """
    seen, scripts = set(), []
    for js in context["script_files"]:
        key = (js.filename or "", js.priority, tuple(sorted(js.attributes.items())))
        if key in seen:
            continue
        seen.add(key)
        body = js.attributes.get("body", "")
        if THEBE_CDN_URL in body:
            local = context["pathto"](THEBE_LOCAL, resource=True)
            js = type(js)(None, priority=js.priority, **{**js.attributes, "body": body.replace(THEBE_CDN_URL, local)})
        scripts.append(js)
    context["script_files"] = scripts  # a new list: the builder's own list is shared by all pages


def _thebe_config_for_thebe_09(app, doctree, docname):
    """Fit sphinx-thebe's page config (written for thebe 0.8) to the vendored thebe 0.9.

    thebe 0.9 loads MathJax 2 from a CDN when it starts, over the page's MathJax 3, unless `mathjaxUrl` is empty; it
    reads the kernel's name from `kernelOptions.kernelName`, not `name`, falling back to "python", a kernel that
    Binder does not have; and sphinx-thebe leaves out the BinderHub of `launch_buttons.binderhub_url` (thebe's
    default is mybinder.org). book_assets/static/live-code.js switches this config to a local server on request.
    """
    hub = app.config.html_theme_options.get("launch_buttons", {}).get("binderhub_url")
    for node in doctree.findall(nodes.raw):
        config = node.astext()
        if "text/x-thebe-config" in config:
            config = config.replace("requestKernel: true,", 'requestKernel: true, mathjaxUrl: "",', 1)
            config = re.sub(r"(kernelOptions: \{\s*)name:", r"\1kernelName:", config, count=1)
            if hub:
                config = config.replace("binderOptions: {", f"binderOptions: {{ binderUrl: {json.dumps(hub)},", 1)
            node[0] = nodes.Text(config)


def setup(app):
    app.connect("builder-inited", _add_vega_debug)
    # Live Code: Binder by default, a local Jupyter server on request (see the script's header).
    app.add_js_file("live-code.js")
    app.add_css_file("live-code.css")
    app.connect("doctree-resolved", _thebe_config_for_thebe_09, priority=900)  # after sphinx-thebe's
    app.connect("html-page-context", _fix_scripts, priority=900)  # after per-page additions
    return {"parallel_read_safe": True, "parallel_write_safe": True}
