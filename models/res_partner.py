from odoo import api, fields, models


class ResPartner(models.Model):
    _name = "res.partner"
    _inherit = ["res.partner", "after_sales.company.check.mixin"]

    # Everyone reads partners; only the sales team and the after-sales users see contracts.
    after_sales_contract_ids = fields.One2many(
        "after_sales.contract",
        "dealer_id",
        string="Service Contracts",
        groups="sales_team.group_sale_salesman,after_sales_service.after_sales_service_group_user",
    )
    after_sales_contract_count = fields.Integer(
        string="Service Contract Count",
        compute="_compute_after_sales_contract_count",
        groups="after_sales_service.after_sales_service_group_user",
    )
    # Read by the portal record rules (DOMAIN.md §9): where the dealer's running contract lets
    # its portal users see its sub-dealers' records.
    after_sales_portal_sub_dealer_company_ids = fields.Many2many(
        "res.company",
        string="Portal Sees Sub-Dealers In",
        compute="_compute_after_sales_portal_sub_dealer_company_ids",
        compute_sudo=True,
        help="Companies in which this dealer's running service contract lets its portal users "
        "see the records of its sub-dealers.",
    )

    # ------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------
    @api.depends(
        "after_sales_contract_ids.state",
        "after_sales_contract_ids.portal_sub_dealer_access",
        "after_sales_contract_ids.company_id",
    )
    def _compute_after_sales_portal_sub_dealer_company_ids(self):
        """The companies whose running contract with this partner says its portal users see
        its sub-dealers' records; empty for a contact or a dealer without that term. A
        sub-dealer's own contract decides for the sub-dealer's users, never its parent's."""
        contracts = (
            self.env["after_sales.contract"]
            .sudo()
            .search(
                [
                    ("dealer_id", "in", self.ids),
                    ("state", "=", "running"),
                    ("portal_sub_dealer_access", "=", True),
                ]
            )
        )
        for partner in self:
            partner.after_sales_portal_sub_dealer_company_ids = contracts.filtered(
                lambda c, p=partner: c.dealer_id == p
            ).company_id

    def _compute_after_sales_contract_count(self):
        counts = dict(
            self.env["after_sales.contract"]._read_group(
                [("dealer_id", "in", self.commercial_partner_id.ids)],
                ["dealer_id"],
                ["__count"],
            )
        )
        for partner in self:
            partner.after_sales_contract_count = counts.get(partner.commercial_partner_id, 0)

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------
    def write(self, vals):
        result = super().write(vals)
        if {"parent_id", "is_company"} & vals.keys():
            self._after_sales_clear_portal_rules()
        return result

    # ------------------------------------------------------------
    # ACTION
    # ------------------------------------------------------------
    def action_view_after_sales_contracts(self):
        """Smart button on the partner form: the service contracts of its commercial partner."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "after_sales_service.after_sales_contract_action"
        )
        action["domain"] = [("dealer_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"default_dealer_id": self.commercial_partner_id.id}
        return action

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------
    def _after_sales_dealer_chain(self):
        """This partner's dealer and every dealer above it, nearest first (a sub-dealer, its
        dealer, that dealer's own...), safe from a loop of parents. The one home of "is this
        dealer's or one of its sub-dealers'": a claim's dealer against its card's, the card
        import's dealer column, the monthly report's sections."""
        self.ensure_one()
        chain, node = self.browse(), self.commercial_partner_id
        while node and node not in chain:
            chain |= node
            node = node.parent_id.commercial_partner_id
        return chain

    def _after_sales_lang(self):
        """The language of the texts meant for this dealer (ledger rows, charges, statements,
        notices): its own, else its company's, else the current one. The one home of "in the
        dealer's language", whoever writes them (a user of another language, a cron)."""
        return self.lang or self.commercial_partner_id.lang or self.env.lang

    def _after_sales_clear_portal_rules(self):
        """A contact that moves to another dealer (its parent or company flag changed) changes
        the commercial partner of its portal users, and the dealer record rules read it
        (``user.commercial_partner_id``). Their domains are cached per user: drop the cache when
        such a contact, or one below it, has portal users, so that they stop seeing the former
        dealer's documents at once (DOMAIN.md §9)."""
        portal_users = (
            self.env["res.users"]
            .sudo()
            .with_context(active_test=False)
            .search_count([("partner_id", "child_of", self.ids), ("share", "=", True)], limit=1)
        )
        if portal_users:
            self.env.registry.clear_cache()
