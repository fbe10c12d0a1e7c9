"""Command-line tools: ``flask demo seed`` and ``national``, ``flask users create``, ``flask audit
verify``. They call the services."""
import sys

import click
from flask.cli import AppGroup

from . import audit, demo
from .accounts import services as accounts
from .accounts.models import Role
from .errors import ValidationFailed

demo_cli = AppGroup("demo", help="Demonstration data.")
users_cli = AppGroup("users", help="Manage user accounts.")
audit_cli = AppGroup("audit", help="The audit trail.")
placements_cli = AppGroup("placements", help="Placements' money.")


def init_app(app):
    from . import worker

    app.cli.add_command(demo_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(placements_cli)
    app.cli.add_command(worker.worker_command)
    app.cli.add_command(worker.jobs_cli)


@audit_cli.command("verify")
def verify_command():
    """Check every audit chain; report the first broken link of each and exit 1 if any."""
    breaks = audit.verify_chains()
    for found in breaks:
        click.echo(f"BROKEN {found.chain}: event {found.event_id} {found.problem}", err=True)
    if breaks:
        raise SystemExit(1)
    click.echo("The audit trail is intact.")


@demo_cli.command("seed")
@click.option("--password", default=demo.DEMO_PASSWORD, show_default=True,
              help="Password for every demo user.")
def seed_command(password):
    """Build the North West region with one user per role (does nothing if already seeded)."""
    result = demo.seed(password=password)
    if not result.created:
        click.echo("The demo region is already there.")
    click.echo(f"Sign in at /sign-in with password {password!r} as:")
    for role, email, organisation in result.logins:
        click.echo(f"  {role:<20} {email:<45} ({organisation})")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--organisation", required=True,
              help="The organisation's slug (authorities), ONS code, or exact name.")
@click.option("--password", required=True, prompt=True, hide_input=True,
              confirmation_prompt=True)
@click.option("--name", "full_name", help="Full name (defaults to the email address).")
def create_user_command(email, role, organisation, password, full_name):
    """Create an active user in an organisation."""
    found = demo.find_organisation(organisation)
    if found is None:
        raise click.BadParameter(f"no organisation called {organisation!r}",
                                 param_hint="--organisation")
    try:
        user = accounts.create_user(found, email=email, full_name=full_name or email,
                                    role=role, password=password)
    except ValidationFailed as error:
        raise click.ClickException("; ".join(error.errors.values())) from None
    click.echo(f"Created {role} {user.email} in {found.name}.")


@demo_cli.command("national")
@click.option("--scale", default=0.1, show_default=True, type=click.FloatRange(0, 1.0),
              help="1.0 is England: 153 authorities, 3,000 providers, 200,000 call-offs.")
@click.option("--seed", default=2026, show_default=True, help="The same seed on the same day "
              "gives the same data.")
@click.option("--vacuum/--no-vacuum", default=True, show_default=True,
              help="VACUUM ANALYZE afterwards (PostgreSQL), as autovacuum would in time.")
def national_command(scale, seed, vacuum):
    """Add a national-shaped data set to the demo region (run `flask demo seed` first)."""
    import time

    from . import national

    started = time.monotonic()
    bars = {}

    def progress(step, done, total):
        bar = bars.get(step)
        if bar is None:
            bar = bars[step] = click.progressbar(length=total, label=f"{step:<26}",
                                                 file=sys.stderr)
            bar.__enter__()
        bar.update(done - bar.pos)
        if done >= total:
            bar.__exit__(None, None, None)

    try:
        summary = national.build(scale=scale, seed=seed, progress=progress, vacuum=vacuum)
    except national.NationalRefused as refused:
        raise click.ClickException(str(refused)) from None
    for table, count in sorted(summary.items()):
        click.echo(f"  {table:<28} {count:>12,}")
    click.echo(f"Built scale {scale} (seed {seed}) in {time.monotonic() - started:,.0f} s.")


@placements_cli.command("refresh-values")
def refresh_values_command():
    """Work out the whole-life values of offers, awards and placements made before they were
    kept (run once after upgrading past migration 0016; harmless to run again)."""
    from .calloffs.services import refresh_offer_values
    from .placements.costing import refresh_placement_values

    offers, awards = refresh_offer_values()
    placements = refresh_placement_values()
    click.echo(f"Whole-life values worked out: {offers} offers, {awards} awards, "
               f"{placements} placements.")
