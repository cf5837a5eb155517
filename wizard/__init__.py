from . import after_sales_contract_terminate
from . import after_sales_settlement_wizard
from . import after_sales_settlement_force_post
from . import after_sales_stocking_wizard
from . import after_sales_return_refuse
from . import after_sales_claim_reject
from . import after_sales_warranty_card_import
from . import after_sales_monthly_report
