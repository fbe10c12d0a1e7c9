"""Set up the deadline surge through the project's own services (run in a fresh process, on the
database in DATABASE_URL): ``python -m bench.surge_setup N WINDOW_SECONDS [LEAD_SECONDS]``.

Picks by SQL the published call-off with the most invitations, and its authority's officer;
creates N drafts like it (``create_call_off``) and publishes each on the urgent route
(``publish_call_off``, which takes a deadline of minutes when the call-off is urgent with a
reason), so the invitations are the service's own. Deadlines fall inside the window:
``T0 + WINDOW * (0.1 + 0.9 * i / (N - 1))``, T0 being LEAD seconds after the
last publication is due (time for the clients to get their tokens). Prints
JSON: T0 and each call-off's id, deadline and invited providers.
"""
import json
import sys
import time
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import text


def main():
    n, window = int(sys.argv[1]), float(sys.argv[2])
    lead = float(sys.argv[3]) if len(sys.argv) > 3 else 5.0
    from marketplace import create_app
    from marketplace.extensions import db

    app = create_app()
    with app.app_context():
        import tenants
        from marketplace.accounts.models import User
        from marketplace.calloffs import services
        from marketplace.calloffs.models import CallOff

        row = db.session.execute(text("""
            SELECT co.id, u.id, co.organisation_id FROM call_off co
            JOIN call_off_invitation i ON i.call_off_id = co.id
            JOIN user_account u ON u.organisation_id = co.organisation_id
             AND u.role = 'placement_officer' AND u.status = 'active'
            WHERE co.status <> 'draft' AND co.route = 'competition'
            GROUP BY co.id, u.id ORDER BY count(DISTINCT i.id) DESC, co.id, u.id LIMIT 1""")
        ).first()
        if row is None:
            raise SystemExit("surge: no published call-off with invitations to copy")
        template_id, officer_id, authority_id = row
        authority = db.session.get(tenants.Organisation, authority_id)
        with tenants.scoped_to(authority):
            officer = db.session.get(User, officer_id)
            template = db.session.get(CallOff, template_id)
            fields = services.editable_values(template)
            fields.update(response_deadline=None, urgent=False, urgent_reason=None)
            if fields["start_date"] < date.today() + timedelta(days=30):
                fields["start_date"] = date.today() + timedelta(days=60)
            stamp = int(time.time()) % 100000
            drafts = []
            for i in range(n):
                fields["case_reference"] = f"SURGE-{stamp}-{i:03d}"
                drafts.append(services.create_call_off(officer, **fields).id)
            # Time one publication, then fix T0 so that every call-off is published before
            # the first deadline.
            started = time.time()
            first_deadline = datetime.now(timezone.utc) + timedelta(days=1)
            services.publish_call_off(officer, drafts[0], response_deadline=first_deadline,
                                      urgent=True, urgent_reason="Bench: deadline surge")
            each = time.time() - started
            t0 = time.time() + each * n * 2 + lead
            deadlines = [t0 + window * (0.1 + 0.9 * i / max(1, n - 1)) for i in range(n)]
            # The first draft was published with a placeholder deadline: cancel it and use a
            # fresh one, so every surge call-off went through the same service path.
            services.cancel_call_off(officer, drafts[0], "Bench: timing the publication")
            fields["case_reference"] = f"SURGE-{stamp}-{n:03d}"
            drafts[0] = services.create_call_off(officer, **fields).id
            out = []
            for call_off_id, deadline in zip(drafts, deadlines):
                at = datetime.fromtimestamp(deadline, timezone.utc)
                call_off = services.publish_call_off(officer, call_off_id, response_deadline=at,
                                                     urgent=True,
                                                     urgent_reason="Bench: deadline surge")
                out.append({"id": call_off.id,
                            "deadline": call_off.response_deadline.timestamp(),
                            "providers": [i.provider_id for i in db.session.scalars(
                                db.select(services.CallOffInvitation).where(
                                    services.CallOffInvitation.call_off_id == call_off.id))]})
            late = [c["id"] for c in out if c["deadline"] <= time.time()]
            if late:
                raise SystemExit(f"surge: set-up ran past deadlines of {late}")
    print(json.dumps({"t0": t0, "window": window, "template": template_id,
                      "officer": officer_id, "call_offs": out}))


if __name__ == "__main__":
    main()
