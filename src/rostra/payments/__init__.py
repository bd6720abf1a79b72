"""Payment providers behind the ``PaymentProvider`` port: Stripe first."""
