"""The public fast path (cases/public/fastpath.py): a warm public page is answered before the
session and sign-in middleware, with exactly the answer the whole chain gives."""

import pytest
from django.conf import settings as django_settings

from cases.models import Status
from tests.factories import make_persons, make_user, serve_public_pages

pytestmark = pytest.mark.django_db

PUBLIC_URLS = [
    "/",
    "/?place=ili",
    "/statistics.json",
    "/statistics.json?year=2018",
    "/statistics.csv",
]
# The state of the data, read on every request: all a warm copy costs.
STATE_QUERIES = 1


@pytest.fixture(autouse=True)
def _public_site(settings):
    settings.PUBLIC_MIN_CELL = 5
    serve_public_pages(settings)
    make_persons(12, status=Status.CAMP)


def took_the_fast_path(response) -> bool:
    # The session middleware, further down the chain, gives every request it sees a session.
    return not hasattr(response.wsgi_request, "session")


def through_the_whole_chain(client, url: str, **headers):
    """The same request with a cookie no middleware knows: it goes down the whole chain."""
    client.cookies["unrelated"] = "1"
    try:
        return client.get(url, headers=headers)
    finally:
        del client.cookies["unrelated"]


@pytest.mark.parametrize("url", PUBLIC_URLS)
@pytest.mark.parametrize("language", ["en", "kk", "ru"])
def test_fast_answer_has_the_headers_and_body_of_the_whole_chain(client, url, language):
    rendered = client.get(url, headers={"accept-language": language})

    fast = client.get(url, headers={"accept-language": language})
    slow = through_the_whole_chain(client, url, accept_language=language)

    assert took_the_fast_path(fast)
    assert not took_the_fast_path(slow) and not took_the_fast_path(rendered)
    assert fast.status_code == slow.status_code == 200
    assert dict(fast.items()) == dict(slow.items()) == dict(rendered.items())
    assert fast.content == slow.content == rendered.content
    assert fast["Content-Language"] == language
    assert "Content-Security-Policy" in fast and fast["X-Frame-Options"] == "DENY"
    assert fast["Cache-Control"] == "no-cache"


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_fast_not_modified_is_the_whole_chains_not_modified(client, url):
    etag = client.get(url)["ETag"]

    fast = client.get(url, headers={"if-none-match": etag})
    slow = through_the_whole_chain(client, url, if_none_match=etag)

    assert took_the_fast_path(fast)
    assert fast.status_code == slow.status_code == 304
    assert dict(fast.items()) == dict(slow.items())
    assert fast.content == b""


def test_head_is_answered_like_get(client):
    get = client.get("/statistics.json")

    head = client.head("/statistics.json")

    assert took_the_fast_path(head)
    assert dict(head.items()) == dict(get.items())


def test_language_cookie_chooses_the_language_on_the_fast_path_too(client):
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "kk"
    client.get("/", headers={"accept-language": "ru"})

    page = client.get("/", headers={"accept-language": "ru"})

    assert took_the_fast_path(page)
    assert page["Content-Language"] == "kk"
    assert '<html lang="kk">' in page.content.decode()


def test_warm_page_costs_one_read_and_no_session(client, django_assert_num_queries):
    client.get("/statistics.json")

    with django_assert_num_queries(STATE_QUERIES):
        response = client.get("/statistics.json")

    assert took_the_fast_path(response)
    assert "Set-Cookie" not in response


def test_a_signed_in_coordinator_goes_down_the_whole_chain(client):
    client.get("/")
    client.force_login(make_user("coordinator", superuser=True))

    page = client.get("/")

    assert not took_the_fast_path(page)
    # The session is renewed on every request (SESSION_SAVE_EVERY_REQUEST), public pages too.
    assert django_settings.SESSION_COOKIE_NAME in page.cookies


def test_a_page_not_rendered_yet_goes_down_the_whole_chain(client):
    first = client.get("/statistics.json")

    assert not took_the_fast_path(first)
    assert took_the_fast_path(client.get("/statistics.json"))


def test_a_query_beyond_the_filters_is_rendered_down_the_chain_every_time(client):
    client.get("/?place=ili&utm=x")

    again = client.get("/?place=ili&utm=x")

    assert not took_the_fast_path(again)
    assert again.status_code == 200


def test_a_change_is_served_at_the_next_request(client):
    before = client.get("/statistics.json")
    assert took_the_fast_path(client.get("/statistics.json"))

    make_persons(8, status=Status.RELEASED)
    after = client.get("/statistics.json")

    assert after["ETag"] != before["ETag"]
    assert after.json()["totals"]["persons"] != before.json()["totals"]["persons"]


def test_an_unknown_host_is_refused_as_down_the_chain(client, settings):
    client.get("/")

    response = client.get("/", headers={"host": "attacker.example"})

    assert response.status_code == 400


def test_nul_bytes_are_refused_before_the_fast_path(client):
    client.get("/statistics.json")

    assert client.get("/statistics.json?year=%00").status_code == 400
