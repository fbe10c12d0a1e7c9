def test_start_page(client):
    r = client.get("/")
    assert r.status_code == 200
