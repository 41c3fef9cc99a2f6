"""The start page a signed-in person lands on."""
