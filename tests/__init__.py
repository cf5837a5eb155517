from hypothesis import HealthCheck, settings

from . import test_periods
from . import test_cn_amount
from . import test_settlement_rules
from . import test_contract
from . import test_contract_access
from . import test_sale_order
from . import test_core_access
from . import test_settlement
from . import test_settlement_concurrency
from . import test_fund_rules
from . import test_settlement_integrity
from . import test_portal
from . import test_portal_tours
from . import test_ui_tours
from . import test_parts_tools
from . import test_parts_request
from . import test_parts_old_part
from . import test_parts_stocking
from . import test_parts_rules
from . import test_parts_rpc_access
from . import test_return_rules
from . import test_return
from . import test_return_quantities
from . import test_service_plan
from . import test_monthly_report

from . import test_coverage
from . import test_sla
from . import test_warranty_card
from . import test_claim
from . import test_card_import
from . import test_claim_reports
from . import test_claim_coverage
from . import test_claim_access
from . import test_card_import_formats
from . import test_claim_visit
from . import test_report_layout
from . import test_settlement_batch
from . import test_settlement_queries

# Property tests run inside Odoo's test runner on busy two-core machines: no deadline, no
# timing health checks, a fixed seed (a failure reproduces), no example database on disk.
settings.register_profile(
    "after_sales",
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
    max_examples=150,
)
settings.load_profile("after_sales")
