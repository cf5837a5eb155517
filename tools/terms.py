"""Default terms of a dealer service contract (DOMAIN.md §1-§2): the one home of 12 months,
7/15/20 days and the rest. The contract's field defaults read them, and so does every rule or
document that must decide without a contract (coverage of a card whose dealer has none)."""

CONTRACT_DEFAULTS = {
    "warranty_months": 12,
    "part_warranty_months": 3,
    "card_deadline_days": 20,
    "doa_days": 7,
    "quality_days": 15,
    "response_hours_urban": 24,
    "response_hours_suburban": 48,
    "arrange_hours": 2,
    "revisit_ratio_min": 30.0,
    "report_day": 3,
    "allowance_basis": "collections",
    "allowance_rate": 3.0,
    "allowance_unit_amount": 20.0,
    "allowance_use": "budget",
    "claim_reimbursement": "actual",
    "flat_claim_amount": 50.0,
    "flat_onsite_amount": 30.0,
    "old_part_return_mode": "days",
    "old_part_return_days": 30,
    "stocking_months": 3,
    "stocking_percent": 10.0,
    "parts_ship_days": 3,
}

# The customer service plans of the seed (合同四: 金卡 / 银卡 / 铜卡 / 单次服务卡): response time in
# hours and number of visits, pre-filled on a plan product when its tier is chosen.
PLAN_TIERS = {
    "gold": {"response_hours": 24, "visits": 5},
    "silver": {"response_hours": 48, "visits": 5},
    "bronze": {"response_hours": 72, "visits": 5},
    "single": {"response_hours": 72, "visits": 1},
}
