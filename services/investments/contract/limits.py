"""Bounds of the investments input: the contract's schemas check them (so the OpenAPI document
publishes them) and the domain's field readers use the same values. Plain data, no imports
but the standard library.

Amounts stay far below what an int64 count of tiyn can hold (9.2e16 KZT); the text bounds are what a
form or a ministry file needs with room to spare; dates outside 2000-2100 are typing errors.
"""
from datetime import date
from decimal import Decimal

MAX_AMOUNT_KZT = Decimal("1000000000000000")  # 10^15 KZT
MAX_EXCHANGE_RATE = Decimal("100000")
EXCHANGE_RATE_PLACES = 6
MAX_JOBS = 1_000_000
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2100, 12, 31)
MAX_TITLE_LENGTH = 300
MAX_DESCRIPTION_LENGTH = 5000
MAX_DISTRICT_LENGTH = 200
MAX_INVESTOR_NAME_LENGTH = 300
MAX_EXTERNAL_REF_LENGTH = 64
MAX_REASON_LENGTH = 1000
MAX_NOTE_LENGTH = 2000
MAX_MILESTONES_PER_REPORT = 50
MAX_MILESTONE_NAME_LENGTH = 200
MAX_FINANCING_SOURCES = 20
MAX_SRS_GAPS = 50
MAX_TEXT_QUERY_LENGTH = 200
MAX_CURSOR_LENGTH = 1024
# projects one load_seed call makes and stores (a batch answers within the RPC timeout)
MAX_SEED_BATCH = 500
