"""Self sign-up: the organization settings, sign-up links with QR codes, and signing up."""
