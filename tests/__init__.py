from . import test_periods
from . import test_cn_amount
from . import test_settlement_rules
from . import test_contract
from . import test_contract_access
from . import test_sale_order
from . import test_settlement
from . import test_settlement_concurrency
