"""A recorded relative's contact details for someone who may change the relative but not read
them (cases.contact_access): shown masked ("•••• 8877"), replaced by typing a new value, kept
when left empty, never sent back to the browser."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.contact_access import mask_contact
from cases.models import Relative

REPLACE_HELP = _("Recorded: %(masked)s, hidden from you. Type a new value to replace it.")
NOTHING_RECORDED_HELP = _("Nothing recorded yet.")


class MaskedContactsForm(forms.ModelForm):
    """A relative's form whose contact fields start empty and keep the recorded value unless
    something is typed in them."""

    masked_fields = Relative.CONTACT_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.masked_fields:
            if name not in self.fields:
                continue
            recorded = getattr(self.instance, name)
            field = self.fields[name]
            field.required = False
            self.initial[name] = ""
            field.help_text = (
                REPLACE_HELP % {"masked": mask_contact(name, recorded)}
                if recorded
                else NOTHING_RECORDED_HELP
            )
            field.widget.attrs.update(autocomplete="off")

    def clean(self):
        cleaned = super().clean()
        for name in self.masked_fields:
            if name in self.fields and not cleaned.get(name):
                # Nothing typed: what is recorded stays, unread.
                cleaned[name] = getattr(self.instance, name)
        return cleaned
