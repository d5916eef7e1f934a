"""History step: the stored 名寄せ candidates of the generated city (as `manage.py match_persons`)."""

from __future__ import annotations

from tsunagu.core.history import HistoryContext, history_step
from tsunagu.people.candidates import recompute_candidates
from tsunagu.people.models import PersonMatchCandidate


@history_step("match_candidates", after=("people",))
def match_candidates_step(ctx: HistoryContext) -> None:
    """Block and compare every person of the city and store the candidate pairs."""
    result = recompute_candidates(ctx.municipality.pk, log=lambda text: ctx.log(f"    {text}"))
    ctx.writer.rows[ctx.table(PersonMatchCandidate)] = result.stored_pairs
