from . import test_periods
from . import test_contract
from . import test_contract_access
from . import test_sale_order
from . import test_parts_tools
from . import test_parts_request
from . import test_parts_old_part
from . import test_parts_stocking
