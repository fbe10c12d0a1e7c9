"""Pages that belong to no domain package: the start page, dashboards, and errors."""
from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required

from . import dashboards

bp = Blueprint("web", __name__)


@bp.get("/")
def start():
    if current_user.is_authenticated:
        return redirect(url_for("web.dashboard"))
    return render_template("web/start.html")


@bp.get("/dashboard")
@login_required
def dashboard():
    return render_template("web/dashboard.html", dashboard=dashboards.for_user(current_user))


@bp.get("/administration")
@login_required
def administration():
    return render_template("web/administration.html",
                           links=dashboards.administration_links(current_user))


@bp.get("/accessibility")
def accessibility():
    return render_template("web/accessibility.html")


@bp.get("/privacy")
def privacy():
    return render_template("web/privacy.html")
