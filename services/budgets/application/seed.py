"""Deterministic demo data: revenue lines and transfers for all 20 regions, 2025–2026.

The amounts are *illustrative*, not official figures: national totals follow the orders of
magnitude of the budget law (2026 local own revenue ≈ 10.7 trn KZT, subventions 5.2 trn,
withdrawals 0.88 trn, earmarked transfers 1.5 trn) and are spread over regions by weights that
mirror their economies: Almaty city, Astana and Atyrau pay withdrawals and get no subvention;
Turkistan, Zhambyl, Kyzylorda and the other regions receive subventions, Turkistan the largest.
The same ``seed`` always produces the same lines.

Each region gets: its oblast (or city) budget, two district-level budgets and two rural districts
(regions only); plans (``planned`` and ``approved``, yearly ``Y``) and monthly executions
(all of 2025, 2026 through ``executed_through[2026]``), and the approved plan spread over the
twelve months too, so plan and execution can be compared month by month. Transfers from the oblast
to districts and from districts to rural districts are booked too (codes 4023xx / 4024xx), which
the indicators leave out when consolidating a region. Every transfer code comes from
``transfer_codes(year)``: the one place to change when the classification of a year moves them.

Beside the lines: block budgets with allocations, spending and moves between lines
(``seed_blocks``), and baseline revenue forecasts up to 2030 (``seed_forecast_bases``).
"""
import random
from decimal import Decimal

from services.budgets.domain.ebk import transfer_code
from services.budgets.domain.lines import validate_revenue_line
from services.budgets.domain.periods import MONTH_CODES
from services.common.money import money
from services.common.regions import REGIONS

TRILLION = Decimal("1000000000000")

NATIONAL_2026 = {"own": Decimal("10.7") * TRILLION, "subventions": Decimal("5.2") * TRILLION,
                 "withdrawals": Decimal("0.88") * TRILLION, "earmarked": Decimal("1.5") * TRILLION}
# 2025 relative to 2026 (growth of local revenue, transfers fixed by the previous law).
YEAR_FACTOR = {2025: {"own": Decimal("0.91"), "subventions": Decimal("0.96"),
                      "withdrawals": Decimal("0.94"), "earmarked": Decimal("0.93")},
               2026: {"own": Decimal("1"), "subventions": Decimal("1"),
                      "withdrawals": Decimal("1"), "earmarked": Decimal("1")}}

# region: (own-revenue weight, subvention weight, withdrawal weight, earmarked weight,
#          district-level budgets, rural districts)
PROFILES = {
    "KZ-10": (200, 330, 0, 40, ("Ayagoz district", "Zharma district"),
              ("Kalbatau rural okrug (Zharma district)", "Karaul rural okrug (Abai district)")),
    "KZ-11": (250, 200, 0, 55, ("Burabay district", "Tselinograd district"),
              ("Zhaltyr rural okrug (Astrakhan district)",
               "Kabanbai Batyr rural okrug (Tselinograd district)")),
    "KZ-15": (380, 200, 0, 60, ("Alga district", "Khromtau district"),
              ("Badamsha rural okrug (Kargaly district)", "Martuk rural okrug (Martuk district)")),
    "KZ-19": (450, 430, 0, 95, ("Talgar district", "Karasai district"),
              ("Shamalgan rural okrug (Karasai district)",
               "Tuzdybastau rural okrug (Talgar district)")),
    "KZ-23": (650, 0, 22, 45, ("Makhambet district", "Zhylyoi district"),
              ("Akzhar rural okrug (Makhambet district)",
               "Kosshagyl rural okrug (Zhylyoi district)")),
    "KZ-27": (260, 120, 0, 45, ("Burlin district", "Terekti district"),
              ("Burlin rural okrug (Burlin district)", "Fedorovka rural okrug (Terekti district)")),
    "KZ-31": (220, 470, 0, 75, ("Baizak district", "Zhambyl district"),
              ("Sarykemer rural okrug (Baizak district)", "Asa rural okrug (Zhambyl district)")),
    "KZ-33": (150, 300, 0, 45, ("Karatal district", "Eskeldi district"),
              ("Karabulak rural okrug (Eskeldi district)",
               "Bastobe rural okrug (Karatal district)")),
    "KZ-35": (520, 230, 0, 70, ("Bukhar-Zhyrau district", "Osakarovka district"),
              ("Botakara rural okrug (Bukhar-Zhyrau district)",
               "Molodezhny rural okrug (Osakarovka district)")),
    "KZ-39": (250, 230, 0, 50, ("Kostanay district", "Mendykara district"),
              ("Zatobolsk rural okrug (Kostanay district)",
               "Borovskoy rural okrug (Mendykara district)")),
    "KZ-43": (200, 400, 0, 55, ("Syrdariya district", "Shieli district"),
              ("Terenozek rural okrug (Syrdariya district)",
               "Shieli rural okrug (Shieli district)")),
    "KZ-47": (420, 80, 0, 50, ("Munaily district", "Karakiya district"),
              ("Mangystau rural okrug (Munaily district)",
               "Kuryk rural okrug (Karakiya district)")),
    "KZ-55": (350, 100, 0, 45, ("Pavlodar district", "Ekibastuz (city of regional significance)"),
              ("Zhetekshi rural okrug (Pavlodar district)",
               "Kenzhekol rural okrug (Pavlodar district)")),
    "KZ-59": (130, 220, 0, 35, ("Kyzylzhar district", "Ayyrtau district"),
              ("Beskol rural okrug (Kyzylzhar district)",
               "Saumalkol rural okrug (Ayyrtau district)")),
    "KZ-61": (380, 950, 0, 140, ("Sairam district", "Ordabasy district"),
              ("Karabulak rural okrug (Sairam district)",
               "Temirlan rural okrug (Ordabasy district)")),
    "KZ-62": (140, 70, 0, 15, ("Zhanaarka district", "Satpayev (city of regional significance)"),
              ("Atasu rural okrug (Zhanaarka district)", "Ulytau rural okrug (Ulytau district)")),
    "KZ-63": (330, 200, 0, 45, ("Glubokoye district", "Ridder (city of regional significance)"),
              ("Glubokoye rural okrug (Glubokoye district)",
               "Prokhladnoye rural okrug (Ulan district)")),
    "KZ-71": (1700, 0, 25, 150, (), ()),
    "KZ-75": (2300, 0, 50, 180, (), ()),
    "KZ-79": (420, 300, 0, 90, (), ()),
}

# Revenue mix (code: share) of each budget level's own revenue.
MIX = {
    "top": {"101201": "0.30", "103101": "0.22", "101111": "0.14", "105216": "0.05",
            "104101": "0.07", "105315": "0.03", "108126": "0.02", "201504": "0.02",
            "204101": "0.05", "206108": "0.02", "303101": "0.05", "301101": "0.03"},
    "district": {"101202": "0.20", "104101": "0.20", "104102": "0.12", "104302": "0.10",
                 "104401": "0.14", "104402": "0.12", "105405": "0.04", "201504": "0.04",
                 "303201": "0.04"},
    "rural_district": {"101202": "0.25", "104102": "0.20", "104302": "0.25", "104402": "0.22",
                       "105430": "0.08"},
}
# Share of a region's own revenue booked by each level (regions only).
LEVEL_SHARE = {"top": Decimal("0.70"), "district": Decimal("0.26"), "rural_district": Decimal("0.04")}


def _weights(index: int) -> dict[str, Decimal]:
    total = sum(p[index] for p in PROFILES.values())
    return {code: Decimal(p[index]) / total for code, p in PROFILES.items()}


def seed_transfers(years=(2025, 2026)) -> list[dict]:
    """Transfer record of every region for each year (Decimal amounts)."""
    names = ("subventions", "withdrawals", "earmarked")
    weights = {name: _weights(i) for i, name in ((1, "subventions"), (2, "withdrawals"),
                                                 (3, "earmarked"))}
    records = []
    for year in years:
        for code in REGIONS:
            amounts = {f"{n}_kzt": money(NATIONAL_2026[n] * YEAR_FACTOR[year][n] * weights[n][code])
                       for n in names}
            records.append({"region_code": code, "fiscal_year": year, **amounts})
    return records


def _monthly(rng: random.Random, annual: Decimal, months: int) -> list[Decimal]:
    """Split a year's execution over months with mild seasonality; the 12 parts sum to ``annual``."""
    weights = [Decimal(1 + rng.randint(-15, 15) / 100) for _ in range(12)]
    weights[11] += Decimal("0.3")  # year-end payments of property taxes
    total = sum(weights)
    parts = [money(annual * w / total) for w in weights]
    parts[-1] = money(annual - sum(parts[:-1]))
    return parts[:months]


def _budgets(code: str) -> list[tuple[str, str | None, str]]:
    """(level, district, mix key) of every demo budget in a region."""
    districts, rural = PROFILES[code][4], PROFILES[code][5]
    if REGIONS[code].kind == "city":
        return [("city_republican", None, "top")]
    return ([("oblast", None, "top")] + [("district", d, "district") for d in districts]
            + [("rural_district", r, "rural_district") for r in rural])


def transfer_codes(year: int) -> dict[str, str]:
    """EBK codes of the transfers a budget receives in ``year`` (from the classification data file).

    Keys: ``republican_subvention``, ``republican_earmarked_current``,
    ``republican_earmarked_development`` (top level), ``oblast_subvention`` (district level),
    ``district_transfer`` (rural districts). A fiscal year whose classification files transfers
    under other codes gets its own mapping here, and nothing else in the seed changes.
    """
    return {"republican_subvention": transfer_code(year, "republican", "subvention"),
            "republican_earmarked_current": transfer_code(year, "republican", "earmarked_current"),
            "republican_earmarked_development": transfer_code(year, "republican",
                                                              "earmarked_development"),
            "oblast_subvention": transfer_code(year, "oblast", "subvention"),
            "district_transfer": transfer_code(year, "district", "subvention")}


def _even_months(annual: Decimal) -> list[Decimal]:
    """``annual`` in twelve equal monthly parts (the last takes the rounding) summing to it."""
    part = money(annual / 12)
    return [part] * 11 + [money(annual - part * 11)]


def _lines_for(rng, region_code, level, district, year, code, approved, executed_months):
    base = {"region_code": region_code, "budget_level": level, "district": district,
            "fiscal_year": year, "ebk_code": code}
    planned = money(approved * Decimal(rng.randint(95, 100)) / 100)
    yield {**base, "period": "Y", "phase": "planned", "amount_kzt": planned}
    yield {**base, "period": "Y", "phase": "approved", "amount_kzt": approved}
    for month, amount in zip(MONTH_CODES, _even_months(approved), strict=False):
        yield {**base, "period": month, "phase": "approved", "amount_kzt": amount}
    executed = money(approved * Decimal(rng.randint(93, 106)) / 100)
    for month, amount in zip(MONTH_CODES, _monthly(rng, executed, executed_months), strict=False):
        yield {**base, "period": month, "phase": "executed", "amount_kzt": amount}


def seed_revenue_lines(seed: int = 2025, years=(2025, 2026), executed_through=None):
    """Yield validated revenue line documents for all regions (deterministic for a ``seed``).

    ``executed_through`` maps a year to the number of months executed (default: 2025 all 12,
    2026 the first 6).
    """
    executed_through = executed_through or {2025: 12, 2026: 6}
    rng = random.Random(seed)
    own_weights = _weights(0)
    transfers = {(t["region_code"], t["fiscal_year"]): t for t in seed_transfers(years)}
    for year in years:
        months = executed_through.get(year, 12)
        for region_code in REGIONS:
            own_total = NATIONAL_2026["own"] * YEAR_FACTOR[year]["own"] * own_weights[region_code]
            budgets = _budgets(region_code)
            record = transfers[(region_code, year)]
            for level, district, mix_key in budgets:
                if REGIONS[region_code].kind == "city":
                    budget_own = own_total
                else:
                    same_level = sum(1 for b in budgets if b[2] == mix_key)
                    budget_own = own_total * LEVEL_SHARE[mix_key] / same_level
                codes = dict(MIX[mix_key])
                # Transfers received: from the republican budget at the top level, from the
                # oblast / district budget below it (intra-regional, left out by consolidation).
                codes_of_year = transfer_codes(year)
                if mix_key == "top":
                    received = {
                        codes_of_year["republican_subvention"]: record["subventions_kzt"],
                        codes_of_year["republican_earmarked_current"]:
                            record["earmarked_kzt"] * Decimal("0.6"),
                        codes_of_year["republican_earmarked_development"]:
                            record["earmarked_kzt"] * Decimal("0.4")}
                elif mix_key == "district":
                    received = {codes_of_year["oblast_subvention"]: budget_own * Decimal("0.8")}
                else:
                    received = {codes_of_year["district_transfer"]: budget_own * Decimal("1.5")}
                for code, share in codes.items():
                    approved = money(budget_own * Decimal(share))
                    for line in _lines_for(rng, region_code, level, district, year, code,
                                           approved, months):
                        yield validate_revenue_line(line)
                for code, amount in received.items():
                    if amount <= 0:
                        continue
                    for line in _lines_for(rng, region_code, level, district, year, code,
                                           money(amount), months):
                        yield validate_revenue_line(line)


def seed_dataset(seed: int = 2025, years=(2025, 2026), executed_through=None) -> dict:
    """Everything the demo needs at once: ``{"lines": [...], "transfers": [...]}``."""
    return {"lines": list(seed_revenue_lines(seed, years, executed_through)),
            "transfers": seed_transfers(years)}


# Block budgets: one per region and year for each of these spending bodies, as a share of the
# region's own revenue, split over lines. Each block spends part of its lines and moves money
# from a line that will not use it to one that needs more.
BLOCK_BODIES = (
    ("Department of Housing and Utilities", "0.020",
     (("water", "Rural water supply"), ("heat", "Heat networks"), ("roads", "Village streets"))),
    ("Department of Education", "0.012",
     (("schools", "School repairs"), ("kindergartens", "Kindergarten places"),
      ("transport", "School transport"))),
)


def seed_blocks(seed: int = 2025, years=(2025, 2026), executed_through=None) -> list[dict]:
    """Block budgets with what happens to them: ``[{"block", "executions", "moves"}]``.

    ``block`` is a create-block request; ``executions`` are (line_id, amount) bookings and
    ``moves`` are move requests with a stable ``move_id`` (a re-run does not move twice).
    """
    executed_through = executed_through or {2025: 12, 2026: 6}
    rng = random.Random(f"blocks-{seed}")
    own_weights = _weights(0)
    plans = []
    for year in years:
        spent_share = Decimal(executed_through.get(year, 12)) / 12
        for region_code in REGIONS:
            own = NATIONAL_2026["own"] * YEAR_FACTOR[year]["own"] * own_weights[region_code]
            for body, share, lines in BLOCK_BODIES:
                limit = money(own * Decimal(share))
                weights = [Decimal(rng.randint(20, 40)) for _ in lines]
                allocated = [money(limit * Decimal("0.9") * w / sum(weights)) for w in weights]
                block_lines = [{"line_id": line_id, "name": name, "allocated_kzt": str(a)}
                               for (line_id, name), a in zip(lines, allocated, strict=False)]
                executions = []
                for (line_id, _), amount in zip(lines, allocated, strict=False):
                    rate = Decimal(rng.randint(45, 95)) / 100
                    executions.append((line_id, money(amount * rate * spent_share
                                                      * Decimal("0.9"))))
                move_amount = money(allocated[0] * Decimal("0.05"))
                moves = [{"from_line": lines[0][0], "to_line": lines[1][0],
                          "amount_kzt": str(move_amount),
                          "move_id": f"demo-{region_code}-{year}-{lines[0][0]}"}]
                plans.append({"block": {"spending_body": body, "region_code": region_code,
                                        "fiscal_year": year, "limit_kzt": str(limit),
                                        "targets": [{"indicator": f"{lines[0][1]}: objects",
                                                     "target_value": str(rng.randint(3, 30))}],
                                        "lines": block_lines},
                              "executions": [(line_id, str(a)) for line_id, a in executions],
                              "moves": moves})
    return plans


def seed_forecast_bases(first_year: int = 2027, last_year: int = 2030) -> list[tuple]:
    """(region, year, amount) baseline local revenue forecasts: 2026 own revenue grown 6% a year
    (commissioned projects add to these once they are commissioned)."""
    own_weights = _weights(0)
    bases = []
    for region_code in REGIONS:
        own = NATIONAL_2026["own"] * own_weights[region_code]
        for year in range(first_year, last_year + 1):
            bases.append((region_code, year,
                          str(money(own * Decimal("1.06") ** (year - 2026)))))
    return bases
