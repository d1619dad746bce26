"""The case register: people held in Xinjiang, their relatives, petitions and outcomes.

docs/architecture.md maps the parts around it; names, choices and rules here are the design's.
"""

import datetime
import re
import secrets
import uuid
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Case, Count, Exists, Min, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Cast, Coalesce, Concat, LPad
from django.utils import timezone
from django.utils.translation import get_language, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cases.dates import (
    DatePrecision,
    format_approximate,
    known_before,
    normalize_date,
)
from cases.names import combined_name_key, reference_name_key

EARLIEST_BIRTH_YEAR = 1900


def not_in_future(value: datetime.date) -> None:
    if value and value > timezone.localdate():
        raise ValidationError(_("This date lies in the future."), code="future_date")


def birth_year_not_in_future(value: int) -> None:
    if value and value > timezone.localdate().year:
        raise ValidationError(_("This year lies in the future."), code="future_year")


BIRTH_YEAR_VALIDATORS = [MinValueValidator(EARLIEST_BIRTH_YEAR), birth_year_not_in_future]


def birth_year_constraint(prefix: str) -> models.CheckConstraint:
    # The upper bound is loose on purpose: the form refuses years in the future.
    return models.CheckConstraint(
        condition=Q(birth_year__isnull=True)
        | Q(birth_year__gte=EARLIEST_BIRTH_YEAR, birth_year__lte=2100),
        name=f"{prefix}_birth_year_in_range",
    )


class TimeStamped(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


# Record keys are drawn from 0 to RECORD_KEY_RANGE - 1: the cell keys of the perturbation table.
RECORD_KEY_RANGE = 256


def new_record_key() -> int:
    """A record's secret key for cell-key perturbation (docs/public-statistics.md): drawn from
    the operating system's cryptographic source, never derived from the record's id or data."""
    return secrets.randbelow(RECORD_KEY_RANGE)


class CountedRecord(TimeStamped):
    """A record the public statistics count: a person, a relative, a petition, an outcome."""

    # Never shown, exported or kept in the history; kept by backups, so that a restored register
    # publishes the same numbers.
    record_key = models.PositiveSmallIntegerField(
        _("record key"), default=new_record_key, editable=False
    )

    class Meta:
        abstract = True


class Multilingual:
    """A row named in kk, ru and en (and sometimes zh): show the name in the active language."""

    name_en: str

    def localized(self, prefix: str = "name") -> str:
        language = (get_language() or "en")[:2]
        return getattr(self, f"{prefix}_{language}", "") or getattr(self, f"{prefix}_en")


# --- Places and authorities -------------------------------------------------------------------


class Place(Multilingual, TimeStamped):
    """A prefecture-level place in Xinjiang, or Kazakhstan / elsewhere / unknown."""

    class Kind(models.TextChoices):
        PREFECTURE = "prefecture", _("prefecture or prefecture-level city")
        CITY = "city", _("sub-prefecture city")
        ELSEWHERE = "elsewhere", _("outside Xinjiang")
        UNKNOWN = "unknown", _("unknown")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name_en = models.CharField(_("name in English"), max_length=100)
    name_kk = models.CharField(_("name in Kazakh"), max_length=100, blank=True)
    name_ru = models.CharField(_("name in Russian"), max_length=100, blank=True)
    name_zh = models.CharField(_("name in Chinese"), max_length=100, blank=True)
    other_names = models.TextField(
        _("other names"),
        blank=True,
        db_default="",
        help_text=_("Other names people use for it (old, Uyghur, Latin spellings), one a line."),
    )
    name_key = models.TextField(_("name search key"), blank=True, editable=False, db_default="")
    position = models.PositiveSmallIntegerField(_("position in lists"), default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "name_en"]
        verbose_name = _("place")
        verbose_name_plural = _("places")

    def __str__(self) -> str:
        return self.localized()

    def save(self, *args, **kwargs) -> None:
        self.name_key = reference_name_key(self)
        super().save(*args, **kwargs)


class Authority(Multilingual, TimeStamped):
    """A body a petition is addressed to."""

    class Kind(models.TextChoices):
        KAZAKHSTAN = "kazakhstan", _("Kazakhstan")
        CHINA = "china", _("China")
        INTERNATIONAL = "international", _("international")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name_en = models.CharField(_("name in English"), max_length=200)
    name_kk = models.CharField(_("name in Kazakh"), max_length=200, blank=True)
    name_ru = models.CharField(_("name in Russian"), max_length=200, blank=True)
    other_names = models.TextField(
        _("other names"),
        blank=True,
        db_default="",
        help_text=_("Abbreviations and other names people use for it (МИД, WGAD), one a line."),
    )
    un_body = models.BooleanField(
        _("UN body"),
        default=False,
        db_default=False,
        help_text=_(
            "A petition to it is marked submitted only for persons whose family gave a valid "
            "consent covering submissions to UN bodies."
        ),
    )
    name_key = models.TextField(_("name search key"), blank=True, editable=False, db_default="")
    position = models.PositiveSmallIntegerField(_("position in lists"), default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "name_en"]
        verbose_name = _("authority")
        verbose_name_plural = _("authorities")
        constraints = [
            models.CheckConstraint(
                condition=Q(un_body=False) | Q(kind="international"),
                name="authority_un_body_is_international",
            )
        ]

    def __str__(self) -> str:
        return self.localized()

    def save(self, *args, **kwargs) -> None:
        self.name_key = reference_name_key(self)
        super().save(*args, **kwargs)


# --- People -----------------------------------------------------------------------------------


class Gender(models.TextChoices):
    FEMALE = "female", _("female")
    MALE = "male", _("male")
    UNKNOWN = "unknown", _("unknown")


class Ethnicity(models.TextChoices):
    # The context keeps the people apart from the language of the same name in translations.
    KAZAKH = "kazakh", pgettext_lazy("ethnicity", "Kazakh")
    UYGHUR = "uyghur", _("Uyghur")
    KYRGYZ = "kyrgyz", _("Kyrgyz")
    UZBEK = "uzbek", _("Uzbek")
    TAJIK = "tajik", _("Tajik")
    HUI = "hui", _("Hui")
    TATAR = "tatar", _("Tatar")
    MONGOL = "mongol", _("Mongol")
    OTHER = "other", _("other")
    UNKNOWN = "unknown", _("unknown")


class Status(models.TextChoices):
    CAMP = "camp", _("held in a camp")
    PRETRIAL = "pretrial", _("in custody, pre-trial")
    PRISON = "prison", _("in prison (sentenced)")
    HOUSE_ARREST = "house_arrest", _("under house arrest")
    BARRED_FROM_LEAVING = "barred_from_leaving", _("barred from leaving China")
    FORCED_LABOUR = "forced_labour", _("in forced labour")
    RELEASED = "released", _("released, still in China")
    LEFT_CHINA = "left_china", _("left China")
    DECEASED = "deceased", _("deceased")
    UNKNOWN = "unknown", _("whereabouts unknown")


HELD_STATUSES = frozenset(
    {
        Status.CAMP,
        Status.PRETRIAL,
        Status.PRISON,
        Status.HOUSE_ARREST,
        Status.BARRED_FROM_LEAVING,
        Status.FORCED_LABOUR,
    }
)


# A case is closed for advocacy once the person is out of China or dead.
CLOSED_STATUSES = frozenset({Status.LEFT_CHINA, Status.DECEASED})


def counted_q(prefix: str = "") -> Q:
    """The cases that public statistics count, as a condition on the person at `prefix`
    ('person__' from a kinship or an outcome)."""
    return Q(**{f"{prefix}counted_in_statistics": True, f"{prefix}duplicate_of__isnull": True})


class DetainedPersonQuerySet(models.QuerySet):
    def counted(self) -> "DetainedPersonQuerySet":
        """The cases that public statistics count: not excluded, not a duplicate."""
        return self.filter(counted_q())

    def held(self) -> "DetainedPersonQuerySet":
        return self.filter(status__in=HELD_STATUSES)

    def not_held(self) -> "DetainedPersonQuerySet":
        return self.exclude(status__in=HELD_STATUSES)

    def with_petition_summary(self) -> "DetainedPersonQuerySet":
        """Annotate the number of petitions and the next follow-up date of an open one."""
        # Subqueries rather than a join and GROUP BY over the whole table: PostgreSQL works
        # them out for the rows of the page only.
        links = Petition.persons.through.objects.filter(detainedperson=OuterRef("pk")).order_by()
        open_petitions = (
            Petition.objects.filter(persons=OuterRef("pk"))
            .exclude(status=PetitionStatus.CLOSED)
            .order_by()
        )
        return self.annotate(
            petition_count=Coalesce(
                Subquery(
                    links.values("detainedperson").annotate(n=Count("pk")).values("n"),
                    output_field=models.IntegerField(),
                ),
                0,
            ),
            next_follow_up=Subquery(
                open_petitions.values("persons").annotate(m=Min("follow_up_on")).values("m")
            ),
        )

    def without_petition(self) -> "DetainedPersonQuerySet":
        return self.filter(petitions__isnull=True)

    def with_overdue_follow_up(self) -> "DetainedPersonQuerySet":
        return self.filter(petitions__in=Petition.objects.overdue()).distinct()

    def assigned_to(self, user) -> "DetainedPersonQuerySet":
        """The cases `user` follows."""
        return self.filter(assigned_to=user)

    def open(self) -> "DetainedPersonQuerySet":
        """Cases advocates still work on: not closed by a return or a death, not duplicates."""
        return self.exclude(status__in=CLOSED_STATUSES).filter(duplicate_of__isnull=True)

    def with_valid_consent(
        self, scope: str | None = None, on: datetime.date | None = None
    ) -> "DetainedPersonQuerySet":
        """Cases with a consent valid on `on` (today), covering `scope` if given."""
        return self.filter(Exists(_valid_consents(scope, on).filter(person=OuterRef("pk"))))

    def without_valid_consent(
        self, scope: str | None = None, on: datetime.date | None = None
    ) -> "DetainedPersonQuerySet":
        return self.exclude(Exists(_valid_consents(scope, on).filter(person=OuterRef("pk"))))

    def needing_consent(self, today: datetime.date | None = None) -> "DetainedPersonQuerySet":
        """Open cases with no valid consent and no standing withdrawal: families to ask."""
        withdrawn = Consent.objects.standing_withdrawals(today).filter(person=OuterRef("pk"))
        return self.open().without_valid_consent(on=today).exclude(Exists(withdrawn))

    def consent_withdrawn(self, today: datetime.date | None = None) -> "DetainedPersonQuerySet":
        """Cases flagged by a withdrawal that no later consent has replaced."""
        standing = Consent.objects.standing_withdrawals(today).filter(person=OuterRef("pk"))
        return self.filter(Exists(standing))

    def assign_case_numbers(self) -> int:
        """Number every case that has none from its primary key, which is never reused."""
        digits = Cast("id", models.CharField())
        # LPad would cut ids of six digits and more: pad only the short ones.
        padded = Case(When(id__lt=100000, then=LPad(digits, 5, Value("0"))), default=digits)
        number = Concat(Value("C-"), padded)
        return self.filter(case_number__isnull=True).update(case_number=number)


class DetainedPerson(CountedRecord):
    """One case: a person held, or who was held, in China."""

    class Citizenship(models.TextChoices):
        PRC = "prc", _("China (PRC)")
        KAZAKHSTAN = "kazakhstan", _("Kazakhstan")
        PRC_KZ_RESIDENT = "prc_kz_resident", _("China, with a Kazakhstan residence permit")
        OTHER = "other", _("other")
        UNKNOWN = "unknown", _("unknown")

    class Verification(models.TextChoices):
        REPORTED = "reported", _("reported (one source)")
        CORROBORATED = "corroborated", _("corroborated (two sources or a document)")
        CONFIRMED = "confirmed", _("confirmed (official acknowledgement)")

    # The forces believed responsible and the reason given: what the UN Working Groups on
    # Enforced or Involuntary Disappearances and on Arbitrary Detention ask for.
    class DetainedBy(models.TextChoices):
        POLICE = "police", _("police")
        STATE_SECURITY = "state_security", _("state security")
        NEIGHBOURHOOD_COMMITTEE = (
            "neighbourhood_committee",
            _("village or neighbourhood committee"),
        )
        CAMP_OR_PRISON_ADMINISTRATION = (
            "camp_or_prison_administration",
            _("camp or prison administration"),
        )
        OTHER = "other", _("other")
        UNKNOWN = "unknown", _("unknown")

    class Reason(models.TextChoices):
        DUAL_CITIZENSHIP = "dual_citizenship", _("suspicion of dual citizenship")
        TRAVEL_ABROAD = "travel_abroad", _("travel to Kazakhstan or abroad")
        RELIGIOUS_PRACTICE = "religious_practice", _("religious practice")
        CONTACT_ABROAD = "contact_abroad", _("contact with relatives abroad")
        EXTREMISM = "extremism", _("“extremism” charges")
        NONE_GIVEN = "none_given", _("no reason given")
        OTHER = "other", _("other")
        UNKNOWN = "unknown", _("unknown")

    case_number = models.CharField(
        _("case number"), max_length=20, unique=True, null=True, blank=True, editable=False
    )
    full_name = models.CharField(
        _("full name"), max_length=200, help_text=_("As the family writes it, usually in Kazakh.")
    )
    name_latin = models.CharField(_("name in Latin letters"), max_length=200, blank=True)
    name_chinese = models.CharField(_("name in Chinese characters"), max_length=100, blank=True)
    other_names = models.TextField(
        _("other spellings"), blank=True, help_text=_("One per line: every spelling seen.")
    )
    name_withheld = models.BooleanField(
        _("name withheld"),
        default=False,
        help_text=_(
            "The name was not published or is not known: lists show a description instead, "
            "and duplicates are never suggested on it."
        ),
    )
    # Admin search and duplicate detection match on this (an index serves it; see migrations).
    name_key = models.TextField(_("name search key"), blank=True, editable=False, db_index=True)
    gender = models.CharField(
        _("gender"), max_length=10, choices=Gender.choices, default=Gender.UNKNOWN
    )
    birth_year = models.PositiveSmallIntegerField(
        _("year of birth"), null=True, blank=True, validators=BIRTH_YEAR_VALIDATORS
    )
    ethnicity = models.CharField(
        _("ethnicity"), max_length=10, choices=Ethnicity.choices, default=Ethnicity.UNKNOWN
    )
    citizenship = models.CharField(
        _("citizenship"), max_length=20, choices=Citizenship.choices, default=Citizenship.UNKNOWN
    )
    occupation = models.CharField(_("occupation"), max_length=200, blank=True)
    home_place = models.ForeignKey(
        Place,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="persons",
        verbose_name=_("home place (prefecture)"),
    )
    home_detail = models.CharField(
        _("county, village"), max_length=200, blank=True, help_text=_("Private: never published.")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.UNKNOWN
    )
    detained_on = models.DateField(
        _("detained on"), null=True, blank=True, validators=[not_in_future]
    )
    detained_on_precision = models.CharField(
        _("precision of detention date"),
        max_length=5,
        choices=DatePrecision.choices,
        default=DatePrecision.YEAR,
    )
    detained_at = models.CharField(
        _("place of arrest or last seen"),
        max_length=300,
        blank=True,
        help_text=_("Private: never published."),
    )
    detained_by = models.CharField(
        _("forces believed responsible"),
        max_length=30,
        choices=DetainedBy.choices,
        default=DetainedBy.UNKNOWN,
    )
    reason_given = models.CharField(
        _("reason given for the detention"),
        max_length=20,
        choices=Reason.choices,
        default=Reason.UNKNOWN,
    )
    last_contact_on = models.DateField(
        _("last contact on"), null=True, blank=True, validators=[not_in_future]
    )
    last_contact_on_precision = models.CharField(
        _("precision of last contact date"),
        max_length=5,
        choices=DatePrecision.choices,
        default=DatePrecision.YEAR,
    )
    verification = models.CharField(
        _("verification"),
        max_length=20,
        choices=Verification.choices,
        default=Verification.REPORTED,
    )
    counted_in_statistics = models.BooleanField(
        _("counted in public statistics"),
        default=True,
        help_text=_("A coordinator can exclude a case from the public counts."),
    )
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name=_("duplicate of"),
        help_text=_("A duplicate is never counted."),
    )
    # The advocate who follows the case: it is on their "My cases", and they may read the
    # contact details of its relatives (privacy rule 5, cases.contact_access).
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_cases",
        limit_choices_to={"is_staff": True, "is_active": True},
        verbose_name=_("assigned to"),
        help_text=_("The advocate who follows this case."),
    )
    notes = models.TextField(_("notes (private)"), blank=True)
    history = HistoricalRecords(excluded_fields=["record_key"])

    objects = DetainedPersonQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("detained person")
        verbose_name_plural = _("detained persons")
        permissions = [
            ("verify_case", _("Can verify cases and decide what is counted publicly")),
        ]
        constraints = [
            birth_year_constraint("person"),
            models.CheckConstraint(
                condition=~Q(duplicate_of=models.F("id")), name="person_not_duplicate_of_itself"
            ),
        ]
        indexes = [
            # Public statistics filter counted cases by status and year of detention.
            models.Index(fields=["status", "detained_on"], name="person_status_detained_idx"),
            # The persons changelist: newest cases first (Meta.ordering plus the admin's pk).
            models.Index(fields=["-created_at", "-id"], name="person_newest_first_idx"),
            # The changelist's date hierarchy: first and last detention date, years.
            models.Index(fields=["detained_on"], name="person_detained_on_idx"),
            # "My cases" on the admin index: one advocate's cases, the latest changed first.
            models.Index(fields=["assigned_to", "-updated_at"], name="person_assignee_idx"),
        ]

    def __str__(self) -> str:
        if self.case_number:
            return f"{self.case_number} {self.display_name}"
        return self.display_name

    def save(self, *args, **kwargs) -> None:
        self.detained_on = normalize_date(self.detained_on, self.detained_on_precision)
        self.last_contact_on = normalize_date(self.last_contact_on, self.last_contact_on_precision)
        self.name_key = combined_name_key(
            self.full_name, self.name_latin, self.name_chinese, self.other_names
        )
        super().save(*args, **kwargs)
        if not self.case_number:
            DetainedPerson.objects.filter(pk=self.pk).assign_case_numbers()
            self.case_number = DetainedPerson.case_number_for(self.pk)

    @property
    def display_name(self) -> str:
        """The name, or for a withheld one what the register may say instead."""
        if not self.name_withheld:
            return self.full_name
        return str(_("name withheld"))

    @property
    def is_held(self) -> bool:
        return self.status in HELD_STATUSES

    @property
    def detained_on_display(self) -> str:
        return format_approximate(self.detained_on, self.detained_on_precision)

    def clean(self) -> None:
        if self.duplicate_of_id and self.duplicate_of_id == self.pk:
            raise ValidationError({"duplicate_of": _("A case cannot be a duplicate of itself.")})

    @staticmethod
    def case_number_for(pk: int) -> str:
        return f"C-{pk:05d}"

    def apply_outcome(self, outcome: "Outcome") -> str | None:
        """Set the status that `outcome` implies (see OUTCOME_STATUS) if it is the person's
        latest outcome and the status does not already say as much or more (see
        OUTCOME_REFINED_BY); returns the new status when it changed. Called by
        cases.services.record_outcomes."""
        latest = self.outcomes.order_by("-occurred_on", "-created_at").first()
        if latest is None or latest.pk != outcome.pk:
            return None  # an older event does not override what happened since
        status = OUTCOME_STATUS.get(latest.kind)
        if not status or status == self.status or self.status in OUTCOME_REFINED_BY[latest.kind]:
            return None
        self.status = status
        self.save(update_fields=["status", "updated_at"])
        return status


class RelativeQuerySet(models.QuerySet):
    def children_stuck_in_china(self) -> "RelativeQuerySet":
        """Children with Kazakhstan citizenship stuck in China: the child of a case (not one
        marked a duplicate), a citizen of Kazakhstan, in China whether free to leave or not.

        "Free to leave" counts too: a child does not leave alone, and the parent with them, or
        the one who would fetch them, is held or barred; what advocates ask is which children
        have not come home. A child who is held is a case of their own and is not counted here.
        Only the admin shows this figure: DESIGN.md's privacy rules allow no breakdown by a
        relative's situation or age on the public pages (rule 1: nothing about one relative;
        rule 2 lists the breakdowns allowed).
        """
        child_of_a_case = Kinship.objects.filter(
            relative=OuterRef("pk"),
            relationship=Kinship.Relationship.CHILD,
            person__duplicate_of__isnull=True,
        )
        return self.filter(
            Exists(child_of_a_case),
            citizenship=Relative.Citizenship.KAZAKHSTAN,
            situation__in=Relative.IN_CHINA,
        )


def born_on_not_too_early(value: datetime.date) -> None:
    if value and value.year < EARLIEST_BIRTH_YEAR:
        raise ValidationError(
            _("A birth before %(year)d is a typing error.") % {"year": EARLIEST_BIRTH_YEAR},
            code="too_early",
        )


def months_between(start: datetime.date, end: datetime.date) -> int:
    """Whole months from `start` to `end` (8 from 12 March to 30 November)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - 1 if end.day < start.day else months


class Relative(CountedRecord):
    """A family member, usually in Kazakhstan, often the one who petitions."""

    class Citizenship(models.TextChoices):
        KAZAKHSTAN = "kazakhstan", _("Kazakhstan")
        PRC = "prc", _("China (PRC)")
        OTHER = "other", _("other")
        UNKNOWN = "unknown", _("unknown")

    class LivesIn(models.TextChoices):
        KAZAKHSTAN = "kazakhstan", _("Kazakhstan")
        CHINA = "china", _("China")
        OTHER = "other", _("another country")
        UNKNOWN = "unknown", _("unknown")

    # Where the relative is now and whether they may move: "lives in" says where their home is.
    class Situation(models.TextChoices):
        IN_KAZAKHSTAN = "in_kazakhstan", _("in Kazakhstan")
        IN_CHINA_FREE = "in_china_free", _("in China, free to leave")
        IN_CHINA_BARRED = "in_china_barred", _("in China, barred from leaving")
        HELD = "held", _("held")
        ELSEWHERE = "elsewhere", _("elsewhere")
        UNKNOWN = "unknown", _("unknown")

    IN_CHINA = (Situation.IN_CHINA_FREE, Situation.IN_CHINA_BARRED)

    full_name = models.CharField(_("full name"), max_length=200)
    name_latin = models.CharField(_("name in Latin letters"), max_length=200, blank=True)
    name_withheld = models.BooleanField(
        _("name withheld"),
        default=False,
        help_text=_(
            "The name was not published or is not known: lists show a description instead, "
            "and duplicates are never suggested on it."
        ),
    )
    name_key = models.TextField(_("name search key"), blank=True, editable=False, db_index=True)
    born_on = models.DateField(
        _("born on"),
        null=True,
        blank=True,
        validators=[not_in_future, born_on_not_too_early],
        help_text=_("Children's ages matter: the year, or the month when the family knows it."),
    )
    born_on_precision = models.CharField(
        _("precision of birth date"),
        max_length=5,
        choices=DatePrecision.choices,
        default=DatePrecision.YEAR,
    )
    # The year of born_on, kept by save(): lists sort and compare it like a person's year of
    # birth, and the database keeps it in range.
    birth_year = models.PositiveSmallIntegerField(
        _("year of birth"),
        null=True,
        blank=True,
        editable=False,
        validators=BIRTH_YEAR_VALIDATORS,
    )
    citizenship = models.CharField(
        _("citizenship"), max_length=20, choices=Citizenship.choices, default=Citizenship.UNKNOWN
    )
    lives_in = models.CharField(
        _("lives in"), max_length=20, choices=LivesIn.choices, default=LivesIn.UNKNOWN
    )
    situation = models.CharField(
        _("situation"),
        max_length=20,
        choices=Situation.choices,
        default=Situation.UNKNOWN,
        help_text=_("Where the relative is now, and whether they may leave China."),
    )
    # No way back from the case (related_name "+"): a case reaches its relatives, and their
    # contact details, only through its kinships, the paths cases.contact_access guards.
    held_as = models.OneToOneField(
        DetainedPerson,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("their own case"),
        help_text=_("A relative who is held too has a case of their own: link it here."),
    )
    city = models.CharField(_("city"), max_length=100, blank=True)
    # Contact details: shown only with the permission cases.view_contact_details.
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    email = models.EmailField(_("email"), blank=True)
    address = models.TextField(_("address"), blank=True)
    documents = models.TextField(
        _("documents (private)"),
        blank=True,
        help_text=_("Passport taken, residence permit, papers held by the authorities…"),
    )
    notes = models.TextField(_("notes (private)"), blank=True)
    history = HistoricalRecords(excluded_fields=["record_key"])

    objects = RelativeQuerySet.as_manager()

    CONTACT_FIELDS = ("phone", "email", "address")

    class Meta:
        ordering = ["full_name"]
        verbose_name = _("relative")
        verbose_name_plural = _("relatives")
        permissions = [("view_contact_details", _("Can see relatives' contact details"))]
        constraints = [
            birth_year_constraint("relative"),
            models.CheckConstraint(
                condition=Q(born_on__isnull=True)
                | Q(born_on__gte=datetime.date(EARLIEST_BIRTH_YEAR, 1, 1)),
                name="relative_born_on_in_range",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    def save(self, *args, **kwargs) -> None:
        self.derive_fields()
        super().save(*args, **kwargs)

    def derive_fields(self) -> None:
        """What save() derives: the search key, the birth date as stored, its year. Bulk
        writers (the import, the generator) call it themselves."""
        self.name_key = combined_name_key(self.full_name, self.name_latin)
        self.born_on = normalize_date(self.born_on, self.born_on_precision)
        self.birth_year = self.born_on.year if self.born_on else None

    def clean(self) -> None:
        if self.situation == self.Situation.HELD and not self.held_as_id:
            raise ValidationError(
                {
                    "held_as": _(
                        "A relative who is held has a case of their own: choose it here (add "
                        "the case first if it is not in the register yet)."
                    )
                }
            )
        if self.held_as_id and self.pk and self.kinships.filter(person=self.held_as_id).exists():
            raise ValidationError(
                {"held_as": _("A relative cannot be held as one of the cases they are kin to.")}
            )

    @property
    def born_on_display(self) -> str:
        return format_approximate(self.born_on, self.born_on_precision)

    def age(self, today: datetime.date | None = None) -> str:
        """The age as precisely as the birth date allows: "8 months", "6 years", "about 6
        years" (known to the year only); empty when not known."""
        if self.born_on is None:
            return ""
        today = today or timezone.localdate()
        if self.born_on_precision == DatePrecision.YEAR:
            years = today.year - self.born_on.year
            if years < 1:
                return str(_("under a year"))
            return ngettext("about %(n)d year", "about %(n)d years", years) % {"n": years}
        # A month is stored as its first day: the age is never a month too few.
        months = max(months_between(self.born_on, today), 0)
        if months < 24:
            return ngettext("%(n)d month", "%(n)d months", months) % {"n": months}
        years = months // 12
        return ngettext("%(n)d year", "%(n)d years", years) % {"n": years}

    @property
    def display_name(self) -> str:
        """The name, or for a withheld one how the relative is kin to the cases recorded."""
        if not self.name_withheld:
            return self.full_name
        # kinships.all() uses the prefetched rows where a list prefetched them.
        kin = [
            _("%(relationship)s of %(case)s")
            % {"relationship": k.get_relationship_display(), "case": k.person.case_number}
            for k in (self.kinships.all() if self.pk else [])
        ]
        if not kin:
            return str(_("name withheld"))
        return _("name withheld (%(kin)s)") % {"kin": ", ".join(kin)}


class Kinship(TimeStamped):
    """How a relative is related to a person held: the relative is the person's <relationship>."""

    class Relationship(models.TextChoices):
        SPOUSE = "spouse", _("spouse")
        CHILD = "child", _("child")
        PARENT = "parent", _("parent")
        SIBLING = "sibling", _("sibling")
        GRANDCHILD = "grandchild", _("grandchild")
        GRANDPARENT = "grandparent", _("grandparent")
        OTHER = "other", _("other relative")

    person = models.ForeignKey(
        DetainedPerson, on_delete=models.CASCADE, related_name="kinships", verbose_name=_("person")
    )
    relative = models.ForeignKey(
        Relative, on_delete=models.CASCADE, related_name="kinships", verbose_name=_("relative")
    )
    relationship = models.CharField(
        _("relationship"), max_length=20, choices=Relationship.choices, default=Relationship.OTHER
    )
    is_contact = models.BooleanField(_("family contact"), default=False)
    separated = models.BooleanField(
        _("separated by the detention"),
        default=False,
        help_text=_("E.g. a child in Kazakhstan whose mother is held."),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["person", "relationship"]
        verbose_name = _("kinship")
        verbose_name_plural = _("kinships")
        constraints = [
            models.UniqueConstraint(fields=["person", "relative"], name="kinship_unique_per_pair")
        ]

    def __str__(self) -> str:
        return f"{self.relative} — {self.get_relationship_display()}"


# --- Petitions --------------------------------------------------------------------------------


class PetitionStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted")
    REGISTERED = "registered", _("registered")
    FORWARDED = "forwarded", _("forwarded to another body")
    ANSWERED = "answered", _("answered")
    CLOSED = "closed", _("closed")


class PetitionQuerySet(models.QuerySet):
    def overdue(self, today: datetime.date | None = None) -> "PetitionQuerySet":
        """Petitions whose follow-up date has passed and that are not closed."""
        today = today or timezone.localdate()
        return self.filter(follow_up_on__lt=today).exclude(status=PetitionStatus.CLOSED)

    def answered(self) -> "PetitionQuerySet":
        return self.filter(response_received_on__isnull=False)


# Several letters on one matter are one petition; more than this is a typing error.
MAX_LETTERS = 999


class Petition(CountedRecord):
    """An appeal on behalf of one or more held persons."""

    class Channel(models.TextChoices):
        LETTER = "letter", _("letter")
        EGOV = "egov", _("e-government online appeal")
        IN_PERSON = "in_person", _("in person")
        EMAIL = "email", _("email")
        UN_FORM = "un_form", _("UN complaint form")

    class ResponseKind(models.TextChoices):
        NONE = "none", _("no answer yet")
        FORMAL = "formal", _("formal reply without action")
        INFORMATION = "information", _("information given")
        PROMISE = "promise", _("promise to act")
        REFUSAL = "refusal", _("refusal")
        # The family does not know whether an answer came: not the same as "none" above.
        UNKNOWN = "unknown", _("not known whether answered")

    Status = PetitionStatus

    persons = models.ManyToManyField(
        DetainedPerson, related_name="petitions", verbose_name=_("persons")
    )
    petitioners = models.ManyToManyField(
        Relative, related_name="petitions", blank=True, verbose_name=_("petitioners")
    )
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    authority = models.ForeignKey(
        Authority,
        on_delete=models.PROTECT,
        related_name="petitions",
        verbose_name=_("authority"),
    )
    channel = models.CharField(
        _("channel"), max_length=20, choices=Channel.choices, default=Channel.LETTER
    )
    submitted_on = models.DateField(
        _("submitted on"), null=True, blank=True, validators=[not_in_future]
    )
    # "He wrote several times in 2018": as precise as the family knows it, never made-up days.
    submitted_on_precision = models.CharField(
        _("precision of the submission date"),
        max_length=5,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
    )
    letters_count = models.PositiveSmallIntegerField(
        _("number of letters"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_LETTERS)],
        help_text=_(
            "A petition can stand for several letters sent on the same matter. The public "
            "statistics count petitions, not letters."
        ),
    )
    our_reference = models.CharField(_("our reference"), max_length=100, blank=True)
    their_reference = models.CharField(_("their reference"), max_length=100, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=PetitionStatus.choices, default=PetitionStatus.DRAFT
    )
    response_received_on = models.DateField(
        _("answer received on"), null=True, blank=True, validators=[not_in_future]
    )
    response_received_on_precision = models.CharField(
        _("precision of the answer date"),
        max_length=5,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
    )
    response_kind = models.CharField(
        _("kind of answer"), max_length=20, choices=ResponseKind.choices, default=ResponseKind.NONE
    )
    response_summary = models.TextField(_("summary of the answer"), blank=True)
    follow_up_on = models.DateField(
        _("follow up on"),
        null=True,
        blank=True,
        help_text=_("When to chase it next. Left empty on submission, it is set automatically."),
    )
    notes = models.TextField(_("notes (private)"), blank=True)
    history = HistoricalRecords(m2m_fields=[persons, petitioners], excluded_fields=["record_key"])

    objects = PetitionQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_on", "-created_at"]
        verbose_name = _("petition")
        verbose_name_plural = _("petitions")
        constraints = [
            # An answer known to the year or month only is stored on the first day of it, which
            # may precede a submission in the same year or month: clean() compares those as
            # precisely as the vaguer date is known.
            models.CheckConstraint(
                condition=Q(response_received_on__isnull=True)
                | Q(submitted_on__isnull=True)
                | ~Q(response_received_on_precision=DatePrecision.DAY)
                | Q(response_received_on__gte=models.F("submitted_on")),
                name="petition_answer_not_before_submission",
            ),
            models.CheckConstraint(
                condition=Q(letters_count__gte=1, letters_count__lte=MAX_LETTERS),
                name="petition_letters_count_in_range",
            ),
        ]
        indexes = [
            # The "overdue follow-up" filter and today's work list.
            models.Index(fields=["follow_up_on", "status"], name="petition_follow_up_idx"),
            # The petitions changelist: latest submitted first, and its date hierarchy.
            models.Index(
                fields=["-submitted_on", "-created_at", "-id"], name="petition_newest_first_idx"
            ),
        ]

    def __str__(self) -> str:
        when = self.submitted_on_display or _("not submitted")
        return f"#{self.pk or '—'} {self.authority} ({when})"

    def save(self, *args, **kwargs) -> None:
        self.submitted_on = normalize_date(self.submitted_on, self.submitted_on_precision)
        self.response_received_on = normalize_date(
            self.response_received_on, self.response_received_on_precision
        )
        if (
            self.status == PetitionStatus.SUBMITTED
            and self.follow_up_on is None
            and self.submitted_on
        ):
            # Counted from the day the petition was entered if it was sent before: four letters
            # from 2018 entered today are not four overdue follow-ups on day one.
            entered = timezone.localdate(self.created_at) if self.created_at else None
            since = max(self.submitted_on, entered or timezone.localdate())
            self.follow_up_on = since + datetime.timedelta(days=settings.PETITION_FOLLOW_UP_DAYS)
        super().save(*args, **kwargs)

    @property
    def submitted_on_display(self) -> str:
        return format_approximate(self.submitted_on, self.submitted_on_precision)

    @property
    def response_received_on_display(self) -> str:
        return format_approximate(self.response_received_on, self.response_received_on_precision)

    @property
    def is_overdue(self) -> bool:
        return bool(
            self.follow_up_on
            and self.follow_up_on < timezone.localdate()
            and self.status != PetitionStatus.CLOSED
        )

    def clean(self) -> None:
        if (
            self.submitted_on
            and self.response_received_on
            and known_before(
                self.response_received_on,
                self.response_received_on_precision,
                self.submitted_on,
                self.submitted_on_precision,
            )
        ):
            raise ValidationError(
                {"response_received_on": _("An answer cannot arrive before the submission.")}
            )
        if self.status != PetitionStatus.DRAFT and not self.submitted_on:
            raise ValidationError(
                {"submitted_on": _("Give the submission date (an estimate is better than none).")}
            )

    def status_date(self, status: str) -> tuple[datetime.date, str] | None:
        """When the petition reached `status`, with the precision known, if its dates say so:
        submitted on the submission date, answered on the answer's."""
        if status == PetitionStatus.SUBMITTED and self.submitted_on:
            return self.submitted_on, self.submitted_on_precision
        if status == PetitionStatus.ANSWERED and self.response_received_on:
            return self.response_received_on, self.response_received_on_precision
        return None

    def record_event(self, status: str, user=None, note: str = "") -> "PetitionEvent":
        """Add a line to the petition's timeline, dated when it happened if the dates say so,
        else today."""
        on, precision = self.status_date(status) or (timezone.localdate(), DatePrecision.DAY)
        return PetitionEvent.objects.create(
            petition=self, on=on, on_precision=precision, status=status, note=note, created_by=user
        )


class PetitionEvent(TimeStamped):
    """One line of a petition's timeline: a status change or a follow-up."""

    petition = models.ForeignKey(
        Petition, on_delete=models.CASCADE, related_name="events", verbose_name=_("petition")
    )
    on = models.DateField(_("date"))
    # A submission known to the year or month only starts the timeline on the first day of it.
    on_precision = models.CharField(
        _("precision of the date"),
        max_length=5,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
    )
    status = models.CharField(_("status"), max_length=20, choices=PetitionStatus.choices)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["petition", "on", "created_at"]
        verbose_name = _("petition event")
        verbose_name_plural = _("petition events")

    def __str__(self) -> str:
        return f"{self.on_display} {self.get_status_display()}"

    @property
    def on_display(self) -> str:
        return format_approximate(self.on, self.on_precision)


# --- Outcomes ---------------------------------------------------------------------------------


class Outcome(CountedRecord):
    """Something that happened to a held person."""

    class Kind(models.TextChoices):
        RELEASED_FROM_CAMP = "released_from_camp", _("released from a camp")
        RELEASED_FROM_PRISON = "released_from_prison", _("released from prison")
        SENTENCED = "sentenced", _("sentenced")
        TRANSFERRED = "transferred", _("transferred")
        PASSPORT_RETURNED = "passport_returned", _("passport returned")
        ALLOWED_TO_LEAVE = "allowed_to_leave", _("allowed to leave China")
        RETURNED_TO_KAZAKHSTAN = "returned_to_kazakhstan", _("returned to Kazakhstan")
        REUNITED = "reunited", _("reunited with family")
        DIED = "died", _("died")
        OTHER = "other", _("other")

    RELEASES = frozenset({Kind.RELEASED_FROM_CAMP, Kind.RELEASED_FROM_PRISON})

    person = models.ForeignKey(
        DetainedPerson, on_delete=models.CASCADE, related_name="outcomes", verbose_name=_("person")
    )
    kind = models.CharField(_("what happened"), max_length=30, choices=Kind.choices)
    occurred_on = models.DateField(_("when"), validators=[not_in_future])
    occurred_on_precision = models.CharField(
        _("precision of the date"),
        max_length=5,
        choices=DatePrecision.choices,
        default=DatePrecision.YEAR,
    )
    sentence_years = models.PositiveSmallIntegerField(
        _("sentence (years)"), null=True, blank=True, validators=[MaxValueValidator(99)]
    )
    petition = models.ForeignKey(
        Petition,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="outcomes",
        verbose_name=_("after petition"),
    )
    notes = models.TextField(_("notes (private)"), blank=True)
    history = HistoricalRecords(excluded_fields=["record_key"])

    class Meta:
        ordering = ["person", "occurred_on", "created_at"]
        verbose_name = _("outcome")
        verbose_name_plural = _("outcomes")
        constraints = [
            models.CheckConstraint(
                condition=Q(sentence_years__isnull=True) | Q(kind="sentenced"),
                name="outcome_sentence_only_when_sentenced",
            ),
            models.CheckConstraint(
                condition=Q(sentence_years__isnull=True) | Q(sentence_years__lte=99),
                name="outcome_sentence_years_in_range",
            ),
        ]
        indexes = [
            # Public statistics: outcomes by kind and by year.
            models.Index(fields=["kind", "occurred_on"], name="outcome_kind_year_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.occurred_on_display})"

    def save(self, *args, **kwargs) -> None:
        self.occurred_on = normalize_date(self.occurred_on, self.occurred_on_precision)
        super().save(*args, **kwargs)

    @property
    def occurred_on_display(self) -> str:
        return format_approximate(self.occurred_on, self.occurred_on_precision)

    def clean(self) -> None:
        errors = {}
        if self.sentence_years is not None and self.kind != self.Kind.SENTENCED:
            errors["sentence_years"] = _("A sentence length belongs to a 'sentenced' outcome.")
        # On the admin add page the person is not saved yet, but the inline already holds it.
        person = self.person if self.person_id or Outcome.person.is_cached(self) else None
        if (
            person
            and person.detained_on
            and self.occurred_on
            and self.kind in self.RELEASES
            and self._before_detention(person)
        ):
            errors["occurred_on"] = _("A release cannot precede the detention (%(date)s).") % {
                "date": person.detained_on_display
            }
        if errors:
            raise ValidationError(errors)

    def _before_detention(self, person: DetainedPerson) -> bool:
        return known_before(
            self.occurred_on,
            self.occurred_on_precision,
            person.detained_on,
            person.detained_on_precision,
        )


# The one mapping from what happened to the person's current status. None: no change.
OUTCOME_STATUS: dict[str, str | None] = {
    Outcome.Kind.RELEASED_FROM_CAMP: Status.RELEASED,
    Outcome.Kind.RELEASED_FROM_PRISON: Status.RELEASED,
    Outcome.Kind.SENTENCED: Status.PRISON,
    Outcome.Kind.TRANSFERRED: None,
    Outcome.Kind.PASSPORT_RETURNED: Status.RELEASED,
    Outcome.Kind.ALLOWED_TO_LEAVE: Status.RELEASED,
    Outcome.Kind.RETURNED_TO_KAZAKHSTAN: Status.LEFT_CHINA,
    Outcome.Kind.REUNITED: Status.LEFT_CHINA,
    Outcome.Kind.DIED: Status.DECEASED,
    Outcome.Kind.OTHER: None,
}

# The statuses that say more than an outcome's status and agree with it: an advocate who set
# one of them knows more than the outcome, which leaves it in place. Keyed by the outcome, not
# by its status, because outcomes with the same status differ: a woman released from a camp
# whose passport was taken is `barred_from_leaving`, but a returned passport contradicts that.
_RELEASE_REFINED_BY = frozenset(
    {
        # Released, but the passport taken: may not leave China.
        Status.BARRED_FROM_LEAVING,
        # Released into "residential surveillance" at home.
        Status.HOUSE_ARREST,
        # Released from a camp straight into assigned factory work, which the authorities call
        # a "graduation".
        Status.FORCED_LABOUR,
    }
)
OUTCOME_REFINED_BY: dict[str, frozenset[str]] = {
    Outcome.Kind.RELEASED_FROM_CAMP: _RELEASE_REFINED_BY,
    Outcome.Kind.RELEASED_FROM_PRISON: _RELEASE_REFINED_BY,
    # Labour while serving the sentence is still the sentence.
    Outcome.Kind.SENTENCED: frozenset({Status.FORCED_LABOUR}),
    Outcome.Kind.TRANSFERRED: frozenset(),
    # A returned passport and leave to go contradict `barred_from_leaving` and any custody.
    Outcome.Kind.PASSPORT_RETURNED: frozenset(),
    Outcome.Kind.ALLOWED_TO_LEAVE: frozenset(),
    # Out of China, or dead: nothing says more.
    Outcome.Kind.RETURNED_TO_KAZAKHSTAN: frozenset(),
    Outcome.Kind.REUNITED: frozenset(),
    Outcome.Kind.DIED: frozenset(),
    Outcome.Kind.OTHER: frozenset(),
}


# --- Evidence and published figures -----------------------------------------------------------


# An extension kept on disk: short letters and digits (the upload check allows only known types).
_SAFE_EXTENSION = re.compile(r"\.[a-z0-9]{1,5}")


def source_upload_path(instance: "Source", filename: str) -> str:
    """A random name on disk: the uploader's name for a file often names a person, so it stays
    in the database (Source.original_name), never in a folder listing (privacy rule 6)."""
    extension = PurePath(filename).suffix.lower()
    if not _SAFE_EXTENSION.fullmatch(extension):
        extension = ""
    return f"sources/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{extension}"


class Source(TimeStamped):
    """Evidence behind a case or a petition. Its file is served only to holders of the
    built-in permission cases.view_source."""

    class Kind(models.TextChoices):
        VIDEO_TESTIMONY = "video_testimony", _("video testimony")
        WRITTEN_TESTIMONY = "written_testimony", _("written testimony")
        OFFICIAL_LETTER = "official_letter", _("official letter")
        PETITION_COPY = "petition_copy", _("copy of a petition")
        MEDIA_REPORT = "media_report", _("media report")
        OTHER = "other", _("other")

    person = models.ForeignKey(
        DetainedPerson,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="sources",
        verbose_name=_("person"),
    )
    petition = models.ForeignKey(
        Petition,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="sources",
        verbose_name=_("petition"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    title = models.CharField(_("title"), max_length=300)
    url = models.URLField(_("web address"), max_length=500, blank=True)
    file = models.FileField(_("file"), upload_to=source_upload_path, blank=True)
    # The name the file had when uploaded, given back with the download.
    original_name = models.CharField(_("original file name"), max_length=255, blank=True)
    dated = models.DateField(_("dated"), null=True, blank=True, validators=[not_in_future])
    language = models.CharField(_("language"), max_length=20, blank=True)
    notes = models.TextField(_("notes (private)"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-dated", "title"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False) | Q(petition__isnull=False),
                name="source_about_person_or_petition",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def download_name(self) -> str:
        """The file's name for the person downloading it: as uploaded, for files stored before
        original names were kept, the name on disk."""
        return self.original_name or PurePath(self.file.name).name


# --- Consent ----------------------------------------------------------------------------------
#
# What a family (or the person) allows the organisation to do with their case. Consents are
# never deleted: a withdrawal is recorded on the consent, flags the case, and the history keeps
# who changed what.


class ConsentScope(models.TextChoices):
    """What a consent covers; each is a boolean field of Consent (SCOPE_FIELDS)."""

    RECORDING = "recording", _("recording the case")
    KAZAKH_AUTHORITIES = "kazakh_authorities", _("petitions to Kazakhstan's authorities")
    UN_BODIES = "un_bodies", _("submissions to UN bodies")
    PUBLIC_STORY = "public_story", _("telling the story publicly")
    PARTNER = "partner", _("sharing with a partner organisation")


# Booleans rather than a list in one column: each scope is a plain, indexable condition on
# SQLite and PostgreSQL alike, and "covering UN submissions" reads as one filter.
SCOPE_FIELDS: dict[str, str] = {scope: f"covers_{scope}" for scope in ConsentScope.values}


def _valid_consents(scope: str | None, on: datetime.date | None) -> "ConsentQuerySet":
    consents = Consent.objects.valid_on(on)
    return consents.covering(scope) if scope else consents


class ConsentQuerySet(models.QuerySet):
    def valid_on(self, day: datetime.date | None = None) -> "ConsentQuerySet":
        """Consents given by `day` (today), not expired and not withdrawn on that day."""
        day = day or timezone.localdate()
        return self.filter(
            Q(expires_on__isnull=True) | Q(expires_on__gte=day),
            Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=day),
            given_on__lte=day,
        )

    def covering(self, scope: str) -> "ConsentQuerySet":
        return self.filter(**{SCOPE_FIELDS[scope]: True})

    def expiring_within(self, days: int, today: datetime.date | None = None) -> "ConsentQuerySet":
        """Consents valid today that expire within `days` days."""
        today = today or timezone.localdate()
        return self.valid_on(today).filter(expires_on__lte=today + datetime.timedelta(days=days))

    def withdrawn(self) -> "ConsentQuerySet":
        return self.filter(withdrawn_on__isnull=False)

    def standing_withdrawals(self, today: datetime.date | None = None) -> "ConsentQuerySet":
        """Withdrawn consents not replaced by a consent given since and valid today: each
        flags its case."""
        renewed = Consent.objects.valid_on(today).filter(
            person=OuterRef("person"), given_on__gte=OuterRef("withdrawn_on")
        )
        return self.withdrawn().exclude(Exists(renewed))


class ConsentKept(Exception):
    """A withdrawn consent is the record of the withdrawal: it is never deleted."""


def consent_expiry_warning_days() -> int:
    """How many days before it expires a consent is listed in today's work."""
    return settings.CONSENT_EXPIRY_WARNING_DAYS


class Consent(TimeStamped):
    """A consent given for one case: who gave it, what it covers, how, and until when."""

    class GivenBy(models.TextChoices):
        PERSON = "person", _("the person themself")
        RELATIVE = "relative", _("a relative")

    class Method(models.TextChoices):
        WRITTEN = "written", _("written")
        ORAL = "oral", _("recorded orally")
        LAWYER = "lawyer", _("through a lawyer")

    class State(models.TextChoices):
        VALID = "valid", _("valid")
        EXPIRES_SOON = "expires_soon", _("expires soon")
        EXPIRED = "expired", _("expired")
        WITHDRAWN = "withdrawn", _("withdrawn")

    Scope = ConsentScope

    person = models.ForeignKey(
        DetainedPerson, on_delete=models.CASCADE, related_name="consents", verbose_name=_("case")
    )
    given_by = models.CharField(
        _("given by"), max_length=10, choices=GivenBy.choices, default=GivenBy.RELATIVE
    )
    # RESTRICT: a relative who gave a consent is not deleted from under it, but deleting the
    # whole case (which deletes its consents) is not held up.
    relative = models.ForeignKey(
        Relative,
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="consents",
        verbose_name=_("relative who gave it"),
        help_text=_("A relative of this case; empty when the person gave it themself."),
    )
    covers_recording = models.BooleanField(_("recording the case"), default=False)
    covers_kazakh_authorities = models.BooleanField(
        _("petitions to Kazakhstan's authorities"), default=False
    )
    covers_un_bodies = models.BooleanField(_("submissions to UN bodies"), default=False)
    covers_public_story = models.BooleanField(_("telling the story publicly"), default=False)
    covers_partner = models.BooleanField(_("sharing with a partner organisation"), default=False)
    partner_name = models.CharField(
        _("partner organisation"),
        max_length=200,
        blank=True,
        help_text=_("The organisation the case may be shared with, by name."),
    )
    method = models.CharField(
        _("how it was given"), max_length=10, choices=Method.choices, default=Method.WRITTEN
    )
    given_on = models.DateField(_("given on"), validators=[not_in_future])
    expires_on = models.DateField(
        _("expires on"),
        null=True,
        blank=True,
        help_text=_("The last day it holds. Empty: until withdrawn."),
    )
    withdrawn_on = models.DateField(
        _("withdrawn on"),
        null=True,
        blank=True,
        validators=[not_in_future],
        help_text=_("From this day on it no longer holds. A withdrawal cannot be undone."),
    )
    withdrawal_reason = models.TextField(_("reason for the withdrawal"), blank=True)
    # RESTRICT, as for the relative: the evidence stays while the consent does.
    evidence = models.ForeignKey(
        Source,
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="consents",
        verbose_name=_("evidence"),
        help_text=_("The signed form, recording or lawyer's letter: a source of this case."),
    )
    notes = models.TextField(_("notes (private)"), blank=True)
    history = HistoricalRecords()

    objects = ConsentQuerySet.as_manager()

    class Meta:
        ordering = ["person", "-given_on", "-created_at"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            models.CheckConstraint(
                condition=Q(given_by="person", relative__isnull=True)
                | Q(given_by="relative", relative__isnull=False),
                name="consent_relative_given_by_relative",
            ),
            models.CheckConstraint(
                condition=Q(covers_recording=True)
                | Q(covers_kazakh_authorities=True)
                | Q(covers_un_bodies=True)
                | Q(covers_public_story=True)
                | Q(covers_partner=True),
                name="consent_covers_something",
            ),
            models.CheckConstraint(
                condition=Q(covers_partner=False) | ~Q(partner_name=""),
                name="consent_partner_named",
            ),
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gte=models.F("given_on")),
                name="consent_expiry_not_before_given",
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gte=models.F("given_on")),
                name="consent_withdrawal_not_before_given",
            ),
            models.CheckConstraint(
                condition=Q(withdrawal_reason="") | Q(withdrawn_on__isnull=False),
                name="consent_reason_only_when_withdrawn",
            ),
        ]
        indexes = [
            # Today's work: consents expiring in the next days.
            models.Index(fields=["expires_on"], name="consent_expires_idx"),
            # Flagged cases: withdrawals, by case.
            models.Index(fields=["withdrawn_on", "person"], name="consent_withdrawn_idx"),
        ]

    def __str__(self) -> str:
        return _("consent of %(date)s: %(scopes)s") % {
            "date": self.given_on.isoformat() if self.given_on else "—",
            "scopes": self.scopes_display,
        }

    @property
    def scopes(self) -> list[str]:
        return [scope for scope, field in SCOPE_FIELDS.items() if getattr(self, field)]

    @property
    def scopes_display(self) -> str:
        labels = dict(ConsentScope.choices)
        shown = []
        for scope in self.scopes:
            label = str(labels[scope])
            if scope == ConsentScope.PARTNER and self.partner_name:
                label = f"{label} ({self.partner_name})"
            shown.append(label)
        return "; ".join(shown)

    @property
    def giver_display(self) -> str:
        if self.given_by == self.GivenBy.PERSON or not self.relative_id:
            return str(self.GivenBy.PERSON.label)
        return self.relative.display_name

    def is_valid_on(self, day: datetime.date) -> bool:
        return (
            self.given_on <= day
            and (self.expires_on is None or self.expires_on >= day)
            and (self.withdrawn_on is None or self.withdrawn_on > day)
        )

    def state(self, today: datetime.date | None = None) -> "Consent.State":
        """Valid, expiring within CONSENT_EXPIRY_WARNING_DAYS, expired or withdrawn, today."""
        today = today or timezone.localdate()
        if self.withdrawn_on is not None and self.withdrawn_on <= today:
            return self.State.WITHDRAWN
        if self.expires_on is not None and self.expires_on < today:
            return self.State.EXPIRED
        warning = datetime.timedelta(days=consent_expiry_warning_days())
        if self.expires_on is not None and self.expires_on <= today + warning:
            return self.State.EXPIRES_SOON
        return self.State.VALID

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if not self.scopes:
            errors["covers_recording"] = _("Tick at least one thing the consent covers.")
        if self.covers_partner and not self.partner_name.strip():
            errors["partner_name"] = _("Name the partner organisation the case may go to.")
        if self.given_by == self.GivenBy.RELATIVE and not self.relative_id:
            errors["relative"] = _("Choose the relative who gave it.")
        if self.given_by == self.GivenBy.PERSON and self.relative_id:
            errors["relative"] = _("Leave the relative empty: the person gave it themself.")
        if self.given_on and self.expires_on and self.expires_on < self.given_on:
            errors["expires_on"] = _("A consent cannot expire before it was given.")
        if self.given_on and self.withdrawn_on and self.withdrawn_on < self.given_on:
            errors["withdrawn_on"] = _("A consent cannot be withdrawn before it was given.")
        if self.withdrawal_reason.strip() and not self.withdrawn_on:
            errors["withdrawn_on"] = _("Give the date of the withdrawal.")
        person_id = self.person_id
        kin = Kinship.objects.filter(person_id=person_id, relative_id=self.relative_id)
        if person_id and self.relative_id and "relative" not in errors and not kin.exists():
            errors["relative"] = _("Only a relative of this case can give its consent.")
        if person_id and self.evidence_id and not self._evidence_of_case():
            errors["evidence"] = _("The evidence must be a source of this case.")
        if errors:
            raise ValidationError(errors)

    def _evidence_of_case(self) -> bool:
        source = self.evidence
        if source.person_id == self.person_id:
            return True
        return (
            bool(source.petition_id) and source.petition.persons.filter(pk=self.person_id).exists()
        )

    def delete(self, *args, **kwargs):
        if self.withdrawn_on is not None:
            raise ConsentKept(_("A withdrawn consent is kept as the record of the withdrawal."))
        return super().delete(*args, **kwargs)


def letter_template_upload_path(instance: "LetterTemplate", filename: str) -> str:
    return f"letter-templates/{uuid.uuid4().hex}.docx"


class LetterTemplate(TimeStamped):
    """A coordinator's own Word template for one kind of document in one language, in place of
    the one casetracker ships (cases/letters/templates/); deleting it brings that one back."""

    class Language(models.TextChoices):
        KAZAKH = "kk", _("Kazakh")
        RUSSIAN = "ru", _("Russian")
        ENGLISH = "en", _("English")

    # The code of the authority the document goes to: one of cases.letters.kinds.KINDS.
    kind = models.CharField(_("document"), max_length=40)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    file = models.FileField(_("Word template (.docx)"), upload_to=letter_template_upload_path)
    original_name = models.CharField(_("original file name"), max_length=255, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "language"]
        verbose_name = _("letter template")
        verbose_name_plural = _("letter templates")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "language"], name="letter_template_one_per_kind_and_language"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} ({self.language})"


class PublishedFigure(Multilingual, TimeStamped):
    """A figure published by someone else, cited on the public page with its source."""

    label_en = models.CharField(_("label in English"), max_length=300)
    label_kk = models.CharField(_("label in Kazakh"), max_length=300, blank=True)
    label_ru = models.CharField(_("label in Russian"), max_length=300, blank=True)

    class Qualifier(models.TextChoices):
        EXACTLY = "exactly", pgettext_lazy("published figure", "exactly")
        ABOUT = "about", pgettext_lazy("published figure", "about")
        MORE_THAN = "more_than", pgettext_lazy("published figure", "more than")
        FEWER_THAN = "fewer_than", pgettext_lazy("published figure", "fewer than")

    qualifier = models.CharField(
        _("qualifier"),
        max_length=12,
        choices=Qualifier.choices,
        default=Qualifier.EXACTLY,
        help_text=_("As the figure was published: “more than 2,000” is 2,000, more than."),
    )
    value = models.PositiveIntegerField(_("value"))
    period_en = models.CharField(
        _("period in English"),
        max_length=200,
        blank=True,
        help_text=_("The time the figure covers, as published: “since 2018”."),
    )
    period_kk = models.CharField(_("period in Kazakh"), max_length=200, blank=True)
    period_ru = models.CharField(_("period in Russian"), max_length=200, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("part of the figure"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="parts",
        help_text=_("The figure this one is a part of: “15 of the 29 detained were released”."),
    )
    as_of = models.DateField(_("as of"), validators=[not_in_future])
    as_of_precision = models.CharField(
        _("precision of the date"),
        max_length=5,
        choices=DatePrecision.choices,
        default=DatePrecision.YEAR,
    )
    publisher_name = models.CharField(
        _("published by"),
        max_length=300,
        blank=True,
        help_text=_("Who published the figure: the Ministry of Foreign Affairs of Kazakhstan."),
    )
    publisher_name_kk = models.CharField(_("published by, in Kazakh"), max_length=300, blank=True)
    publisher_name_ru = models.CharField(_("published by, in Russian"), max_length=300, blank=True)
    publisher_url = models.URLField(_("publisher's web address"), max_length=500, blank=True)
    source_name = models.CharField(
        _("source"),
        max_length=300,
        help_text=_("Where it was read: the publisher's own page or the medium that reported it."),
    )
    source_name_kk = models.CharField(_("source, in Kazakh"), max_length=300, blank=True)
    source_name_ru = models.CharField(_("source, in Russian"), max_length=300, blank=True)
    source_url = models.URLField(_("source web address"), max_length=500, blank=True)
    position = models.PositiveSmallIntegerField(_("position in lists"), default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "as_of"]
        verbose_name = _("published figure")
        verbose_name_plural = _("published figures")

    def __str__(self) -> str:
        return f"{self.label}: {self.value}"

    def save(self, *args, **kwargs) -> None:
        self.as_of = normalize_date(self.as_of, self.as_of_precision)
        super().save(*args, **kwargs)

    @property
    def label(self) -> str:
        return self.localized("label")

    @property
    def period(self) -> str:
        return self.localized("period")

    @property
    def as_of_display(self) -> str:
        return format_approximate(self.as_of, self.as_of_precision)

    def clean(self) -> None:
        super().clean()
        if self.parent_id is not None and self.pk is not None:
            ancestor, seen = self.parent, {self.pk}
            while ancestor is not None:
                if ancestor.pk in seen:
                    raise ValidationError(
                        {"parent": _("A figure cannot be part of itself or of its own parts.")}
                    )
                seen.add(ancestor.pk)
                ancestor = ancestor.parent


# --- Tallies: the public statistics, counted ahead --------------------------------------------
#
# Counting the register for the public statistics reads every counted case with its relatives,
# petitions and outcomes: about a second at 100,000 cases. These tables hold the same counts,
# kept current in the transaction of every change (cases/public/tallies.py), so that any
# combination of the public filters adds up a few thousand rows instead. They hold numbers only,
# never a name.


class TallyProfile(models.Model):
    """What the public filters can tell apart about a counted person: the year of detention,
    home place, ethnicity, gender and status."""

    # The values below in one string: a unique key that a NULL year or place cannot escape.
    key = models.CharField(max_length=100, unique=True)
    detained_year = models.PositiveSmallIntegerField(null=True)
    place = models.ForeignKey(Place, null=True, on_delete=models.CASCADE, related_name="+")
    ethnicity = models.CharField(max_length=10, choices=Ethnicity.choices)
    gender = models.CharField(max_length=10, choices=Gender.choices)
    status = models.CharField(max_length=20, choices=Status.choices)

    class Meta:
        verbose_name = _("tally profile")
        verbose_name_plural = _("tally profiles")

    def __str__(self) -> str:
        return self.key


class TallyReach(models.Model):
    """The profiles of the counted persons a record belongs to. A filtered view counts the
    record once when any of them matches: a relative of two detained brothers is one relative."""

    # A digest of the sorted profile ids: the set of profiles, looked up by value.
    key = models.CharField(max_length=64, unique=True)
    profiles = models.ManyToManyField(TallyProfile, related_name="reaches")

    class Meta:
        verbose_name = _("tally reach")
        verbose_name_plural = _("tally reaches")

    def __str__(self) -> str:
        return self.key


class Tally(models.Model):
    """How many records of one reach count towards one cell, e.g. 'status:camp' or 'relatives'."""

    reach = models.ForeignKey(TallyReach, on_delete=models.CASCADE, related_name="tallies")
    key = models.CharField(max_length=60)
    count = models.PositiveIntegerField()
    # The sum of the record keys of those records: a cell's key is the sum of its tallies'
    # key sums modulo RECORD_KEY_RANGE (cell-key perturbation).
    key_sum = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("tally")
        verbose_name_plural = _("tallies")
        constraints = [
            # Also the index of a change's upsert (ON CONFLICT (reach_id, key)) and of the
            # public sums, which read the tallies by reach.
            models.UniqueConstraint(fields=["reach", "key"], name="tally_one_row_per_cell"),
        ]

    def __str__(self) -> str:
        return f"{self.reach_id} {self.key}: {self.count}"


class TallyEntry(models.Model):
    """What one record adds to the tallies now, so that a change can take exactly that back."""

    class Kind(models.TextChoices):
        PERSON = "person", _("detained person")
        RELATIVE = "relative", _("relative")
        PETITION = "petition", _("petition")
        OUTCOME = "outcome", _("outcome")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    record_id = models.BigIntegerField()
    # One '<reach id> <key>' per line, sorted.
    items = models.TextField()
    # The record's key when it was counted: what a deletion takes back from the key sums.
    record_key = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("tally entry")
        verbose_name_plural = _("tally entries")
        constraints = [
            # Also the index by which a change finds what its records added before.
            models.UniqueConstraint(
                fields=["kind", "record_id"], name="tally_entry_one_per_record"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.record_id}"


class PublicDataState(models.Model):
    """The state of the data the public pages show: one row, given a new token in the
    transaction of every change that moves a count, a place or authority name, or an official
    figure. Every worker of every app server reads it by primary key on each public request, so a
    committed change shows at the next request everywhere, with or without a shared cache
    (cases/public/cache.py)."""

    # Random, never reused: a state seen inside a transaction that rolled back never returns.
    token = models.CharField(max_length=32)
    # When the public numbers last changed: the date the pages and data files give them.
    changed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("public data state")
        verbose_name_plural = _("public data states")

    def __str__(self) -> str:
        return f"{self.token} ({self.changed_at:%Y-%m-%d %H:%M})"


# --- Who read what ----------------------------------------------------------------------------
#
# Changes are kept by the history above; reads are kept here (privacy rule 8). A row says
# who read which record of which case and what they saw: which contact details, how many rows of
# which list. It never holds the values read.


class AppendOnly(Exception):
    """The read log is append-only: a read, once recorded, is never changed or deleted."""


class ReadEventQuerySet(models.QuerySet):
    """Reads are only ever added: changing or deleting them in bulk is refused as well."""

    def update(self, **kwargs):
        raise AppendOnly(_("The read log is append-only: its rows are never changed."))

    def delete(self):
        raise AppendOnly(_("The read log is append-only: its rows are never deleted."))


class ReadEventManager(models.Manager.from_queryset(ReadEventQuerySet)):
    # Also the base manager (Meta.base_manager_name), which migrations need to know.
    use_in_migrations = True


class ReadEvent(models.Model):
    """One read of private data: who opened a record's page, saw a relative's contact details,
    downloaded a document or exported a list, and when.

    Append-only: save() adds a row but never changes one, delete() refuses, and on PostgreSQL a
    trigger refuses UPDATE and DELETE whatever the client (migration 0008). Rows never change,
    hence no updated_at.
    """

    class Kind(models.TextChoices):
        OPENED = "opened", _("opened the page")
        CONTACTS = "contacts", _("saw contact details")
        DOWNLOADED = "downloaded", _("downloaded the file")
        EXPORTED = "exported", _("exported a list")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        # Who read stays known: a user who has read anything is deactivated, not deleted.
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("user"),
    )
    # Not auto_now_add: a restore keeps the time a read happened.
    created_at = models.DateTimeField(_("when"), default=timezone.now)
    kind = models.CharField(_("what"), max_length=10, choices=Kind.choices)
    # The record read, as 'cases.relative' and its id (no foreign key: the read outlives the
    # record), and what it was called then. An export reads a list: its model, no id.
    model = models.CharField(_("kind of record"), max_length=60)
    record_id = models.BigIntegerField(_("record id"), null=True, blank=True)
    record = models.CharField(_("record"), max_length=300)
    # The case the record belongs to. A record of several cases (a relative of two brothers, a
    # petition for both) is read once per case, a row each, so that the log filters by case.
    case_number = models.CharField(_("case"), max_length=20, blank=True)
    # The names of the contact fields shown (e.g. 'phone email'), never their values.
    contact_fields = models.CharField(_("contact details shown"), max_length=50, blank=True)
    rows = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    filters = models.TextField(_("filters"), blank=True)

    objects = ReadEventManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        # Related lookups and restores go through the manager that refuses changes.
        base_manager_name = "objects"
        # Reading is the only thing anyone does with the log: no add, change or delete
        # permission exists to be granted.
        default_permissions = ("view",)
        verbose_name = _("read")
        verbose_name_plural = _("who read what")
        constraints = [
            models.CheckConstraint(
                condition=Q(rows__isnull=True) | Q(kind="exported"),
                name="readevent_rows_only_for_exports",
            ),
            models.CheckConstraint(
                condition=Q(contact_fields="") | Q(kind__in=["contacts", "exported"]),
                name="readevent_contact_fields_only_when_shown",
            ),
        ]
        indexes = [
            # The log's list, newest first, and its date filter ("this month").
            models.Index(fields=["-created_at", "-id"], name="readevent_newest_first_idx"),
            # "Who read this case": the link from a person's page and the search by case.
            models.Index(fields=["case_number", "-created_at"], name="readevent_case_idx"),
            # "Who read this relative": the link from a relative's page.
            models.Index(
                fields=["model", "record_id", "-created_at"], name="readevent_record_idx"
            ),
        ]

    def __str__(self) -> str:
        when = timezone.localtime(self.created_at)
        return f"{when:%Y-%m-%d %H:%M} {self.get_kind_display()}: {self.record}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise AppendOnly(_("The read log is append-only: its rows are never changed."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly(_("The read log is append-only: its rows are never deleted."))


# --- Enrolment invitations ----------------------------------------------------------------------


class InvitationQuerySet(models.QuerySet):
    def open(self) -> "InvitationQuerySet":
        """Invitations that can still be used: not used yet, not expired."""
        return self.filter(used_at__isnull=True, expires_at__gt=timezone.now())


class Invitation(TimeStamped):
    """A single-use link by which a staff member sets up two-factor login (accounts/invitations).

    A password alone must not let anyone add a second factor to an account: a coordinator hands
    out this link instead. Only the SHA-256 of its random token is stored, so reading this table
    (or a backup) gives no working link.
    """

    class State(models.TextChoices):
        OPEN = "open", _("open")
        USED = "used", _("used")
        EXPIRED = "expired", _("expired")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="invitations",
        verbose_name=_("user"),
    )
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("enrolment invitation")
        verbose_name_plural = _("enrolment invitations")
        constraints = [
            # A new invitation closes the user's older ones by expiring them at that moment.
            models.CheckConstraint(
                condition=Q(expires_at__gte=models.F("created_at")),
                name="invitation_expiry_not_before_creation",
            )
        ]

    def __str__(self) -> str:
        return _("invitation for %(user)s") % {"user": self.user}

    @property
    def state(self) -> "Invitation.State":
        if self.used_at is not None:
            return self.State.USED
        if self.expires_at <= timezone.now():
            return self.State.EXPIRED
        return self.State.OPEN
