"""The creator's actions on feeds: add (checked first), check, switch, remove, export."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ...domain.errors import NexusError
from ...pipeline.feed_discovery import find_feed
from ...pipeline.feeds import add_feeds, export_feeds
from ...pipeline.harvest import HarvestReport
from ...runtime.events import JobsChanged
from ...runtime.feed_checks import check_feeds_now
from ...runtime.runner import NETWORK
from ..formatting import count

log = logging.getLogger(__name__)


class FeedActions:
    """Mixed into ``Operations``: needs ``ws``, ``runner``, ``checks`` and the helpers of ``Base``."""


    def add_feeds(self, addresses: Iterable[str]) -> None:
        """Add feeds by URL, file or OPML, then check the new ones for articles."""
        wanted = [a.strip() for a in addresses if a.strip()]
        if not wanted:
            return

        def work() -> tuple[list[int], int, list[str], list[str]]:
            store, settings, problems, new_urls, known, accepted = self.ws.store, self.ws.settings, [], set(), 0, []
            for address in wanted:
                try:  # checked before anything is saved: what is not a feed is refused with the reason
                    found = find_feed(address, settings)
                    if found.opml:
                        listed = add_feeds(store, settings, address)
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
            return [s.id for s in store.sources.list() if s.url in new_urls], known, problems, accepted

        def done(result: tuple[list[int], int, list[str], list[str]]) -> None:
            new_ids, known, problems, accepted = result
            if accepted:
                self.feeds_added.emit(accepted)
            self.runner.notify_sources_changed()
            parts = [f"Added {count(len(new_ids), 'feed')}"] if new_ids else []
            if known:
                parts.append(f"{count(known, 'feed')} already there")
            if parts:
                self.told.emit("; ".join(parts))
            if problems:
                self.problem.emit("Some feeds could not be added", "\n".join(problems))
            if new_ids:
                self.harvest(new_ids)

        self.runner.submit(work, lane=NETWORK, description="Adding feeds", on_done=done,
                           on_failed=self._failed("Adding feeds"))

    def harvest(self, source_ids: list[int] | None = None) -> None:
        """Check feeds (all active ones, or these) for new articles; each becomes a job."""

        def done(report: HarvestReport) -> None:
            self.runner.notify_sources_changed()
            if report.new_jobs:
                self.runner.notify_jobs_changed(JobsChanged(added=True))
            text = f"Checked {count(len(report.outcomes), 'feed')}: {count(report.new_jobs, 'new job')}"
            if report.failed:
                text += f"; {count(len(report.failed), 'feed')} failed (see Feeds)"
            self.told.emit(text)

        ws, checks = self.ws, self.checks
        self.runner.submit(lambda: check_feeds_now(ws.store, ws.settings, checks, source_ids), lane=NETWORK,
                           description="Checking feeds", on_done=done, on_failed=self._failed("Checking feeds"))

    def export_opml(self, path: Path) -> None:
        self._store_work(lambda: export_feeds(self.ws.store, path), "Exporting feeds",
                         lambda _: self.told.emit(f"Feeds exported to {path}"))

    def set_feed_active(self, source_id: int, active: bool) -> None:
        self._store_work(lambda: self.ws.store.sources.set_active(source_id, active), "Switching a feed",
                         lambda _: self.runner.notify_sources_changed())

    def set_auto_approve(self, urls: list[str], on: bool) -> None:
        """Approve these feeds' videos by themselves (or stop); saved with the settings."""
        from ... import settings as settings_file

        chosen = [u for u in self.ws.settings.harvest.auto_approve_feeds if u not in urls] + (list(urls) if on else [])
        self.ws.settings.harvest.auto_approve_feeds = chosen
        settings, path = self.ws.settings.model_copy(deep=True), self.ws.paths.settings_file
        verb = "are approved by themselves" if on else "wait for your review again"
        self._store_work(lambda: settings_file.save(settings, path), "Saving settings",
                         lambda _: self.told.emit(f"Videos of {count(len(urls), 'feed')} {verb}"))

    def set_background_service(self, on: bool) -> None:
        """Install (or remove) the systemd user unit that runs nexus daemon at login."""
        from ...runtime import service

        paths = self.ws.paths
        self._store_work(lambda: service.install(paths) if on else service.uninstall(), "Background service",
                         lambda state: self.told.emit(state.message) if state.enabled or not on
                         else self.problem.emit("The background service is not running", state.message))

    def remove_feeds(self, source_ids: list[int]) -> None:
        """Forget feeds; the jobs already made from them stay."""

        def work() -> None:
            for source_id in source_ids:
                self.ws.store.sources.remove(source_id)

        def done(_: Any) -> None:
            self.runner.notify_sources_changed()
            self.told.emit(f"Removed {count(len(source_ids), 'feed')}; their jobs stay")

        self._store_work(work, "Removing feeds", done)

