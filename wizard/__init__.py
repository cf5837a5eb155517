from . import after_sales_contract_terminate
from . import after_sales_return_refuse
