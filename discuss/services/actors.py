"""Who asks: the ``Actor`` every moderation service takes, and checks itself.

Every moderation service checks the site against the actor, so no view can forget to: a
moderator or key of site A is refused on site B. Kept apart from the accounts that make
actors, so that services the accounts use (the audit log) can name it too.
"""

from __future__ import annotations

from dataclasses import dataclass

from discuss.errors import Forbidden
from discuss.models import Site, User


@dataclass(frozen=True)
class Actor:
    """Whoever asks for a moderation action: a signed-in user or an API key."""

    name: str
    site_ids: frozenset[int] | None
    is_admin: bool = False
    user_id: int | None = None
    key_id: int | None = None

    @property
    def all_sites(self) -> bool:
        """Admins and unscoped keys act on every site."""
        return self.site_ids is None

    def may_moderate(self, site_id: int | None) -> bool:
        """Whether this actor may act on the site (None: something belonging to no site)."""
        if self.site_ids is None:
            return True
        return site_id is not None and site_id in self.site_ids

    def require_site(self, site: Site) -> None:
        """Refuse a site outside this actor's scope."""
        if not self.may_moderate(site.id):
            raise Forbidden(f"You may not moderate the site {site.slug!r}.")

    def require_admin(self) -> None:
        """Refuse anyone but an admin user (users and keys are an admin's business)."""
        if not self.is_admin:
            raise Forbidden("Only an administrator may do this.")

    def require_configure(self, site: Site) -> None:
        """Site settings: admins, and API keys covering the site; not plain moderators."""
        self.require_site(site)
        if self.user_id is not None and not self.is_admin:
            raise Forbidden("Only an administrator may change site settings.")


SYSTEM = Actor(name="system", site_ids=None, is_admin=True)


def actor_for_user(user: User) -> Actor:
    """The actor a signed-in user acts as."""
    sites = None if user.is_admin else frozenset(site.id for site in user.sites)
    return Actor(name=user.name, site_ids=sites, is_admin=user.is_admin, user_id=user.id)
