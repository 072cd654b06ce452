"""Existing policies get the default categories for threats/violence and legal threats and
the brand-inquiry intent (issue 16): a new version of each policy that lacks them, with the
missing entries first (the first matching entry decides), audited. A frozen copy of the
defaults as they were when this migration was written."""

from django.db import migrations
from django.db.models import Max

CATEGORIES = [
    {
        "name": "threats",
        "action": "hide",
        "escalate_to": "legal_pr",
        "keywords": [
            "i'll hurt you",
            "i will hurt you",
            "gonna hurt you",
            "going to hurt you",
            "i'll kill you",
            "i will kill you",
            "gonna kill you",
            "going to kill you",
            "want to kill you",
            "wanna kill you",
            "find where you live",
            "know where you live",
            "i'll find you",
            "i will find you",
            "you're dead",
            "you are dead",
            "watch your back",
            "beat you up",
            "shoot you",
            "stab you",
            "burn your house",
            "slit your throat",
            "break your legs",
            "ik maak je af",
            "ik vermoord je",
            "ik ga je vermoorden",
            "ik weet waar je woont",
            "we weten waar je woont",
            "ik kom je halen",
            "ik ga je pijn doen",
            "ik doe je pijn",
            "ik sla je",
            "ik steek je neer",
            "ik schiet je",
            "je bent dood",
            "je gaat eraan",
            "ik maak je kapot",
        ],
        "patterns": [],
        "domains": [],
    },
    {
        "name": "legal_threat",
        "action": "escalate",
        "escalate_to": "legal_pr",
        "keywords": [
            "my lawyer",
            "my lawyers",
            "my attorney",
            "sue you",
            "i'll sue",
            "i will sue",
            "suing you",
            "lawsuit",
            "legal action",
            "legal steps",
            "cease and desist",
            "see you in court",
            "defamation",
            "libel",
            "slander",
            "mijn advocaat",
            "naar de advocaat",
            "naar een advocaat",
            "mijn jurist",
            "juridische stappen",
            "aanklagen",
            "klaag je aan",
            "klaag jullie aan",
            "voor de rechter",
            "naar de rechter",
            "sommatie",
            "ingebrekestelling",
            "smaad",
            "laster",
        ],
        "patterns": [],
        "domains": [],
    },
]
INTENTS = [
    {
        "name": "brand_inquiry",
        "route": "account_manager",
        "triggers": [
            "your rates",
            "your rate",
            "rate card",
            "sponsored post",
            "sponsored video",
            "paid partnership",
            "brand deal",
            "media kit",
            "how much do you charge",
            "how much for a post",
            "what do you charge",
            "je tarieven",
            "jullie tarieven",
            "uw tarieven",
            "tarief per post",
            "wat kost een post",
            "wat kost een video",
            "wat vraag je voor",
            "gesponsorde post",
            "betaalde samenwerking",
            "mediakit",
            "willen graag samenwerken",
            "willen we graag samenwerken",
        ],
        "reply": {},
        "promotional": False,
    }
]
NOTE = "Added the default rules for threats, legal threats and brand inquiries."


def add_defaults(apps, schema_editor):
    Policy = apps.get_model("moderation", "Policy")
    PolicyVersion = apps.get_model("moderation", "PolicyVersion")
    AuditLog = apps.get_model("agencies", "AuditLog")
    for policy in (
        Policy.objects.exclude(current_version=None)
        .select_related("current_version")
        .order_by("pk")
    ):
        rules = policy.current_version.rules
        categories = rules.get("categories", [])
        intents = rules.get("intents", [])
        have = {c.get("name") for c in categories}
        have_intents = {i.get("name") for i in intents}
        missing = [c for c in CATEGORIES if c["name"] not in have]
        missing_intents = [i for i in INTENTS if i["name"] not in have_intents]
        if not missing and not missing_intents:
            continue
        number = (policy.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        version = PolicyVersion.objects.create(
            agency_id=policy.agency_id,
            policy=policy,
            number=number,
            rules={
                **rules,
                "categories": [*missing, *categories],
                "intents": [*missing_intents, *intents],
            },
            note=NOTE,
        )
        Policy.objects.filter(pk=policy.pk).update(current_version=version)
        AuditLog.objects.create(
            agency_id=policy.agency_id,
            actor_label="migration",
            action="policy.publish",
            object_type="moderation.policy",
            object_id=str(policy.pk),
            object_repr=policy.name[:200],
            after={"version": number, "note": NOTE},
        )


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0006_staffaccess"),
        ("moderation", "0003_case_title_data_event_data"),
    ]

    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
