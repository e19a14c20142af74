"""What the creator chooses per target besides its posting times, checked before it is saved.

The choices live in the target's config, under the keys the adapters and their
pre-flight read:

- TikTok: ``privacy_level`` (one of the levels ``creator_info`` offers the account),
  ``audited`` (the creator's TikTok app has passed TikTok's audit; until then TikTok
  keeps every API post private, so the level is SELF_ONLY), and ``disable_comment``,
  ``disable_duet``, ``disable_stitch`` (an account that has one off keeps it off).
- Facebook: ``page_id``, one of the Pages the sign-in may post to.
- Threads: ``text_only`` (the words and the link, without the video or a bucket).

Reading TikTok's offer goes over the network: callers run it off the GUI thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..domain.errors import UserFixableError
from ..providers.platforms.registry import PublisherSetup, create_publisher
from ..providers.platforms.tiktok import PRIVATE, CreatorInfo
from ..store.targets import TargetView
from .flow import Workspace

PLATFORMS = ("tiktok", "facebook", "threads")  # the targets that have choices here
PRIVACY_NAMES = {"PUBLIC_TO_EVERYONE": "Everyone", "MUTUAL_FOLLOW_FRIENDS": "Friends (followers you follow back)",
                 "FOLLOWER_OF_CREATOR": "Followers", PRIVATE: "Only me"}
UNAUDITED_NOTE = ("Until your TikTok app passes TikTok's audit, TikTok keeps every post from it private (Only me), "
                  "so the privacy is Only me.")


@dataclass(frozen=True)
class TikTokChoices:
    audited: bool = False
    privacy_level: str = PRIVATE
    allow_comment: bool = True
    allow_duet: bool = True
    allow_stitch: bool = True

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> TikTokChoices:
        audited = bool(config.get("audited", False))
        level = str(config.get("privacy_level") or ("PUBLIC_TO_EVERYONE" if audited else PRIVATE))  # the adapter's default
        return cls(audited, level, not config.get("disable_comment", False), not config.get("disable_duet", False),
                   not config.get("disable_stitch", False))

    def to_config(self) -> dict[str, Any]:
        return {"audited": self.audited, "privacy_level": self.privacy_level if self.audited else PRIVATE,
                "disable_comment": not self.allow_comment, "disable_duet": not self.allow_duet,
                "disable_stitch": not self.allow_stitch}


@dataclass(frozen=True)
class FacebookChoices:
    page_id: str = ""

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> FacebookChoices:
        return cls(str(config.get("page_id") or ""))

    def to_config(self) -> dict[str, Any]:
        return {"page_id": self.page_id}


@dataclass(frozen=True)
class ThreadsChoices:
    text_only: bool = False

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> ThreadsChoices:
        return cls(bool(config.get("text_only", False)))

    def to_config(self) -> dict[str, Any]:
        return {"text_only": self.text_only}


Choices = TikTokChoices | FacebookChoices | ThreadsChoices
KINDS: dict[str, type] = {"tiktok": TikTokChoices, "facebook": FacebookChoices, "threads": ThreadsChoices}


@dataclass(frozen=True)
class Page:
    id: str
    name: str


def choices_of(target: TargetView) -> Choices:
    kind = KINDS.get(target.platform)
    if kind is None:
        raise UserFixableError(f"{target.name} has no posting options besides its times",
                               hint="TikTok, Facebook and Threads targets have some")
    return kind.from_config(target.config)


def tiktok_offer(ws: Workspace, target: TargetView) -> CreatorInfo:
    """What TikTok lets this account choose now (``creator_info/query``; over the network)."""
    setup = PublisherSetup(ws.settings, ws.paths, target.account_id, target.name, dict(target.config), accounts=ws.store.accounts)
    return create_publisher("tiktok", setup).creator_info()


def facebook_pages(ws: Workspace, target: TargetView) -> list[Page]:
    """The Pages the connected sign-in may post to (read when it connected)."""
    account = ws.store.accounts.get(target.account_id) if target.account_id is not None else None
    pages = (account.details if account else {}).get("pages") or []
    return [Page(str(p["id"]), str(p.get("name") or p["id"])) for p in pages if "CREATE_CONTENT" in (p.get("tasks") or [])]


def problems(choices: Choices, *, offer: CreatorInfo | None = None, pages: list[Page] | None = None) -> list[str]:
    """Why these choices would be refused; empty when they can be saved."""
    found: list[str] = []
    if isinstance(choices, TikTokChoices):
        level = choices.privacy_level if choices.audited else PRIVATE
        if offer is not None and level not in offer.privacy_levels:
            offered = ", ".join(PRIVACY_NAMES.get(p, p) for p in offer.privacy_levels) or "nothing"
            found.append(f"TikTok does not offer '{PRIVACY_NAMES.get(level, level)}' to this account; it offers {offered}")
    elif isinstance(choices, FacebookChoices):
        if pages is not None and not pages:
            found.append("this Facebook sign-in may not post to any Page; connect again with a Page you can create content on")
        elif pages is not None and choices.page_id not in {p.id for p in pages}:
            found.append("choose one of the Pages this sign-in may post to")
    return found


def save(ws: Workspace, target_id: int, choices: Choices, *, offer: CreatorInfo | None = None) -> TargetView:
    """Check and store the choices in the target's config (the other keys stay as they are)."""
    target = ws.store.targets.get(target_id)
    if target is None:
        raise UserFixableError(f"there is no target {target_id} any more", hint="it was removed meanwhile")
    if not isinstance(choices, KINDS.get(target.platform, ())):
        raise UserFixableError(f"these are not {target.platform} options")
    pages = facebook_pages(ws, target) if isinstance(choices, FacebookChoices) else None
    refused = problems(choices, offer=offer, pages=pages)
    if refused:
        raise UserFixableError("; ".join(refused))
    return ws.store.targets.update_config(target_id, **choices.to_config())
