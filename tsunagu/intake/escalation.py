"""Does a household meet its city's escalation rule? Computed from the household's open concerns."""

from __future__ import annotations

from dataclasses import dataclass

from tsunagu.directory.models import EscalationRule, EscalationTarget, EscalationTrigger
from tsunagu.municipalities.models import ConcernType
from tsunagu.people.models import Household

from .models import Consultation, ConsultationStatus, EscalationRequest, EscalationStatus


@dataclass(frozen=True)
class EscalationAdvice:
    rule: EscalationRule
    domains: frozenset[str]
    concern_names: tuple[str, ...]
    pending: EscalationRequest | None

    @property
    def message(self) -> str:
        # Only the domains the rule counts, in the city's order and words (municipality.counted_domains()).
        counted = [d for d in self.rule.counted_domain_codes() if d in self.domains]
        labels = "・".join(self.rule.municipality.domain_labels(counted))
        target = "多機関協働事業" if self.rule.target == EscalationTarget.CASE else self.rule.target_text()
        return f"この世帯の課題は {len(counted)} 分野（{labels}）にわたります。{self.rule.name}: {target}へつなぐことを検討してください。"


def open_concerns(household: Household, extra: list[ConcernType] | None = None) -> list[ConcernType]:
    """Concerns of the household's open consultations, plus any being entered now."""
    ids = set(
        Consultation.concerns.through.objects.filter(
            consultation__household=household, consultation__status=ConsultationStatus.OPEN
        ).values_list("concerntype_id", flat=True)
    )
    found = list(ConcernType.objects.filter(pk__in=ids))
    for c in extra or []:
        if c.pk not in ids:
            found.append(c)
    return found


def advise(household: Household | None, concerns: list[ConcernType]) -> list[EscalationAdvice]:
    """The automatic escalation rules that the household's open concerns (plus `concerns`) meet."""
    if household is not None:
        concerns = open_concerns(household, concerns)
    if not concerns:
        return []
    municipality_id = concerns[0].municipality_id
    domains = {d for c in concerns for d in c.domains}
    codes = {c.code for c in concerns}
    pending = None
    if household is not None:
        pending = EscalationRequest.objects.filter(
            household=household, status=EscalationStatus.PENDING
        ).first()
    rules = EscalationRule.objects.filter(
        municipality_id=municipality_id,
        active=True,
        trigger__in=[EscalationTrigger.DOMAINS_AT_LEAST, EscalationTrigger.CONCERNS_ANY],
    ).select_related("to_body")
    names = tuple(sorted(c.name for c in concerns))
    return [
        EscalationAdvice(rule=r, domains=frozenset(domains), concern_names=names, pending=pending)
        for r in rules
        if r.is_met_by(domains, codes)
    ]
