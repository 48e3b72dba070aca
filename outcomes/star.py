"""The eight-area wellbeing star (domain.md): the areas in their order, with their keys, and what each step
of the 1-5 scale means in each, in plain words an adviser can read out in someone's living room."""

from dataclasses import dataclass

LOW = 2  # a score of 2 or less is "low" (domain.md, evaluation.md)
SCALE = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class Area:
    key: str
    label: str
    question: str
    steps: tuple[str, str, str, str, str]  # what 1, 2, 3, 4 and 5 mean


AREAS: tuple[Area, ...] = (
    Area("lifestyle", "Lifestyle", "Sleep, diet, exercise, smoking", (
        "Habits are harming my health and I can't see how to change",
        "I know some habits need to change but haven't started",
        "I'm trying to change one or two things",
        "Mostly healthy habits, with the odd lapse",
        "I sleep, eat and move as well as I can",
    )),
    Area("looking_after_yourself", "Looking after yourself", "Washing, dressing, meals, the home", (
        "I can't manage day-to-day tasks and have no help",
        "I struggle with several everyday tasks",
        "I manage with some help or on good days",
        "I manage most things myself",
        "I look after myself and my home as I want to",
    )),
    Area("managing_symptoms", "Managing symptoms", "Pain, breathlessness, medicines, knowing what to do", (
        "My symptoms control my life and I don't know what to do",
        "I often can't cope with my symptoms",
        "I cope some of the time and know who to ask",
        "I usually manage my symptoms and medicines",
        "I manage my condition confidently",
    )),
    Area("work_volunteering", "Work, volunteering and activities", "Things to do that matter to me", (
        "I have nothing to do that matters to me",
        "I would like to do more but can't see how",
        "I've started to do something again",
        "I do things I enjoy most weeks",
        "I'm as active as I want to be",
    )),
    Area("money", "Money", "Benefits, bills, debt", (
        "Money worries overwhelm me; bills are unpaid",
        "I struggle to make ends meet",
        "I'm getting help and things are steadier",
        "I manage my money with the odd worry",
        "I have what I'm entitled to and manage well",
    )),
    Area("where_you_live", "Where you live", "Home, warmth, safety, getting about", (
        "My home is unsafe or unsuitable and I'm stuck in it",
        "My home causes me real problems",
        "Some problems, and they are being sorted",
        "My home suits me with small problems",
        "My home is safe, warm and right for me",
    )),
    Area("family_friends", "Family and friends", "Company, support, loneliness", (
        "I'm alone and have nobody to turn to",
        "I'm lonely most of the time",
        "I see people sometimes and would like more",
        "I have people around me most weeks",
        "I have the company and support I want",
    )),
    Area("feeling_positive", "Feeling positive", "Mood, confidence, hope", (
        "I feel hopeless most of the time",
        "I often feel low or anxious",
        "I have good days and bad days",
        "I feel positive most of the time",
        "I feel good about myself and the future",
    )),
)
AREA_KEYS: tuple[str, ...] = tuple(area.key for area in AREAS)
AREA_LABELS: dict[str, str] = {area.key: area.label for area in AREAS}
