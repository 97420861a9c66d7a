# Generates data/openapi.d/billing.json (run from the repository root: python3 Tests/BillingAPITests/gen_openapi.py).
import json

P = {"$ref": "#/components/responses/Problem"}
def prob(desc): return {"description": desc, "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
def ok(desc, schema="BillingObject", status="200", ctype="application/json"):
    return {status: {"description": desc, "content": {ctype: {"schema": {"$ref": "#/components/schemas/" + schema} if ctype == "application/json" else {"type": "string"}}}}}
routes = [
 ("get", "/api/v1/dashboard", "Executive dashboard: MRR against the target with projection, users, revenue, and the app's content and system figures.", "admin", "Dashboard", None),
 ("get", "/api/v1/revenue/mrr", "Current MRR and ARR with the monthly MRR history.", "admin", "RevenueMonths", None),
 ("get", "/api/v1/revenue/movements", "Monthly MRR movements: new, expansion, contraction, churn, reactivation.", "admin", "RevenueMonths", None),
 ("get", "/api/v1/revenue/churn", "Monthly logo churn and gross/net revenue churn.", "admin", "RevenueMonths", None),
 ("get", "/api/v1/revenue/ltv", "Monthly ARPA, LTV, marketing spend and CAC.", "admin", "RevenueMonths", None),
 ("get", "/api/v1/revenue/cohorts", "Cohort retention by signup month.", "admin", "BillingObject", None),
 ("get", "/api/v1/revenue/streams", "Revenue by stream per month, recurring and non-recurring.", "admin", "RevenueMonths", None),
 ("get", "/api/v1/revenue/projection", "Projection of MRR to the target from the recent trend.", "admin", "BillingObject", None),
 ("post", "/api/v1/revenue/marketing-spend", "Record the marketing spend of a month {month: \"YYYY-MM\", amount} (for CAC).", "admin", "BillingObject", "200"),
 ("get", "/api/v1/billing/plans", "The catalogue: plans with their current price and entitlements.", "admin", "BillingList", None),
 ("get", "/api/v1/billing/customers", "Customers in id order (limit, after).", "admin", "BillingList", None),
 ("post", "/api/v1/billing/customers", "Create a customer {name, email, country, currency, vat_id?, tax_exempt?}.", "admin", "BillingObject", "201"),
 ("get", "/api/v1/billing/customers/{id}", "One customer with subscriptions and entitlements.", "admin", "BillingObject", None),
 ("get", "/api/v1/billing/subscriptions", "Subscriptions in id order (status, customer_id, limit, after).", "admin", "BillingList", None),
 ("post", "/api/v1/billing/subscriptions", "Subscribe a customer to a plan {customer_id, plan_code, trial_days?, discount_bp?}.", "admin", "BillingObject", "201"),
 ("post", "/api/v1/billing/subscriptions/{id}/cancel", "Cancel now or at period end {at_period_end}.", "admin", "BillingObject", "200"),
 ("post", "/api/v1/billing/subscriptions/{id}/change-plan", "Upgrade at once (prorated) or downgrade at period end {plan_code, proration?}.", "admin", "BillingObject", "200"),
 ("get", "/api/v1/billing/invoices", "Invoices in id order (status, customer_id, limit, after).", "admin", "BillingList", None),
 ("post", "/api/v1/billing/invoices", "Create a draft invoice of one-off charges {customer_id, items: [{description, amount, quantity?}]}.", "admin", "BillingObject", "201"),
 ("get", "/api/v1/billing/invoices/{id}", "One invoice with lines, payments and credit notes.", "admin", "BillingObject", None),
 ("get", "/api/v1/billing/invoices/{id}/html", "The invoice as a printable HTML page.", "admin", "html", None),
 ("post", "/api/v1/billing/invoices/{id}/finalize", "Finalise a draft: it takes the next gapless number.", "admin", "BillingObject", "200"),
 ("post", "/api/v1/billing/invoices/{id}/void", "Void an unpaid finalised invoice with a credit note {reason}.", "admin", "BillingObject", "200"),
 ("get", "/api/v1/billing/payments", "Payments and refunds of one invoice (invoice_id) or of the latest invoices.", "admin", "BillingList", None),
 ("post", "/api/v1/billing/payments", "Record a payment {invoice_id, amount, method?, external_id?}.", "admin", "BillingObject", "201"),
 ("post", "/api/v1/billing/usage", "Ingest metered usage events idempotently by event_id {events: [{event_id, customer_id, metric, quantity, occurred_at?}]}.", "admin", "BillingObject", "200"),
 ("get", "/api/v1/billing/commissions", "Marketplace and sponsorship sales with their commission.", "admin", "BillingList", None),
 ("get", "/api/v1/billing/payouts", "Payouts owed to sellers, creators and affiliates.", "admin", "BillingList", None),
 ("get", "/api/v1/billing/events", "Billing events (dunning steps, status changes, webhooks) after an id.", "admin", "BillingList", None),
 ("post", "/api/v1/webhooks/stripe", "Stripe webhook: Stripe-Signature verified (HMAC-SHA256, 300 s tolerance, replays refused).", "public", "BillingObject", "200"),
]
paths = {}
for method, path, summary, access, schema, status in routes:
    op = {"summary": summary, "tags": ["billing"], "x-access": access}
    if method == "get" and (path.startswith("/api/v1/revenue") or path == "/api/v1/dashboard"):
        op["x-cache"] = "warm"
    if method == "post":
        op["x-invalidates"] = ["revenue", "dashboard"]
    if schema == "html":
        resp = {"200": {"description": "A self-contained printable page with its own Content-Security-Policy (inline print stylesheet only).",
                        "content": {"text/html": {"schema": {"type": "string"}}}}}
    else:
        resp = ok("The result; money is {amount: integer minor units, currency}.", schema, status or "200")
    resp["400"] = prob("Bad input: errors[] names the field (amount, currency, items[0].amount.currency, Stripe-Signature...).")
    if "{id}" in path:
        resp["404"] = prob("No such resource.")
    if method == "post" and path != "/api/v1/webhooks/stripe":
        resp["409"] = prob("The change conflicts with the resource's state (e.g. a plan change on a canceled subscription, voiding a paid invoice).")
    if path == "/api/v1/webhooks/stripe":
        resp["422"] = prob("The event names an invoice this install does not know.")
        resp["503"] = prob("No webhook secret is configured.")
    resp["default"] = P
    op["responses"] = resp
    if "{id}" in path:
        op["parameters"] = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}]
    if method == "post" and not path.endswith("/finalize"):
        op["requestBody"] = {"required": not (path.endswith("/cancel") or path.endswith("/void")),
                             "content": {"application/json": {"schema": {"$ref": "#/components/schemas/BillingObject"}}}}
    paths.setdefault(path, {})[method] = op
components = {"schemas": {
  "BillingObject": {"type": "object", "description": "A billing resource; amounts are Money objects.", "additionalProperties": True},
  "BillingList": {"type": "object", "properties": {"data": {"type": "array", "items": {"$ref": "#/components/schemas/BillingObject"}},
                  "next_cursor": {"type": ["string", "null"]}}, "required": ["data"]},
  "RevenueMonths": {"type": "object", "properties": {"currency": {"type": "string"}, "months": {"type": "array", "items": {"$ref": "#/components/schemas/BillingObject"}}}},
  "Dashboard": {"type": "object", "properties": {
      "mrr": {"type": "object", "properties": {"current": {"$ref": "#/components/schemas/Money"}, "target": {"$ref": "#/components/schemas/Money"},
              "history": {"type": "array", "items": {"$ref": "#/components/schemas/BillingObject"}}}},
      "users": {"$ref": "#/components/schemas/BillingObject"}, "revenue": {"$ref": "#/components/schemas/BillingObject"}},
      "required": ["mrr", "users", "revenue"]},
}}
json.dump({"paths": paths, "components": components}, open("data/openapi.d/billing.json", "w"), indent=2)
