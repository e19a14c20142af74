"""The creator's actions on feeds, one function each: add (checked first), check, switch,
remove, export, auto-approve; and the background service switch."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ...domain.errors import NexusError
from ...pipeline.feed_discovery import find_feed
from ...pipeline.feeds import export_feeds
from ...pipeline.feeds import add_feeds as add_feed_list
from ...pipeline.flow import Workspace
from ...runtime.events import Changed
from ...runtime.feed_checks import check_feeds_now
from ...runtime.lanes import NETWORK
from ..formatting import count
from .base import CollectionOp, Outcome

if TYPE_CHECKING:
    from ..app_context import AppContext

FEEDS = Changed(feeds=True)


@dataclass(frozen=True)
class Added:
    new_ids: tuple[int, ...]  # the feeds that are new, to check now
    accepted: tuple[str, ...]  # the addresses, as given, that are feeds (new or known)


def add_feeds(ctx: AppContext, addresses: Iterable[str]) -> None:
    """Add feeds by URL, file, site address or OPML, then check the new ones for articles.
    What is not a feed is refused with its reason and nothing of it is saved."""
    wanted = [a.strip() for a in addresses if a.strip()]
    if not wanted:
        return

    def op(ws: Workspace) -> Outcome[Added]:
        store, settings, problems, new_urls, known, accepted = ws.store, ws.settings, [], set(), 0, []
        for address in wanted:
            try:  # checked before anything is saved
                found = find_feed(address, settings)
                if found.opml:
                    listed = add_feed_list(store, settings, address)
                    problems.extend(f"{one.url}: {one.refused}" for one in listed if one.refused)
                    added = [(one.url, one.created) for one in listed if not one.refused]
                else:
                    view, created = store.sources.add(found.url, found.title)
                    added = [(view.url, created)]
            except (NexusError, OSError) as exc:
                problems.append(f"{address}: {exc}")
                continue
            accepted.append(address)
            for url, created in added:
                if created:
                    new_urls.add(url)
                else:
                    known += 1
        new_ids = tuple(s.id for s in store.sources.list() if s.url in new_urls)
        parts = [f"Added {count(len(new_ids), 'feed')}"] if new_ids else []
        if known:
            parts.append(f"{count(known, 'feed')} already there")
        problem = ("Some feeds could not be added", "\n".join(problems)) if problems else None
        return Outcome(FEEDS, "; ".join(parts), problem, Added(new_ids, tuple(accepted)))

    def done(outcome: Outcome[Added]) -> None:
        if outcome.value.accepted:
            ctx.ops.feeds_added.emit(list(outcome.value.accepted))
        if outcome.value.new_ids:
            check_feeds(ctx, list(outcome.value.new_ids))

    CollectionOp(ctx, op, "Adding feeds").success(done).run_in_background(lane=NETWORK)


def check_feeds(ctx: AppContext, source_ids: list[int] | None = None) -> None:
    """Check feeds (all active ones, or these) for new articles; each becomes a job."""
    checks = ctx.ops.checks

    def op(ws: Workspace) -> Outcome[None]:
        report = check_feeds_now(ws.store, ws.settings, checks, source_ids)
        text = f"Checked {count(len(report.outcomes), 'feed')}: {count(report.new_jobs, 'new job')}"
        if report.failed:
            text += f"; {count(len(report.failed), 'feed')} failed (see Feeds)"
        return Outcome(Changed(feeds=True, added=bool(report.new_jobs)), text)

    CollectionOp(ctx, op, "Checking feeds").run_in_background(lane=NETWORK)


def export_opml(ctx: AppContext, path: Path) -> None:
    def op(ws: Workspace) -> Outcome[None]:
        export_feeds(ws.store, path)
        return Outcome(told=f"Feeds exported to {path}")

    CollectionOp(ctx, op, "Exporting feeds").run_in_background()


def set_feed_active(ctx: AppContext, source_id: int, active: bool) -> None:
    def op(ws: Workspace) -> Outcome[None]:
        ws.store.sources.set_active(source_id, active)
        return Outcome(FEEDS)

    CollectionOp(ctx, op, "Switching a feed").run_in_background()


def remove_feeds(ctx: AppContext, source_ids: list[int]) -> None:
    """Forget feeds; the jobs already made from them stay."""

    def op(ws: Workspace) -> Outcome[None]:
        for source_id in source_ids:
            ws.store.sources.remove(source_id)
        return Outcome(FEEDS, f"Removed {count(len(source_ids), 'feed')}; their jobs stay")

    CollectionOp(ctx, op, "Removing feeds").run_in_background()


def set_auto_approve(ctx: AppContext, urls: list[str], on: bool) -> None:
    """Approve these feeds' videos by themselves (or stop); saved with the settings."""
    from ... import settings as settings_file

    current = ctx.ws.settings
    current.harvest.auto_approve_feeds = [u for u in current.harvest.auto_approve_feeds if u not in urls] + (
        list(urls) if on else [])
    settings, path = current.model_copy(deep=True), ctx.ws.paths.settings_file
    verb = "are approved by themselves" if on else "wait for your review again"

    def op(_: Workspace) -> Outcome[None]:
        settings_file.save(settings, path)
        return Outcome(FEEDS, f"Videos of {count(len(urls), 'feed')} {verb}")

    CollectionOp(ctx, op, "Saving settings").run_in_background()


def set_background_service(ctx: AppContext, on: bool) -> None:
    """Install (or remove) the systemd user unit that runs nexus daemon at login."""
    from ...runtime import service

    def op(ws: Workspace) -> Outcome[None]:
        state = service.install(ws.paths) if on else service.uninstall()
        if state.enabled or not on:
            return Outcome(told=state.message)
        return Outcome(problem=("The background service is not running", state.message))

    CollectionOp(ctx, op, "Background service").run_in_background()
