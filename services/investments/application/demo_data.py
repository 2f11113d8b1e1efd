"""Deterministic demo data: realistic ProjectCreate payloads and the moves that push a project to a
target stage. Pure (``random.Random(seed)``, no clock): the same arguments give the same output.

Payloads are in wire form (decimal strings, ISO dates) and pass both ``contract.rpc.ProjectCreate`` and
``domain.register_project``. Investor names are invented; BINs are well-formed with a valid check
digit.
"""
import random
from datetime import date, datetime, timedelta
from decimal import ROUND_DOWN, Decimal

from services.common.money import money as quantize_money
from services.common.regions import AGGLOMERATIONS, REGION_CODES, REGIONS
from services.investments.contract.identifiers import bin_check_digit
from services.investments.domain.pipeline import NEXT_STAGE, change_stage
from services.investments.domain.priority import assess_priority
from services.investments.domain.progress import report_progress
from services.investments.domain.reference import CANCELLED, PROJECT_TYPES, SECTORS, STAGES, SUSPENDED
from services.investments.domain.settings import DEFAULT_SETTINGS
from services.investments.domain.values import local_today

# Settlements and districts per region outside any agglomeration (agglomeration members come from
# services.common.regions).
_PLACES = {
    "KZ-10": ("Semey", "Ayagoz", "Kurchatov", "Zharma district", "Urzhar district"),
    "KZ-11": ("Kokshetau", "Stepnogorsk", "Burabay district", "Zerendi district"),
    "KZ-15": ("Kandyagash", "Shalkar district", "Mugalzhar district"),
    "KZ-19": ("Zhambyl district", "Raiymbek district", "Uigur district", "Balkhash district"),
    "KZ-23": ("Atyrau", "Kulsary", "Makhambet district", "Isatai district"),
    "KZ-27": ("Oral", "Aksai", "Terekti district", "Zhanibek district"),
    "KZ-31": ("Taraz", "Shu district", "Karatau", "Zhanatas", "Merke district"),
    "KZ-33": ("Taldykorgan", "Tekeli", "Zharkent", "Ushtobe", "Koksu district"),
    "KZ-35": ("Balkhash", "Priozersk", "Karkaraly district", "Aktogay district"),
    "KZ-39": ("Kostanay", "Rudny", "Lisakovsk", "Arkalyk", "Zhitikara"),
    "KZ-43": ("Kyzylorda", "Aral district", "Shieli district", "Zhanakorgan district"),
    "KZ-47": ("Aktau", "Zhanaozen", "Beineu district", "Munaily district"),
    "KZ-55": ("Pavlodar", "Ekibastuz", "Aksu", "Bayanaul district"),
    "KZ-59": ("Petropavl", "Kyzylzhar district", "Bulaevo", "Esil district"),
    "KZ-61": ("Turkistan", "Kentau", "Arys", "Saryagash district", "Zhetisai district"),
    "KZ-62": ("Zhezkazgan", "Satpayev", "Karazhal", "Ulytau district"),
    "KZ-63": ("Oskemen", "Ridder", "Altai", "Zaisan district", "Katon-Karagai district"),
    "KZ-71": ("Yesil district", "Saryarka district", "Baikonyr district", "Nura district"),
    "KZ-75": ("Alatau district", "Medeu district", "Bostandyk district", "Turksib district"),
    "KZ-79": ("Al-Farabi district", "Karatau district", "Enbekshi district", "Turan district"),
}

# The economic profile of each region: sectors drawn first for it.
_PROFILE = {
    "KZ-10": ("mining_metallurgy", "agro_processing", "tourism"),
    "KZ-11": ("agro_processing", "tourism", "food_light_industry"),
    "KZ-15": ("mining_metallurgy", "oil_gas_processing", "manufacturing"),
    "KZ-19": ("food_light_industry", "tourism", "agro_processing"),
    "KZ-23": ("oil_gas_processing", "manufacturing", "sme_belt"),
    "KZ-27": ("oil_gas_processing", "agro_processing", "sme_belt"),
    "KZ-31": ("agro_processing", "manufacturing", "mining_metallurgy"),
    "KZ-33": ("agro_processing", "tourism", "transport_logistics"),
    "KZ-35": ("mining_metallurgy", "manufacturing", "sme_belt"),
    "KZ-39": ("agro_processing", "mining_metallurgy", "manufacturing"),
    "KZ-43": ("oil_gas_processing", "agro_processing", "energy"),
    "KZ-47": ("oil_gas_processing", "tourism", "transport_logistics"),
    "KZ-55": ("mining_metallurgy", "energy", "manufacturing"),
    "KZ-59": ("agro_processing", "food_light_industry", "energy"),
    "KZ-61": ("food_light_industry", "tourism", "agro_processing"),
    "KZ-62": ("mining_metallurgy", "tourism", "energy"),
    "KZ-63": ("mining_metallurgy", "tourism", "energy"),
    "KZ-71": ("manufacturing", "social_infrastructure", "transport_logistics"),
    "KZ-75": ("manufacturing", "food_light_industry", "social_infrastructure"),
    "KZ-79": ("food_light_industry", "manufacturing", "transport_logistics"),
}

_OBJECTS = {
    "oil_gas_processing": ("gas processing plant", "polypropylene plant", "bitumen plant",
                           "gas chemical complex", "lubricants plant"),
    "mining_metallurgy": ("copper concentrator", "ferroalloy plant", "gold recovery plant",
                          "coal washing plant", "zinc refinery"),
    "agro_processing": ("grain deep-processing plant", "oilseed crushing plant", "dairy complex",
                        "meat processing plant", "feed mill"),
    "food_light_industry": ("pasta factory", "confectionery factory", "cotton yarn mill",
                            "footwear factory", "fruit and vegetable cannery"),
    "manufacturing": ("agricultural machinery assembly plant", "transformer plant",
                      "pharmaceutical plant", "glass container plant", "car components plant"),
    "transport_logistics": ("transport and logistics centre", "dry port terminal",
                            "grain terminal", "cold storage hub", "container hub"),
    "tourism": ("ski resort", "eco-tourism complex", "lakeside resort", "ethno-village",
                "roadside service complex"),
    "sme_belt": ("SME industrial park", "spare parts workshop cluster", "service companies hub",
                 "packaging workshop", "metalworking cluster"),
    "energy": ("wind farm", "solar power plant", "heat and power plant unit",
               "small hydropower plant", "gas turbine plant"),
    "social_infrastructure": ("school for 1,200 pupils", "district hospital", "kindergarten",
                              "sports complex", "college campus"),
}
_TITLE_PREFIX = {
    "new_production": "Construction of {a}", "expansion": "Expansion of the",
    "modernisation": "Modernisation of the", "single_industry_town_anchor": "Anchor project: {a}",
    "infrastructure": "Construction of {a}",
}
_TYPE_WEIGHTS = (("new_production", 40), ("expansion", 20), ("modernisation", 15),
                 ("single_industry_town_anchor", 10), ("infrastructure", 15))

_LOCAL_STEMS = ("Altyn", "Saryarka", "Zhetisu", "Caspian", "Steppe", "Ertis", "Tobyl", "Alatau",
                "Kokshe", "Ulytau", "Turan", "Qazaq Dala", "Aral", "Syr", "Tengri", "Kyzylzhar")
_LOCAL_TRADES = {
    "oil_gas_processing": "Petrochem", "mining_metallurgy": "Metals", "agro_processing": "Agro",
    "food_light_industry": "Foods", "manufacturing": "Machinery",
    "transport_logistics": "Logistics",
    "tourism": "Resorts", "sme_belt": "Industrial Services", "energy": "Energy",
    "social_infrastructure": "Build",
}
_FOREIGN = (("Anatolia Tekstil Yatirim A.S.", "TR"), ("Rhein-Donau Anlagenbau GmbH", "DE"),
            ("Hanbit Green Energy Co., Ltd.", "KR"), ("Gulf Agri Holdings LLC", "AE"),
            ("Volga Agroinvest LLC", "RU"), ("Silk Road Logistics Co., Ltd.", "CN"),
            ("Fergana Textile Group JSC", "UZ"), ("Alpenblick Resorts AG", "CH"),
            ("Lombardia Food Machinery S.p.A.", "IT"), ("Kanto Industrial Partners K.K.", "JP"),
            ("Polder Agro Ventures B.V.", "NL"), ("Bosphorus Insaat A.S.", "TR"),
            ("Jiangsu Northwest Metals Co., Ltd.", "CN"), ("Magyar Agrotech Zrt.", "HU"))

_FINANCING_MIXES = (("own_funds",), ("own_funds", "bank_loan"),
                    ("own_funds", "development_institution"),
                    ("foreign_direct_investment", "bank_loan"),
                    ("own_funds", "bank_loan", "local_budget"),
                    ("public_private_partnership", "republican_budget"))


def make_bin(rng: random.Random, *, foreign: bool) -> str:
    """A well-formed BIN: registration YYMM, entity type (4 resident / 5 non-resident legal
    entity), attribute (0 head office / 1 branch), 5-digit serial, check digit."""
    while True:
        first = (f"{rng.randint(0, 24):02d}{rng.randint(1, 12):02d}"
                 f"{'51' if foreign else '40'}{rng.randint(0, 99999):05d}")
        check = bin_check_digit(first)
        if check is not None:
            return first + str(check)


def _money_text(value: Decimal) -> str:
    return str(quantize_money(value))


def _cost_kzt(rng: random.Random, project_type: str, sector: str, year: int, force_priority: bool,
              config) -> Decimal:
    assessment = assess_priority(project_type, sector, Decimal(0), year, config)
    if force_priority and assessment.threshold_kzt is not None:
        return quantize_money(assessment.threshold_kzt * Decimal(rng.randint(100, 300)) / 100)
    # Log-uniform between 300 million and 300 billion KZT, rounded to a thousand.
    return quantize_money(Decimal(int(10 ** rng.uniform(8.48, 11.48)) // 1000 * 1000))


_CITIES = ("KZ-71", "KZ-75", "KZ-79")


def _place(rng: random.Random, region: str, want_agglomeration: bool):
    agglomerations = [a for a in AGGLOMERATIONS.values() if region in a.region_codes]
    if not agglomerations or not want_agglomeration:
        return None, rng.choice(_PLACES[region])
    agglomeration = agglomerations[0]
    if region in _CITIES:  # the core city: any of its city districts
        pool = _PLACES[region]
    elif region == agglomeration.region_codes[0]:  # Aktobe, Karaganda: core city in the region
        pool = agglomeration.members
    else:  # the districts and towns of the region around a core city
        pool = agglomeration.members[1:]
    return agglomeration.code, rng.choice(pool)


def generate_projects(n: int, seed: int = 2025, *, config=DEFAULT_SETTINGS) -> list[dict]:
    """``n`` valid ProjectCreate payloads. Regions go round-robin, so ``n >= 20`` covers all 20 and
    all 5 agglomerations; about one project in six is sized to be a priority project."""
    rng = random.Random(seed)
    regions = sorted(REGION_CODES)
    projects = []
    for i in range(n):
        region = regions[i % len(regions)]
        agglomeration, district = _place(rng, region, want_agglomeration=i < len(regions)
                                         or rng.random() < 0.6)
        sector = (rng.choice(_PROFILE[region]) if rng.random() < 0.75
                  else rng.choice(sorted(SECTORS)))
        if sector in ("social_infrastructure", "transport_logistics") and rng.random() < 0.7:
            project_type = "infrastructure"
        else:
            project_type = rng.choices([t for t, _ in _TYPE_WEIGHTS],
                                       [w for _, w in _TYPE_WEIGHTS])[0]
        start = date(2024, 1, 1) + timedelta(days=rng.randint(0, 5 * 365))
        commissioning = start + timedelta(days=rng.randint(365, 4 * 365))
        force_priority = i % 6 == 0 and project_type in config.priority_threshold_mci_by_type
        if i % 6 == 0 and not force_priority:
            project_type, force_priority = "new_production", True
        cost_kzt = _cost_kzt(rng, project_type, sector, start.year, force_priority, config)
        foreign = rng.random() < 0.3
        if foreign:
            name, country = rng.choice(_FOREIGN)
        else:
            name, country = (f"{rng.choice(_LOCAL_STEMS)} {_LOCAL_TRADES[sector]} "
                             f"{rng.choice(('LLP', 'JSC'))}", "KZ")
        if foreign or rng.random() < 0.1:
            rate = Decimal(rng.randint(47000, 53000)) / 100
            amount = (cost_kzt / rate).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
            # The payload quotes the USD amount; the domain recomputes the KZT figure from it.
            total_cost = {"amount": _money_text(amount), "currency": "USD",
                          "exchange_rate": str(rate)}
            cost_kzt = quantize_money(amount * rate)
        else:
            total_cost = {"amount": _money_text(cost_kzt), "currency": "KZT"}
        mix = rng.choice(_FINANCING_MIXES)
        shares = sorted(rng.sample(range(5, 100), len(mix) - 1)) + [100]
        financed_share = Decimal(rng.randint(60, 100)) / 100
        financing, previous = [], 0
        for source, share in zip(mix, shares, strict=True):
            amount = (cost_kzt * financed_share * (share - previous) / 100).quantize(
                Decimal("0.01"), rounding=ROUND_DOWN)
            previous = share
            if amount > 0:
                financing.append({"source": source, "amount_kzt": _money_text(amount)})
        place_name = district if agglomeration is None else (
            f"{district}, {AGGLOMERATIONS[agglomeration].name}")
        obj = rng.choice(_OBJECTS[sector])
        projects.append({
            "external_ref": f"DEMO-{seed}-{i + 1:05d}",
            "title": (_TITLE_PREFIX[project_type].format(a="an" if obj[0] in "aeiou" else "a")
                      + f" {obj} in {district}"),
            "description": (f"{SECTORS[sector]} project ({PROJECT_TYPES[project_type].lower()}) "
                            f"in {place_name}, {REGIONS[region].name}, by {name.rstrip('.')}."),
            "region_code": region,
            "district": district,
            "agglomeration": agglomeration,
            "sector": sector,
            "project_type": project_type,
            "investor": {"name": name, "country": country, "bin": make_bin(rng, foreign=foreign)},
            "total_cost": total_cost,
            "financing_sources": financing,
            "jobs_planned": min(5000, 20 + int(cost_kzt / 40_000_000)) + rng.randint(0, 40),
            "planned_start": start.isoformat(),
            "planned_commissioning": commissioning.isoformat(),
            "expected_annual_local_revenue_kzt": _money_text(
                cost_kzt * Decimal(rng.randint(5, 30)) / 1000),
        })
    return projects


def example_project(**overrides) -> dict:
    """One fixed, valid ProjectCreate payload (documentation example, test base)."""
    payload = {
        "external_ref": "KZINVEST-2025-000123",
        "title": "Construction of a grain deep-processing plant in Kostanay",
        "description": "Deep processing of wheat into gluten and starch for export.",
        "region_code": "KZ-39",
        "district": "Kostanay district",
        "agglomeration": None,
        "sector": "agro_processing",
        "project_type": "new_production",
        "investor": {"name": "Tobyl Agro LLP", "country": "KZ", "bin": "250140000003"},
        "total_cost": {"amount": "12500000000.00", "currency": "KZT"},
        "financing_sources": [{"source": "own_funds", "amount_kzt": "2500000000.00"},
                              {"source": "bank_loan", "amount_kzt": "10000000000.00"}],
        "jobs_planned": 250,
        "planned_start": "2025-04-01",
        "planned_commissioning": "2027-09-30",
        "expected_annual_local_revenue_kzt": "310000000.00",
    }
    payload.update(overrides)
    return payload


def stage_path(target_stage: str, *, interrupted_at: str = "under_implementation") -> list[str]:
    """The stages a new (proposed) project moves through to reach ``target_stage``, in order.
    ``suspended`` and ``cancelled`` are reached from ``interrupted_at`` (an open stage)."""
    if target_stage not in STAGES:
        raise ValueError(f"unknown stage {target_stage!r}")
    if target_stage in (SUSPENDED, CANCELLED):
        return stage_path(interrupted_at) + [target_stage]
    path, stage = [], "proposed"
    while stage != target_stage:
        stage = NEXT_STAGE[stage]
        path.append(stage)
    return path


def demo_steps(target_stage: str, *, today: date, seed: int = 0,
               interrupted_at: str = "under_implementation",
               cost_kzt: Decimal | None = None) -> list[tuple[str, dict]]:
    """Commands taking a freshly registered project to ``target_stage``, dated up to ``today``:
    ``("change_stage", StageChange)`` and ``("report_progress", ProgressReport)`` without
    ``expected_version`` (the caller adds the project's current version to each). Reported
    investment is a share of ``cost_kzt`` when given."""
    rng = random.Random(f"{seed}-{target_stage}-{interrupted_at}")
    started = today - timedelta(days=rng.randint(400, 900))
    commissioned = started + timedelta(days=rng.randint(200, (today - started).days - 30))
    steps: list[tuple[str, dict]] = []
    path = stage_path(target_stage, interrupted_at=interrupted_at)
    jobs, invested = 0, Decimal(0)
    for stage in path:
        started_before = "under_implementation" in path[:path.index(stage)]
        report_day = None
        if stage == "commissioned":  # commissioning needs jobs created, hence a report first
            report_day = commissioned
        elif stage in (SUSPENDED, CANCELLED) and started_before:
            report_day = today - timedelta(days=10)
        if report_day is not None:
            jobs += rng.randint(20, 300)
            invested += (Decimal(cost_kzt) * rng.randint(30, 60) / 100 if cost_kzt is not None
                         else Decimal(rng.randint(100, 5000)) * 1_000_000)
            steps.append(("report_progress", {
                "report_date": report_day.isoformat(),
                "invested_to_date_kzt": _money_text(invested),
                "jobs_created_to_date": jobs,
                "milestones": [{"name": "construction started", "date": started.isoformat()}],
            }))
        command: dict = {"stage": stage}
        if stage == "under_implementation":
            command["actual_start"] = started.isoformat()
        if stage == "commissioned":
            command["actual_commissioning"] = commissioned.isoformat()
        if stage == SUSPENDED:
            command["reason"] = "financing closing delayed"
        if stage == CANCELLED:
            command["reason"] = "investor withdrew"
        steps.append(("change_stage", command))
    return steps


def advance(project: dict, target_stage: str, *, now: datetime, by: str, seed: int = 0,
            interrupted_at: str = "under_implementation", config=DEFAULT_SETTINGS
            ) -> tuple[dict, list]:
    """Run ``demo_steps`` through the domain commands: the project at ``target_stage`` and every
    fact emitted on the way, in order. ``project`` must be freshly registered (stage proposed)."""
    if project["stage"] != "proposed":
        raise ValueError("advance starts from a proposed project")
    events: list = []
    today = local_today(now, config)
    for kind, command in demo_steps(target_stage, today=today, seed=seed,
                                    interrupted_at=interrupted_at, cost_kzt=project["cost_kzt"]):
        command = {**command, "expected_version": project["version"]}
        run = change_stage if kind == "change_stage" else report_progress
        project, emitted = run(project, command, now=now, by=by, config=config)
        events.extend(emitted)
    return project, events
