"""The Regional Initiatives Office hub: domain modules and their repositories."""
