from . import after_sales_contract_terminate
from . import after_sales_claim_reject
from . import after_sales_warranty_card_import
