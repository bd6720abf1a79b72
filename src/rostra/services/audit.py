"""What an audit entry's target points to, for people reading the log: the comment (its author,
its words, its page and the link to it), the site, the campaign, instead of bare ids."""

from __future__ import annotations

from dataclasses import dataclass

from rostra.domain.comments import Comment
from rostra.domain.staff import AuditEntry, BanKind, StaffAction
from rostra.domain.subscriptions import article_url
from rostra.services.ports import Transaction

# Actions whose target is a comment id ("ban" writes "<kind>:<comment id>").
COMMENT_ACTIONS = frozenset(
    {
        StaffAction.APPROVE,
        StaffAction.REJECT,
        StaffAction.SPAM,
        StaffAction.PIN,
        StaffAction.UNPIN,
        StaffAction.LEARN,
        StaffAction.BAN,
    }
)
# Actions whose target starts with the site's name ("<site>/<campaign id>", "<site>: …").
SITE_ACTIONS = frozenset({StaffAction.SETTINGS, StaffAction.CAMPAIGN, StaffAction.DONATION})


@dataclass(frozen=True, slots=True)
class AuditDetail:
    """An audit entry and what it acted on, as far as it is still stored."""

    entry: AuditEntry
    site: str | None = None
    comment: Comment | None = None  # None: not a comment action, or the comment is gone
    page: str | None = None  # the comment's page on its site
    link: str | None = None  # the comment on its public page (#comment-ID), when it has one
    ban_kind: BanKind | None = None
    campaign_id: str | None = None
    ban_id: int | None = None  # an "unban": the ban lifted (its row is gone)


async def describe_entries(tx: Transaction, entries: list[AuditEntry]) -> list[AuditDetail]:
    """Each entry with what its target names, read in ``tx`` (one look-up per distinct comment,
    thread and site)."""
    comments: dict[str, Comment | None] = {}
    threads: dict[int, tuple[str, str]] = {}
    origins: dict[str, tuple[str, ...]] = {}
    details = []
    for entry in entries:
        if entry.action in COMMENT_ACTIONS:
            details.append(await _comment_detail(tx, entry, comments, threads, origins))
        elif entry.action in SITE_ACTIONS:
            site, slash, rest = entry.target.partition("/")
            campaign = rest if slash and entry.action is not StaffAction.SETTINGS else None
            details.append(AuditDetail(entry, site=site, campaign_id=campaign))
        elif entry.action is StaffAction.FORGET_READER:
            details.append(AuditDetail(entry, site=entry.target.partition(":")[0]))
        elif entry.action is StaffAction.UNBAN and entry.target.isdigit():
            details.append(AuditDetail(entry, ban_id=int(entry.target)))
        else:
            details.append(AuditDetail(entry))
    return details


async def _comment_detail(
    tx: Transaction,
    entry: AuditEntry,
    comments: dict[str, Comment | None],
    threads: dict[int, tuple[str, str]],
    origins: dict[str, tuple[str, ...]],
) -> AuditDetail:
    kind_text, colon, comment_id = entry.target.partition(":")
    kind = None
    if entry.action is StaffAction.BAN and colon:
        kind = BanKind(kind_text) if kind_text in {k.value for k in BanKind} else None
    else:
        comment_id = entry.target
    if comment_id not in comments:
        comments[comment_id] = await tx.comments.get(comment_id)
    comment = comments[comment_id]
    if comment is None:
        return AuditDetail(entry, ban_kind=kind)
    if comment.thread_id not in threads:
        thread = await tx.threads.get_by_id(comment.thread_id)
        threads[comment.thread_id] = (thread.site, thread.page)
    site, page = threads[comment.thread_id]
    if site not in origins:
        found = await tx.sites.get(site)
        origins[site] = found.origins if found is not None else ()
    link = article_url(origins[site], page, comment.id)
    return AuditDetail(entry, site=site, comment=comment, page=page, link=link, ban_kind=kind)
