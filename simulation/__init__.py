"""Tools that drive the application from outside the domain: the sample programme of the tests and the seeded demo generator."""
