/// An error from the billing domain: a stable code, a message a person can act on, and the field at fault if any.
///
/// Messages never carry secrets (webhook secrets, signatures); they name the offending value only when it is
/// the caller's own input (a currency code, a plan code, an invoice number).
public struct BillingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A stable, machine-readable error code.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The code's string form, e.g. `"negative_amount"`.
        public let rawValue: String
        /// Wraps a raw code.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The raw code.
        public var description: String { rawValue }

        /// An amount was below zero where only positive or zero amounts make sense.
        public static let negativeAmount = Code(rawValue: "negative_amount")
        /// An amount had more decimals than its currency allows, or was not a number.
        public static let invalidAmount = Code(rawValue: "invalid_amount")
        /// A currency code is not a known ISO 4217 code.
        public static let unknownCurrency = Code(rawValue: "unknown_currency")
        /// Two amounts in different currencies were combined (one invoice, one sum).
        public static let currencyMismatch = Code(rawValue: "currency_mismatch")
        /// An arithmetic result does not fit into 64 bits.
        public static let overflow = Code(rawValue: "overflow")
        /// The named customer, plan, subscription, invoice … does not exist.
        public static let notFound = Code(rawValue: "not_found")
        /// A field failed validation (empty name, bad e-mail, bad country code …).
        public static let invalidInput = Code(rawValue: "invalid_input")
        /// A plan change or other mutation was asked of a canceled subscription.
        public static let subscriptionCanceled = Code(rawValue: "subscription_canceled")
        /// The operation is not allowed in the object's current state (e.g. editing a finalised invoice).
        public static let invalidState = Code(rawValue: "invalid_state")
        /// A Stripe-Signature header is missing, malformed or does not match.
        public static let badSignature = Code(rawValue: "bad_signature")
        /// A signed webhook's timestamp is outside the tolerance.
        public static let staleSignature = Code(rawValue: "stale_signature")
        /// A webhook event id was already processed.
        public static let replayedEvent = Code(rawValue: "replayed_event")
        /// A webhook refers to an invoice this store does not know.
        public static let unknownInvoice = Code(rawValue: "unknown_invoice")
        /// A webhook payload is not the JSON shape expected.
        public static let badPayload = Code(rawValue: "bad_payload")
        /// A data file (plans.json, tax_rates.csv) could not be read or parsed.
        public static let badDataFile = Code(rawValue: "bad_data_file")
        /// A duplicate of something that must be unique (referral code, external id).
        public static let duplicate = Code(rawValue: "duplicate")
    }

    /// What went wrong, as a stable code.
    public let code: Code
    /// A readable explanation a person can act on.
    public let message: String
    /// The input field at fault, when the error is about one (`"amount"`, `"currency"`).
    public let field: String?

    /// Creates an error.
    public init(_ code: Code, _ message: String, field: String? = nil) {
        self.code = code
        self.message = message
        self.field = field
    }

    /// `code: message` (and the field when known).
    public var description: String {
        if let field { return "\(code) (\(field)): \(message)" }
        return "\(code): \(message)"
    }
}
