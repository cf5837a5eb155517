import { registry } from "@web/core/registry";

// The service desk manager creates a dealer contract and puts it in force (test_ui_tours.py).
registry.category("web_tour.tours").add("after_sales_contract_start", {
    url: "/odoo/action-after_sales_service.after_sales_contract_action",
    steps: () => [
        {
            content: "create a contract",
            trigger: ".o_control_panel .o_list_button_add",
            run: "click",
        },
        {
            content: "choose the dealer",
            trigger: ".o_field_widget[name=dealer_id] input",
            run: "edit Tour Dealer",
        },
        {
            content: "pick it in the list",
            trigger: ".o-autocomplete--dropdown-item a:contains('Tour Dealer')",
            run: "click",
        },
        {
            content: "the terms default to the seed contract",
            trigger: ".o_field_widget[name=warranty_months] input:value(12)",
        },
        {
            content: "save",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "put it in force",
            trigger: "button[name=action_start]",
            run: "click",
        },
        {
            content: "it runs",
            trigger: ".o_statusbar_status button.o_arrow_button_current[data-value=running]",
        },
    ],
});
