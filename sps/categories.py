from django.db import models


class Category(models.TextChoices):
    """Needs and service categories share one list (domain.md, 'Categories')."""

    BEFRIENDING = "befriending", "Befriending"
    ENABLING = "enabling", "Enabling (getting out and about)"
    INFORMATION_ADVICE = "information_advice", "Information and advice (benefits, debt, housing)"
    COMMUNITY_ACTIVITY = "community_activity", "Community activity"
    PHYSICAL_ACTIVITY = "physical_activity", "Physical activity"
    COMMUNITY_TRANSPORT = "community_transport", "Community transport"
    DEMENTIA = "dementia", "Dementia support"
    CARERS_RESPITE = "carers_respite", "Carers' respite"
    ADVOCACY = "advocacy", "Advocacy"
    SENSORY = "sensory", "Sensory impairment"
    THERAPEUTIC = "therapeutic", "Therapeutic"
    COMMUNITY_HUB = "community_hub", "Community hub"
    MENTAL_WELLBEING = "mental_wellbeing", "Mental wellbeing"
    OTHER = "other", "Other"
