"""Specifications through /api/v1: the host keeps them, everyone reads published versions."""
from marketplace.specifications.models import SpecificationKind

from ..helpers import bearer_token
from ..purchasing import factories as purchasing_factories
from . import factories


def _headers(user):
    return {"Authorization": f"Bearer {bearer_token(user).token}"}


def test_the_host_admin_runs_a_specification_through_the_api(world, client, time_machine):
    time_machine.move_to("2026-11-24 10:00 +00:00", tick=False)
    host = _headers(world.host_admin)
    lot = purchasing_factories.lot(world.host, "DAY")
    created = client.post("/api/v1/specifications", headers=host,
                          json={"kind": "lot", "lot_id": lot.id, "title": "Day lot"})
    assert created.status_code == 201
    spec = created.json
    assert (spec["kind"], spec["lot"]["code"], spec["versions"], spec["version_in_force"]) == (
        "lot", "DAY", [], None)

    draft = client.post(f"/api/v1/specifications/{spec['id']}/versions", headers=host,
                        json={"body": "# Day placements\n\nTerm time only."})
    assert draft.status_code == 201
    assert (draft.json["number"], draft.json["status"]) == (1, "draft")
    version_url = f"/api/v1/specifications/{spec['id']}/versions/{draft.json['id']}"
    changed = client.patch(version_url, headers=host,
                           json={"body": "# Day placements\n\n190 days a year."})
    assert changed.json["body"] == "# Day placements\n\n190 days a year."

    past = client.post(version_url + "/publish", headers=host, json={"effective_on": "2026-11-01"})
    assert past.status_code == 422 and past.mimetype == "application/problem+json"
    assert past.json["errors"][0]["field"] == "effective_on"
    garbled = client.post(version_url + "/publish", headers=host, json={"effective_on": "soon"})
    assert garbled.status_code == 422
    assert garbled.json["errors"][0]["field"] == "effective_on"

    published = client.post(version_url + "/publish", headers=host,
                            json={"effective_on": "2026-12-01"})
    assert published.status_code == 200
    assert published.json["status"] == "upcoming"
    assert published.json["effective_at"].startswith("2026-12-01T00:00:00")
    immutable = client.patch(version_url, headers=host, json={"body": "changed"})
    assert immutable.status_code == 409
    assert "cannot be changed" in immutable.json["detail"]

    in_force = client.get(f"/api/v1/specifications/in-force?lot_id={lot.id}"
                          "&at=2026-12-01T00:00:00%2B00:00", headers=host)
    assert [v["id"] for v in in_force.json] == [draft.json["id"]]
    assert client.get(f"/api/v1/specifications/in-force?lot_id={lot.id}",
                      headers=host).json == []


def test_members_and_providers_read_but_cannot_change_specifications(world, client):
    spec = factories.specification(world.host, title="Core")
    version = factories.version(world.host, spec)
    for user in (world.manager, world.provider_user):
        headers = _headers(user)
        listed = client.get("/api/v1/specifications", headers=headers)
        assert [s["title"] for s in listed.json] == ["Core"]
        assert listed.json[0]["version_in_force"]["number"] == 1
        read = client.get(f"/api/v1/specifications/{spec.id}/versions/{version.id}",
                          headers=headers)
        assert read.json["body"] == factories.BODY
        refused = client.post(f"/api/v1/specifications/{spec.id}/versions", headers=headers,
                              json={"body": "mine"})
        assert refused.status_code == 403
        refused = client.post("/api/v1/specifications", headers=headers,
                              json={"kind": "core", "title": "Mine"})
        assert refused.status_code == 403


def test_specifications_are_listed_core_first_then_terms_then_lots(world, client):
    lot = purchasing_factories.lot(world.host, "RES52")
    factories.specification(world.host, SpecificationKind.LOT, title="A lot", lot=lot)
    factories.specification(world.host, SpecificationKind.CONTRACT_TERMS, title="Terms")
    factories.specification(world.host, title="Core")
    listed = client.get("/api/v1/specifications", headers=_headers(world.officer))
    assert [s["title"] for s in listed.json] == ["Core", "Terms", "A lot"]
