import { registry } from "@web/core/registry";

// The main back-office flow in Simplified Chinese (test_ui_tours.py): a warranty card is
// registered, a claim is taken on it, submitted and approved, the quarter is settled and the
// write-off notice is sent. On every screen of the flow, the visible labels (field labels,
// group titles, tabs, column headers, buttons, status bar, breadcrumbs, menus, dialogs) must not
// show one of the English labels below: all of them have a Chinese translation, so finding one
// means a screen lost its translation.
const UNTRANSLATED = [
    "Warranty Card",
    "Register",
    "New Claim",
    "Void",
    "Unit",
    "End Customer",
    "Retail Sale",
    "Product",
    "Serial Number",
    "Dealer",
    "Customer",
    "Sale Date",
    "Submit",
    "Approve",
    "Reject",
    "Symptom",
    "Diagnosis",
    "Parts & Labour",
    "Complete Repair",
    "Settle",
    "Preview",
    "Year",
    "Quarter",
    "Opening Balance",
    "Closing Balance",
    "Send Write-off Notice",
    "Dealer Confirmed",
    "Reset to Draft",
    "Finance",
    "Service",
    "Draft",
    "Registered",
    "Submitted",
    "Approved",
    "Notified",
];

// The server runs the flow frozen on 20 May 2026 (test_ui_tours.py, freeze_time): the claim is
// approved in the second quarter of 2026, the quarter the wizard previews. The browser keeps its
// own clock, so the tour types that fixed quarter, never the browser's today.
const YEAR = 2026;
const QUARTER = "第二季度";

const LABELS = [
    ".o_form_label",
    ".o_horizontal_separator",
    ".o_notebook .nav-link",
    ".o_list_table thead th",
    ".o_statusbar_buttons button",
    ".o_statusbar_status button",
    ".o_control_panel .breadcrumb",
    ".o_control_panel .o_last_breadcrumb_item",
    ".o_menu_sections > *",
    ".o_stat_text",
    ".modal-title",
    ".modal-footer button",
].join(", ");

function checkTranslated(screen) {
    const found = [];
    for (const element of document.querySelectorAll(LABELS)) {
        const text = element.innerText || "";
        for (const word of UNTRANSLATED) {
            const pattern = new RegExp(`(^|[^A-Za-z])${word.replace("&", "\\&")}($|[^A-Za-z])`);
            if (pattern.test(text)) {
                found.push(`"${word}" in "${text.trim().slice(0, 60)}"`);
            }
        }
    }
    if (found.length) {
        throw new Error(`Untranslated labels on the ${screen}: ${found.join("; ")}`);
    }
}

function checkStep(screen, trigger) {
    return {
        content: `the ${screen} speaks Chinese`,
        trigger,
        run: () => checkTranslated(screen),
    };
}

registry.category("web_tour.tours").add("after_sales_zh_flow", {
    steps: () => [
        // the warranty card (三包回执卡)
        {
            content: "the card form is open",
            trigger: ".o_form_view .o_field_widget[name=customer_name]",
        },
        checkStep("warranty card", ".o_form_view button[name=action_register]"),
        {
            content: "register the card",
            trigger: ".o_form_view button[name=action_register]",
            run: "click",
        },
        {
            content: "the card is registered",
            trigger: ".o_statusbar_status button.o_arrow_button_current[data-value=registered]",
        },
        checkStep("registered card", ".o_form_view button[name=action_new_claim]"),
        // the claim (三包索赔)
        {
            content: "take a claim on the card",
            trigger: ".o_form_view button[name=action_new_claim]",
            run: "click",
        },
        {
            content: "describe the symptom",
            trigger: ".o_form_view .o_field_widget[name=symptom] textarea, .o_form_view .o_field_widget[name=symptom] input",
            run: "edit 风机不转",
        },
        checkStep("claim", ".o_form_view button[name=action_submit]"),
        {
            content: "save the claim",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "submit it",
            trigger: ".o_form_view button[name=action_submit]",
            run: "click",
        },
        {
            content: "it is submitted",
            trigger: ".o_statusbar_status button.o_arrow_button_current[data-value=submitted]",
        },
        checkStep("submitted claim", ".o_form_view button[name=action_approve]"),
        {
            content: "approve it",
            trigger: ".o_form_view button[name=action_approve]",
            run: "click",
        },
        {
            content: "it is approved",
            trigger: ".o_statusbar_status button.o_arrow_button_current[data-value=approved]",
        },
        checkStep("approved claim", ".o_statusbar_status"),
        // settle the quarter (季度结算) from the Finance menu, which has one such entry
        {
            content: "open the Finance menu",
            trigger: ".o_menu_sections .dropdown-toggle:contains(财务)",
            run: "click",
        },
        {
            content: "one entry of the menu is named 季度结算",
            trigger: ".o-dropdown--menu .dropdown-item:contains(季度结算)",
            run: () => {
                const same = [...document.querySelectorAll(".o-dropdown--menu .dropdown-item")].filter(
                    (item) => item.innerText.trim() === "季度结算"
                );
                if (same.length !== 1) {
                    throw new Error(`${same.length} Finance menu entries are named 季度结算`);
                }
            },
        },
        {
            content: "settle a quarter",
            trigger: ".o-dropdown--menu .dropdown-item[data-menu-xmlid='after_sales_service.after_sales_settlement_create_menu']",
            run: "click",
        },
        {
            content: "the settlement dialog opens: choose the quarter",
            trigger: ".modal .o_field_widget[name=quarter] .o_select_menu_toggler",
            run: "click",
        },
        {
            content: "this quarter, when the claim was approved",
            trigger: `.o_select_menu_item:contains(${QUARTER})`,
            run: "click",
        },
        {
            content: "this year",
            trigger: ".modal .o_field_widget[name=year] input",
            run: `edit ${YEAR}`,
        },
        checkStep("settlement dialog", ".modal button[name=action_preview]"),
        {
            content: "preview the quarter",
            trigger: ".modal button[name=action_preview]",
            run: "click",
        },
        {
            content: "the preview lists the dealer",
            trigger: ".modal .o_field_widget[name=line_ids] .o_data_row:contains(顺达测试经销商)",
        },
        {
            content: "with the approved claim's flat amount to reimburse, in the contract's currency",
            trigger:
                ".modal .o_field_widget[name=line_ids] .o_data_row:contains(顺达测试经销商) " +
                "td[name=reimbursed_amount]:contains(50.00)",
        },
        checkStep("settlement preview", ".modal button[name=action_settle]"),
    ],
});

// The quarter is settled by the test once it has ended (a quarter is never settled before its
// end); the write-off notice is then sent from the settlement, in Chinese too.
registry.category("web_tour.tours").add("after_sales_zh_notice", {
    steps: () => [
        checkStep("settlement", ".o_form_view button[name=action_notify]"),
        {
            content: "send the write-off notice",
            trigger: ".o_form_view button[name=action_notify]",
            run: "click",
        },
        {
            content: "the dealer is notified",
            trigger: ".o_statusbar_status button.o_arrow_button_current[data-value=notified]",
        },
        checkStep("notified settlement", ".o_form_view button[name=action_open_record_confirmation]"),
    ],
});
