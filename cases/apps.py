from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def count_existing_cases(using: str, **kwargs) -> None:
    """After migrating a register that holds cases but no tallies yet, count them once."""
    from cases.models import DetainedPerson
    from cases.public import tallies

    if tallies.is_empty(using) and DetainedPerson.objects.using(using).exists():
        tallies.rebuild(using)


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Case register")

    def ready(self) -> None:
        from cases.public import cache, perturbation, upkeep  # noqa: F401 (perturbation: its check)

        upkeep.connect_signals()
        cache.connect_signals()
        post_migrate.connect(count_existing_cases, sender=self, dispatch_uid="tallies-migrate")
