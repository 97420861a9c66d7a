import GRDB

/// The billing tables as named, ordered migrations. Timestamps are UTC unix seconds; amounts are integer minor
/// units (`*_minor`) or micro-units (`*_micros`) with the currency in a sibling column. `demo = 1` marks rows
/// made by the demo seeder so ``BillingStore/removeDemo()`` can take them out without touching real data.
enum BillingSchema {
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("billing.v1.catalogue") { db in
            try db.execute(sql: """
                CREATE TABLE billing_plans (
                  code TEXT PRIMARY KEY, name TEXT NOT NULL, tier INTEGER NOT NULL,
                  interval TEXT NOT NULL CHECK (interval IN ('month','year')),
                  kind TEXT NOT NULL CHECK (kind IN ('licensed','metered')), metric TEXT,
                  entitlements_json TEXT NOT NULL);
                CREATE TABLE billing_prices (
                  id INTEGER PRIMARY KEY, plan_code TEXT NOT NULL REFERENCES billing_plans(code),
                  currency TEXT NOT NULL, version INTEGER NOT NULL,
                  amount_minor INTEGER NOT NULL CHECK (amount_minor >= 0),
                  unit_amount_micros INTEGER NOT NULL CHECK (unit_amount_micros >= 0),
                  tax_inclusive INTEGER NOT NULL, created_at INTEGER NOT NULL,
                  UNIQUE (plan_code, currency, version));
                """)
        }
        m.registerMigration("billing.v1.customers") { db in
            try db.execute(sql: """
                CREATE TABLE billing_affiliates (
                  id INTEGER PRIMARY KEY, name TEXT NOT NULL, code TEXT NOT NULL UNIQUE,
                  rate_bp INTEGER NOT NULL CHECK (rate_bp BETWEEN 0 AND 10000),
                  created_at INTEGER NOT NULL, demo INTEGER NOT NULL DEFAULT 0);
                CREATE TABLE billing_customers (
                  id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL, country TEXT NOT NULL,
                  vat_id TEXT, tax_exempt INTEGER NOT NULL DEFAULT 0, currency TEXT NOT NULL,
                  affiliate_id INTEGER REFERENCES billing_affiliates(id), created_at INTEGER NOT NULL,
                  demo INTEGER NOT NULL DEFAULT 0);
                CREATE INDEX billing_customers_email ON billing_customers(email);
                CREATE TABLE billing_subscriptions (
                  id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES billing_customers(id),
                  plan_code TEXT NOT NULL, price_id INTEGER NOT NULL REFERENCES billing_prices(id),
                  period_price_id INTEGER NOT NULL REFERENCES billing_prices(id),
                  status TEXT NOT NULL, discount_bp INTEGER NOT NULL DEFAULT 0,
                  anchor INTEGER NOT NULL, period_index INTEGER NOT NULL,
                  period_start INTEGER NOT NULL, period_end INTEGER NOT NULL,
                  trial_end INTEGER, cancel_at_period_end INTEGER NOT NULL DEFAULT 0,
                  canceled_at INTEGER, ended_at INTEGER,
                  next_bill_at INTEGER,
                  pending_plan_code TEXT, pending_price_id INTEGER,
                  past_due_since INTEGER, dunning_attempts INTEGER NOT NULL DEFAULT 0,
                  created_at INTEGER NOT NULL, demo INTEGER NOT NULL DEFAULT 0);
                CREATE INDEX billing_subscriptions_customer ON billing_subscriptions(customer_id);
                CREATE INDEX billing_subscriptions_next_bill ON billing_subscriptions(next_bill_at) WHERE next_bill_at IS NOT NULL;
                CREATE TABLE billing_mrr_changes (
                  id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL, subscription_id INTEGER NOT NULL,
                  at INTEGER NOT NULL, mrr_minor INTEGER NOT NULL, currency TEXT NOT NULL,
                  demo INTEGER NOT NULL DEFAULT 0);
                CREATE INDEX billing_mrr_changes_at ON billing_mrr_changes(at, id);
                CREATE TABLE billing_pending_items (
                  id INTEGER PRIMARY KEY, subscription_id INTEGER NOT NULL, customer_id INTEGER NOT NULL,
                  kind TEXT NOT NULL, stream TEXT NOT NULL, description TEXT NOT NULL,
                  amount_minor INTEGER NOT NULL, currency TEXT NOT NULL, tax_inclusive INTEGER NOT NULL DEFAULT 0,
                  created_at INTEGER NOT NULL, invoice_id INTEGER);
                CREATE INDEX billing_pending_items_sub ON billing_pending_items(subscription_id) WHERE invoice_id IS NULL;
                """)
        }
        m.registerMigration("billing.v1.usage") { db in
            try db.execute(sql: """
                CREATE TABLE billing_usage_events (
                  event_id TEXT PRIMARY KEY, customer_id INTEGER NOT NULL, metric TEXT NOT NULL,
                  quantity INTEGER NOT NULL CHECK (quantity >= 0), occurred_at INTEGER NOT NULL
                ) WITHOUT ROWID;
                CREATE INDEX billing_usage_by_customer ON billing_usage_events(customer_id, metric, occurred_at, quantity);
                """)
        }
        m.registerMigration("billing.v1.invoices") { db in
            try db.execute(sql: """
                CREATE TABLE billing_invoice_counters (
                  series TEXT NOT NULL, year INTEGER NOT NULL, last INTEGER NOT NULL, PRIMARY KEY (series, year));
                CREATE TABLE billing_invoices (
                  id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES billing_customers(id),
                  subscription_id INTEGER, billing_key TEXT UNIQUE,
                  series TEXT NOT NULL, year INTEGER, seq INTEGER, number TEXT UNIQUE,
                  status TEXT NOT NULL CHECK (status IN ('draft','open','paid','void')),
                  currency TEXT NOT NULL, subtotal_minor INTEGER NOT NULL, tax_minor INTEGER NOT NULL,
                  total_minor INTEGER NOT NULL, tax_bp INTEGER NOT NULL, tax_country TEXT NOT NULL,
                  reverse_charge INTEGER NOT NULL, tax_note TEXT NOT NULL,
                  period_start INTEGER, period_end INTEGER,
                  created_at INTEGER NOT NULL, finalized_at INTEGER, due_at INTEGER,
                  paid_minor INTEGER NOT NULL DEFAULT 0, credited_minor INTEGER NOT NULL DEFAULT 0,
                  refunded_minor INTEGER NOT NULL DEFAULT 0, paid_at INTEGER, voided_at INTEGER,
                  stripe_invoice_id TEXT UNIQUE, demo INTEGER NOT NULL DEFAULT 0,
                  UNIQUE (series, year, seq));
                CREATE INDEX billing_invoices_customer ON billing_invoices(customer_id);
                CREATE INDEX billing_invoices_open ON billing_invoices(status) WHERE status = 'open';
                CREATE TABLE billing_invoice_lines (
                  id INTEGER PRIMARY KEY, invoice_id INTEGER NOT NULL REFERENCES billing_invoices(id),
                  kind TEXT NOT NULL, stream TEXT NOT NULL, description TEXT NOT NULL,
                  quantity INTEGER NOT NULL, unit_micros INTEGER NOT NULL,
                  amount_minor INTEGER NOT NULL, net_minor INTEGER NOT NULL, tax_minor INTEGER NOT NULL,
                  period_start INTEGER, period_end INTEGER);
                CREATE INDEX billing_invoice_lines_invoice ON billing_invoice_lines(invoice_id);
                CREATE TABLE billing_credit_notes (
                  id INTEGER PRIMARY KEY, invoice_id INTEGER NOT NULL REFERENCES billing_invoices(id),
                  number TEXT NOT NULL UNIQUE, amount_minor INTEGER NOT NULL, tax_minor INTEGER NOT NULL,
                  currency TEXT NOT NULL, reason TEXT NOT NULL, created_at INTEGER NOT NULL,
                  demo INTEGER NOT NULL DEFAULT 0);
                CREATE TABLE billing_payments (
                  id INTEGER PRIMARY KEY, invoice_id INTEGER NOT NULL REFERENCES billing_invoices(id),
                  kind TEXT NOT NULL CHECK (kind IN ('payment','refund')),
                  amount_minor INTEGER NOT NULL CHECK (amount_minor > 0), currency TEXT NOT NULL,
                  method TEXT NOT NULL, external_id TEXT UNIQUE, received_at INTEGER NOT NULL,
                  demo INTEGER NOT NULL DEFAULT 0);
                CREATE INDEX billing_payments_invoice ON billing_payments(invoice_id);
                CREATE TABLE billing_webhook_events (
                  event_id TEXT PRIMARY KEY, type TEXT NOT NULL, received_at INTEGER NOT NULL, outcome TEXT NOT NULL);
                CREATE TABLE billing_events (
                  id INTEGER PRIMARY KEY, at INTEGER NOT NULL, type TEXT NOT NULL,
                  customer_id INTEGER, subscription_id INTEGER, invoice_id INTEGER, detail TEXT NOT NULL,
                  demo INTEGER NOT NULL DEFAULT 0);
                """)
        }
        m.registerMigration("billing.v1.commissions") { db in
            try db.execute(sql: """
                CREATE TABLE billing_payees (
                  id INTEGER PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL CHECK (kind IN ('seller','creator')),
                  created_at INTEGER NOT NULL, demo INTEGER NOT NULL DEFAULT 0);
                CREATE TABLE billing_commission_sales (
                  id INTEGER PRIMARY KEY, stream TEXT NOT NULL CHECK (stream IN ('marketplace','sponsorship')),
                  payee_id INTEGER NOT NULL REFERENCES billing_payees(id), description TEXT NOT NULL,
                  gross_minor INTEGER NOT NULL CHECK (gross_minor > 0), commission_minor INTEGER NOT NULL,
                  rate_bp INTEGER NOT NULL, currency TEXT NOT NULL, external_id TEXT UNIQUE,
                  occurred_at INTEGER NOT NULL, demo INTEGER NOT NULL DEFAULT 0);
                CREATE TABLE billing_referrals (
                  id INTEGER PRIMARY KEY, affiliate_id INTEGER NOT NULL REFERENCES billing_affiliates(id),
                  customer_id INTEGER NOT NULL UNIQUE, clicked_at INTEGER NOT NULL, attributed_at INTEGER NOT NULL);
                CREATE TABLE billing_payouts (
                  id INTEGER PRIMARY KEY, party TEXT NOT NULL, amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
                  currency TEXT NOT NULL, paid_at INTEGER NOT NULL, reference TEXT NOT NULL, demo INTEGER NOT NULL DEFAULT 0);
                CREATE TABLE billing_marketing_spend (
                  month TEXT NOT NULL, currency TEXT NOT NULL, amount_minor INTEGER NOT NULL CHECK (amount_minor >= 0),
                  demo INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (month, currency));
                """)
        }
        m.registerMigration("billing.v1.ledger") { db in
            try db.execute(sql: """
                CREATE TABLE billing_ledger_transactions (
                  id INTEGER PRIMARY KEY, at INTEGER NOT NULL, kind TEXT NOT NULL,
                  ref_type TEXT NOT NULL, ref_id INTEGER NOT NULL, memo TEXT NOT NULL,
                  demo INTEGER NOT NULL DEFAULT 0);
                CREATE INDEX billing_ledger_transactions_ref ON billing_ledger_transactions(ref_type, ref_id);
                CREATE TABLE billing_ledger_entries (
                  id INTEGER PRIMARY KEY, transaction_id INTEGER NOT NULL REFERENCES billing_ledger_transactions(id),
                  account TEXT NOT NULL, party TEXT, invoice_id INTEGER,
                  debit_minor INTEGER NOT NULL CHECK (debit_minor >= 0), credit_minor INTEGER NOT NULL CHECK (credit_minor >= 0),
                  currency TEXT NOT NULL);
                CREATE INDEX billing_ledger_entries_txn ON billing_ledger_entries(transaction_id);
                CREATE INDEX billing_ledger_entries_account ON billing_ledger_entries(account, party);
                """)
        }
        m.registerMigration("billing.v2.revenue_rollup") { db in
            // Recognised revenue per month and stream, maintained with each invoice, credit note and commission
            // sale so analytics never scan every invoice line.
            try db.execute(sql: """
                CREATE TABLE billing_revenue_monthly (
                  month TEXT NOT NULL, currency TEXT NOT NULL, stream TEXT NOT NULL, net_minor INTEGER NOT NULL,
                  PRIMARY KEY (month, currency, stream)) WITHOUT ROWID;
                """)
        }
        m.registerMigration("billing.v2.indexes") { db in
            try db.execute(sql: """
                CREATE INDEX billing_mrr_changes_subscription ON billing_mrr_changes(subscription_id, at, id);
                CREATE INDEX billing_invoices_subscription ON billing_invoices(subscription_id, status);
                """)
        }
        m.registerMigration("billing.v3.ledger_invoice_index") { db in
            try db.execute(sql: "CREATE INDEX billing_ledger_entries_invoice ON billing_ledger_entries(invoice_id) WHERE invoice_id IS NOT NULL")
        }
        m.registerMigration("billing.v4.mrr_current") { db in
            // The latest MRR of every subscription, kept next to the history so gauges and recordMRR need no
            // scan of the history.
            try db.execute(sql: """
                CREATE TABLE billing_mrr_current (
                  subscription_id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL, mrr_minor INTEGER NOT NULL,
                  currency TEXT NOT NULL, demo INTEGER NOT NULL DEFAULT 0);
                """)
            try rebuildCurrentMRR(db)
        }
        return m
    }

    /// Rebuilds `billing_mrr_current` from the history (migration, bulk loads).
    static func rebuildCurrentMRR(_ db: Database) throws {
        try db.execute(sql: """
            DELETE FROM billing_mrr_current;
            INSERT INTO billing_mrr_current(subscription_id, customer_id, mrr_minor, currency, demo)
              SELECT subscription_id, customer_id, mrr_minor, currency, demo FROM (
                SELECT *, ROW_NUMBER() OVER (PARTITION BY subscription_id ORDER BY at DESC, id DESC) AS rn FROM billing_mrr_changes) WHERE rn = 1;
            """)
    }
}
