"""Votes and reactions on comments."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from rostra.services.callers import Caller
from rostra.services.registry import Services
from rostra.web.api.accounts import signed_in_reader
from rostra.web.decoding import Body, decode
from rostra.web.errors import ERROR_RESPONSES
from rostra.web.identity import VoterCookies, caller_from
from rostra.web.schemas import ReactionIn, ReactionsOut, TallyOut, VoteIn


async def _voting_caller(
    request: Request[Any, Any, Any], response: Response[Any], services: Services
) -> Caller:
    """Who a vote or reaction counts for: the signed-in reader, else the voter cookie, which
    the first one sets on ``response``."""
    cookies = VoterCookies(services.keyring)
    reader = await signed_in_reader(request, services)  # one vote per account
    voter = None if reader else cookies.read(request)
    new_voter = reader is None and voter is None
    if new_voter:
        # The service counts such votes per client address, so dropping the cookie
        # does not make a new voter each time.
        voter = cookies.issue(request, response)
    return caller_from(request, voter, reader=reader, new_voter=new_voter)


# POST /api/v1/comments/{comment_id}/vote
@post(
    "/api/v1/comments/{comment_id:str}/vote",
    status_code=200,
    summary="Vote on a comment",
    tags=["votes"],
    responses=ERROR_RESPONSES,
)
async def cast_vote(
    request: Request[Any, Any, Any],
    comment_id: FromPath[str],
    data: Body[VoteIn],
    services: NamedDependency[Services],
) -> Response[TallyOut]:
    """One vote per reader: 1 up, -1 down, 0 withdraws. The first vote sets the voter cookie;
    votes without it are counted once per client address and comment."""
    incoming = decode(data, VoteIn)
    response: Response[TallyOut] = Response(TallyOut(0, 0, 0, 0))
    caller = await _voting_caller(request, response, services)
    tally = await services.votes.cast_vote(comment_id, incoming.value, caller)
    response.content = TallyOut(tally.score, tally.upvotes, tally.downvotes, tally.my_vote)
    return response


# POST /api/v1/comments/{comment_id}/reaction
@post(
    "/api/v1/comments/{comment_id:str}/reaction",
    status_code=200,
    summary="React to a comment",
    tags=["votes"],
    responses=ERROR_RESPONSES,
)
async def react(
    request: Request[Any, Any, Any],
    comment_id: FromPath[str],
    data: Body[ReactionIn],
    services: NamedDependency[Services],
) -> Response[ReactionsOut]:
    """One reaction per reader, from the site's set (``thread.reactions``): a new one replaces
    the reader's previous one, null takes it back. It counts for the same reader identity and
    under the same rate limits as votes."""
    incoming = decode(data, ReactionIn)
    response: Response[ReactionsOut] = Response(ReactionsOut({}, None))
    caller = await _voting_caller(request, response, services)
    done = await services.reactions.react(comment_id, incoming.reaction, caller)
    response.content = ReactionsOut(dict(done.counts), done.mine)
    return response
