"""A whole family on the case page, without pop-up windows: new relatives and a first petition
typed in rows of the case's own form.

The admin saves the page in one transaction: a row with an error shows it and nothing is saved.
Relatives, kinships and petitions are saved through their models (and save_petition), so the
tallies and the history follow as they do from their own pages.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cases.admin.dates import ApproximateDateField
from cases.contact_access import ADD_RELATIVE_PERMISSION, may_enter_contact_details
from cases.models import (
    Authority,
    DetainedPerson,
    Kinship,
    Petition,
    Relative,
)
from cases.services import missing_un_consent, save_petition, un_consent_error

# --- New relatives ----------------------------------------------------------------------------


# A tabular inline's column headings read the labels of the fields its model lacks from the
# form's Meta.labels: the fields and their headings share them.
RELATIVE_LABELS = {"full_name": _("full name"), "situation": _("situation"), "phone": _("phone")}
PETITION_LABELS = {
    "authority": _("authority"),
    "channel": _("channel"),
    "submitted_on": _("submitted on"),
    "status": _("status"),
}


class NewRelativeForm(forms.ModelForm):
    """A kinship with the new relative it is to: the relative's name, situation and phone."""

    full_name = forms.CharField(label=RELATIVE_LABELS["full_name"], max_length=200)
    situation = forms.ChoiceField(
        label=RELATIVE_LABELS["situation"],
        # A relative who is held has a case of their own, linked from the relative's page.
        choices=[c for c in Relative.Situation.choices if c[0] != Relative.Situation.HELD],
        initial=Relative.Situation.UNKNOWN,
    )
    phone = forms.CharField(label=RELATIVE_LABELS["phone"], max_length=50, required=False)

    # Whether the user may enter a phone (set per request by NewRelativeInline).
    takes_phone = False

    class Meta:
        model = Kinship
        fields = ("relationship", "is_contact")
        labels = RELATIVE_LABELS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.takes_phone:
            del self.fields["phone"]
        else:
            self.fields["phone"].widget.attrs.update(autocomplete="off", type="tel")

    def clean(self):
        cleaned = super().clean()
        self.relative = Relative(
            full_name=cleaned.get("full_name", ""),
            situation=cleaned.get("situation", Relative.Situation.UNKNOWN),
            phone=cleaned.get("phone", ""),
        )
        try:
            self.relative.full_clean(exclude=["held_as"])
        except ValidationError as error:
            self._update_errors(error)
        return cleaned

    def save(self, commit=True):
        kinship = super().save(commit=False)
        self.relative.save()
        kinship.relative = self.relative
        if commit:
            kinship.save()
        return kinship


class NewRelativeInline(admin.TabularInline):
    """Relatives not yet in the register, added to the case in rows of its page. Relatives
    already recorded are linked in the kinships' own rows (PersonKinshipInline)."""

    model = Kinship
    form = NewRelativeForm
    verbose_name = _("new relative")
    verbose_name_plural = _("new relatives")
    can_delete = False

    def get_fields(self, request, obj=None):
        fields = ["full_name", "relationship", "is_contact", "situation"]
        if may_enter_contact_details(request.user):
            fields.append("phone")
        return fields

    def get_queryset(self, request):
        # Only new rows: the recorded ones are listed with the family's relatives.
        return super().get_queryset(request).none()

    def get_extra(self, request, obj=None, **kwargs):
        return 0 if obj is not None else 1

    def get_formset(self, request, obj=None, **kwargs):
        takes_phone = may_enter_contact_details(request.user)
        kwargs["form"] = type("NewRelativeForm", (self.form,), {"takes_phone": takes_phone})
        return super().get_formset(request, obj, **kwargs)

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and request.user.has_perm(
            ADD_RELATIVE_PERMISSION
        )

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return self.has_add_permission(request, obj)


# --- A first petition -------------------------------------------------------------------------


class NewPetitionForm(forms.ModelForm):
    """A petition for this person: to whom, how, when (as vaguely as known) and where it
    stands. Saved by NewPetitionInline.save_new, through save_petition."""

    authority = forms.ModelChoiceField(
        label=PETITION_LABELS["authority"],
        queryset=Authority.objects.order_by("position", "name_en"),
    )
    channel = forms.ChoiceField(
        label=PETITION_LABELS["channel"],
        choices=Petition.Channel.choices,
        initial=Petition.Channel.LETTER,
    )
    submitted_on = ApproximateDateField(label=PETITION_LABELS["submitted_on"], required=False)
    status = forms.ChoiceField(
        label=PETITION_LABELS["status"],
        choices=Petition.Status.choices,
        initial=Petition.Status.SUBMITTED,
    )

    class Meta:
        model = Petition.persons.through
        fields = ()
        labels = PETITION_LABELS

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        submitted = cleaned.get("submitted_on")
        self.petition = Petition(
            authority=cleaned["authority"],
            channel=cleaned["channel"],
            status=cleaned["status"],
            submitted_on=submitted.stored if submitted else None,
            submitted_on_precision=submitted.precision if submitted else "day",
        )
        try:
            self.petition.full_clean(exclude=["persons", "petitioners", "record_key"])
        except ValidationError as error:
            self._update_errors(error)
        # A consent typed on this same page is not recorded yet: the case is saved first.
        person = getattr(self, "person", None) or DetainedPerson()
        if missing_un_consent(self.petition, [person]):
            self.add_error(
                None,
                _(
                    "A petition to a UN body is submitted only with the family's consent: "
                    "save the case with its consent first, or keep this petition as a draft."
                ),
            )
        return cleaned


class NewPetitionFormSet(forms.BaseInlineFormSet):
    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        form.person = self.instance if self.instance.pk else None
        return form

    def save_new(self, form, commit=True):
        person = self.instance
        if missing := missing_un_consent(form.petition, [person]):
            raise un_consent_error(missing)
        save_petition(form.petition, user=self.user, persons=[person])
        return form.petition

    def save(self, commit=True):
        # Only new rows; the petitions are listed (and changed) on their own pages.
        self.changed_objects, self.deleted_objects = [], []
        self.new_objects = [self.save_new(form) for form in self.extra_forms if form.has_changed()]
        return self.new_objects


class NewPetitionInline(admin.TabularInline):
    """A petition for the case typed on its page: the first one, often, on a new case."""

    model = Petition.persons.through
    form = NewPetitionForm
    formset = NewPetitionFormSet
    fields = ("authority", "channel", "submitted_on", "status")
    verbose_name = _("new petition")
    verbose_name_plural = _("new petitions")
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).none()

    def get_extra(self, request, obj=None, **kwargs):
        return 0 if obj is not None else 1

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        return type(formset.__name__, (formset,), {"user": request.user})

    def has_add_permission(self, request, obj=None):
        return request.user.has_perm("cases.add_petition")

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return self.has_add_permission(request, obj)
