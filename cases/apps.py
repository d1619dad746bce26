from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


def count_existing_cases(using: str, **kwargs) -> None:
    """After migrating a register that holds cases but no tallies yet, count them once."""
    from cases.models import DetainedPerson
    from cases.public import tallies

    if tallies.is_empty(using) and DetainedPerson.objects.using(using).exists():
        tallies.rebuild(using)


def name_links(app_config: AppConfig) -> None:
    """Name the rows Django creates to link two models (a petition's persons) in the user's
    language: Django names them once, in English ("Petition-detainedperson relationship",
    "Petition_persons object (1)"), and the admin's delete pages list them."""
    for model in app_config.get_models():
        for field in model._meta.local_many_to_many:
            through = field.remote_field.through
            if not through._meta.auto_created:
                continue
            ends = (model._meta.verbose_name, field.related_model._meta.verbose_name)
            through._meta.verbose_name = lazy_link_label(*ends, plural=False)
            through._meta.verbose_name_plural = lazy_link_label(*ends, plural=True)
            source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
            through.__str__ = lambda row, a=source, b=target: (
                f"{getattr(row, a)} — {getattr(row, b)}"
            )


def _link_label(source, target, plural: bool) -> str:
    names = {"from": source, "to": target}
    if plural:
        return gettext("links of %(from)s and %(to)s") % names
    return gettext("link of %(from)s and %(to)s") % names


lazy_link_label = lazy(_link_label, str)


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Case register")

    def ready(self) -> None:
        from cases.public import cache, perturbation, upkeep  # noqa: F401 (perturbation: its check)

        name_links(self)
        upkeep.connect_signals()
        cache.connect_signals()
        post_migrate.connect(count_existing_cases, sender=self, dispatch_uid="tallies-migrate")
