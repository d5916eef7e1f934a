"""The intake form's submission, shared by every screen that takes a consultation in with it.

The intake screen uses it, and so do upper apps that open the same form prefilled from their own record
(a community need taken in as a consultation) and then call their own action, which calls
`actions.record_consultation` in its transaction. One place turns the form into `ConsultationInput`,
one place says what happened, one place renders the form (with the audited read of a chosen person).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from tsunagu.access import audit
from tsunagu.accounts.models import Staff
from tsunagu.core.numbers import parse_id
from tsunagu.people import policy as people_policy
from tsunagu.people.actions import PersonInput

from . import actions, subjects
from .forms import NEW, IntakeForm
from .models import ActionKind, Consultation

Record = Callable[[Staff, actions.ConsultationInput], tuple[Consultation, bool]]


def consultation_input(staff: Staff, form: IntakeForm, entry: subjects.Entering) -> actions.ConsultationInput:
    """The action's input from a valid intake form (the chosen person read through people's policy)."""
    d = form.cleaned_data
    person = None
    new_person = None
    if d["person_choice"] == NEW:
        new_person = PersonInput(
            family_name=d["family_name"],
            given_name=d["given_name"],
            family_kana=d["family_kana"],
            given_kana=d["given_kana"],
            birth_date=d["birth_date"],
            estimated_age=d["estimated_age"],
            sex=d["sex"],
            address=d["address"],
            area=d["area"],
            phone=d["phone"],
            nationality=d["nationality"],
            language_needs=d["language_needs"],
        )
    else:
        person = people_policy.get_person_for(staff, int(d["person_choice"]))  # checked by parse_id
    return actions.ConsultationInput(
        window=d["window"],
        received_at=d["received_at"],
        channel=d["channel"],
        consulter_kind=d["consulter_kind"],
        consulter_note=d["consulter_note"],
        business_line=d["business_line"],
        sharing_consent=d["sharing_consent"],
        submission_token=d["submission_token"],
        person=person,
        new_person=new_person,
        relationship=d["relationship"],
        concerns=list(d["concerns"]),
        note=d["note"],
        actions=list(d["actions"]),
        referred_to=d["referred_to"],
        follow_up_on=d["follow_up_on"],
        subjects=subjects.subjects_to_record(entry),
        escalation_reason=d["escalation_reason"],
    )


def submit(
    request: HttpRequest, staff: Staff, form: IntakeForm, record: Record
) -> tuple[Consultation | None, subjects.Entering | None]:
    """Handle a POST of the intake form: validate, call `record`, say what happened.

    Returns (the consultation, the subject entry) — the consultation is None when nothing was saved (the
    form then carries the errors, `actions.IntakeError` included). `record` may raise IntakeError or any
    exception whose text is a Japanese message listed by the caller.
    """
    muni = staff.municipality
    assert muni is not None
    entry = subjects.entering_posted(staff, muni, request.POST)
    if not form.is_valid():
        return None, entry
    try:
        if entry.invalid:
            raise actions.IntakeError(subjects.INVALID)
        consultation, created = record(staff, consultation_input(staff, form, entry))
    except actions.IntakeError as exc:
        form.add_error(None, str(exc))
        return None, entry
    if created and ActionKind.MULTI_AGENCY in consultation.actions:
        made = consultation.escalation_requests.exists()
        messages.success(
            request,
            "相談を記録し、多機関協働へのつなぎを依頼しました。"
            if made
            else "相談を記録しました。この世帯にはすでに受付待ちのつなぎ依頼があります。",
        )
    elif created:
        messages.success(request, "相談を記録しました。")
    else:
        messages.info(request, "この相談はすでに記録されています（二重送信を防ぎました）。")
    return consultation, entry


def render_form(
    request: HttpRequest,
    staff: Staff,
    form: IntakeForm,
    entry: subjects.Entering | None,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    """The intake form page; a re-rendered form shows the chosen person (an audited read)."""
    chosen = None
    if request.method == "POST":
        chosen_id = parse_id(request.POST.get("person_choice", ""))
        if chosen_id is not None:
            chosen = people_policy.visible_persons(staff).filter(pk=chosen_id).first()
        if chosen is not None:
            audit.record(
                actor=staff,
                action="view",
                channel="view",
                objects=[("person", chosen.pk)],
                detail={"kind": "intake_form"},
                request=request,
            )
    selected = set(request.POST.getlist("concerns")) if request.method == "POST" else set()
    context = {"form": form, "chosen": chosen, "NEW": NEW, "selected_concerns": selected, "entry": entry}
    return render(request, "intake/intake.html", context | (extra or {}))


def to_household(consultation: Consultation) -> HttpResponse:
    return redirect("people:household", household_id=consultation.household_id)
