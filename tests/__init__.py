from . import test_contract, test_contract_access, test_periods, test_sale_order
