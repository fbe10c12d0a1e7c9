"""The questionnaire pages and API for the host's administrator."""
from ..helpers import bearer_token
from . import factories


def test_the_questionnaire_page_says_when_weights_do_not_add_up(world, client, as_user):
    factories.questionnaire(world.host, scored=[("Quality?", 70)])
    page = as_user(world.host_admin).get("/questionnaire").get_data(as_text=True)
    assert "add up to 70; they must add up to 100" in page
    assert "Are you registered with Ofsted?" in page


def test_adding_a_question_through_the_page(world, client, as_user):
    as_user(world.host_admin)
    response = client.post("/questionnaire/questions/new", data={
        "kind": "scored", "text": "How do you plan transitions?", "weight": "100"})
    assert response.status_code == 302
    page = client.get("/questionnaire").get_data(as_text=True)
    assert "How do you plan transitions?" in page
    assert "add up to 100 out of 100" in page


def test_a_question_without_its_weight_shows_the_error(world, client, as_user):
    page = as_user(world.host_admin).post("/questionnaire/questions/new", data={
        "kind": "scored", "text": "Q"}).get_data(as_text=True)
    assert "<title>Error: " in page
    assert "Enter the weight as a whole number from 1 to 100" in page


def test_providers_and_members_cannot_see_the_questionnaire(world, client, as_user):
    question = factories.questionnaire(world.host).questions[0]
    for user in (world.provider_user, world.manager):
        as_user(user)
        assert client.get("/questionnaire").status_code == 403
        assert client.get(f"/questionnaire/questions/{question.id}").status_code == 404


def test_the_questionnaire_api(world, client):
    headers = {"Authorization": f"Bearer {bearer_token(world.host_admin).token}"}
    assert client.get("/api/v1/questionnaire", headers=headers).json["questions"] == []
    response = client.post("/api/v1/questionnaire/questions", headers=headers, json={
        "kind": "pass_fail", "category": "insurance", "text": "Insured?"})
    assert response.status_code == 201
    question_id = response.json["id"]
    response = client.patch(f"/api/v1/questionnaire/questions/{question_id}", headers=headers,
                            json={"text": "Insured for £10m?"})
    assert response.json["text"] == "Insured for £10m?"
    assert response.json["category"] == "insurance"
    response = client.patch("/api/v1/questionnaire", headers=headers, json={"pass_mark": 70})
    assert response.json["pass_mark"] == 70
    response = client.post("/api/v1/questionnaire/questions", headers=headers, json={
        "kind": "scored", "text": "Quality?"})
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "weight"
