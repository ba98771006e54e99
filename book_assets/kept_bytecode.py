"""The standard library's bytecode, kept by the reader's browser between starts of its Python (Pyodide).

Pyodide imports the standard library from a zip of source files (/lib/python312.zip). Python cannot write the
bytecode it compiles from a zip anywhere, so each start compiles again every module numpy, scipy and pandas import
from it, and twice over: the zip importer compiles a module once to tell its file name and once more to run it. After
a start, `keep` writes the compiled modules to a file, which the browser keeps with the installed packages
(book_assets/static/browser-kernel-worker.js: under a key that holds the digest of the Pyodide lock, so only the same
interpreter with the same standard library reads it back); on the next start `use` hands the zip importer the kept
code instead of compiling the source.

Only `marshal`, `sys` and `zipimport` are imported here (all built in): this module is imported before anything its
kept code stands for.
"""

import marshal
import sys
import zipimport


def _importer(module, archive: str):
    """The zip importer that imported `module` from `archive`, or None."""
    loader = getattr(getattr(module, "__spec__", None), "loader", None)
    return loader if isinstance(loader, zipimport.zipimporter) and loader.archive == archive else None


def keep(path: str, archive: str, known: int = 0) -> int:
    """Write what the zip importer compiled for every module imported from the zip `archive` so far to `path`
    (marshal: {name: (code, is a package, path in the zip)}); return how many. When there are no more than
    `known` (the number kept already), write nothing."""
    modules = {name: importer for name, module in list(sys.modules.items())
               if (importer := _importer(module, archive)) is not None}
    if len(modules) <= known:
        return len(modules)
    compiled = {name: zipimport._get_module_code(importer, name) for name, importer in sorted(modules.items())}
    with open(path, "wb") as out:
        marshal.dump(compiled, out)
    return len(compiled)


def use(path: str, archive: str) -> int:
    """Let the importer of the zip `archive` take a module's code from `path` (written by `keep` in this same
    interpreter) instead of compiling its source; return how many modules are there."""
    with open(path, "rb") as kept:
        compiled = marshal.load(kept)
    compile_module = zipimport._get_module_code  # what zipimporter.get_code and .get_filename both call

    def module_code(importer, fullname):
        found = compiled.get(fullname) if importer.archive == archive else None
        return compile_module(importer, fullname) if found is None else found

    zipimport._get_module_code = module_code
    return len(compiled)
