"""The public-acknowledgements flow's own stages: draft what is missing, then publish
what both sides approved (and nothing else)."""

from __future__ import annotations

from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from db.acknowledgements import acknowledgements
from db.engine import transaction
from tasks.acknowledgements.public_pages import country_pages, page_markdown
from tasks.acknowledgements.publication import mark_published, page_country, write_pages
from tasks.acknowledgements.register import draft_missing
from tasks.artifacts import publish_markdown
from tasks.clock import Clock
from tasks.outbox.stages import app_engine
from tasks.run_context import only_in_a_run, run_logger
from tasks.settings import get_settings


@task(name="draft-acknowledgements", cache_policy=NO_CACHE)
def draft_acknowledgements() -> int:
    """Draft an acknowledgement for each ended partnership that has none; return how many."""
    with transaction(app_engine()) as session:
        drafted = draft_missing(session)
    run_logger().info("drafted %d acknowledgements", drafted)
    return drafted


@task(name="publish-pages", cache_policy=NO_CACHE, retries=2)
def publish_pages(clock: Clock) -> dict[str, Any]:
    """Rewrite the public pages from the approved acknowledgements; return the countries
    with a page (entries per country; each page is written in every language), the files
    removed, and what was published or unpublished since the last run."""
    folder = get_settings().public_dir
    with transaction(app_engine()) as session:
        every = acknowledgements(session)
        pages = country_pages([item for item in every if item.is_publishable])
        removed = write_pages(folder, pages)
        changes = mark_published(every, clock.now())
        homes = [page for page in pages if page.is_home]
        markdown = {page.code: page_markdown(page) for page in homes}
        counts = {page.code: len(page.entries) for page in homes}
    publish_artifacts(markdown, removed)
    run_logger().info("public pages: %d countries, %s", len(homes), changes)
    return {"pages": counts, "removed": removed, **changes}


@only_in_a_run
def publish_artifacts(markdown: dict[str, str], removed: list[str]) -> None:
    """One keyed markdown artifact per country; a removed country's artifact says so."""
    for code, text in markdown.items():
        publish_markdown(f"acknowledgements-{code}", text)
    gone = {page_country(name) for name in removed}
    for code in sorted(code for code in gone if code and code not in markdown):
        publish_markdown(
            f"acknowledgements-{code}",
            "Nothing is published for this country any more.\n",
        )
