"""Pages for people (DESIGN section 10): the try-it page, the API page, result pages.

- ``GET /``: pick a sample exam or drop a Bundle file; ``static/tryit.js`` posts it to
  ``$localize-root`` and opens the stored result as a page (only the result id in the URL).
- ``GET /docs``: Swagger UI over ``/openapi.yaml``, from the pinned PyPI package
  ``flask-swagger-ui`` (its ``dist`` folder is Swagger UI itself, Apache-2.0; only the files
  the page needs are served, under ``/static/swagger-ui/``), operations listed expanded.
- ``GET /samples/{name}``: the sample exams shipped in the package (``samples/``).
- ``GET /static/{file}``: this room's CSS, JavaScript and the Swagger UI files.
- The stored ClinicalImpression as a page: :func:`.pages.impression_page`, called by the read
  route (``service/api/results.py``) when HTML is asked for.

Pages are Jinja2 templates with autoescape on; no inline script, style or event handler, so the
Content-Security-Policy (:data:`CSP`, set on every HTML answer by ``service.security_headers``)
allows only the service itself.
"""

from __future__ import annotations

from importlib import resources

from flask import Blueprint, Response, abort, render_template, send_file

from .samples import SAMPLES

__all__ = ["CSP", "bp"]

bp = Blueprint("web", __name__, template_folder="templates", static_folder=None)

#: the policy of every HTML answer: scripts, styles, images, fonts and connections from this
#: service only; no plugins, no framing, forms post only here. ``data:`` images are allowed on
#: ``/docs`` alone, for the icons Swagger UI's stylesheet embeds (nothing is fetched for them).
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
CSP_DOCS = CSP.replace("img-src 'self'", "img-src 'self' data:")

#: Swagger UI files served from the pinned package (everything else there is not needed).
#: read as data by name, never imported (it ships no types, and its Python code is unused)
_SWAGGER_PACKAGE = "flask_swagger_ui"
SWAGGER_FILES = frozenset({"swagger-ui.css", "swagger-ui-bundle.js", "LICENSE", "VERSION"})
_OWN_STATIC = frozenset({"pages.css", "tryit.js", "docs.js", "favicon.svg"})
_TYPES = {".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml", "": "text/plain"}


@bp.get("/")
def index() -> str:
    """The try-it page."""
    return render_template("index.html", samples=SAMPLES)


@bp.get("/docs")
def docs() -> str:
    """Swagger UI over /openapi.yaml."""
    version = (resources.files(_SWAGGER_PACKAGE) / "dist" / "VERSION").read_text().strip()
    return render_template("docs.html", swagger_version=version)


@bp.get("/samples/<name>")
def sample(name: str) -> Response:
    """A sample exam shipped with the service (``l5-left.json``...)."""
    stem = name.removesuffix(".json")
    if stem not in SAMPLES or not name.endswith(".json"):
        abort(404)
    path = resources.files(__package__) / "samples" / name
    return Response(path.read_bytes(), content_type="application/fhir+json; charset=utf-8")


@bp.get("/static/<path:filename>")
def static(filename: str) -> Response:
    """This room's stylesheet and scripts, and the pinned Swagger UI files."""
    if filename in _OWN_STATIC:
        path = resources.files(__package__) / "static" / filename
    elif filename.startswith("swagger-ui/") and filename[11:] in SWAGGER_FILES:
        path = resources.files(_SWAGGER_PACKAGE) / "dist" / filename[11:]
    else:
        abort(404)
    suffix = "." + filename.rsplit(".", 1)[1] if "." in filename else ""
    mimetype = _TYPES.get(suffix, "text/plain")
    return send_file(str(path), mimetype=mimetype, max_age=3600)
