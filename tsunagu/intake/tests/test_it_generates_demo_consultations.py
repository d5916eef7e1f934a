import pytest
from django.conf import settings

from tsunagu.directory.profiles import load_profile
from tsunagu.intake.demo import DEMO_NOTE, generate_consultations, has_demo_consultations
from tsunagu.intake.models import Consultation, EscalationRequest
from tsunagu.people.demo import generate

pytestmark = pytest.mark.django_db


def test_it_writes_timelines_for_synthetic_households_only():
    muni = load_profile(settings.PROFILES_DIR / "komaki.toml").municipality
    generate(muni, households=150, seed=7)
    assert not has_demo_consultations(muni)
    made, escalations = generate_consultations(muni, seed=7)
    assert made == Consultation.objects.filter(municipality=muni).count() > 20
    assert has_demo_consultations(muni)
    assert all(c.note.endswith(DEMO_NOTE) for c in Consultation.objects.all())
    assert not Consultation.objects.exclude(household__synthetic=True).exists()
    assert not Consultation.objects.exclude(person__synthetic=True).exists()
    # 小牧's rule (3 domains or more → 多機関協働) fires for some households; each has one request only.
    assert escalations == EscalationRequest.objects.count()
    households = list(EscalationRequest.objects.values_list("household_id", flat=True))
    assert len(households) == len(set(households))
    # Recorders are real staff rows that can never log in.
    assert all(not c.staff.has_usable_password() or c.staff.is_active for c in Consultation.objects.all())


def test_it_is_deterministic_for_a_seed():
    muni = load_profile(settings.PROFILES_DIR / "komaki.toml").municipality
    generate(muni, households=80, seed=3)
    generate_consultations(muni, seed=3)
    first = sorted(
        (c.household.note, c.window.key, tuple(sorted(c.concerns.values_list("code", flat=True))))
        for c in Consultation.objects.select_related("household", "window")
    )
    EscalationRequest.objects.all().delete()
    Consultation.objects.all().delete()
    generate_consultations(muni, seed=3)
    again = sorted(
        (c.household.note, c.window.key, tuple(sorted(c.concerns.values_list("code", flat=True))))
        for c in Consultation.objects.select_related("household", "window")
    )
    assert first == again
