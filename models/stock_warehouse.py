from odoo import fields, models
from odoo.exceptions import UserError


class StockWarehouse(models.Model):
    """Each warehouse issues after-sales parts through its own operation type and takes traded-in
    old parts back into an "Old Parts" location (DOMAIN.md R23-R26). The records are created with
    the warehouse (also for companies created later) and, at install, by the post-init hook."""

    _inherit = "stock.warehouse"

    after_sales_parts_type_id = fields.Many2one(
        "stock.picking.type",
        string="After-Sales Parts Issue Type",
        check_company=True,
        copy=False,
    )
    after_sales_old_part_type_id = fields.Many2one(
        "stock.picking.type",
        string="Old Parts Receipt Type",
        check_company=True,
        copy=False,
    )
    after_sales_old_part_loc_id = fields.Many2one(
        "stock.location",
        string="Old Parts Location",
        check_company=True,
        copy=False,
    )
    after_sales_return_loc_id = fields.Many2one(
        "stock.location",
        string="Returns Location",
        check_company=True,
        copy=False,
        help="Returned goods wait here for appraisal and repair, apart from saleable stock.",
    )

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------
    def _get_locations_values(self, vals, code=False):
        values = super()._get_locations_values(vals, code=code)
        code = (vals.get("code") or code or "").replace(" ", "").upper()
        company_id = vals.get("company_id", self.default_get(["company_id"])["company_id"])
        values["after_sales_old_part_loc_id"] = {
            "name": self.env._("Old Parts"),
            "active": True,
            "usage": "internal",
            "barcode": self._valid_barcode(code + "OLDPARTS", company_id),
            "after_sales_unvalued": True,
        }
        values["after_sales_return_loc_id"] = {
            "name": self.env._("Returns"),
            "active": True,
            "usage": "internal",
            "barcode": self._valid_barcode(code + "ASRETURNS", company_id),
            "after_sales_unvalued": True,
        }
        return values

    def _get_sequence_values(self, name=False, code=False):
        values = super()._get_sequence_values(name=name, code=code)
        name = name or self.name
        code = code or self.code
        values.update(
            {
                "after_sales_parts_type_id": {
                    "name": self.env._("%(name)s Sequence after-sales parts", name=name),
                    "prefix": code
                    + "/"
                    + (self.after_sales_parts_type_id.sequence_code or "ASP")
                    + "/",
                    "padding": 5,
                    "company_id": self.company_id.id,
                },
                "after_sales_old_part_type_id": {
                    "name": self.env._("%(name)s Sequence old parts", name=name),
                    "prefix": code
                    + "/"
                    + (self.after_sales_old_part_type_id.sequence_code or "OLD")
                    + "/",
                    "padding": 5,
                    "company_id": self.company_id.id,
                },
            }
        )
        return values

    def _get_picking_type_create_values(self, max_sequence):
        data, next_sequence = super()._get_picking_type_create_values(max_sequence)
        customers = self.env.ref("stock.stock_location_customers", raise_if_not_found=False)
        data.update(
            {
                "after_sales_parts_type_id": {
                    "name": self.env._("After-Sales Parts"),
                    "code": "outgoing",
                    "use_create_lots": False,
                    "use_existing_lots": True,
                    "default_location_src_id": self.lot_stock_id.id,
                    "default_location_dest_id": customers.id if customers else False,
                    "sequence": next_sequence + 1,
                    "sequence_code": "ASP",
                    "company_id": self.company_id.id,
                },
                "after_sales_old_part_type_id": {
                    "name": self.env._("Old Parts Receipts"),
                    "code": "incoming",
                    "use_create_lots": False,
                    "use_existing_lots": True,
                    "default_location_src_id": customers.id if customers else False,
                    "default_location_dest_id": self.after_sales_old_part_loc_id.id,
                    "sequence": next_sequence + 2,
                    "sequence_code": "OLD",
                    "company_id": self.company_id.id,
                },
            }
        )
        return data, next_sequence + 3

    def _get_picking_type_update_values(self):
        data = super()._get_picking_type_update_values()
        barcode = self.code.replace(" ", "").upper()
        data.update(
            {
                "after_sales_parts_type_id": {"active": self.active, "barcode": barcode + "ASP"},
                "after_sales_old_part_type_id": {
                    "active": self.active,
                    "barcode": barcode + "OLD",
                },
            }
        )
        return data

    def _after_sales_setup_parts(self):
        """Create the after-sales parts operation types and the Old Parts location of warehouses
        that lack them (the module installed after the warehouses; called by the post-init
        hook). Running it again creates nothing new."""
        for warehouse in self:
            (warehouse.after_sales_old_part_loc_id | warehouse.after_sales_return_loc_id).filtered(
                lambda loc: not loc.after_sales_unvalued
            ).write({"after_sales_unvalued": True})
            if (
                warehouse.after_sales_parts_type_id
                and warehouse.after_sales_old_part_type_id
                and warehouse.after_sales_old_part_loc_id
                and warehouse.after_sales_return_loc_id
            ):
                continue
            warehouse._create_missing_locations({})
            picking_type_vals = warehouse._create_or_update_sequences_and_picking_types()
            if picking_type_vals:
                warehouse.write(picking_type_vals)
        return True

    def _after_sales_prepare_parts_delivery_vals(self, dealer, *, origin, quantities, **extra):
        """The values of a delivery of spare parts from this warehouse's after-sales parts
        operation type to ``dealer``'s customer location: the free and fund parts of a
        requisition, a dealer's initial stocking. ``quantities`` are ``(product, quantity)``
        pairs; ``extra`` adds fields of the picking (its document link)."""
        self.ensure_one()
        picking_type = self.after_sales_parts_type_id
        return self.env["stock.picking"]._after_sales_prepare_picking_vals(
            picking_type,
            dealer,
            picking_type.default_location_src_id,
            dealer.with_company(self.company_id).property_stock_customer,
            origin=origin,
            moves=[
                {
                    "product_id": product.id,
                    "product_uom_qty": quantity,
                    "product_uom": product.uom_id.id,
                }
                for product, quantity in quantities
            ],
            **extra,
        )

    def _after_sales_get_parts_warehouse(self, company, raise_if_not_found=False):
        """Return the warehouse of ``company`` that issues after-sales parts (its first one);
        none found: an empty recordset, or with ``raise_if_not_found`` a refusal saying so
        (requisitions' approval, the initial stocking)."""
        warehouse = self.search(
            [("company_id", "=", company.id), ("after_sales_parts_type_id", "!=", False)],
            limit=1,
        )
        if not warehouse and raise_if_not_found:
            raise UserError(
                self.env._(
                    "Company %(company)s has no warehouse with an after-sales parts operation "
                    "type.",
                    company=company.display_name,
                )
            )
        return warehouse
