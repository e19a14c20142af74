"""The creator's actions on targets (where posts go): their posting options, and finding an
account's target. The posting times are saved by ``posts.save_posting_times``."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ...pipeline import target_choices as choices_
from ...pipeline.flow import Workspace
from ...runtime.events import Changed
from ...runtime.lanes import STORE
from .base import CollectionOp, Outcome, QueryOp

if TYPE_CHECKING:
    from ...providers.platforms.tiktok import CreatorInfo
    from ...store.targets import TargetView
    from ..app_context import AppContext


def save_choices(ctx: AppContext, target_id: int, chosen: choices_.Choices, *, offer: CreatorInfo | None,
                 success: Callable[[Outcome[TargetView]], Any], failure: Callable[[BaseException], Any]) -> None:
    """Check and store a target's posting options (TikTok privacy, the Facebook Page, Threads text
    only); ``success`` gets the outcome (its ``value`` the saved target); a refusal goes to
    ``failure`` with its reason and nothing is saved."""

    def op(ws: Workspace) -> Outcome[TargetView]:
        target = choices_.save(ws, target_id, chosen, offer=offer)
        return Outcome(Changed(targets=True), f"Posting options saved for {target.name}", value=target)

    CollectionOp(ctx, op, "Saving posting options").expecting(LookupError).success(success).failure(
        failure).run_in_background()


def account_target(ctx: AppContext, account_id: int, success: Callable[[TargetView | None], Any]) -> None:
    """The target a connected account posts through (made first if it is new; None if there is none)."""

    def find(ws: Workspace) -> TargetView | None:
        ws.store.targets.ensure_account_targets()
        return next((t for t in ws.store.targets.list() if t.account_id == account_id), None)

    QueryOp(ctx, find, "Finding the account's target").success(success).run_in_background(lane=STORE)
