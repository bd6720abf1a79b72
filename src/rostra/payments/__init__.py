"""Payment providers behind the ``PaymentProvider`` port (issue 9): Stripe first."""
