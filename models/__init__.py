from . import (
    after_sales_contract,
    after_sales_territory,
    res_company,
    res_config_settings,
    res_partner,
    sale_order,
)
