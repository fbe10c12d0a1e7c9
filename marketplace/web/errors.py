"""Error pages: every failure a person can meet gets a GOV.UK-styled page, never a stack trace."""
from flask import render_template
from flask_wtf.csrf import CSRFError

from ..errors import NotFound, PermissionDenied


def init_app(app):
    def page(template, status):
        def handler(error):
            return render_template(template), status
        return handler

    app.register_error_handler(NotFound, page("errors/404.html", 404))
    app.register_error_handler(404, page("errors/404.html", 404))
    app.register_error_handler(405, page("errors/404.html", 405))
    app.register_error_handler(PermissionDenied, page("errors/403.html", 403))
    app.register_error_handler(403, page("errors/403.html", 403))
    app.register_error_handler(CSRFError, page("errors/csrf.html", 400))
    app.register_error_handler(429, page("errors/429.html", 429))
    app.register_error_handler(500, page("errors/500.html", 500))
