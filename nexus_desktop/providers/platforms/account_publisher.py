"""What the YouTube, Instagram, X and LinkedIn adapters share: the pre-flight
table checked before any upload, and the account's tokens."""

from __future__ import annotations

from . import preflight
from .base import PostPackage, PublishError
from .oauth import AccountTokens


class AccountPublisher:
    display_name: str = ""
    tokens: AccountTokens

    def preflight(self, package: PostPackage) -> list[str]:
        return preflight.check(package)

    def refresh_credentials(self) -> None:
        self.tokens.access_token()

    def refuse_before_upload(self, package: PostPackage) -> None:
        """Stop a post the platform would reject before quota or time is spent on it."""
        problems = self.preflight(package)
        if problems:
            raise PublishError(f"{self.display_name} would refuse this post: " + "; ".join(problems))
