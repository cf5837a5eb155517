from . import after_sales_contract_terminate
