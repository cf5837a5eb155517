from odoo import api, models
from odoo.exceptions import AccessError


class AfterSalesComputedGuardMixin(models.AbstractModel):
    """What the server decides is the server's: a read-only computed or related field (an
    amount, a deadline, a coverage decision, a state derived from other fields), the fields the
    model names in :meth:`_after_sales_system_fields` (approvals, links, documents) and a status
    other than the initial one are refused in ``create`` and ``write`` from every caller but
    code running under ``sudo()``, and so are the same values sent as ``default_`` keys of the
    context. The web client never sends them; a JSON-RPC client can, and the ORM would store
    them.

    The computed fields are found from their definitions, so a new computed figure is guarded
    the day it is added. Inherited by every after-sales model that users write."""

    _name = "after_sales.computed.guard.mixin"
    _description = "After-Sales Computed Fields Guard"

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        records = self
        if not self.env.su:
            system = self._after_sales_system_fields()
            for vals in vals_list:
                check_protected_write(self, vals, system)
                self._check_initial_state(vals)
            context = without_system_defaults(self, system)
            if len(context) < len(self.env.context):
                records = self.with_env(self.env(context=context))
        return super(AfterSalesComputedGuardMixin, records).create(vals_list)

    def write(self, vals):
        check_protected_write(self, vals, self._after_sales_system_fields())
        return super().write(vals)

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------
    def _after_sales_system_fields(self):
        """The fields, not computed, that only the model's own actions write (under
        ``sudo()``): its approvals, links and documents. Overridden by the models."""
        return ()

    def _check_initial_state(self, vals):
        """A record is created in its initial status; its buttons move it on."""
        field = self._fields.get("state")
        if not field or "state" not in vals:
            return
        initial = field.default(self) if callable(field.default) else field.default
        if vals["state"] != initial:
            raise AccessError(
                self.env._(
                    "%(document)s: a new record starts as %(state)s; its status changes only "
                    "through its buttons.",
                    document=model_label(self),
                    state=dict(field._description_selection(self.env)).get(initial, initial),
                )
            )


def model_label(records):
    """The description of ``records``' model in the user's language ("保修卡" for a warranty
    card): the one home of the document name in the messages of every after-sales model."""
    return records.env["ir.model"].sudo()._get(records._name).name or records._description


def is_server_computed(field):
    """Whether only the server computes ``field``: computed or related, with no inverse, and
    read-only (an editable computed field, such as a claim's product proposed from its card,
    is the user's to change)."""
    return (
        bool(field and field.compute and not field.inverse and field.readonly)
        and field.name != "display_name"
    )


def check_protected_write(records, vals, fnames=()):
    """Refuse a write of ``fnames`` of ``records``' model, or of any of its read-only computed
    fields, unless under ``sudo()``. A module function so that lines of documents (which have
    no state) share it."""
    if records.env.su or not vals:
        return
    fields_ = records._fields
    forbidden = sorted(
        name for name in vals if name in fnames or is_server_computed(fields_.get(name))
    )
    if forbidden:
        raise AccessError(
            records.env._(
                "%(document)s: %(fields)s are computed and cannot be written.",
                document=model_label(records),
                fields=", ".join(
                    records._fields[f]._description_string(records.env) for f in forbidden
                ),
            )
        )


def check_number_kept(records, vals):
    """Refuse, unless under ``sudo()``, a new number for documents numbered by the server
    (their ``name`` is read-only): the number is printed on receipts, notices and the dealer's
    copies, so no user renames a document."""
    if "name" in vals and records._fields["name"].readonly and not records.env.su and records:
        raise AccessError(
            records.env._(
                "%(document)s %(name)s keeps its number.",
                document=model_label(records),
                name=records[:1].display_name,
            )
        )


def without_system_defaults(records, system=()):
    """The context of ``records`` without the ``default_`` keys that would give a new record a
    status, a computed figure or one of the ``system`` fields: a default sent by a client is
    not the server's decision. Other defaults (the dealer of a claim opened from a card) stay."""
    context = records.env.context
    fields_ = records._fields
    return {
        key: value
        for key, value in context.items()
        if not (
            key.startswith("default_")
            and (
                key[8:] == "state" or key[8:] in system or is_server_computed(fields_.get(key[8:]))
            )
        )
    }
