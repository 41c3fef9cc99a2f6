"""Services of the plans domain: goal areas, templates, plans and their items, exports."""
