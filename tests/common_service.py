from datetime import datetime, timedelta

from .common import AfterSalesCase


class ServiceCase(AfterSalesCase):
    """Products, serials, a running contract with parts rules, and helpers to make warranty
    cards and claims, shared by the card, claim, import and report tests."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Category = cls.env["product.category"]
        cls.categ_heater = Category.create({"name": "Water Heaters (test)"})
        cls.categ_parts = Category.create({"name": "Heater Parts (test)"})
        cls.categ_stove_parts = Category.create({"name": "Stove Parts (test)"})
        Product = cls.env["product.product"]
        cls.heater = Product.create(
            {
                "name": "Water Heater WH-60 (test)",
                "default_code": "T-WH-60",
                "is_storable": True,
                "tracking": "serial",
                "categ_id": cls.categ_heater.id,
                "list_price": 1299.0,
            }
        )
        cls.hood = Product.create(
            {
                "name": "Range Hood RH-900 (test)",
                "default_code": "T-RH-900",
                "is_storable": True,
                "tracking": "serial",
                "list_price": 1899.0,
            }
        )
        cls.element = Product.create(
            {
                "name": "Heating Element (test)",
                "default_code": "T-ELEM",
                "categ_id": cls.categ_parts.id,
                "list_price": 120.0,
            }
        )
        cls.igniter = Product.create(
            {
                "name": "Igniter (test)",
                "default_code": "T-IGN",
                "categ_id": cls.categ_stove_parts.id,
                "list_price": 35.0,
            }
        )
        cls.labour = Product.create(
            {"name": "Labour hour (test)", "type": "service", "list_price": 60.0}
        )
        cls.pricelist = cls.env["product.pricelist"].create(
            {
                "name": "Repair standard (test)",
                "currency_id": cls.company.currency_id.id,
                "item_ids": [
                    (
                        0,
                        0,
                        {
                            "applied_on": "0_product_variant",
                            "product_id": cls.element.id,
                            "compute_price": "fixed",
                            "fixed_price": 100.0,
                        },
                    ),
                    (
                        0,
                        0,
                        {
                            "applied_on": "0_product_variant",
                            "product_id": cls.labour.id,
                            "compute_price": "fixed",
                            "fixed_price": 50.0,
                        },
                    ),
                ],
            }
        )
        cls.contract = cls._running_contract(
            repair_pricelist_id=cls.pricelist.id,
            claim_reimbursement="actual",
            old_part_return_mode="days",
            old_part_return_days=30,
            part_warranty_months=3,
            part_rule_ids=[
                (0, 0, {"product_categ_id": cls.categ_parts.id, "policy": "trade_in"}),
                (0, 0, {"product_categ_id": cls.categ_stove_parts.id, "policy": "purchase"}),
            ],
        )
        cls._serial_seq = 0

    @classmethod
    def _lot(cls, product=None, name=None):
        cls._serial_seq += 1
        return cls.env["stock.lot"].create(
            {
                "product_id": (product or cls.heater).id,
                "name": name or f"SN-TEST-{cls._serial_seq:05d}",
                "company_id": cls.company.id,
            }
        )

    @classmethod
    def _card(cls, register=True, **values):
        sale_date = values.pop("sale_date", cls.today - timedelta(days=30))
        vals = {
            "dealer_id": cls.dealer.id,
            "product_id": cls.heater.id,
            "sale_date": sale_date,
            # received five days after the sale, never in the future
            "date_received": sale_date and min(sale_date + timedelta(days=5), cls.today),
            "customer_name": "Li Na",
            "customer_phone": "13800138000",
        }
        vals.update(values)
        if "lot_id" not in vals:
            vals["lot_id"] = cls._lot(cls.env["product.product"].browse(vals["product_id"])).id
        card = cls.env["after_sales.warranty.card"].create(vals)
        if register:
            card.action_register()
        return card

    @classmethod
    def _claim(cls, card=None, **values):
        """A draft claim of ``card`` (by default a unit sold 30 days before the call). Without
        a ``call_time`` the customer called an hour ago, or an hour before the earliest
        arranged, arrival or completion time given: the service follows the call."""
        call_time = values.pop("call_time", None)
        if not call_time:
            times = [values.get(f) for f in ("arranged_time", "arrival_time", "completion_time")]
            call_time = min([datetime.now(), *filter(None, times)]) - timedelta(hours=1)
        if not card:
            sale_date = min(cls.today, call_time.date()) - timedelta(days=30)
            card = cls._card(sale_date=sale_date)
        vals = {
            "card_id": card.id,
            "dealer_id": card.dealer_id.id,
            "call_time": call_time,
            "cause_category": "product_defect",
            "symptom": "No hot water",
        }
        vals.update(values)
        return cls.env["after_sales.claim"].create(vals)
