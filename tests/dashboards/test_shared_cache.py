"""The shared query cache: with a Redis URL, every app (a worker, a replica) reads and writes one cache in a real
redis-server; an answer cached by one is served to another, and a newly published warehouse is never answered
from the old one's entries."""

from __future__ import annotations

import os
import shutil

import pytest
import redis
from signing_in import signed_in

from app import create_app
from dashboards.components import data

QUERY = (["repairs_raised"], ["ward"], {"financial_year": ["2025-26"]})


@pytest.fixture
def shared(redis_url):
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    return client


def keys(client) -> set[bytes]:
    return set(client.keys("borough-insight:*"))


def answer(app, query=QUERY):
    with signed_in(app, "/repairs"):
        return data.measures(*query).rows


def test_one_worker_fills_the_cache_another_reads_it(shared, redis_url, warehouse_copy):
    first = create_app({"warehouse": warehouse_copy, "cache_redis_url": redis_url})
    second = create_app({"warehouse": warehouse_copy, "cache_redis_url": redis_url})
    rows = answer(first)
    stored = keys(shared)
    assert rows and stored, "the first worker's answer is in Redis"
    assert answer(second) == rows
    assert keys(shared) == stored, "the second worker asked nothing new: it read the first one's entry"


def test_a_published_warehouse_is_not_answered_from_the_old_entries(shared, redis_url, warehouse_copy, tmp_path):
    app = create_app({"warehouse": warehouse_copy, "cache_redis_url": redis_url})
    answer(app)
    before = keys(shared)
    fresh = tmp_path / "next.duckdb"
    shutil.copy2(warehouse_copy, fresh)
    os.replace(fresh, warehouse_copy)            # as the ETL publishes: a new file under the same name
    answer(app)
    assert keys(shared) - before, "the new file's answers are new entries"


def test_without_a_url_each_process_keeps_its_own_cache(warehouse_copy):
    app = create_app({"warehouse": warehouse_copy})
    assert app.server.config["CACHE_TYPE"] == "SimpleCache"
