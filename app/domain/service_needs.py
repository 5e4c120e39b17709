"""Which of our needs a directory service meets, read from what the service says about itself.

Council feeds rarely tag services with anything we can use, so the needs come from the words a
service uses (name, description, its organisation's description, eligibility) and from any
taxonomy terms it carries (the LGA ESD service types and needs lists among them). Every need
whose evidence is found is assigned, and the evidence is kept so staff can see why.

What each need means (and so what the rules look for):
- food: food banks, community fridges and pantries, lunch clubs, meals, shopping help;
- prescriptions: collecting or delivering medicines, pharmacy;
- befriending: befriending, social contact for isolated people, lunch and social clubs, peer
  support groups, memory cafés, warm or welcoming spaces;
- transport: community transport, lifts to appointments, dial-a-ride;
- money: debt, benefits, welfare rights and cost-of-living advice, grants to individuals;
- wellbeing: mental health, counselling, health and condition support groups, carers' support,
  dementia support, gentle exercise for health;
- other: none of these.

The rules are phrases, not single loose words: "benefits" alone also means "the benefits of
exercise", "bus" is inside "business", and "health" is in nearly every description.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

NEEDS_ORDER = ("food", "prescriptions", "befriending", "transport", "money", "wellbeing")
OTHER = "other"

_CONDITIONS = (
    r"dementia|alzheimer'?s?|stroke|parkinson'?s?|multiple sclerosis|cancer|diabetes|arthritis"
    r"|copd|lung|heart|cardiac|epilepsy|fibromyalgia|chronic (?:pain|fatigue|illness)"
    r"|long covid|brain injur(?:y|ies)|sight loss|visual(?:ly)? impair\w*|hearing loss|deaf\w*"
    r"|blind\w*|autis\w*|adhd|asthma|motor neurone|huntington'?s?|ms|me/cfs|incontinence"
    r"|mental health|bereave\w*|eating disorders?|addiction|carers?"
)

#: need -> patterns (case-insensitive, matched on the text with whitespace collapsed).
RULES: dict[str, tuple[str, ...]] = {
    "food": (
        r"food ?banks?", r"food (?:parcels?|vouchers?|pantr(?:y|ies)|hubs?|share|sharing|aid"
        r"|clubs?|provision|donations?|support|boxes|bags|shop|larder|cupboard|projects?)",
        r"emergency food", r"surplus food", r"free food", r"hot food", r"community (?:fridges?"
        r"|larders?|pantr(?:y|ies)|kitchens?|supermarkets?|grocer(?:y|ies)|meals?)",
        r"social supermarkets?", r"pantr(?:y|ies)", r"larders?", r"lunch(?:eon)? clubs?",
        r"meals? on wheels", r"(?:hot|free|cooked|nutritious|two[- ]course|home[- ]cooked"
        r"|community|affordable|low[- ]cost) (?:meals?|lunch(?:es)?|dinners?|breakfasts?)",
        r"meals?(?: are)? (?:delivered|provided|served)", r"breakfast clubs?",
        r"soup kitchens?", r"fareshare", r"healthy start", r"holiday activities and food",
        r"shopping (?:service|help|trips?|deliver\w*|support|scheme)",
        r"(?:help|helps|assistance|support) with (?:the |your |their |food )?shopping",
        r"(?:do|does|doing|collect\w*|deliver\w*|pick(?:ing)? up) (?:the |your |their |some )?"
        r"(?:food )?shopping", r"groceries", r"food (?:poverty|insecurity)", r"\bmeals\b",
    ),
    "prescriptions": (
        r"prescriptions?", r"pharmac(?:y|ies|ists?)", r"chemists?",
        r"(?:collect\w*|deliver\w*|pick(?:ing)? up|fetch\w*) (?:of )?(?:your |their )?"
        r"(?:medicines?|medication)", r"medicines? (?:delivery|deliveries|collection)",
    ),
    "befriending": (
        r"befriend\w*", r"lonel(?:y|iness)", r"(?:socially )?isolat(?:ed|ion)",
        r"social (?:contact|clubs?|groups?|activit(?:y|ies)|events?|afternoons?|mornings?"
        r"|gatherings?|interaction|connections?|sessions?|time|networks?|outings?)",
        r"companion(?:ship)?", r"memory caf[eé]s?", r"dementia caf[eé]s?", r"lunch(?:eon)? clubs?",
        r"warm (?:spaces?|hubs?|welcomes?|rooms?|places?|banks?)",
        r"welcom(?:e|ing) (?:spaces?|places?)", r"peer support", r"support groups?",
        r"coffee mornings?", r"friendship", r"make (?:new )?friends", r"new friends",
        r"meet (?:new |other )?(?:people|others|friends)",
        r"(?:cuppa|cup of tea|coffee) and a chat",
        r"friendly chat", r"(?:telephone|phone) (?:calls?|chats?|friend\w*)", r"good neighbours?",
        r"men'?s sheds?", r"over[- ]?(?:50|55|60|65)s? (?:club|group)", r"senior citizens'? club",
        r"older people'?s (?:club|group)", r"day centres?", r"get[- ]togethers?", r"tea dances?",
        r"socialis(?:e|ing)", r"drop[- ]in caf[eé]",
    ),
    "transport": (
        r"community transport", r"dial[- ]a[- ](?:ride|bus)", r"ring and ride",
        r"(?:transport|lifts?|rides?|driv\w+|journeys?|travel) (?:to|for) (?:and from )?"
        r"(?:medical |hospital |gp |health |doctors'? )?(?:appointments?|hospitals?|the doctors?"
        r"|gps?|surgery|surgeries|clinics?|the shops|shopping)",
        r"volunteer (?:car )?drivers?", r"car schemes?", r"door[- ]to[- ]door (?:transport"
        r"|service|minibus)", r"minibus\w*", r"hospital transport", r"patient transport",
        r"accessible transport", r"transport (?:is |can be )?(?:provided|available|arranged"
        r"|offered|service|scheme)", r"travel (?:buddy|buddies|training|assistance)",
        r"concessionary (?:travel|fares?)", r"bus pass(?:es)?", r"shopmobility",
    ),
    "money": (
        r"debts?", r"welfare (?:rights|benefits?|advice|support)",
        r"benefits? (?:advice|checks?|claims?|entitlements?|support|system|appeals?|forms?|help"
        r"|and money|maximi[sz]ation)", r"(?:claim\w*|apply\w* for|entitled to) (?:welfare )?"
        r"benefits", r"cost[- ]of[- ]living", r"money (?:advice|management|matters|worries"
        r"|problems|guidance|help|skills)", r"budgeting",
        r"budget (?:advice|support|help|planning)",
        r"financial (?:advice|help"
        r"|support|assistance|hardship|difficult\w*|inclusion|capability|wellbeing|problems"
        r"|worries)", r"hardship (?:funds?|grants?|payments?|support)",
        r"(?:emergency|hardship|crisis|one[- ]off|individual|small) (?:grants?|payments?|loans?)"
        r" (?:to|for) (?:individuals|people|residents|families|households|those)",
        r"grants? (?:to|for) (?:individuals|people in need|families|residents|households)",
        r"crisis (?:support|payments?|grants?|fund)", r"household support fund",
        r"citizens advice", r"universal credit", r"pension credit", r"attendance allowance",
        r"personal independence payment", r"\bpip\b", r"income maximi[sz]ation",
        r"fuel (?:poverty|vouchers?|debt)", r"energy (?:bills?|debt|vouchers?)",
        r"tax credits?", r"council tax (?:support|reduction)", r"(?:affordable|low[- ]cost) "
        r"(?:credit|loans?)", r"credit unions?", r"bankruptcy",
    ),
    "wellbeing": (
        r"mental (?:health|wellbeing|well-being|ill-?ness|ill-health)", r"counsell?(?:ing|ors?)",
        r"(?:emotional|mental|psychological) (?:wellbeing|well-being|support|health)",
        r"wellbeing (?:support|service|caf[eé]|groups?|walks?|sessions?|hub|centre|programme)",
        r"anxiety", r"depression", r"suicid\w*", r"self[- ]harm", r"bereave\w*", r"grief",
        r"(?:talking|psycho|art|music|drama|play|family|group|complementary) ?therap\w*",
        r"psycholog\w*", r"cognitive behavioural", r"mindfulness",
        r"dementia", r"alzheimer'?s?", r"memory (?:loss|problems|caf[eé]s?)",
        r"carers'? (?:support|centre|groups?|services?|breaks?|assessments?|caf[eé]|hub|network)",
        r"(?:unpaid|young|family|adult|parent) carers", r"support (?:for|to) (?:unpaid |family )?"
        r"carers", r"(?:who|people) (?:care|look after|looking after|caring for) (?:for )?"
        r"(?:a|someone|family)", r"respite",
        r"(?:chair|seated|gentle|armchair|low[- ]impact|chair[- ]based) (?:exercises?|yoga"
        r"|aerobics|movement|fitness|pilates)", r"exercise (?:class\w*|sessions?|groups?"
        r"|programmes?|referral)", r"walking (?:groups?|football|netball|for health)",
        r"health walks?", r"tai chi", r"yoga", r"pilates", r"falls prevention",
        r"strength and balance", r"cardiac rehab\w*", r"pulmonary rehab\w*", r"breathe easy",
        rf"(?:{_CONDITIONS}) (?:support|groups?|caf[eé]s?|services?|advice|nurses?|charity"
        r"|survivors|clubs?)",
        rf"(?:living|people|those|anyone|adults|children|families) (?:living )?with (?:a |an )?"
        rf"(?:{_CONDITIONS})", rf"affected by (?:{_CONDITIONS})",
        r"(?:drug|alcohol|substance) (?:misuse|use|addiction|recovery|dependency)",
        r"health (?:and wellbeing (?:service|support)|conditions?|trainers?|coach\w*|checks?)",
        r"long[- ]term (?:health )?conditions?", r"stress (?:management|and anxiety)",
        r"crisis (?:line|café|cafe)",
        r"listening service", r"emotional support", r"social prescrib\w*", r"samaritans",
    ),
}

#: Taxonomy terms are categories, not prose: looser words are safe there (LGA ESD service
#: types and needs, Open Eligibility, or a council's own list).
TERM_RULES: dict[str, tuple[str, ...]] = {
    "food": (r"food", r"meals?", r"lunch clubs?", r"nutrition", r"shopping", r"pantry",
             r"grocer\w*", r"eating well"),
    "prescriptions": (r"prescriptions?", r"pharmac\w*", r"medicines?", r"medication"),
    "befriending": (r"befriend\w*", r"lonel\w*", r"isolation", r"social (?:activit\w*|clubs?"
                    r"|groups?|contact|inclusion)", r"lunch clubs?", r"peer support",
                    r"support groups?", r"companionship", r"day (?:centres?|care)",
                    r"sociali[sz]\w*", r"friendship\w*"),
    "transport": (r"transport", r"dial[- ]a[- ]ride", r"travel", r"bus pass\w*",
                  r"volunteer drivers?", r"car schemes?"),
    "money": (r"debts?", r"benefits?", r"welfare", r"money", r"financ\w*", r"budget\w*",
              r"income", r"cost of living", r"grants? (?:to|for) individuals", r"hardship"),
    "wellbeing": (r"mental health", r"counsell?\w+", r"wellbeing", r"well-being",
                  r"emotional", r"dementia", r"carers?", r"physical activity", r"exercise",
                  r"bereave\w*", r"health conditions?", r"long term conditions?",
                  r"anxiety", r"depression", r"therap\w*", r"(?:health|condition) support"),
}


def _compile(rules: Mapping[str, tuple[str, ...]]) -> dict[str, re.Pattern[str]]:
    return {need: re.compile(r"(?<![\w-])(?:" + "|".join(f"(?:{p})" for p in patterns)
                             + r")(?![\w-])", re.IGNORECASE)
            for need, patterns in rules.items()}


_TEXT_PATTERNS = _compile(RULES)
_TERM_PATTERNS = _compile(TERM_RULES)


@dataclass(frozen=True)
class ServiceText:
    """What a service says about itself, as plain text (HTML already stripped)."""

    name: str = ""
    description: str = ""
    organisation_description: str = ""
    eligibility: str = ""
    terms: tuple[str, ...] = ()


@dataclass
class NeedsFound:
    """The needs found and, for each, the evidence ("description: 'food bank'")."""

    reasons: dict[str, list[str]] = field(default_factory=dict)

    @property
    def needs(self) -> list[str]:
        found = [need for need in NEEDS_ORDER if self.reasons.get(need)]
        return found or [OTHER]


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u2019", "'")).strip()


def _evidence(pattern: re.Pattern[str], text: str) -> list[str]:
    return list(dict.fromkeys(m.group(0).casefold() for m in pattern.finditer(text)))


def classify_service(service: ServiceText) -> NeedsFound:
    """Every need the service's own words or taxonomy terms show it meets, with the evidence.

    The organisation's description counts for less: a large charity describes everything it
    does, so it adds a need only when the service itself says nothing we recognise.
    """
    found = NeedsFound()

    def add(need: str, reason: str) -> None:
        reasons = found.reasons.setdefault(need, [])
        if reason not in reasons and len(reasons) < 6:
            reasons.append(reason)

    own = (("name", service.name), ("description", service.description),
           ("eligibility", service.eligibility))
    for source, text in own:
        squashed = _squash(text or "")
        for need, pattern in _TEXT_PATTERNS.items():
            for words in _evidence(pattern, squashed):
                add(need, f"{source}: '{words}'")
    for term in service.terms:
        squashed = _squash(term or "")
        for need, pattern in _TERM_PATTERNS.items():
            if pattern.search(squashed):
                add(need, f"term: '{squashed[:60]}'")
    if not found.reasons and service.organisation_description:
        squashed = _squash(service.organisation_description)
        for need, pattern in _TEXT_PATTERNS.items():
            for words in _evidence(pattern, squashed):
                add(need, f"organisation: '{words}'")
    return found


