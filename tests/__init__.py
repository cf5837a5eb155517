from . import test_periods
from . import test_contract
from . import test_contract_access
from . import test_sale_order
from . import test_return_rules
from . import test_return
